/* SPDX-License-Identifier: MIT */
/* Streamable HTTP over loopback against the fixture server: sessions, JSON and SSE answers,
 * the GET stream, DELETE, 202 for notifications and responses, server requests answered by a
 * second POST, cancellation, and the protocol cases over the wire (malformed JSON, oversized
 * messages, missing or unknown session, bad MCP-Protocol-Version, bad headers), each followed
 * by a request that still works. */
#include <sys/socket.h>
#include <unistd.h>

#include "net_support.h"

static json_t *post(int port, const char *sid, const char *body, http_resp *r) {
  http_do(port, "POST", "/mcp", mcp_headers(sid), body, r);
  const char *ct = http_header(r, "content-type");
  if (r->status == 200 && ct && strcmp(ct, "application/json") == 0)
    return json_of(r->body);
  return NULL;
}

static void ping_works(int port, const char *sid) {
  http_resp r;
  json_t *v = post(port, sid, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}", &r);
  CHECK_MSG(v && json_is_object(json_object_get(v, "result")), "ping after the case: HTTP %d %s",
            r.status, r.body);
  json_decref(v);
  http_resp_free(&r);
}

static int error_code(const char *body) {
  json_t *v = json_of(body);
  int code = (int)json_integer_value(json_object_get(json_object_get(v, "error"), "code"));
  CHECK(json_is_null(json_object_get(v, "id")) || json_object_get(v, "id"));
  json_decref(v);
  return code;
}

TEST(initialize_and_call) {
  int port = ns_start(NULL);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(NULL),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
          &r);
  CHECK_INT(r.status, ==, 200);
  CHECK_STR(http_header(&r, "content-type"), "application/json");
  const char *sid = http_header(&r, "mcp-session-id");
  CHECK(sid && strlen(sid) == 32);
  char id[40];
  snprintf(id, sizeof id, "%s", sid);
  json_t *v = json_of(r.body);
  CHECK_STR(json_string_value(json_object_get(json_object_get(v, "result"), "protocolVersion")),
            "2025-06-18");
  json_decref(v);
  http_resp_free(&r);
  SAY("initialize answers JSON with a 32-hex-digit Mcp-Session-Id");

  v = post(port, id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &r);
  CHECK_INT(r.status, ==, 202);
  CHECK_INT(r.body_len, ==, 0);
  http_resp_free(&r);
  SAY("a notification gets 202 Accepted and no body");

  v = post(port, id, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", &r);
  CHECK(v != NULL);
  CHECK_INT(json_array_size(json_object_get(json_object_get(v, "result"), "tools")), >=, 5);
  json_decref(v);
  http_resp_free(&r);
  v = post(port, id, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
           "\"echo\",\"arguments\":{\"text\":\"hi\",\"repeat\":2}}}", &r);
  CHECK(v != NULL);
  CHECK_HAS(r.body, "\"text\":\"hi hi\"");
  json_decref(v);
  http_resp_free(&r);
  SAY("tools/list and tools/call answer as JSON");

  /* keep-alive: three requests on one connection */
  int fd = tcp_connect(port);
  for (int i = 0; i < 3; i++) {
    char body[100];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", 10 + i);
    http_send(fd, port, "POST", "/mcp", mcp_headers(id), body);
    http_read(fd, &r);
    CHECK_INT(r.status, ==, 200);
    CHECK(!r.closed);
    CHECK_HAS(r.body, "\"result\":{}");
    http_resp_free(&r);
  }
  close(fd);
  SAY("three requests on one kept-alive connection");
  souk_mcp_net_stats st = ns_stats();
  CHECK_INT(st.sessions, ==, 1);
  CHECK_INT(st.http_sessions, ==, 1);
  CHECK_INT(st.messages_in, ==, 7);
  ns_stop();
  SAY("stats: 1 session, 7 messages in; the loop closes with no handle left");
}

TEST(sse_progress) {
  int port = ns_start(NULL);
  const char *sid = mcp_http_open(port, NULL);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
          "\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":\"tok\"}}}",
          &r);
  CHECK_INT(r.status, ==, 200);
  CHECK_STR(http_header(&r, "content-type"), "text/event-stream");
  CHECK_STR(http_header(&r, "transfer-encoding"), "chunked");
  int progress = 0, results = 0;
  const char *p = r.body;
  while ((p = strstr(p, "data: "))) {
    p += 6;
    const char *e = strchr(p, '\n');
    char *one = strndup(p, (size_t)(e - p));
    json_t *v = json_of(one);
    if (json_object_get(v, "method")) {
      CHECK_STR(json_string_value(json_object_get(v, "method")), "notifications/progress");
      CHECK_INT(results, ==, 0);
      progress++;
    } else {
      CHECK_INT(json_integer_value(json_object_get(v, "id")), ==, 5);
      results++;
    }
    json_decref(v);
    free(one);
  }
  CHECK_INT(progress, ==, 3);
  CHECK_INT(results, ==, 1);
  http_resp_free(&r);
  SAY("a call with a progressToken is answered as SSE: 3 progress events, then the result, "
      "then the stream ends");

  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"chatty\"}}",
          &r);
  CHECK_STR(http_header(&r, "content-type"), "text/event-stream");
  CHECK_HAS(r.body, "notifications/message");
  CHECK_HAS(r.body, "\"id\":6");
  http_resp_free(&r);
  SAY("a call that logs is answered as SSE too");

  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
          "\"arguments\":{\"steps\":2}}}",
          &r);
  CHECK_STR(http_header(&r, "content-type"), "application/json");
  CHECK_HAS(r.body, "done after 2 steps");
  http_resp_free(&r);
  SAY("the same call without a progressToken is plain JSON");
  ns_stop();
}

TEST(sampling_over_second_post) {
  int port = ns_start(NULL);
  const char *sid = mcp_http_open(port, NULL);
  char id[80];
  snprintf(id, sizeof id, "%s", sid);
  int fd = tcp_connect(port);
  http_send(fd, port, "POST", "/mcp", mcp_headers(id),
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"ask\","
            "\"arguments\":{\"question\":\"2+2?\"}}}");
  http_resp head;
  http_read_head(fd, &head);
  CHECK_INT(head.status, ==, 200);
  CHECK_STR(http_header(&head, "content-type"), "text/event-stream");
  char *ev = sse_next(fd, 5000);
  json_t *req = json_of(ev);
  CHECK_STR(json_string_value(json_object_get(req, "method")), "sampling/createMessage");
  json_int_t rid = json_integer_value(json_object_get(req, "id"));
  free(ev);
  json_decref(req);
  SAY("the tool's sampling request arrives on the POST's event stream");

  char answer[300];
  snprintf(answer, sizeof answer,
           "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\",\"content\":"
           "{\"type\":\"text\",\"text\":\"four\"},\"model\":\"m\"}}",
           (long long)rid);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(id), answer, &r);
  CHECK_INT(r.status, ==, 202);
  http_resp_free(&r);
  SAY("the client's answer, POSTed separately, gets 202");

  ev = sse_next(fd, 5000);
  CHECK_HAS(ev, "the model said: four");
  CHECK_HAS(ev, "\"id\":9");
  free(ev);
  CHECK(sse_next(fd, 5000) == NULL);
  close(fd);
  SAY("the tool's result follows on the first stream, which then ends");
  ns_stop();
}

static void announce(souk_mcp_net *net, souk_mcp_server *server, void *arg) {
  (void)net, (void)arg;
  souk_mcp_server_resources_changed(server);
}

TEST(get_stream) {
  int port = ns_start(NULL);
  const char *sid = mcp_http_open(port, NULL);
  char id[80], h[300];
  snprintf(id, sizeof id, "%s", sid);
  snprintf(h, sizeof h, "Accept: text/event-stream\r\nMcp-Session-Id: %s\r\n", id);
  int fd = tcp_connect(port);
  http_send(fd, port, "GET", "/mcp", h, NULL);
  http_resp head;
  http_read_head(fd, &head);
  CHECK_INT(head.status, ==, 200);
  CHECK_STR(http_header(&head, "content-type"), "text/event-stream");
  SAY("GET opens the session's event stream");

  http_resp r;
  http_do(port, "GET", "/mcp", h, NULL, &r);
  CHECK_INT(r.status, ==, 409);
  http_resp_free(&r);
  SAY("a second GET stream is refused with 409");

  ns_run(announce, NULL);
  char *ev = sse_next(fd, 5000);
  CHECK_HAS(ev, "notifications/resources/list_changed");
  free(ev);
  SAY("a notification not tied to a request arrives on the GET stream");

  /* A request whose POST connection goes away: its later messages go to the GET stream. */
  int pfd = tcp_connect(port);
  http_send(pfd, port, "POST", "/mcp", mcp_headers(id),
            "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
            "\"arguments\":{\"steps\":40,\"interval_ms\":5},\"_meta\":{\"progressToken\":1}}}");
  http_read_head(pfd, &head);
  char *first = sse_next(pfd, 5000);
  CHECK_HAS(first, "notifications/progress");
  free(first);
  close(pfd);
  bool result = false;
  for (int i = 0; i < 100 && !result; i++) {
    ev = sse_next(fd, 5000);
    CHECK(ev != NULL);
    result = strstr(ev, "done after 40 steps") != NULL;
    free(ev);
  }
  CHECK(result);
  SAY("when a POST stream closes early, the rest of its call arrives on the GET stream");

  http_do(port, "DELETE", "/mcp", h, NULL, &r);
  CHECK_INT(r.status, ==, 200);
  http_resp_free(&r);
  CHECK(sse_next(fd, 5000) == NULL);
  close(fd);
  SAY("DELETE ends the session and its GET stream");
  ns_stop();
}

TEST(delete_and_sessions) {
  int port = ns_start(NULL);
  const char *sid = mcp_http_open(port, NULL);
  char id[80];
  snprintf(id, sizeof id, "%s", sid);
  char h[200];
  snprintf(h, sizeof h, "Mcp-Session-Id: %s\r\n", id);
  http_resp r;
  http_do(port, "DELETE", "/mcp", h, NULL, &r);
  CHECK_INT(r.status, ==, 200);
  http_resp_free(&r);
  json_decref(post(port, id, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r));
  CHECK_INT(r.status, ==, 404);
  CHECK_INT(error_code(r.body), ==, -32001);
  http_resp_free(&r);
  http_do(port, "DELETE", "/mcp", h, NULL, &r);
  CHECK_INT(r.status, ==, 404);
  http_resp_free(&r);
  SAY("after DELETE the session id is unknown: 404 (-32001) for POST and DELETE");

  json_decref(post(port, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", &r));
  CHECK_INT(r.status, ==, 400);
  CHECK_INT(error_code(r.body), ==, -32000);
  CHECK_HAS(r.body, "Mcp-Session-Id");
  http_resp_free(&r);
  SAY("a request other than initialize without Mcp-Session-Id: 400");

  json_decref(post(port, "0123456789abcdef0123456789abcdef", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
       &r));
  CHECK_INT(r.status, ==, 404);
  http_resp_free(&r);
  SAY("an unknown session id: 404");

  const char *s2 = mcp_http_open(port, NULL);
  ping_works(port, s2);
  souk_mcp_net_stats st = ns_stats();
  CHECK_INT(st.sessions, ==, 1);
  CHECK_INT(st.sessions_total, ==, 2);
  CHECK_INT(st.refused_session, ==, 4);
  ns_stop();
  SAY("a new session still works; stats count 4 session refusals");
}

TEST(protocol_errors_over_http) {
  souk_mcp_net_options o = {.max_message_bytes = 4096};
  int port = ns_start(&o);
  const char *s = mcp_http_open(port, NULL);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", s);
  http_resp r;

  json_decref(post(port, sid, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", &r));
  CHECK_INT(r.status, ==, 400);
  CHECK_INT(error_code(r.body), ==, -32700);
  http_resp_free(&r);
  ping_works(port, sid);
  SAY("malformed JSON: 400 with a -32700 error, id null; the session keeps serving");

  json_decref(post(port, NULL, "not json", &r));
  CHECK_INT(r.status, ==, 400);
  CHECK_INT(error_code(r.body), ==, -32700);
  http_resp_free(&r);
  SAY("malformed JSON without a session: 400 with -32700");

  json_decref(post(port, sid, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", &r));
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(error_code(r.body), ==, -32600);
  http_resp_free(&r);
  json_decref(post(port, sid, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"}", &r));
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(error_code(r.body), ==, -32601);
  http_resp_free(&r);
  SAY("errors of a request with an id (wrong jsonrpc, unknown method) are answered with 200");

  char *big = malloc(6000);
  memset(big, ' ', 5999);
  big[5999] = '\0';
  memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 40);
  json_decref(post(port, sid, big, &r));
  CHECK_INT(r.status, ==, 413);
  CHECK_INT(error_code(r.body), ==, -32600);
  CHECK(r.closed);
  http_resp_free(&r);
  free(big);
  ping_works(port, sid);
  SAY("a message over max_message: 413 with -32600, the connection closes; the session keeps "
      "serving");

  char h[400];
  snprintf(h, sizeof h, "%sMCP-Protocol-Version: 1999-01-01\r\n", mcp_headers(sid));
  http_do(port, "POST", "/mcp", h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r);
  CHECK_INT(r.status, ==, 400);
  CHECK_HAS(r.body, "MCP-Protocol-Version");
  http_resp_free(&r);
  snprintf(h, sizeof h, "%sMCP-Protocol-Version: 2025-03-26\r\n", mcp_headers(sid));
  http_do(port, "POST", "/mcp", h, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r);
  CHECK_INT(r.status, ==, 200);
  http_resp_free(&r);
  SAY("an unsupported MCP-Protocol-Version: 400; another supported version is accepted");

  snprintf(h, sizeof h, "Content-Type: text/plain\r\nAccept: application/json, "
           "text/event-stream\r\nMcp-Session-Id: %s\r\n", sid);
  http_do(port, "POST", "/mcp", h, "{}", &r);
  CHECK_INT(r.status, ==, 415);
  http_resp_free(&r);
  snprintf(h, sizeof h, "Content-Type: application/json\r\nAccept: text/html\r\n"
           "Mcp-Session-Id: %s\r\n", sid);
  http_do(port, "POST", "/mcp", h, "{}", &r);
  CHECK_INT(r.status, ==, 406);
  http_resp_free(&r);
  http_do(port, "PUT", "/mcp", mcp_headers(sid), "{}", &r);
  CHECK_INT(r.status, ==, 405);
  CHECK_STR(http_header(&r, "allow"), "GET, POST, DELETE, OPTIONS");
  http_resp_free(&r);
  http_do(port, "POST", "/other", mcp_headers(sid), "{}", &r);
  CHECK_INT(r.status, ==, 404);
  http_resp_free(&r);
  snprintf(h, sizeof h, "Accept: application/json\r\nMcp-Session-Id: %s\r\n", sid);
  http_do(port, "GET", "/mcp", h, NULL, &r);
  CHECK_INT(r.status, ==, 406);
  http_resp_free(&r);
  ping_works(port, sid);
  SAY("wrong Content-Type 415, Accept without SSE 406, PUT 405 with Allow, another path 404, "
      "GET without text/event-stream 406; the session keeps serving");

  json_decref(post(port, sid, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", &r));
  CHECK_INT(r.status, ==, 400);
  CHECK_HAS(r.body, "batch");
  http_resp_free(&r);
  SAY("a batch on a 2025-11-25 session: 400 with -32600");
  ns_stop();
}

TEST(cancel_over_http) {
  int port = ns_start(NULL);
  const char *s = mcp_http_open(port, NULL);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", s);
  int fd = tcp_connect(port);
  http_send(fd, port, "POST", "/mcp", mcp_headers(sid),
            "{\"jsonrpc\":\"2.0\",\"id\":\"long\",\"method\":\"tools/call\",\"params\":{\"name\":"
            "\"slow\",\"arguments\":{\"steps\":100000,\"interval_ms\":10},\"_meta\":"
            "{\"progressToken\":\"x\"}}}");
  http_resp head;
  http_read_head(fd, &head);
  char *ev = sse_next(fd, 5000);
  CHECK_HAS(ev, "notifications/progress");
  free(ev);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":"
          "\"long\",\"reason\":\"enough\"}}",
          &r);
  CHECK_INT(r.status, ==, 202);
  http_resp_free(&r);
  while ((ev = sse_next(fd, 5000))) {
    CHECK_MSG(!strstr(ev, "\"result\""), "a cancelled call sent a result: %s", ev);
    free(ev);
  }
  close(fd);
  CHECK_INT(ns_slow_cancelled(), >=, 1);
  ping_works(port, sid);
  ns_stop();
  SAY("notifications/cancelled stops the job; its stream ends without a result; ping still "
      "works");
}

TEST(session_timeout) {
  souk_mcp_net_options o = {.session_timeout_ms = 300};
  int port = ns_start(&o);
  const char *s = mcp_http_open(port, NULL);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", s);
  ping_works(port, sid);
  usleep(1600 * 1000);
  http_resp r;
  json_decref(post(port, sid, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &r));
  CHECK_INT(r.status, ==, 404);
  http_resp_free(&r);
  CHECK_INT(ns_stats().sessions, ==, 0);
  ns_stop();
  SAY("an HTTP session unused for longer than session_timeout_ms is ended (404 afterwards)");
}

TEST(stop_with_open_streams) {
  int port = ns_start(NULL);
  const char *s = mcp_http_open(port, NULL);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", s);
  int fd = tcp_connect(port);
  http_send(fd, port, "POST", "/mcp", mcp_headers(sid),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\","
            "\"arguments\":{\"steps\":100000,\"interval_ms\":10},\"_meta\":{\"progressToken\":1}}}");
  http_resp head;
  http_read_head(fd, &head);
  char *ev = sse_next(fd, 5000);
  free(ev);
  int idle = tcp_connect(port); /* a connection that never sends anything */
  ns_stop();
  while ((ev = sse_next(fd, 5000)))
    free(ev);
  close(fd);
  close(idle);
  SAY("stopping with a running call, its open stream and an idle connection: everything "
      "closes and the loop has no handle left");
}

TEST(batch_and_length) {
  int port = ns_start(NULL);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(NULL),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
          &r);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", http_header(&r, "mcp-session-id"));
  http_resp_free(&r);
  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &r);
  http_resp_free(&r);
  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":2,"
          "\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}},"
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}]",
          &r);
  CHECK_INT(r.status, ==, 200);
  json_t *v = json_of(r.body);
  CHECK(json_is_array(v));
  CHECK_INT(json_array_size(v), ==, 2);
  json_decref(v);
  http_resp_free(&r);
  SAY("a 2025-03-26 session POSTs a batch and gets one JSON array of its two answers");

  http_do(port, "POST", "/mcp", mcp_headers(sid),
          "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}]",
          &r);
  CHECK_INT(r.status, ==, 202);
  http_resp_free(&r);
  SAY("a batch of notifications only: 202");

  int fd = tcp_connect(port);
  char h[512];
  snprintf(h, sizeof h, "%sMcp-Session-Id: %s\r\nTransfer-Encoding: chunked\r\n",
           mcp_headers(NULL), sid);
  http_send(fd, port, "POST", "/mcp", h, NULL);
  const char *chunked = "5\r\n{\"a\":\r\n0\r\n\r\n";
  CHECK(send(fd, chunked, strlen(chunked), MSG_NOSIGNAL) > 0);
  http_read(fd, &r);
  CHECK_INT(r.status, ==, 411);
  http_resp_free(&r);
  close(fd);
  http_do(port, "POST", "/mcp", mcp_headers(sid), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}",
          &r);
  CHECK_INT(r.status, ==, 200);
  http_resp_free(&r);
  ns_stop();
  SAY("a body without Content-Length: 411; the session keeps serving");
}

TEST(transport_switches) {
  souk_mcp_net_options o = {.no_http = true};
  int port = ns_start(&o);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(NULL), "{}", &r);
  CHECK_INT(r.status, ==, 426);
  CHECK_STR(http_header(&r, "upgrade"), "websocket");
  http_resp_free(&r);
  int st;
  int fd = ws_open(port, "/mcp", NULL, &st);
  CHECK(fd >= 0);
  close(fd);
  ns_stop();
  SAY("a WebSocket-only listener answers HTTP with 426 Upgrade Required and accepts upgrades");

  souk_mcp_net_options o2 = {.no_websocket = true};
  port = ns_start(&o2);
  CHECK(ws_open(port, "/mcp", NULL, &st) < 0);
  CHECK_INT(st, ==, 400);
  CHECK(mcp_http_open(port, NULL) != NULL);
  ns_stop();
  SAY("a Streamable-HTTP-only listener refuses upgrades with 400 and serves POST");
}
