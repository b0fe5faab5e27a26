/* SPDX-License-Identifier: MIT */
/* What the network transport tests share: the fixture server listening on loopback from a loop
 * on its own thread (the test thread is the client), and small blocking clients written on
 * raw sockets so that every header and frame is under the test's control: HTTP/1.1 (JSON,
 * chunked SSE) and WebSocket (handshake, masked and fragmented frames). */
#ifndef SOUK_TEST_PROTOCOL_NET_SUPPORT_H
#define SOUK_TEST_PROTOCOL_NET_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "souk/mcp_net.h"

/* ---- the server thread ---- */

/* Starts the fixture server with `o` (listen defaults to 127.0.0.1:0) on a loop of its own
 * thread; returns the port. */
int ns_start(const souk_mcp_net_options *o);
/* Stops the listener, frees the server, checks uv_loop_close() == 0 and joins the thread. */
void ns_stop(void);
/* Runs fn(net, server, arg) on the loop thread and waits for it. */
typedef void (*ns_fn)(souk_mcp_net *net, souk_mcp_server *server, void *arg);
void ns_run(ns_fn fn, void *arg);
souk_mcp_net_stats ns_stats(void);
/* fixture_slow_cancelled as the loop thread sees it. */
int ns_slow_cancelled(void);

/* ---- HTTP ---- */

typedef struct http_resp {
  int status;
  char headers[4096];   /* lower-case names, "name: value\n" each */
  char *body;           /* de-chunked, NUL-terminated (free with http_resp_free) */
  size_t body_len;
  bool closed;          /* the server closed the connection after it */
} http_resp;

/* A connected socket to 127.0.0.1:port (timeouts of 10 s), or exits the test. */
int tcp_connect(int port);
/* Sends a request on `fd`: "METHOD PATH HTTP/1.1", Host 127.0.0.1:port unless `headers` has
 * one, the extra `headers` ("Name: value\r\n" lines), Content-Length and the body if any. */
void http_send(int fd, int port, const char *method, const char *path, const char *headers,
               const char *body);
/* Reads one whole response (Content-Length, chunked, or until close). */
void http_read(int fd, http_resp *r);
/* One request on a new connection; the connection is closed after it. */
void http_do(int port, const char *method, const char *path, const char *headers,
             const char *body, http_resp *r);
void http_resp_free(http_resp *r);
/* A response header's value (copied into a static buffer), or NULL. */
const char *http_header(const http_resp *r, const char *name);

/* Reads a response's status line and headers only (for streams read event by event). */
void http_read_head(int fd, http_resp *r);
/* The next SSE event's data of a chunked event stream (malloc'ed), or NULL at the end of the
 * stream or after timeout_ms. */
char *sse_next(int fd, int timeout_ms);

/* The standard POST headers of an MCP client, with a session id when sid is given. */
const char *mcp_headers(const char *sid);
/* initialize + notifications/initialized over HTTP; returns the session id (static). */
const char *mcp_http_open(int port, const char *extra_headers);

/* ---- WebSocket ---- */

/* Opens a WebSocket to `path` with subprotocol "mcp" and the extra headers; returns the fd,
 * or -1 with the HTTP status of the refusal in *status (101 when it worked). */
int ws_open(int port, const char *path, const char *extra_headers, int *status);
/* Sends one text message, split into `fragments` frames (1: a single frame). */
void ws_send(int fd, const char *text, size_t len, int fragments);
void ws_send_str(int fd, const char *text);
/* Sends n messages, one frame each, in a single write (so they arrive together). */
void ws_send_together(int fd, const char *const *texts, int n);
/* The next text message (malloc'ed), or NULL when the connection closed or after timeout. */
char *ws_recv(int fd, int timeout_ms);
/* initialize + initialized over WebSocket. */
void ws_initialize(int fd);

/* ---- JSON ---- */

json_t *json_of(const char *text); /* exits the test when not JSON */

#endif /* SOUK_TEST_PROTOCOL_NET_SUPPORT_H */
