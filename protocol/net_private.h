/* SPDX-License-Identifier: MIT */
/* What the network transport's files share: the listener, the sessions it serves, HTTP
 * exchanges and WebSocket connections, output queues, and the souk__net functions between
 * net_server.c (libwebsockets context, sessions), net_http.c (Streamable HTTP), net_ws.c
 * (WebSocket), net_guard.c (Host, Origin, token, rate) and net_queue.c (output).
 *
 * Everything here runs on the thread of the loop the listener was started on. Objects tied to
 * an lws connection (souk__http_req, souk__ws_conn) are freed when lws closes it; sessions are
 * freed by the listener, never from inside one of their transport callbacks.
 */
#ifndef SOUK_PROTOCOL_NET_PRIVATE_H
#define SOUK_PROTOCOL_NET_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h> /* before libwebsockets.h, which then enables its libuv API */
#include <libwebsockets.h>

#include "core/buf.h"
#include "souk/mcp_net.h"

/* ---- output queues ---- */

/* One piece of output with LWS_PRE bytes of headroom before it (lws_write needs them). */
typedef struct souk__net_out {
  struct souk__net_out *next;
  size_t len;
  bool text_frame;      /* WebSocket: a whole message (one text frame); HTTP: headers */
  bool too_big;         /* a held incoming message that was dropped for its size */
  size_t size;          /* ... and that size */
  unsigned char buf[];  /* LWS_PRE + len */
} souk__net_out;

typedef struct souk__outq {
  souk__net_out *head, *tail;
  size_t bytes, count;
} souk__outq;

/* A new piece holding `len` bytes (filled by the caller at out->buf + LWS_PRE). */
souk__net_out *souk__net_out_new(size_t len);
void souk__outq_push(souk__outq *q, souk__net_out *o);
souk__net_out *souk__outq_pop(souk__outq *q);
void souk__outq_clear(souk__outq *q);

/* ---- rate limiting ---- */

typedef struct souk__bucket {
  double tokens, rate, burst;
  uint64_t last_ms;
} souk__bucket;

/* rate 0: unlimited. The bucket starts full (burst = twice the rate, at least 1). */
void souk__bucket_init(souk__bucket *b, double rate, uint64_t now_ms);
/* Takes one token: 0 when there was one, else the milliseconds until there will be. */
uint64_t souk__bucket_take(souk__bucket *b, uint64_t now_ms);
/* Milliseconds until one token is available (0: now), without taking it. */
uint64_t souk__bucket_wait(souk__bucket *b, uint64_t now_ms);

/* ---- the listener and its sessions ---- */

typedef struct souk__http_req souk__http_req;
typedef struct souk__ws_conn souk__ws_conn;

typedef enum souk__ns_kind { SOUK__NS_HTTP = 0, SOUK__NS_WS } souk__ns_kind;

/* One MCP session and the transport state around it. */
typedef struct souk__net_session {
  souk_mcp_net *net;
  struct souk__net_session *prev, *next;
  souk_mcp_session *session;
  souk__ns_kind kind;
  bool ending;              /* freed at the next reap */
  souk__bucket bucket;
  uint64_t last_active;     /* uv_now() of the last request or stream activity */
  souk__http_req *reqs;     /* open HTTP exchanges of this session (POSTs, the GET stream) */
  souk__http_req *stream;   /* the GET stream, or NULL */
  souk__ws_conn *ws;        /* WebSocket: the connection */
} souk__net_session;

/* What lws keeps per connection: a pointer to our object, allocated and freed by us. */
typedef struct souk__pss {
  int kind; /* 0: nothing yet, 1: souk__http_req, 2: souk__ws_conn */
  void *obj;
} souk__pss;

enum { SOUK__PSS_NONE = 0, SOUK__PSS_HTTP, SOUK__PSS_WS };

struct souk_mcp_net {
  uv_loop_t *loop;
  souk_mcp_server *server;
  struct lws_context *ctx;  /* set to NULL by lws when the context is gone */
  struct lws_vhost *vhost;
  struct lws_protocols protocols[3];
  struct lws_protocol_vhost_options pvo_ws, pvo_ws_default;

  char addr[64];
  int port;
  char url[160];
  char *path;
  size_t path_len;
  bool http, ws;
  char *token;
  size_t token_len;
  char **origins, **hosts;  /* allow-lists (lower case), NULL-terminated */
  bool any_origin, any_host;
  size_t max_sessions, max_message;
  double rate;
  unsigned session_timeout_ms;

  souk__bucket new_sessions;
  souk__net_session *sessions;
  size_t nsessions, nhttp, nws;

  uv_timer_t sweep;   /* idle HTTP sessions, every second */
  uv_timer_t defer;   /* reaping ending sessions; the stop sequence */
  bool reap_pending, stopping, stop_started, handles_closing, sweep_closed, defer_closed;
  void (*closed)(void *data);
  void *data;
  souk_mcp_net_stats stats;
};

/* A new session of `kind` (registered, counted); NULL with why logged when out of memory. */
souk__net_session *souk__net_session_new(souk_mcp_net *n, souk__ns_kind kind);
/* The session whose Mcp-Session-Id is `id`, or NULL (also for ending ones). */
souk__net_session *souk__net_session_find(souk_mcp_net *n, const char *id);
/* Ends a session now (not from inside its transport callbacks): the MCP session is freed, its
 * HTTP exchanges are ended (SSE streams closed, waiting POSTs answered 404), its WebSocket
 * connection is closed. */
void souk__net_session_end(souk__net_session *ns, const char *why);
/* The same, later on the loop (from inside a transport callback). */
void souk__net_session_end_later(souk__net_session *ns);
void souk__net_touch(souk__net_session *ns);
uint64_t souk__net_now(const souk_mcp_net *n);

/* ---- checks (net_guard.c) ---- */

/* Host header: localhost, an IP address, the listen address or an allowed host. */
bool souk__net_host_ok(const souk_mcp_net *n, const char *host);
/* Origin header: NULL (absent) is fine; loopback origins; allowed origins. */
bool souk__net_origin_ok(const souk_mcp_net *n, const char *origin);
/* Authorization header value (or NULL), and for WebSocket the access_token query value (or
 * NULL). True when no token is configured or one of them carries it. Constant time. */
bool souk__net_token_ok(const souk_mcp_net *n, const char *authorization,
                        const char *query_token);
/* Copies a comma-separated list into a NULL-terminated array of trimmed lower-case strings;
 * *any set when an element is "*". 0 or SOUK_ENOMEM. */
int souk__net_list_parse(const char *list, char ***out, bool *any);
void souk__net_list_free(char **list);

/* ---- HTTP (net_http.c) ---- */

/* The lws callback for HTTP reasons (requests, bodies, writeable, close, upgrades). */
int souk__net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, souk__pss *pss,
                            void *in, size_t len);
/* Ends an exchange whose session ended: an SSE stream is finished, a POST still waiting is
 * answered 404. */
void souk__http_req_session_ended(souk__http_req *r);
/* The session transport of HTTP sessions. */
int souk__http_send(void *data, const souk_mcp_message *m);
void souk__http_done(void *data, void *origin);

/* ---- WebSocket (net_ws.c) ---- */

int souk__net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, souk__pss *pss,
                          void *in, size_t len);
void souk__ws_conn_session_ended(souk__ws_conn *c);
int souk__ws_send(void *data, const souk_mcp_message *m);

/* ---- responses shared by both (net_http.c) ---- */

/* Writes a complete HTTP error response for a connection that has not answered yet (also an
 * upgrade request being refused): status, JSON-RPC error body (id null), optional extra
 * header lines ("www-authenticate: Bearer\r\n" style pairs as name/value). Used where lws
 * lets us write at once (the upgrade check). 0 or -1. */
int souk__http_write_refusal(struct lws *wsi, int status, int rpc_code, const char *message,
                             const char *hdr_name, const char *hdr_value);

#endif /* SOUK_PROTOCOL_NET_PRIVATE_H */
