/* SPDX-License-Identifier: MIT */
/* MCP over WebSocket on loopback against the fixture server: the `mcp` subprotocol, one
 * message per text frame, fragmented messages, progress and cancellation, a server request
 * answered over the socket, the protocol cases over the wire (malformed JSON, oversized
 * messages whole or fragmented), many concurrent sessions, and stopping with clients
 * connected. */
#include <unistd.h>

#include "net_support.h"

static void ws_ping_works(int fd, const char *id) {
  char m[100];
  snprintf(m, sizeof m, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", id);
  ws_send_str(fd, m);
  char *a = ws_recv(fd, 5000);
  char want[60];
  snprintf(want, sizeof want, "\"id\":\"%s\",\"result\":{}", id);
  CHECK_MSG(a && strstr(a, want), "ping %s: %s", id, a ? a : "(nothing)");
  free(a);
}

TEST(initialize_and_call) {
  int port = ns_start(NULL);
  int st;
  int fd = ws_open(port, "/mcp", NULL, &st);
  CHECK(fd >= 0);
  CHECK_INT(st, ==, 101);
  SAY("the upgrade on /mcp answers 101 and echoes subprotocol mcp");
  ws_initialize(fd);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  char *m = ws_recv(fd, 5000);
  json_t *v = json_of(m);
  CHECK_INT(json_array_size(json_object_get(json_object_get(v, "result"), "tools")), >=, 5);
  json_decref(v);
  free(m);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"add\",\"arguments\":{\"a\":40,\"b\":2}}}");
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "\"structuredContent\":{\"sum\":42");
  free(m);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":"
              "\"test://items/7\"}}");
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "item 7");
  free(m);
  SAY("tools/list, tools/call and resources/read over text frames");
  souk_mcp_net_stats s = ns_stats();
  CHECK_INT(s.ws_sessions, ==, 1);
  close(fd);
  usleep(100 * 1000);
  CHECK_INT(ns_stats().sessions, ==, 0);
  ns_stop();
  SAY("closing the socket ends the session");
}

TEST(progress_cancel_and_sampling) {
  int port = ns_start(NULL);
  int fd = ws_open(port, "/mcp", NULL, NULL);
  ws_initialize(fd);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\",\"arguments\":{\"steps\":100000,\"interval_ms\":2},\"_meta\":"
              "{\"progressToken\":7}}}");
  for (int i = 0; i < 3; i++) {
    char *m = ws_recv(fd, 5000);
    CHECK_HAS(m, "notifications/progress");
    free(m);
  }
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
              "{\"requestId\":7}}");
  ws_ping_works(fd, "after-cancel"); /* progress may come first */
  SAY("progress arrives as frames; a cancellation stops the job");
  CHECK_INT(ns_slow_cancelled(), >=, 1);

  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"ask\",\"arguments\":{\"question\":\"hi?\"}}}");
  char *m = ws_recv(fd, 5000);
  while (m && strstr(m, "notifications/progress")) {
    free(m);
    m = ws_recv(fd, 5000);
  }
  json_t *req = json_of(m);
  CHECK_STR(json_string_value(json_object_get(req, "method")), "sampling/createMessage");
  char answer[300];
  snprintf(answer, sizeof answer,
           "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\",\"content\":"
           "{\"type\":\"text\",\"text\":\"hello\"},\"model\":\"m\"}}",
           (long long)json_integer_value(json_object_get(req, "id")));
  json_decref(req);
  free(m);
  ws_send_str(fd, answer);
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "the model said: hello");
  free(m);
  close(fd);
  ns_stop();
  SAY("a sampling request goes out as a frame and the answer comes back on the socket");
}

TEST(fragments_and_errors) {
  souk_mcp_net_options o = {.max_message_bytes = 2048};
  int port = ns_start(&o);
  int fd = ws_open(port, "/mcp", NULL, NULL);
  ws_initialize(fd);
  const char *msg = "{\"jsonrpc\":\"2.0\",\"id\":\"frag\",\"method\":\"tools/call\",\"params\":"
                    "{\"name\":\"echo\",\"arguments\":{\"text\":\"in pieces\"}}}";
  ws_send(fd, msg, strlen(msg), 4);
  char *m = ws_recv(fd, 5000);
  CHECK_HAS(m, "in pieces");
  free(m);
  SAY("a message in 4 fragments is reassembled");

  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,");
  m = ws_recv(fd, 5000);
  json_t *v = json_of(m);
  CHECK_INT(json_integer_value(json_object_get(json_object_get(v, "error"), "code")), ==, -32700);
  CHECK(json_is_null(json_object_get(v, "id")));
  json_decref(v);
  free(m);
  ws_ping_works(fd, "a");
  SAY("malformed JSON: -32700 with id null; the session keeps serving");

  char *big = malloc(5000);
  memset(big, 'x', 4999);
  big[4999] = '\0';
  ws_send(fd, big, 4999, 1);
  m = ws_recv(fd, 5000);
  v = json_of(m);
  CHECK_INT(json_integer_value(json_object_get(json_object_get(v, "error"), "code")), ==, -32600);
  CHECK_HAS(json_string_value(json_object_get(json_object_get(v, "error"), "message")), "limit");
  json_decref(v);
  free(m);
  ws_ping_works(fd, "b");
  ws_send(fd, big, 4999, 5);
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "-32600");
  free(m);
  ws_ping_works(fd, "c");
  free(big);
  SAY("a message over max_message, whole or in fragments: -32600, the connection stays up");

  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"nope\"}}");
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "-32602");
  free(m);
  ws_send_str(fd, "[{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}]");
  m = ws_recv(fd, 5000);
  CHECK_HAS(m, "-32600");
  free(m);
  ws_ping_works(fd, "d");
  SAY("unknown tool -32602, batch on 2025-11-25 -32600; ping still works");
  souk_mcp_net_stats st = ns_stats();
  CHECK_INT(st.refused_size, ==, 2);
  close(fd);

  int s;
  CHECK(ws_open(port, "/elsewhere", NULL, &s) < 0);
  CHECK_INT(s, ==, 404);
  SAY("an upgrade on another path: 404");
  ns_stop();
}

TEST(many_sessions) {
  int port = ns_start(NULL);
  enum { N = 60 };
  int fds[N];
  for (int i = 0; i < N; i++) {
    fds[i] = ws_open(port, "/mcp", NULL, NULL);
    CHECK(fds[i] >= 0);
  }
  for (int i = 0; i < N; i++)
    ws_initialize(fds[i]);
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < N; i++) {
      char m[200];
      snprintf(m, sizeof m, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
               "{\"name\":\"echo\",\"arguments\":{\"text\":\"c%d-r%d\"}}}", round, i, round);
      ws_send_str(fds[i], m);
    }
    for (int i = 0; i < N; i++) {
      char *m = ws_recv(fds[i], 5000);
      char want[40];
      snprintf(want, sizeof want, "c%d-r%d", i, round);
      CHECK_MSG(m && strstr(m, want), "client %d round %d: %s", i, round, m ? m : "(nothing)");
      free(m);
    }
  }
  CHECK_INT(ns_stats().ws_sessions, ==, N);
  SAY("%d WebSocket sessions at once, 5 interleaved rounds of calls, each answer on its own "
      "socket", N);
  for (int i = 0; i < N; i++)
    close(fds[i]);
  usleep(200 * 1000);
  CHECK_INT(ns_stats().sessions, ==, 0);
  ns_stop();
}

TEST(burst_order) {
  int port = ns_start(NULL);
  int fd = ws_open(port, "/mcp", NULL, NULL);
  ws_initialize(fd);
  enum { N = 500 };
  for (int i = 0; i < N; i++) {
    char m[200];
    snprintf(m, sizeof m, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
             "{\"name\":\"echo\",\"arguments\":{\"text\":\"%0100d\"}}}", i, i);
    ws_send_str(fd, m);
  }
  for (int i = 0; i < N; i++) {
    char *m = ws_recv(fd, 5000);
    char want[20];
    snprintf(want, sizeof want, "\"id\":%d,", i);
    CHECK_MSG(m && strstr(m, want), "answer %d: %s", i, m ? m : "(nothing)");
    free(m);
  }
  close(fd);
  ns_stop();
  SAY("%d pipelined calls: every answer arrives, in order (a queue per connection)", N);
}

TEST(stop_with_clients) {
  int port = ns_start(NULL);
  int a = ws_open(port, "/mcp", NULL, NULL);
  ws_initialize(a);
  ws_send_str(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\",\"arguments\":{\"steps\":100000,\"interval_ms\":10}}}");
  int b = ws_open(port, "/mcp", NULL, NULL);
  usleep(50 * 1000);
  ns_stop();
  CHECK(ws_recv(a, 5000) == NULL);
  CHECK(ws_recv(b, 5000) == NULL);
  close(a);
  close(b);
  SAY("stopping with connected clients and a running call closes them; the loop has no handle "
      "left");
}

TEST(coalesced_frames) {
  int port = ns_start(NULL);
  int fd = ws_open(port, "/mcp", NULL, NULL);
  ws_initialize(fd);
  for (int round = 0; round < 3; round++) {
    /* two frames in one TCP segment, then one more later */
    char a[100], b[100];
    snprintf(a, sizeof a, "{\"jsonrpc\":\"2.0\",\"id\":\"a%d\",\"method\":\"ping\"}", round);
    snprintf(b, sizeof b, "{\"jsonrpc\":\"2.0\",\"id\":\"b%d\",\"method\":\"ping\"}", round);
    const char *both[] = {a, b};
    ws_send_together(fd, both, 2);
    for (int i = 0; i < 2; i++) {
      char *m = ws_recv(fd, 3000);
      CHECK_MSG(m != NULL, "round %d: answer %d missing", round, i);
      free(m);
    }
    usleep(20 * 1000);
  }
  ws_ping_works(fd, "late");
  close(fd);
  /* a notification first, then a request, in one segment (as right after initialize) */
  fd = ws_open(port, "/mcp", NULL, NULL);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
              "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":"
              "\"t\",\"version\":\"1\"}}}");
  free(ws_recv(fd, 3000));
  const char *pair[] = {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"};
  ws_send_together(fd, pair, 2);
  char *m = ws_recv(fd, 3000);
  CHECK_HAS(m, "\"id\":1");
  free(m);
  ws_ping_works(fd, "after-pair");
  close(fd);
  ns_stop();
  SAY("messages that arrive together and a message arriving later are all answered");
}
