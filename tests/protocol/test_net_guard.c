/* SPDX-License-Identifier: MIT */
/* The network listener's defences over loopback: the listen address, Host against DNS
 * rebinding, Origin (403, CORS for allowed origins), the bearer token (401), the session limit
 * (503) and the request rate (429), each followed by a request that still works; and the mcp.*
 * settings. */
#include <unistd.h>

#include "core/config.h"
#include "net_support.h"

static const char *init_msg =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

static int error_code_of(const char *body) {
  json_t *v = json_of(body);
  int code = (int)json_integer_value(json_object_get(json_object_get(v, "error"), "code"));
  json_decref(v);
  return code;
}

static int status_of(int port, const char *extra) {
  char h[1024];
  snprintf(h, sizeof h, "%s%s", mcp_headers(NULL), extra ? extra : "");
  http_resp r;
  http_do(port, "POST", "/mcp", h, init_msg, &r);
  int st = r.status;
  if (st >= 400) {
    json_t *v = json_of(r.body);
    CHECK_MSG(json_object_get(v, "error"), "an error status without a JSON-RPC error body");
    json_decref(v);
  }
  http_resp_free(&r);
  return st;
}

TEST(parse_listen) {
  char addr[64];
  int port;
  souk_errinfo e;
  CHECK_INT(souk_mcp_net_parse_listen("8080", addr, sizeof addr, &port, &e), ==, 0);
  CHECK_STR(addr, "127.0.0.1");
  CHECK_INT(port, ==, 8080);
  CHECK_INT(souk_mcp_net_parse_listen("0.0.0.0:9", addr, sizeof addr, &port, &e), ==, 0);
  CHECK_STR(addr, "0.0.0.0");
  CHECK_INT(souk_mcp_net_parse_listen("[::1]:0", addr, sizeof addr, &port, &e), ==, 0);
  CHECK_STR(addr, "::1");
  CHECK_INT(port, ==, 0);
  CHECK_INT(souk_mcp_net_parse_listen("localhost:80", addr, sizeof addr, &port, &e), ==, 0);
  CHECK_STR(addr, "127.0.0.1");
  SAY("PORT binds 127.0.0.1; ADDR:PORT, [v6]:PORT and localhost:PORT parse");
  const char *bad[] = {"", ":80", "example.com:80", "1.2.3.4:70000", "1.2.3.4:", "::1:80",
                       "[::1]80", "80x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK_MSG(souk_mcp_net_parse_listen(bad[i], addr, sizeof addr, &port, &e) == SOUK_EUSAGE,
              "'%s' was accepted", bad[i]);
    CHECK(e.text[0] != '\0');
  }
  SAY("%zu bad specs refused with a sentence (e.g. \"%s\")", sizeof bad / sizeof *bad, e.text);
}

TEST(binds_loopback_only) {
  souk_mcp_net_options o = {.listen = "0"};
  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_errinfo e;
  souk_mcp_server_options so = {.name = "t", .version = "1"};
  souk_mcp_server *srv = souk_mcp_server_new(&so, &e);
  souk_mcp_net *n = souk_mcp_net_start(&loop, srv, &o, &e);
  CHECK_MSG(n != NULL, "%s", e.text);
  CHECK_INT(souk_mcp_net_port(n), >, 0);
  char url[100];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", souk_mcp_net_port(n));
  CHECK_STR(souk_mcp_net_url(n), url);
  /* Only 127.0.0.1 listens: the same port on the machine's other addresses is free. */
  FILE *f = fopen("/proc/net/tcp", "r");
  char line[512];
  int listeners = 0;
  char want[16];
  snprintf(want, sizeof want, ":%04X ", souk_mcp_net_port(n));
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, want) && strstr(line, " 0A ")) {
      CHECK_HAS(line, "0100007F:");
      listeners++;
    }
  if (f)
    fclose(f);
  CHECK_INT(listeners, ==, 1);
  FILE *f6 = fopen("/proc/net/tcp6", "r");
  while (f6 && fgets(line, sizeof line, f6))
    CHECK_MSG(!(strstr(line, want) && strstr(line, " 0A ")), "also listening on IPv6: %s", line);
  if (f6)
    fclose(f6);
  SAY("a bare port listens on 127.0.0.1 only (one IPv4 listener, none on IPv6)");

  souk_mcp_net_options o2 = {.listen = "127.0.0.1:0"};
  char taken[32];
  snprintf(taken, sizeof taken, "127.0.0.1:%d", souk_mcp_net_port(n));
  o2.listen = taken;
  CHECK(souk_mcp_net_start(&loop, srv, &o2, &e) == NULL);
  CHECK_HAS(e.text, "cannot listen");
  SAY("a port already taken fails to start: %s", e.text);
  souk_mcp_net_stop(n);
  uv_run(&loop, UV_RUN_DEFAULT);
  souk_mcp_server_free(srv);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
}

TEST(host_and_origin) {
  souk_mcp_net_options o = {.allowed_origins = "https://app.example.com, http://tool.test:8080/",
                            .allowed_hosts = "mcp.internal"};
  int port = ns_start(&o);
  CHECK_INT(status_of(port, "Host: evil.example.com\r\nOrigin: http://evil.example.com\r\n"), ==,
            403);
  CHECK_INT(status_of(port, "Host: evil.example.com\r\n"), ==, 403);
  SAY("Host evil.example.com (DNS rebinding) is refused with 403, with or without Origin");
  char h[200];
  snprintf(h, sizeof h, "Host: localhost:%d\r\nOrigin: http://localhost:%d\r\n", port, port);
  CHECK_INT(status_of(port, h), ==, 200);
  snprintf(h, sizeof h, "Host: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n", port, port);
  CHECK_INT(status_of(port, h), ==, 200);
  CHECK_INT(status_of(port, "Host: [::1]:1\r\nOrigin: http://[::1]:3000\r\n"), ==, 200);
  CHECK_INT(status_of(port, "Host: mcp.internal\r\n"), ==, 200);
  CHECK_INT(status_of(port, "Host: 10.1.2.3:80\r\n"), ==, 200);
  SAY("loopback names, IP addresses and allowed hosts in Host are accepted");
  CHECK_INT(status_of(port, "Origin: http://evil.example.com\r\n"), ==, 403);
  CHECK_INT(status_of(port, "Origin: null\r\n"), ==, 403);
  CHECK_INT(status_of(port, "Origin: http://localhost.evil.com\r\n"), ==, 403);
  CHECK_INT(status_of(port, "Origin: file://\r\n"), ==, 403);
  SAY("foreign, null, look-alike and file origins are refused with 403");

  char hh[1024];
  snprintf(hh, sizeof hh, "%sOrigin: https://app.example.com\r\n", mcp_headers(NULL));
  http_resp r;
  http_do(port, "POST", "/mcp", hh, init_msg, &r);
  CHECK_INT(r.status, ==, 200);
  CHECK_STR(http_header(&r, "access-control-allow-origin"), "https://app.example.com");
  CHECK_HAS(http_header(&r, "access-control-expose-headers"), "Mcp-Session-Id");
  http_resp_free(&r);
  CHECK_INT(status_of(port, "Origin: http://tool.test:8080\r\n"), ==, 200);
  SAY("allowed origins get in, with Access-Control-Allow-Origin and Mcp-Session-Id exposed");

  http_do(port, "OPTIONS", "/mcp", "Origin: https://app.example.com\r\n"
          "Access-Control-Request-Method: POST\r\n", NULL, &r);
  CHECK_INT(r.status, ==, 204);
  CHECK_HAS(http_header(&r, "access-control-allow-headers"), "Mcp-Session-Id");
  CHECK_HAS(http_header(&r, "access-control-allow-methods"), "DELETE");
  http_resp_free(&r);
  http_do(port, "OPTIONS", "/mcp", "Origin: http://evil.example.com\r\n", NULL, &r);
  CHECK_INT(r.status, ==, 403);
  http_resp_free(&r);
  SAY("CORS preflight: 204 for an allowed origin, 403 for a foreign one");

  int st;
  CHECK(ws_open(port, "/mcp", "Origin: http://evil.example.com\r\n", &st) < 0);
  CHECK_INT(st, ==, 403);
  CHECK(ws_open(port, "/mcp", "Host: evil.example.com\r\n", &st) < 0);
  CHECK_INT(st, ==, 403);
  int fd = ws_open(port, "/mcp", "Origin: http://localhost:5173\r\n", &st);
  CHECK(fd >= 0);
  close(fd);
  SAY("the same checks guard WebSocket upgrades (403 before the handshake)");

  const char *sid = mcp_http_open(port, NULL);
  CHECK(sid != NULL);
  souk_mcp_net_stats stt = ns_stats();
  CHECK_INT(stt.refused_origin, ==, 9);
  ns_stop();
  SAY("the server keeps serving; 9 refusals counted");
}

TEST(bearer_token) {
  souk_mcp_net_options o = {.token = "s3cret-token-123"};
  int port = ns_start(&o);
  char h[1024];
  snprintf(h, sizeof h, "%s", mcp_headers(NULL));
  http_resp r;
  http_do(port, "POST", "/mcp", h, init_msg, &r);
  CHECK_INT(r.status, ==, 401);
  CHECK_HAS(http_header(&r, "www-authenticate"), "Bearer");
  CHECK_HAS(r.body, "Authorization: Bearer");
  http_resp_free(&r);
  CHECK_INT(status_of(port, "Authorization: Bearer wrong\r\n"), ==, 401);
  CHECK_INT(status_of(port, "Authorization: Bearer s3cret-token-12\r\n"), ==, 401);
  CHECK_INT(status_of(port, "Authorization: Bearer s3cret-token-1234\r\n"), ==, 401);
  CHECK_INT(status_of(port, "Authorization: Basic s3cret-token-123\r\n"), ==, 401);
  SAY("no token, a wrong one, a prefix, a longer one, another scheme: 401 with WWW-Authenticate");
  CHECK_INT(status_of(port, "Authorization: Bearer s3cret-token-123\r\n"), ==, 200);
  CHECK_INT(status_of(port, "Authorization: bearer  s3cret-token-123 \r\n"), ==, 200);
  SAY("the right token is accepted (scheme case-insensitive)");
  const char *sid = mcp_http_open(port, "Authorization: Bearer s3cret-token-123\r\n");
  char id[80];
  snprintf(id, sizeof id, "%s", sid);
  http_do(port, "POST", "/mcp", mcp_headers(id), "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}",
          &r);
  CHECK_INT(r.status, ==, 401);
  http_resp_free(&r);
  SAY("a session id is not a credential: every request needs the token");

  int st;
  CHECK(ws_open(port, "/mcp", NULL, &st) < 0);
  CHECK_INT(st, ==, 401);
  int fd = ws_open(port, "/mcp", "Authorization: Bearer s3cret-token-123\r\n", &st);
  CHECK(fd >= 0);
  close(fd);
  fd = ws_open(port, "/mcp?access_token=s3cret-token-123", NULL, &st);
  CHECK(fd >= 0);
  ws_initialize(fd);
  close(fd);
  CHECK(ws_open(port, "/mcp?access_token=nope", NULL, &st) < 0);
  CHECK_INT(st, ==, 401);
  CHECK_INT(ns_stats().refused_auth, ==, 8);
  ns_stop();
  SAY("WebSocket: 401 without the token; the header or ?access_token= lets it in");
}

TEST(session_limit) {
  souk_mcp_net_options o = {.max_sessions = 2};
  int port = ns_start(&o);
  char a[80];
  snprintf(a, sizeof a, "%s", mcp_http_open(port, NULL));
  int st;
  int fd = ws_open(port, "/mcp", NULL, &st);
  CHECK(fd >= 0);
  usleep(50 * 1000);
  http_resp r;
  http_do(port, "POST", "/mcp", mcp_headers(NULL), init_msg, &r);
  CHECK_INT(r.status, ==, 503);
  CHECK(http_header(&r, "retry-after") != NULL);
  http_resp_free(&r);
  CHECK(ws_open(port, "/mcp", NULL, &st) < 0);
  CHECK_INT(st, ==, 503);
  SAY("with 2 sessions open (HTTP and WebSocket) a third gets 503 with Retry-After, over both");
  close(fd);
  usleep(100 * 1000);
  char h[200];
  snprintf(h, sizeof h, "Mcp-Session-Id: %s\r\n", a);
  http_do(port, "DELETE", "/mcp", h, NULL, &r);
  http_resp_free(&r);
  CHECK(mcp_http_open(port, NULL) != NULL);
  CHECK_INT(ns_stats().refused_busy, ==, 2);
  ns_stop();
  SAY("closing the WebSocket and DELETE free their places");
}

TEST(rate_limit) {
  souk_mcp_net_options o = {.rate = 5};
  int port = ns_start(&o);
  char sid[80];
  snprintf(sid, sizeof sid, "%s", mcp_http_open(port, NULL));
  int ok = 0, limited = 0;
  http_resp r;
  for (int i = 0; i < 20; i++) {
    http_do(port, "POST", "/mcp", mcp_headers(sid), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
            &r);
    if (r.status == 200)
      ok++;
    if (r.status == 429) {
      limited++;
      CHECK(http_header(&r, "retry-after") != NULL);
      CHECK_INT(error_code_of(r.body), ==, -32000);
    }
    http_resp_free(&r);
  }
  CHECK_INT(ok + limited, ==, 20);
  CHECK_INT(ok, >=, 8);
  CHECK_INT(ok, <=, 11);
  SAY("5 messages/s (bursts of 10): %d of 20 quick requests served, %d got 429 with "
      "Retry-After", ok, limited);
  usleep(450 * 1000);
  http_do(port, "POST", "/mcp", mcp_headers(sid), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
          &r);
  CHECK_INT(r.status, ==, 200);
  http_resp_free(&r);
  SAY("after a pause the session is served again");

  int st;
  int fd = ws_open(port, "/mcp", NULL, &st);
  CHECK(fd >= 0);
  ws_initialize(fd);
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < 30; i++) {
    char m[80];
    snprintf(m, sizeof m, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", i);
    ws_send_str(fd, m);
  }
  for (int i = 0; i < 30; i++) {
    char *m = ws_recv(fd, 10000);
    char want[32];
    snprintf(want, sizeof want, "\"id\":%d,", i);
    CHECK_MSG(m && strstr(m, want), "ping %d: %s", i, m ? m : "(nothing)");
    free(m);
  }
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  close(fd);
  CHECK(secs >= 2.5);
  ns_stop();
  SAY("WebSocket: 30 pings at 5/s are all answered, in order, over %.1f s (reading pauses; "
      "nothing is lost)", secs);
}

TEST(settings) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e;
  CHECK_INT(souk_config_set(cfg, "mcp.token", "abc12345", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "mcp.rate", "7.5", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "mcp.max_message", "1MiB", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "mcp.session_timeout", "5m", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "mcp.allowed_origins", "https://a.example", SOUK_SRC_CLI, &e), ==, 0);
  CHECK(souk_config_set(cfg, "mcp.max_sessions", "0", SOUK_SRC_CLI, &e) != 0);
  souk_mcp_net_options o = {0};
  souk_mcp_net_options_from_config(&o, cfg);
  CHECK_STR(o.token, "abc12345");
  CHECK(o.rate == 7.5);
  CHECK_INT(o.max_message_bytes, ==, 1048576);
  CHECK_INT(o.session_timeout_ms, ==, 300000);
  CHECK_INT(o.max_sessions, ==, 256);
  CHECK_STR(o.allowed_origins, "https://a.example");
  char buf[64];
  CHECK_STR(souk_config_display(cfg, SOUK_CFG_MCP_TOKEN, buf, sizeof buf), "[redacted]");
  souk_config_free(cfg);
  SAY("mcp.* settings fill the listener options; mcp.token is a secret (shown [redacted])");
}
