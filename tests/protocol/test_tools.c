/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/tools.c, server.c's tool registry and content.c: listing with cursors,
 * calls with argument validation, structured output, registration rules, content items. */
#include "fixture.h"
#include "harness.h"
#include "souk/mcp_content.h"

static void start(harness *h, size_t page_size) {
  souk_mcp_server_options o = {.name = "t", .version = "1", .page_size = page_size};
  h_start(h, fixture_server_new(&h->loop, &o));
  h_initialize(h, "2025-11-25", NULL);
}

TEST(list_pages) {
  harness h;
  start(&h, 3);
  char cursor[64] = "";
  json_t *names = json_array();
  int pages = 0, id = 1;
  do {
    if (cursor[0])
      h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\",\"params\":{\"cursor\":\"%s\"}}",
              id, cursor);
    else
      h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}", id);
    json_t *r = h_expect_result(&h, id++);
    json_t *tools = json_object_get(r, "tools");
    CHECK_INT(json_array_size(tools), <=, 3);
    size_t i;
    json_t *t;
    json_array_foreach(tools, i, t) {
      json_array_append(names, json_object_get(t, "name"));
      CHECK(json_is_object(json_object_get(t, "inputSchema")));
    }
    const char *next = json_string_value(json_object_get(r, "nextCursor"));
    snprintf(cursor, sizeof cursor, "%s", next ? next : "");
    pages++;
  } while (cursor[0]);
  char *all = json_dumps(names, JSON_COMPACT);
  CHECK_STR(all, "[\"echo\",\"add\",\"bad_output\",\"slow\",\"ask\",\"confirm\",\"chatty\"]");
  free(all);
  json_decref(names);
  CHECK_INT(pages, ==, 3);
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"tools/list\",\"params\":{\"cursor\":\"bogus\"}}");
  CHECK_INT(h_expect_error(&h, 50, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_STR(msg, "Invalid params: unknown cursor");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\",\"params\":{\"cursor\":\"souk-page-99\"}}");
  CHECK_INT(h_expect_error(&h, 51, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  h_finish(&h);
  SAY("7 tools in 3 pages of 3 in registration order, following nextCursor; a foreign or stale "
      "cursor is -32602");
}

TEST(listing_shape) {
  harness h;
  start(&h, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  json_t *tools = json_object_get(h_expect_result(&h, 1), "tools");
  json_t *add = json_array_get(tools, 1);
  CHECK_STR(json_string_value(json_object_get(add, "name")), "add");
  CHECK_STR(json_string_value(json_object_get(add, "title")), "Add");
  CHECK_STR(json_string_value(json_object_get(add, "description")), "Adds two numbers.");
  CHECK(json_is_object(json_object_get(add, "outputSchema")));
  CHECK(json_is_true(json_object_get(json_object_get(add, "annotations"), "readOnlyHint")));
  json_t *confirm = json_array_get(tools, 5);
  CHECK_STR(json_string_value(json_object_get(json_object_get(confirm, "inputSchema"), "type")), "object");
  CHECK(json_object_get(confirm, "title") == NULL);
  h_finish(&h);
  SAY("listings carry name, title, description, inputSchema (an empty object schema when none "
      "was given), outputSchema and annotations");
}

TEST(call_and_validate) {
  harness h;
  start(&h, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
             "\"arguments\":{\"text\":\"hi\",\"repeat\":2,\"upper\":true}}}");
  json_t *r = h_expect_result(&h, 1);
  CHECK_STR(h_text(r), "HI HI");
  CHECK(json_object_get(r, "isError") == NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
             "\"arguments\":{\"repeat\":9,\"colour\":\"red\"}}}");
  r = h_expect_result(&h, 2);
  CHECK(json_is_true(json_object_get(r, "isError")));
  CHECK_STR(h_text(r), "Invalid arguments for tool 'echo': missing required argument 'text'; "
                       "argument 'repeat' must be <= 5, got 9; unknown argument 'colour' "
                       "(allowed: text, repeat, upper). Fix the arguments to match the tool's "
                       "inputSchema and call it again.");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}");
  r = h_expect_result(&h, 3);
  CHECK(json_is_true(json_object_get(r, "isError")));
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_STR(msg, "Unknown tool: nope");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{}}");
  CHECK_INT(h_expect_error(&h, 5, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
             "\"arguments\":[1]}}");
  CHECK_INT(h_expect_error(&h, 6, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_HAS(msg, "must be an object");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"confirm\","
             "\"arguments\":null}}");
  r = h_expect_result(&h, 7);
  CHECK_STR(h_text(r), "cannot ask the user: not supported"); /* no elicitation capability */
  h_finish(&h);
  SAY("valid arguments reach the handler; invalid ones give one isError result listing every "
      "problem; unknown tool, missing name and non-object arguments are -32602");
}

TEST(structured_output) {
  harness h;
  start(&h, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
             "\"arguments\":{\"a\":2,\"b\":0.5}}}");
  json_t *r = h_expect_result(&h, 1);
  CHECK(json_number_value(json_object_get(json_object_get(r, "structuredContent"), "sum")) == 2.5);
  CHECK_STR(h_text(r), "{\"sum\":2.5}");
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"bad_output\"}}");
  CHECK_INT(h_expect_error(&h, 2, &msg), ==, SOUK_JSONRPC_INTERNAL_ERROR);
  CHECK_STR(msg, "Internal error: tool 'bad_output' returned structuredContent that does not "
                 "match its outputSchema: field 'sum' must be a number, got string \"not a number\"");
  h_finish(&h);
  SAY("structuredContent is checked against outputSchema and repeated as text; a mismatch is "
      "-32603, never a broken result");
}

static void h_finish_value(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args;
  souk_mcp_call_finish(c, json_incref(data));
}

TEST(handler_results) {
  souk_mcp_server_options o = {.name = "t", .version = "1"};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(&o, &e);
  json_t *results[] = {
      json_string("not an object"),
      json_pack("{s:s}", "content", "x"),
      json_pack("{s:[{s:s}]}", "content", "text", "no type"),
      json_pack("{s:[o,o,o,o,o]}", "content",
                souk_mcp_image_item("\x89PNG", 4, "image/png"),
                souk_mcp_audio_item("RIFF", 4, "audio/wav"),
                souk_mcp_resource_link_item("souk://stores/a", "a", "application/json", "Store a"),
                souk_mcp_embedded_item(souk_mcp_text_contents("test://x", "text/plain", "x")),
                souk_mcp_embedded_item(souk_mcp_blob_contents("test://y", NULL, "\x00\x01", 2))),
  };
  for (size_t i = 0; i < sizeof results / sizeof *results; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%zu", i);
    souk_mcp_tool t = {name, NULL, NULL, NULL, NULL, NULL, NULL, h_finish_value, results[i]};
    CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, 0);
  }
  harness h;
  h_start(&h, s);
  h_initialize(&h, "2025-11-25", NULL);
  const char *msg;
  for (int i = 0; i < 3; i++) {
    h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"r%d\"}}",
            i, i);
    CHECK_INT(h_expect_error(&h, i, &msg), ==, SOUK_JSONRPC_INTERNAL_ERROR);
  }
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"r3\"}}");
  json_t *content = json_object_get(h_expect_result(&h, 3), "content");
  char *text = json_dumps(content, JSON_COMPACT);
  CHECK_STR(text, "[{\"type\":\"image\",\"data\":\"iVBORw==\",\"mimeType\":\"image/png\"},"
                  "{\"type\":\"audio\",\"data\":\"UklGRg==\",\"mimeType\":\"audio/wav\"},"
                  "{\"type\":\"resource_link\",\"uri\":\"souk://stores/a\",\"name\":\"a\","
                  "\"mimeType\":\"application/json\",\"description\":\"Store a\"},"
                  "{\"type\":\"resource\",\"resource\":{\"uri\":\"test://x\",\"mimeType\":"
                  "\"text/plain\",\"text\":\"x\"}},"
                  "{\"type\":\"resource\",\"resource\":{\"uri\":\"test://y\",\"blob\":\"AAE=\"}}]");
  free(text);
  h_finish(&h);
  for (size_t i = 0; i < sizeof results / sizeof *results; i++)
    json_decref(results[i]);
  SAY("a result that is not an object, content that is not an array or items without a type "
      "are -32603; image, audio, resource_link and embedded text/blob items pass as built");
}

static void nop(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_text(c, "ok");
}

TEST(registration_rules) {
  souk_mcp_server_options o = {.name = "t", .version = "1"};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(&o, &e);
  souk_mcp_tool t = {"ok.name-1", NULL, NULL, NULL, NULL, NULL, NULL, nop, NULL};
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, 0);
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EDUPLICATE);
  CHECK_HAS(e.text, "already registered");
  t.name = "has space";
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EINVAL);
  t.name = "";
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EINVAL);
  t.name = "x";
  t.handler = NULL;
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EINVAL);
  t.handler = nop;
  t.input_schema = json_pack("{s:s}", "type", "array");
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "inputSchema must be a JSON Schema object with \"type\": \"object\"");
  json_decref(t.input_schema);
  t.input_schema = json_pack("{s:s,s:{s:{s:s}}}", "type", "object", "properties", "a", "type", "int");
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, SOUK_EINVAL);
  CHECK_STR(e.text, "tool 'x': inputSchema: properties.a.type 'int' is not a JSON Schema type");
  json_decref(t.input_schema);
  t.input_schema = NULL;
  t.extra = json_pack("{s:[{s:s}],s:s}", "icons", "src", "https://x/i.png", "name", "ignored");
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, 0);
  json_decref(t.extra);
  t.extra = NULL;
  CHECK_INT(souk_mcp_server_tool_count(s), ==, 2);
  harness h;
  h_start(&h, s);
  h_initialize(&h, "2025-11-25", NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  json_t *x = json_array_get(json_object_get(h_expect_result(&h, 1), "tools"), 1);
  CHECK_STR(json_string_value(json_object_get(x, "name")), "x");
  CHECK(json_is_array(json_object_get(x, "icons")));
  /* a tool added now is announced */
  t.name = "y";
  CHECK_INT(souk_mcp_server_add_tool(s, &t, &e), ==, 0);
  h_expect_notification(&h, "notifications/tools/list_changed");
  h_finish(&h);
  SAY("duplicate names, bad names, no handler, non-object and unusable schemas are refused at "
      "registration with a reason; extra members (icons) are listed but never override");
}

TEST(base64) {
  static const char *const vectors[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="},
                                           {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                                           {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
    size_t n;
    char *b = souk_base64_encode(vectors[i][0], strlen(vectors[i][0]), &n);
    CHECK_STR(b, vectors[i][1]);
    CHECK_INT(n, ==, strlen(vectors[i][1]));
    free(b);
  }
  unsigned char all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (unsigned char)i;
  char *b = souk_base64_encode(all, sizeof all, NULL);
  CHECK_INT(strlen(b), ==, 344);
  CHECK(strncmp(b, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0);
  CHECK(strcmp(b + 340, "/w==") == 0);
  free(b);
  CHECK(souk_mcp_text_item("\xff") == NULL);
  SAY("the RFC 4648 test vectors and all 256 byte values encode right; non-UTF-8 text is refused");
}
