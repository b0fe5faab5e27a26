/* SPDX-License-Identifier: MIT */
/* Unit tests of the MCP utilities: progress, cancellation, logging levels, and the
 * server-to-client requests sampling/createMessage, elicitation/create and ping with their
 * timeouts. */
#include "fixture.h"
#include "harness.h"

static void start(harness *h, const char *caps) {
  h_start(h, fixture_server_new(&h->loop, NULL));
  h_initialize(h, "2025-11-25", caps);
}

TEST(progress) {
  harness h;
  start(&h, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
             "\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":\"tok-1\"}}}");
  h_run(&h);
  for (int i = 1; i <= 3; i++) {
    json_t *p = h_expect_notification(&h, "notifications/progress");
    CHECK_STR(json_string_value(json_object_get(p, "progressToken")), "tok-1");
    CHECK(json_number_value(json_object_get(p, "progress")) == i);
    CHECK(json_number_value(json_object_get(p, "total")) == 3);
    CHECK_STR(json_string_value(json_object_get(p, "message")), "working");
    CHECK_INT(json_integer_value(json_object_get(h_meta_last(&h), "related")), ==, 1);
  }
  CHECK_STR(h_text(h_expect_result(&h, 1)), "done after 3 steps");
  /* without a token: no notifications */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
             "\"arguments\":{\"steps\":3}}}");
  h_run(&h);
  h_expect_result(&h, 2);
  CHECK_INT(h_pending(&h), ==, 0);
  h_finish(&h);
  SAY("with a progressToken each step sends notifications/progress (token, progress, total, "
      "message) related to the call, before its result; without one nothing is sent");
}

static souk_mcp_call *held;
static void hold(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  held = c;
}

TEST(progress_rules) {
  souk_mcp_server_options o = {.name = "p", .version = "1"};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(&o, &e);
  souk_mcp_tool t = {"hold", NULL, NULL, NULL, NULL, NULL, NULL, hold, NULL};
  souk_mcp_server_add_tool(s, &t, &e);
  harness h;
  h_start(&h, s);
  h_initialize(&h, "2025-11-25", NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"hold\","
             "\"_meta\":{\"progressToken\":7}}}");
  CHECK(held != NULL);
  CHECK_INT(json_integer_value(souk_mcp_call_progress_token(held)), ==, 7);
  CHECK_STR(souk_mcp_call_name(held), "hold");
  CHECK_STR(souk_mcp_call_method(held), "tools/call");
  CHECK_INT(json_integer_value(souk_mcp_call_id(held)), ==, 1);
  CHECK(souk_mcp_call_session(held) == h.session);
  CHECK_INT(souk_mcp_call_progress(held, 0.5, -1, NULL), ==, 0);
  json_t *p = h_expect_notification(&h, "notifications/progress");
  CHECK(json_object_get(p, "total") == NULL);
  CHECK(json_object_get(p, "message") == NULL);
  CHECK_INT(souk_mcp_call_progress(held, 0.5, -1, NULL), ==, SOUK_EINVAL);
  CHECK_INT(souk_mcp_call_progress(held, 0.25, -1, NULL), ==, SOUK_EINVAL);
  CHECK_INT(h_pending(&h), ==, 0);
  CHECK_INT(souk_mcp_call_progress(held, 1, 1, "all"), ==, 0);
  h_expect_notification(&h, "notifications/progress");
  souk_mcp_call_text(held, "ok");
  h_expect_result(&h, 1);
  h_finish(&h);
  SAY("progress must grow (equal or smaller values are SOUK_EINVAL and not sent); integer "
      "tokens are echoed; call accessors report method, name, id and session");
}

static int cancel_seen;
static char cancel_reason[100];
static void on_cancel(souk_mcp_call *c, void *data, const char *reason) {
  (void)data;
  cancel_seen++;
  snprintf(cancel_reason, sizeof cancel_reason, "%s", reason ? reason : "");
  souk_mcp_call_text(c, "too late");
}

TEST(cancellation) {
  harness h;
  start(&h, NULL);
  fixture_slow_cancelled = 0;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":\"long\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
             "\"arguments\":{\"steps\":100000},\"_meta\":{\"progressToken\":1}}}");
  h_run_once(&h);
  CHECK_INT(souk_mcp_session_in_flight(h.session), ==, 1);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
             "\"requestId\":\"long\",\"reason\":\"user pressed stop\"}}");
  CHECK_INT(fixture_slow_cancelled, ==, 1);
  CHECK_INT(souk_mcp_session_in_flight(h.session), ==, 0);
  h_run(&h);
  while (h_pending(&h)) { /* progress that went before the cancellation, and nothing else */
    json_t *m = h_next(&h);
    CHECK_STR(json_string_value(json_object_get(m, "method")), "notifications/progress");
  }
  /* unknown ids and finished requests: ignored */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":42}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
  h_expect_result(&h, 5);
  h_finish(&h);

  /* a handler that registers its cancel callback after the cancellation still hears of it */
  souk_mcp_server_options o = {.name = "c", .version = "1"};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(&o, &e);
  souk_mcp_tool t = {"hold", NULL, NULL, NULL, NULL, NULL, NULL, hold, NULL};
  souk_mcp_server_add_tool(s, &t, &e);
  h_start(&h, s);
  h_initialize(&h, "2025-11-25", NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"hold\"}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1,"
             "\"reason\":\"r\"}}");
  CHECK(souk_mcp_call_cancelled(held));
  CHECK_INT(souk_mcp_call_progress(held, 1, 2, NULL), ==, 0); /* silently dropped */
  souk_mcp_call_on_cancel(held, on_cancel, NULL);
  CHECK_INT(cancel_seen, ==, 1);
  CHECK_STR(cancel_reason, "r");
  CHECK_INT(h_pending(&h), ==, 0); /* the answer of a cancelled call is not sent */
  h_finish(&h);
  SAY("notifications/cancelled reaches the running handler with its reason and suppresses the "
      "response; a late cancel callback runs at once; unknown ids are ignored");
}

TEST(logging_levels) {
  harness h;
  start(&h, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"chatty\"}}");
  for (int lv = 0; lv < 8; lv++) {
    json_t *p = h_expect_notification(&h, "notifications/message");
    CHECK_STR(json_string_value(json_object_get(p, "level")), souk_mcp_log_level_name(lv));
    CHECK_STR(json_string_value(json_object_get(p, "logger")), "chatty");
    CHECK_INT(json_integer_value(json_object_get(h_meta_last(&h), "related")), ==, 1);
  }
  h_expect_result(&h, 1);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"warning\"}}");
  h_expect_result(&h, 2);
  CHECK_INT(souk_mcp_session_log_level(h.session), ==, SOUK_MCP_LOG_WARNING);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"chatty\"}}");
  for (int lv = SOUK_MCP_LOG_WARNING; lv <= SOUK_MCP_LOG_EMERGENCY; lv++) {
    json_t *p = h_expect_notification(&h, "notifications/message");
    CHECK_STR(json_string_value(json_object_get(p, "level")), souk_mcp_log_level_name(lv));
  }
  h_expect_result(&h, 3);
  const char *msg;
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}");
  CHECK_INT(h_expect_error(&h, 4, &msg), ==, SOUK_JSONRPC_INVALID_PARAMS);
  CHECK_HAS(msg, "debug, info, notice, warning, error, critical, alert, emergency");
  souk_mcp_server_log(h.server, SOUK_MCP_LOG_ERROR, "souk", json_pack("{s:s}", "msg", "disk full"));
  json_t *p = h_expect_notification(&h, "notifications/message");
  CHECK_STR(json_string_value(json_object_get(json_object_get(p, "data"), "msg")), "disk full");
  souk_mcp_server_log(h.server, SOUK_MCP_LOG_INFO, NULL, json_string("quiet"));
  CHECK_INT(h_pending(&h), ==, 0);
  CHECK_INT(souk_mcp_log_level_parse("notice"), ==, SOUK_MCP_LOG_NOTICE);
  CHECK_INT(souk_mcp_log_level_parse("Notice"), ==, -1);
  h_finish(&h);
  SAY("all 8 levels go until logging/setLevel; then only those at or above it; a bad level is "
      "-32602; server-wide logs follow each session's level");
}

TEST(sampling_round_trip) {
  harness h;
  start(&h, "{\"sampling\":{}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"question\":\"capital of France?\"}}}");
  json_t *req = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(req, "method")), "sampling/createMessage");
  json_t *params = json_object_get(req, "params");
  CHECK_INT(json_integer_value(json_object_get(params, "maxTokens")), ==, 100);
  CHECK_INT(json_integer_value(json_object_get(h_meta_last(&h), "kind")), ==, SOUK_MCP_MSG_REQUEST);
  CHECK_INT(json_integer_value(json_object_get(h_meta_last(&h), "related")), ==, 1);
  json_int_t rid = json_integer_value(json_object_get(req, "id"));
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":{\"role\":\"assistant\","
              "\"content\":{\"type\":\"text\",\"text\":\"Paris\"},\"model\":\"m\"}}", rid);
  CHECK_STR(h_text(h_expect_result(&h, 1)), "the model said: Paris");
  /* the client answers with an error */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"question\":\"q\"}}}");
  rid = json_integer_value(json_object_get(h_next(&h), "id"));
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"error\":{\"code\":-1,"
              "\"message\":\"User rejected sampling request\"}}", rid);
  json_t *r = h_expect_result(&h, 2);
  CHECK(json_is_true(json_object_get(r, "isError")));
  CHECK_STR(h_text(r), "the client refused to sample: User rejected sampling request");
  /* an answer nobody waits for is dropped */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}");
  CHECK_INT(h_pending(&h), ==, 0);
  h_finish(&h);

  start(&h, NULL);
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"question\":\"q\"}}}");
  CHECK_STR(h_text(h_expect_result(&h, 1)), "cannot ask the model: not supported");
  json_t *p = json_pack("{s:[],s:i,s:[]}", "messages", "maxTokens", 5, "tools");
  CHECK_INT(souk_mcp_session_sample(h.session, p, 0, NULL, NULL), ==, SOUK_EUNSUPPORTED);
  h_finish(&h);
  SAY("sampling/createMessage goes to the client related to the tool call, its result or error "
      "comes back to the handler; without the capability it is SOUK_EUNSUPPORTED");
}

static int replies;
static int reply_status;
static void on_reply(void *data, const souk_mcp_reply *r) {
  (void)data;
  replies++;
  reply_status = r->status;
}

TEST(elicitation_and_timeouts) {
  harness h;
  start(&h, "{\"elicitation\":{}}");
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"confirm\"}}");
  json_t *req = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(req, "method")), "elicitation/create");
  CHECK_STR(json_string_value(json_object_get(json_object_get(req, "params"), "message")), "Proceed?");
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":{\"action\":\"accept\","
              "\"content\":{\"ok\":true}}}", json_integer_value(json_object_get(req, "id")));
  CHECK_STR(h_text(h_expect_result(&h, 1)), "action=accept");
  /* url mode needs its own capability */
  json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "mode", "url", "message", "m", "url", "https://x",
                        "elicitationId", "e1");
  CHECK_INT(souk_mcp_session_elicit(h.session, p, 0, on_reply, NULL), ==, SOUK_EUNSUPPORTED);
  /* a request that times out: the handler hears SOUK_ETIMEDOUT, the client gets cancelled */
  uint64_t t0 = uv_now(&h.loop);
  CHECK_INT(souk_mcp_session_elicit(h.session, json_pack("{s:s,s:{}}", "message", "m",
                                    "requestedSchema"), 30, on_reply, NULL), ==, 0);
  json_int_t rid = json_integer_value(json_object_get(h_next(&h), "id"));
  h_run(&h);
  CHECK_INT(replies, ==, 1);
  CHECK_INT(reply_status, ==, SOUK_ETIMEDOUT);
  CHECK_INT(uv_now(&h.loop) - t0, >=, 30);
  json_t *c = h_expect_notification(&h, "notifications/cancelled");
  CHECK_INT(json_integer_value(json_object_get(c, "requestId")), ==, rid);
  CHECK_HAS(json_string_value(json_object_get(c, "reason")), "within 30 ms");
  /* a late answer to it is dropped */
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":{}}", rid);
  CHECK_INT(replies, ==, 1);
  /* the sampling tool with a short timeout */
  h_recv(&h, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
             "\"arguments\":{\"question\":\"q\",\"timeout_ms\":20}}}");
  CHECK_STR(h_text(h_expect_result(&h, 2)), "cannot ask the model: not supported");
  /* ping from the server */
  CHECK_INT(souk_mcp_session_ping(h.session, 0, on_reply, NULL), ==, 0);
  req = h_next(&h);
  CHECK_STR(json_string_value(json_object_get(req, "method")), "ping");
  h_recvf(&h, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":{}}",
          json_integer_value(json_object_get(req, "id")));
  CHECK_INT(replies, ==, 2);
  CHECK_INT(reply_status, ==, 0);
  h_finish(&h);

  start(&h, "{\"elicitation\":{\"url\":{}}}");
  CHECK_INT(souk_mcp_session_elicit(h.session, json_pack("{s:s,s:{}}", "message", "m",
                                    "requestedSchema"), 0, on_reply, NULL), ==, SOUK_EUNSUPPORTED);
  h_finish(&h);
  SAY("elicitation/create round trip; url mode and form mode need their capability; an "
      "unanswered request times out (SOUK_ETIMEDOUT + notifications/cancelled), late answers "
      "are dropped; server ping works");
}
