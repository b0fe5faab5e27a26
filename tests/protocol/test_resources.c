/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/resources.c and uri_template.c: listing (static, dynamic, pages),
 * reading text and blobs, templates, -32002, subscriptions and updates. */
#include "fixture.h"
#include "harness.h"

static void start(harness *h, const souk_mcp_server_options *o) {
  h_start(h, fixture_server_new(&h->loop, o));
  h_initialize(h, "2025-11-25", NULL);
}

static int lister_calls, lister_fail;
static int lister(void *data, json_t *out) {
  (void)data;
  lister_calls++;
  if (lister_fail)
    return SOUK_ESTORE;
  json_array_append_new(out, json_pack("{s:s,s:s}", "uri", "test://items/7", "name", "item 7"));
  json_array_append_new(out, json_pack("{s:s,s:s}", "uri", "test://items/8", "name", "item 8"));
  return 0;
}

TEST(list) {
  souk_mcp_server_options o = {.name = "r", .version = "1", .page_size = 3};
  harness h;
  start(&h, &o);
  souk_mcp_server_set_resource_lister(h.server, lister, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
  json_t *r = h_expect_result(&h, 1);
  json_t *list = json_object_get(r, "resources");
  CHECK_INT(json_array_size(list), ==, 3);
  json_t *first = json_array_get(list, 0);
  CHECK_STR(json_string_value(json_object_get(first, "uri")), "test://static-text");
  CHECK_STR(json_string_value(json_object_get(first, "name")), "static-text");
  CHECK_STR(json_string_value(json_object_get(first, "title")), "Static text");
  CHECK_STR(json_string_value(json_object_get(first, "mimeType")), "text/plain");
  CHECK_INT(json_integer_value(json_object_get(first, "size")), ==, 48);
  const char *cursor = json_string_value(json_object_get(r, "nextCursor"));
  CHECK(cursor != NULL);
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\",\"params\":{\"cursor\":\"%s\"}}",
          cursor);
  r = h_expect_result(&h, 2);
  list = json_object_get(r, "resources");
  CHECK_INT(json_array_size(list), ==, 1);
  CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "uri")), "test://items/8");
  CHECK(json_object_get(r, "nextCursor") == NULL);
  CHECK_INT(lister_calls, ==, 2);
  lister_fail = 1;
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\"}");
  CHECK_INT(h_expect_error(&h, 3, &msg), ==, SOUK_JSONRPC_INTERNAL_ERROR);
  CHECK_STR(msg, "Internal error: listing resources failed: storage error");
  lister_fail = 0;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/templates/list\"}");
  list = json_object_get(h_expect_result(&h, 4), "resourceTemplates");
  CHECK_INT(json_array_size(list), ==, 1);
  CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "uriTemplate")),
            "test://items/{id}");
  h_finish(&h);
  SAY("registered and listed-on-demand resources page together (3 + 1); a failing lister is "
      "-32603 saying why; templates list apart");
}

TEST(read) {
  harness h;
  start(&h, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-text\"}}");
  json_t *c = json_array_get(json_object_get(h_expect_result(&h, 1), "contents"), 0);
  CHECK_STR(json_string_value(json_object_get(c, "uri")), "test://static-text");
  CHECK_STR(json_string_value(json_object_get(c, "text")), "This is the content of the static text resource.");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://static-binary\"}}");
  c = json_array_get(json_object_get(h_expect_result(&h, 2), "contents"), 0);
  CHECK_STR(json_string_value(json_object_get(c, "blob")), "AAECAwQFBgcICQoLDA0ODw==");
  CHECK_STR(json_string_value(json_object_get(c, "mimeType")), "application/octet-stream");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://items/a%20b%C3%A9\"}}");
  c = json_array_get(json_object_get(h_expect_result(&h, 3), "contents"), 0);
  CHECK_STR(json_string_value(json_object_get(c, "text")), "item a b\xc3\xa9");
  CHECK_STR(json_string_value(json_object_get(c, "uri")), "test://items/a%20b%C3%A9");
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://nope\"}}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_MCP_RESOURCE_NOT_FOUND);
  CHECK_STR(msg, "Resource not found: test://nope");
  json_t *m = json_array_get(h.out, h.next - 1);
  CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(m, "error"), "data"), "uri")),
            "test://nope");
  /* no match across a slash, nor an empty variable */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://items/a/b\"}}");
  CHECK_INT(h_expect_error(&h, 5, NULL), ==, SOUK_MCP_RESOURCE_NOT_FOUND);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://items/\"}}");
  CHECK_INT(h_expect_error(&h, 6, NULL), ==, SOUK_MCP_RESOURCE_NOT_FOUND);
  /* the handler itself may say not found */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://items/missing\"}}");
  CHECK_INT(h_expect_error(&h, 7, NULL), ==, SOUK_MCP_RESOURCE_NOT_FOUND);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/read\",\"params\":{}}");
  CHECK_INT(h_expect_error(&h, 8, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_STR(msg, "Invalid params: resources/read needs a \"uri\" (a non-empty string)");
  /* a variable decoding to invalid UTF-8 matches nothing */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://items/%FF\"}}");
  CHECK_INT(h_expect_error(&h, 9, NULL), ==, SOUK_MCP_RESOURCE_NOT_FOUND);
  h_finish(&h);
  SAY("text and blob contents; template variables percent-decoded, never across '/', never "
      "empty; unknown URIs and handler misses are -32002 with data.uri");
}

static void bad_read(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_contents(c, json_pack("[{s:s}]", "text", "no uri"));
}

TEST(registration) {
  souk_mcp_server_options o = {.name = "r", .version = "1"};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(&o, &e);
  souk_mcp_resource r = {"not a uri", "n", NULL, NULL, NULL, -1, NULL, NULL, bad_read, NULL};
  CHECK_INT(souk_mcp_server_add_resource(s, &r, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "not an absolute URI");
  r.uri = "test://bad";
  CHECK_INT(souk_mcp_server_add_resource(s, &r, &e), ==, 0);
  CHECK_INT(souk_mcp_server_add_resource(s, &r, &e), ==, SOUK_EDUPLICATE);
  static const struct {
    const char *tmpl, *why;
  } bad[] = {
      {"test://{+path}", "only level-1 templates"},
      {"test://{a}{b}", "cannot be told apart"},
      {"test://{a", "bad expression"},
      {"test://a}", "unbalanced"},
      {"test://{}", "bad expression"},
      {"test://{a-b}", "bad expression"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    souk_mcp_resource_template t = {bad[i].tmpl, "t", NULL, NULL, NULL, NULL, NULL, bad_read, NULL};
    CHECK_INT(souk_mcp_server_add_template(s, &t, &e), ==, SOUK_EINVAL);
    CHECK_HAS(e.text, bad[i].why);
  }
  souk_mcp_resource_template t = {"test://{a}/x/{b.c}", "t", NULL, NULL, NULL, NULL, NULL, bad_read, NULL};
  CHECK_INT(souk_mcp_server_add_template(s, &t, &e), ==, 0);
  harness h;
  h_start(&h, s);
  h_initialize(&h, "2025-11-25", NULL);
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":\"test://bad\"}}");
  CHECK_INT(h_expect_error(&h, 1, &msg), ==, SOUK_JSONRPC_INTERNAL_ERROR);
  CHECK_STR(msg, "Internal error: contents[0] of 'test://bad' needs a uri and a text or a blob");
  h_finish(&h);
  SAY("URIs must be absolute; level-2+ operators, adjacent and malformed expressions are refused "
      "when registered; contents without uri are -32603 when read");
}

static int other_sent;
static int count_send(void *data, const souk_mcp_message *m) {
  (void)data, (void)m;
  other_sent++;
  return 0;
}

TEST(subscriptions) {
  souk_mcp_server_options o = {.name = "r", .version = "1", .max_subscriptions = 2};
  harness h;
  start(&h, &o);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  h_expect_result(&h, 1);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  h_expect_result(&h, 2); /* twice is once */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://items/4\"}}");
  h_expect_result(&h, 3);
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://items/5\"}}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_HAS(msg, "limit");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"test://nope\"}}");
  CHECK_INT(h_expect_error(&h, 5, NULL), ==, SOUK_MCP_RESOURCE_NOT_FOUND);

  /* a second session, not subscribed, hears nothing */
  souk_mcp_transport t2 = {count_send, NULL, NULL, NULL};
  souk_mcp_session *s2 = souk_mcp_session_new(h.server, NULL, &t2, NULL);
  const char *init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":"
                     "{\"name\":\"two\"}}}";
  const char *inited = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
  souk_mcp_session_receive(s2, init, strlen(init));
  souk_mcp_session_receive(s2, inited, strlen(inited));
  CHECK_INT(other_sent, ==, 1);
  other_sent = 0;
  souk_mcp_server_resource_updated(h.server, "test://static-text");
  json_t *p = h_expect_notification(&h, "notifications/resources/updated");
  CHECK_STR(json_string_value(json_object_get(p, "uri")), "test://static-text");
  souk_mcp_server_resource_updated(h.server, "test://items/4");
  h_expect_notification(&h, "notifications/resources/updated");
  souk_mcp_server_resource_updated(h.server, "test://static-binary");
  CHECK_INT(h_pending(&h), ==, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"test://static-text\"}}");
  h_expect_result(&h, 6);
  souk_mcp_server_resource_updated(h.server, "test://static-text");
  CHECK_INT(h_pending(&h), ==, 0);
  CHECK_INT(other_sent, ==, 0);
  souk_mcp_session_free(s2);
  h_finish(&h);
  SAY("subscribe (idempotent, bounded, -32002 for unknown URIs), updates reach subscribers only, "
      "unsubscribe stops them");
}
