/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/prompts.c: prompts/list, prompts/get with arguments, and
 * completion/complete for prompt arguments and template variables. */
#include "fixture.h"
#include "harness.h"

static void start(harness *h, const char *version) {
  h_start(h, fixture_server_new(&h->loop, NULL));
  h_initialize(h, version, NULL);
}

TEST(list_and_get) {
  harness h;
  start(&h, "2025-11-25");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}");
  json_t *p = json_array_get(json_object_get(h_expect_result(&h, 1), "prompts"), 0);
  char *s = json_dumps(p, JSON_COMPACT);
  CHECK_STR(s, "{\"name\":\"greet\",\"title\":\"Greeting\",\"description\":\"Greets someone.\","
               "\"arguments\":[{\"name\":\"name\",\"description\":\"Who to greet\",\"required\":true},"
               "{\"name\":\"style\",\"description\":\"formal, friendly or funny\",\"required\":false}]}");
  free(s);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\","
             "\"arguments\":{\"name\":\"Ada\",\"style\":\"formal\"}}}");
  json_t *r = h_expect_result(&h, 2);
  json_t *m = json_array_get(json_object_get(r, "messages"), 0);
  CHECK_STR(json_string_value(json_object_get(m, "role")), "user");
  CHECK_STR(json_string_value(json_object_get(json_object_get(m, "content"), "text")),
            "Greet Ada in a formal way.");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\","
             "\"arguments\":{\"name\":\"Bo\"}}}");
  h_expect_result(&h, 3);
  h_finish(&h);
  SAY("prompts list with their arguments; get fills the messages from the arguments");
}

TEST(get_errors) {
  harness h;
  start(&h, "2025-11-25");
  static const struct {
    const char *params, *msg;
  } bad[] = {
      {"{\"name\":\"greet\"}", "Invalid params: missing required argument 'name' for prompt 'greet'"},
      {"{\"name\":\"greet\",\"arguments\":{\"style\":\"funny\"}}",
       "Invalid params: missing required argument 'name' for prompt 'greet'"},
      {"{\"name\":\"greet\",\"arguments\":{\"name\":3}}",
       "Invalid params: argument 'name' of prompt 'greet' must be a string"},
      {"{\"name\":\"greet\",\"arguments\":{\"name\":\"a\",\"mood\":\"x\"}}",
       "Invalid params: prompt 'greet' has no argument 'mood'"},
      {"{\"name\":\"greet\",\"arguments\":[]}",
       "Invalid params: \"arguments\" of prompt 'greet' must be an object"},
      {"{\"name\":\"nope\"}", "Invalid params: unknown prompt 'nope'"},
      {"{}", "Invalid params: prompts/get needs the prompt's \"name\" (a string)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *msg;
    h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"prompts/get\",\"params\":%s}", i,
            bad[i].params);
    CHECK_INT(h_expect_error(&h, (json_int_t)i, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
    CHECK_STR(msg, bad[i].msg);
  }
  h_finish(&h);
  SAY("%zu kinds of bad prompts/get are -32602 with a sentence naming the argument",
      sizeof bad / sizeof *bad);
}

static const char *values(json_t *r) {
  static char buf[300];
  char *s = json_dumps(json_object_get(json_object_get(r, "completion"), "values"), JSON_COMPACT);
  snprintf(buf, sizeof buf, "%s", s);
  free(s);
  return buf;
}

TEST(completion) {
  harness h;
  start(&h, "2025-06-18");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},\"argument\":{\"name\":\"style\",\"value\":\"f\"}}}");
  json_t *r = h_expect_result(&h, 1);
  CHECK_STR(values(r), "[\"formal\",\"friendly\",\"funny\"]");
  CHECK_INT(json_integer_value(json_object_get(json_object_get(r, "completion"), "total")), ==, 3);
  CHECK(json_is_false(json_object_get(json_object_get(r, "completion"), "hasMore")));
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://items/{id}\"},"
             "\"argument\":{\"name\":\"id\",\"value\":\"1\"},\"context\":{\"arguments\":{}}}}");
  CHECK_STR(values(h_expect_result(&h, 2)), "[\"1\",\"10\"]");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://static-text\"},"
             "\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
  CHECK_STR(values(h_expect_result(&h, 3)), "[]");
  static const struct {
    const char *params;
    int code;
    const char *msg;
  } bad[] = {
      {"{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"nope\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}",
       -32602, "Invalid params: unknown prompt 'nope'"},
      {"{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},\"argument\":{\"name\":\"mood\",\"value\":\"\"}}",
       -32602, "Invalid params: prompt 'greet' has no argument 'mood'"},
      {"{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://items/{id}\"},\"argument\":{\"name\":\"x\",\"value\":\"\"}}",
       -32602, "Invalid params: template 'test://items/{id}' has no variable 'x'"},
      {"{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://other/{id}\"},\"argument\":{\"name\":\"id\",\"value\":\"\"}}",
       -32002, "Resource not found: no resource template 'test://other/{id}'"},
      {"{\"ref\":{\"type\":\"ref/tool\",\"name\":\"x\"},\"argument\":{\"name\":\"a\",\"value\":\"\"}}",
       -32602, "Invalid params: ref.type must be \"ref/prompt\" or \"ref/resource\""},
      {"{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"}}", -32602,
       "Invalid params: completion/complete needs ref.type and argument.name and argument.value "
       "(strings)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *msg;
    h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"completion/complete\",\"params\":%s}",
            i + 10, bad[i].params);
    CHECK_INT(h_expect_error(&h, (json_int_t)i + 10, &msg), ==, bad[i].code);
    CHECK_STR(msg, bad[i].msg);
  }
  h_finish(&h);
  SAY("prompt arguments and template variables complete by prefix with total and hasMore; a "
      "fixed URI completes to nothing; %zu bad requests get -32602/-32002", sizeof bad / sizeof *bad);
}

static void many(souk_mcp_call *c, const souk_mcp_completion *req, void *data) {
  (void)req, (void)data;
  static char store[150][8];
  const char *v[150];
  for (int i = 0; i < 150; i++) {
    snprintf(store[i], sizeof store[i], "v%d", i);
    v[i] = store[i];
  }
  souk_mcp_call_complete(c, v, 150, -1, false);
}

TEST(completion_limits_and_versions) {
  harness h;
  start(&h, "2024-11-05");
  souk_mcp_server_set_completion(h.server, many, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},\"argument\":{\"name\":\"name\",\"value\":\"\"}}}");
  json_t *c = json_object_get(h_expect_result(&h, 1), "completion");
  CHECK_INT(json_array_size(json_object_get(c, "values")), ==, 100);
  CHECK_INT(json_integer_value(json_object_get(c, "total")), ==, 150);
  CHECK(json_is_true(json_object_get(c, "hasMore")));
  souk_mcp_server_set_completion(h.server, NULL, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
             "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},\"argument\":{\"name\":\"name\",\"value\":\"\"}}}");
  CHECK_STR(values(h_expect_result(&h, 2)), "[]");
  h_finish(&h);
  SAY("at most 100 values go (total 150, hasMore); 2024-11-05 serves completion/complete "
      "without the capability; no provider completes to nothing");
}
