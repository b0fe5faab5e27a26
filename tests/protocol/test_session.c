/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/session.c and lifecycle.c: versions, initialization, the transport
 * boundary (origins, done, idle), batches, limits, and ending a session with work in flight. */
#include "fixture.h"
#include "harness.h"

#define INIT_FMT                                                                          \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":" \
    "\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"

TEST(version_negotiation) {
  const char *asked[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2099-01-01", "1.0"};
  const char *got[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2025-11-25",
                       "2025-11-25"};
  for (size_t i = 0; i < sizeof asked / sizeof *asked; i++) {
    harness h;
    h_start(&h, fixture_server_new(NULL, NULL));
    h_recvf(&h, INIT_FMT, asked[i]);
    json_t *r = h_expect_result(&h, 1);
    CHECK_STR(json_string_value(json_object_get(r, "protocolVersion")), got[i]);
    CHECK_STR(souk_mcp_session_protocol_version(h.session), got[i]);
    json_t *info = json_object_get(r, "serverInfo");
    CHECK_STR(json_string_value(json_object_get(info, "name")), "souk-fixture");
    CHECK_STR(json_string_value(json_object_get(info, "version")), "0.0.1");
    CHECK_STR(json_string_value(json_object_get(info, "title")), "Souk test fixture");
    CHECK_STR(json_string_value(json_object_get(r, "instructions")),
              "Fixture server of souk's protocol tests.");
    json_t *caps = json_object_get(r, "capabilities");
    CHECK(json_is_true(json_object_get(json_object_get(caps, "tools"), "listChanged")));
    CHECK(json_is_true(json_object_get(json_object_get(caps, "resources"), "subscribe")));
    CHECK(json_object_get(caps, "prompts") != NULL);
    CHECK(json_object_get(caps, "logging") != NULL);
    CHECK((json_object_get(caps, "completions") != NULL) == (strcmp(got[i], "2024-11-05") != 0));
    CHECK_INT(souk_mcp_session_state_of(h.session), ==, SOUK_MCP_SESSION_INITIALIZING);
    h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    CHECK_INT(souk_mcp_session_state_of(h.session), ==, SOUK_MCP_SESSION_READY);
    CHECK_STR(json_string_value(json_object_get(souk_mcp_session_client_info(h.session), "name")), "t");
    CHECK(json_is_object(souk_mcp_session_client_capabilities(h.session)));
    h_finish(&h);
  }
  CHECK(souk_mcp_version_supported("2025-06-18"));
  CHECK(!souk_mcp_version_supported("2025-06-19"));
  CHECK(souk_mcp_version_allows_batch("2025-03-26"));
  CHECK(!souk_mcp_version_allows_batch("2025-06-18"));
  CHECK(!souk_mcp_version_allows_batch("2024-11-05"));
  SAY("each of the 4 versions is kept, unknown ones get 2025-11-25; serverInfo, instructions and "
      "capabilities (completions only from 2025-03-26) are sent");
}

TEST(before_initialize) {
  harness h;
  h_start(&h, fixture_server_new(NULL, NULL));
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  CHECK_INT(h_expect_error(&h, 1, &msg), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_HAS(msg, "not initialized");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
  CHECK_INT(json_object_size(h_expect_result(&h, 2)), ==, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  CHECK_INT(souk_mcp_session_state_of(h.session), ==, SOUK_MCP_SESSION_NEW);
  CHECK_INT(h_pending(&h), ==, 0);
  /* initialize with bad params leaves the session new */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}");
  CHECK_INT(h_expect_error(&h, 3, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_HAS(msg, "protocolVersion");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}}}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_HAS(msg, "clientInfo");
  CHECK_INT(souk_mcp_session_state_of(h.session), ==, SOUK_MCP_SESSION_NEW);
  CHECK(souk_mcp_session_protocol_version(h.session) == NULL);
  h_initialize(&h, "2025-06-18", NULL);
  h_recvf(&h, INIT_FMT, "2025-06-18");
  CHECK_INT(h_expect_error(&h, 1, &msg), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_HAS(msg, "already");
  /* server-to-client requests other than ping wait for initialization */
  h_finish(&h);
  SAY("before initialize only ping is served; bad initialize params are -32602 and change "
      "nothing; a second initialize is -32600");
}

static int replies;
static souk_mcp_reply last_reply;
static void on_reply(void *data, const souk_mcp_reply *r) {
  (void)data;
  replies++;
  last_reply = *r;
  last_reply.result = NULL;
  last_reply.error = NULL;
  last_reply.error_message = NULL;
}

TEST(server_requests_need_initialization) {
  harness h;
  h_start(&h, fixture_server_new(NULL, NULL));
  CHECK_INT(souk_mcp_session_request(h.session, "roots/list", NULL, 0, on_reply, NULL), ==,
            SOUK_ESTATE);
  CHECK_INT(souk_mcp_session_ping(h.session, 0, on_reply, NULL), ==, 0); /* ping may go */
  json_t *m = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(m, "method")), "ping");
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":{}}",
          json_integer_value(json_object_get(m, "id")));
  CHECK_INT(replies, ==, 1);
  CHECK_INT(last_reply.status, ==, 0);
  h_finish(&h);
  SAY("a server request before initialization is SOUK_ESTATE; a ping goes and its answer comes "
      "back");
}

TEST(origins_done_idle) {
  harness h;
  h_start(&h, fixture_server_new(&h.loop, NULL));
  h_initialize(&h, "2025-11-25", NULL);
  int a, b;
  void *A = &a, *B = &b;
  int idle0 = h.idle;
  CHECK_INT(h_recv_from(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", A), ==, 1);
  h_expect_result(&h, 1);
  const json_t *meta = h_meta_last(&h);
  CHECK_INT(json_integer_value(json_object_get(meta, "origin")), ==, (json_int_t)(intptr_t)A);
  CHECK_INT(json_integer_value(json_object_get(meta, "related")), ==, 1);
  CHECK_INT(json_integer_value(json_object_get(meta, "kind")), ==, SOUK_MCP_MSG_RESPONSE);
  CHECK_INT(h.done, ==, 1);
  CHECK(h.done_origin == A);
  CHECK_INT(h.idle, ==, idle0 + 1);
  /* a notification carries no answer and no done */
  CHECK_INT(h_recv_from(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}", A),
            ==, 0);
  CHECK_INT(h.done, ==, 1);
  /* a running call: its progress and answer carry the origin; done comes after the answer */
  CHECK_INT(h_recv_from(&h, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\",\"params\":"
                            "{\"name\":\"slow\",\"arguments\":{\"steps\":2},\"_meta\":{\"progressToken\":9}}}",
                        B), ==, 1);
  CHECK_INT(h.done, ==, 1);
  CHECK_INT(souk_mcp_session_in_flight(h.session), ==, 1);
  h_run(&h);
  json_t *p = h_expect_notification(&h, "notifications/progress");
  CHECK_INT(json_integer_value(json_object_get(p, "progressToken")), ==, 9);
  meta = h_meta_last(&h);
  CHECK_INT(json_integer_value(json_object_get(meta, "origin")), ==, (json_int_t)(intptr_t)B);
  CHECK_STR(json_string_value(json_object_get(meta, "related")), "s");
  h_expect_notification(&h, "notifications/progress");
  json_t *m = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(m, "id")), "s");
  CHECK_INT(h.done, ==, 2);
  CHECK(h.done_origin == B);
  CHECK_INT(h.idle, ==, idle0 + 2);
  /* a forgotten origin: messages carry NULL and no done follows */
  h_recv_from(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
                  "{\"name\":\"slow\",\"arguments\":{\"steps\":1}}}", A);
  souk_mcp_session_forget_origin(h.session, A);
  h_run(&h);
  h_expect_result(&h, 3);
  CHECK_INT(json_integer_value(json_object_get(h_meta_last(&h), "origin")), ==, 0);
  CHECK_INT(h.done, ==, 2);
  h_finish(&h);
  SAY("answers carry their origin and request id; done follows the last answer of an origin, "
      "idle the last request in flight; a forgotten origin gets neither");
}

TEST(batches) {
  harness h;
  h_start(&h, fixture_server_new(&h.loop, NULL));
  /* before initialize: refused */
  CHECK_INT(h_recv(&h, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]"), ==, 1);
  json_t *m = h_next(&h);
  CHECK(json_is_null(json_object_get(m, "id")));
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32600);
  h_initialize(&h, "2025-03-26", NULL);
  int origin;
  CHECK_INT(h_recv_from(&h, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
                            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
                            "{\"name\":\"slow\",\"arguments\":{\"steps\":1}}},"
                            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"},"
                            "{\"foo\":1},"
                            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"initialize\"}]", &origin), ==, 1);
  CHECK_INT(h_pending(&h), ==, 0); /* waits for the slow call */
  CHECK_INT(h.done, ==, 0);
  h_run(&h);
  m = h_next(&h);
  CHECK(json_is_array(m));
  CHECK_INT(json_array_size(m), ==, 5);
  CHECK_INT(json_integer_value(json_object_get(json_array_get(m, 0), "id")), ==, 1);
  CHECK_INT(json_integer_value(json_object_get(json_object_get(json_array_get(m, 1), "error"), "code")),
            ==, -32601);
  CHECK(json_is_null(json_object_get(json_array_get(m, 2), "id")));
  CHECK_HAS(json_string_value(json_object_get(json_object_get(json_array_get(m, 3), "error"), "message")),
            "must not be part of a JSON-RPC batch");
  CHECK_INT(json_integer_value(json_object_get(json_array_get(m, 4), "id")), ==, 2);
  CHECK(json_object_get(h_meta_last(&h), "related") == NULL ||
        json_is_null(json_object_get(h_meta_last(&h), "related")));
  CHECK_INT(h.done, ==, 1);
  CHECK(h.done_origin == &origin);
  /* notifications only: no answer at all */
  CHECK_INT(h_recv_from(&h, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]", &origin), ==, 0);
  CHECK_INT(h_pending(&h), ==, 0);
  CHECK_INT(h.done, ==, 1);
  h_finish(&h);

  /* later versions refuse batches */
  h_start(&h, fixture_server_new(&h.loop, NULL));
  h_initialize(&h, "2025-06-18", NULL);
  h_recv(&h, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
  m = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
            "Invalid Request: protocol version 2025-06-18 does not allow JSON-RPC batches; send "
            "one message at a time");
  h_finish(&h);
  SAY("2025-03-26 answers a batch with one array once its slow call is done (errors in place, "
      "notifications without answer); before initialize and in 2025-06-18 batches are -32600");
}

TEST(batch_limits) {
  souk_mcp_server_options o = {.name = "b", .version = "1", .max_batch = 2};
  harness h;
  h_start(&h, fixture_server_new(NULL, &o));
  h_initialize(&h, "2025-03-26", NULL);
  h_recv(&h, "[]");
  json_t *m = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
            "Invalid Request: empty batch");
  h_recv(&h, "[{\"jsonrpc\":\"2.0\",\"method\":\"a\"},{\"jsonrpc\":\"2.0\",\"method\":\"b\"},"
             "{\"jsonrpc\":\"2.0\",\"method\":\"c\"}]");
  m = h_next(&h);
  CHECK_HAS(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
            "exceeds the limit of 2");
  h_finish(&h);
  SAY("an empty batch and one over max_batch are refused whole");
}

TEST(in_flight_limits) {
  souk_mcp_server_options o = {.name = "b", .version = "1", .max_in_flight = 2};
  harness h;
  h_start(&h, fixture_server_new(&h.loop, &o));
  h_initialize(&h, "2025-11-25", NULL);
#define call                                                                              \
  "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"                     \
  "{\"name\":\"slow\",\"arguments\":{\"steps\":1}}}"
  h_recvf(&h, call, 1);
  const char *msg;
  h_recvf(&h, call, 1);
  CHECK_INT(h_expect_error(&h, 1, &msg), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_STR(msg, "Invalid Request: id 1 is already in use by a request in flight");
  h_recvf(&h, call, 2);
  h_recvf(&h, call, 3);
  CHECK_INT(h_expect_error(&h, 3, &msg), ==, SOUK_JSONRPC_INTERNAL_ERROR);
  CHECK_HAS(msg, "busy");
  h_run(&h);
  h_expect_result(&h, 1);
  h_expect_result(&h, 2);
  h_recvf(&h, call, 1); /* an id may be used again once answered */
  h_run(&h);
  h_expect_result(&h, 1);
  h_finish(&h);
#undef call
  SAY("a duplicate id in flight is -32600; past max_in_flight a request is -32603; ids free up "
      "when answered");
}

TEST(transport_errors) {
  harness h;
  h_start(&h, fixture_server_new(NULL, NULL));
  h_initialize(&h, "2025-11-25", NULL);
  h.fail_send = 1;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
  CHECK_INT(h_pending(&h), ==, 0);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
  h_expect_result(&h, 2);
  /* what a transport could not deliver */
  int o;
  CHECK_INT(souk_mcp_session_receive_error(h.session, SOUK_ETOOBIG, 5000000, &o), ==, 1);
  json_t *m = h_next(&h);
  CHECK(json_is_null(json_object_get(m, "id")));
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32600);
  CHECK_HAS(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
            "5000000 bytes");
  CHECK(h.done_origin == &o);
  souk_mcp_session_receive_error(h.session, SOUK_EIO, 10, NULL);
  m = h_next(&h);
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32700);
  h_finish(&h);
  SAY("a failed send loses that message only; dropped transport messages get -32600 / -32700 "
      "with id null");
}

TEST(free_with_work_in_flight) {
  harness h;
  h_start(&h, fixture_server_new(&h.loop, NULL));
  h_initialize(&h, "2025-11-25", "{\"sampling\":{}}");
  fixture_slow_cancelled = 0;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"slow\",\"arguments\":{\"steps\":100000}}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"ask\",\"arguments\":{\"question\":\"hi\"}}}");
  replies = 0;
  CHECK_INT(souk_mcp_session_ping(h.session, 0, on_reply, NULL), ==, 0);
  CHECK_INT(souk_mcp_session_in_flight(h.session), ==, 2);
  h_run_once(&h);
  souk_mcp_session_free(h.session);
  h.session = NULL;
  CHECK_INT(fixture_slow_cancelled, ==, 1);
  CHECK_INT(replies, ==, 1);
  CHECK_INT(last_reply.status, ==, SOUK_ECANCELED);
  size_t before = h_pending(&h);
  h_run(&h);
  CHECK_INT(h_pending(&h), ==, before); /* nothing is sent after the end */
  h_finish(&h);
  SAY("ending a session cancels running calls, fails pending server requests with "
      "SOUK_ECANCELED, sends nothing more, and leaves no handle open");
}

TEST(list_changed) {
  harness h;
  souk_mcp_server *srv = fixture_server_new(NULL, NULL);
  h_start(&h, srv);
  h_initialize(&h, "2025-11-25", NULL);
  CHECK_INT(souk_mcp_server_remove_tool(srv, "chatty"), ==, 0);
  h_expect_notification(&h, "notifications/tools/list_changed");
  CHECK_INT(souk_mcp_server_remove_tool(srv, "chatty"), ==, SOUK_ENOENT);
  CHECK_INT(souk_mcp_server_remove_prompt(srv, "greet"), ==, 0);
  h_expect_notification(&h, "notifications/prompts/list_changed");
  CHECK_INT(souk_mcp_server_remove_template(srv, "test://items/{id}"), ==, 0);
  h_expect_notification(&h, "notifications/resources/list_changed");
  souk_mcp_server_resources_changed(srv);
  h_expect_notification(&h, "notifications/resources/list_changed");
  h_finish(&h);
  SAY("removing a tool, a prompt or a template, or saying resources changed, notifies ready "
      "sessions");
}

TEST(unadvertised_methods) {
  souk_mcp_server_options o = {.name = "bare", .version = "1"};
  souk_errinfo e;
  harness h;
  h_start(&h, souk_mcp_server_new(&o, &e));
  h_recvf(&h, INIT_FMT, "2025-11-25");
  json_t *caps = json_object_get(h_expect_result(&h, 1), "capabilities");
  CHECK_INT(json_object_size(caps), ==, 1); /* logging only */
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}");
  CHECK_INT(h_expect_error(&h, 2, &msg), ==, SOUK_JSONRPC_METHOD_NOT_FOUND);
  CHECK_STR(msg, "Method not found: prompts/list");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}");
  CHECK_INT(h_expect_error(&h, 3, &msg), ==, SOUK_JSONRPC_METHOD_NOT_FOUND);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"params\":[1]}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_STR(strlen(souk_mcp_session_id(h.session)) == 32 ? "32" : "?", "32");
  h_finish(&h);
  /* options without a name are refused */
  souk_mcp_server_options none = {0};
  CHECK(souk_mcp_server_new(&none, &e) == NULL);
  CHECK_HAS(e.text, "name and a version");
  SAY("a server with nothing registered advertises logging only and answers -32601 for the "
      "rest; array params are -32602; session ids are 32 hex digits");
}
