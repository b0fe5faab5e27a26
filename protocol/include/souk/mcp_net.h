/* SPDX-License-Identifier: MIT */
/* Serving MCP over the network: one listener (libwebsockets on the caller's libuv loop) that
 * speaks Streamable HTTP and MCP over WebSocket on one port and one path, `/mcp`, with the
 * checks a local server needs (Host and Origin against DNS rebinding, an optional bearer
 * token, limits on sessions, message size and request rate).
 *
 *   POST   /mcp   one JSON-RPC message (or a 2025-03-26 batch); the answer comes back as JSON,
 *                 or as an SSE stream when the call sends progress, logs or requests to the
 *                 client before its result; notifications and responses get 202
 *   GET    /mcp   the session's SSE stream for messages not tied to a request
 *   DELETE /mcp   ends the session
 *   GET    /mcp with `Upgrade: websocket` (subprotocol `mcp`): one JSON-RPC message per text
 *                 frame, one session per connection
 *
 * docs/mcp.md describes the headers and every status code.
 *
 * Threads: a listener and everything it does belong to the loop's thread, like the server it
 * serves. Ownership: the options' strings are copied; the server must outlive the listener.
 */
#ifndef SOUK_MCP_NET_H
#define SOUK_MCP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/config.h"
#include "core/errinfo.h"
#include "souk/mcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct souk_mcp_net souk_mcp_net;

typedef struct souk_mcp_net_options {
  /* "[ADDR:]PORT": "8080", "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080"; port 0 picks a free
   * port (souk_mcp_net_port). NULL or "": 127.0.0.1 and a free port. Without an address the
   * listener binds 127.0.0.1 only. */
  const char *listen;
  const char *path;             /* NULL: "/mcp" */
  bool no_http;                 /* refuse Streamable HTTP (WebSocket only) */
  bool no_websocket;            /* refuse WebSocket upgrades (Streamable HTTP only) */
  /* Required from every client as `Authorization: Bearer TOKEN` (a WebSocket client that
   * cannot set headers may send `?access_token=TOKEN`). NULL or "": no token. */
  const char *token;
  /* Comma-separated origins allowed besides loopback ones ("https://app.example.com"), or
   * "*" for any. A request without Origin (not from a browser) is always allowed. */
  const char *allowed_origins;
  /* Comma-separated host names allowed in Host besides localhost and IP addresses, or "*". */
  const char *allowed_hosts;
  size_t max_sessions;          /* sessions at once, HTTP and WebSocket; 0: 256 */
  size_t max_message_bytes;     /* largest message; 0: the server's max_message_bytes */
  /* Messages per second per session (a token bucket holding twice as many), and new sessions
   * per second per listener. 0: no limit. Over HTTP an excess request gets 429; over
   * WebSocket reading pauses until the bucket refills (nothing is lost). */
  double rate;
  /* An HTTP session without requests or open streams for this long is ended. 0: 30 minutes. */
  unsigned session_timeout_ms;
  /* Called once after souk_mcp_net_stop() when everything is closed. Optional. */
  void (*closed)(void *data);
  void *data;
} souk_mcp_net_options;

/* Fills the security and limit options from the mcp.* settings (mcp.token,
 * mcp.allowed_origins, mcp.allowed_hosts, mcp.max_sessions, mcp.max_message, mcp.rate,
 * mcp.session_timeout). Strings are borrowed from `cfg`; `listen`, `path`, the switches and
 * the callback are left alone. */
void souk_mcp_net_options_from_config(souk_mcp_net_options *o, const souk_config *cfg);

/* Parses "[ADDR:]PORT" (the `--http`/`--ws` argument): addr gets the address without
 * brackets ("127.0.0.1" when none is given), *port the port. 0, or SOUK_EUSAGE with why. */
int souk_mcp_net_parse_listen(const char *spec, char *addr, size_t addrlen, int *port,
                              souk_errinfo *e);

/* Starts listening. NULL with e filled when the address is unusable, the port is taken or
 * libwebsockets cannot run on libuv (package libwebsockets-evlib-uv missing). */
souk_mcp_net *souk_mcp_net_start(uv_loop_t *loop, souk_mcp_server *server,
                                 const souk_mcp_net_options *o, souk_errinfo *e);

/* The port listened on (the one chosen when 0 was asked for). */
int souk_mcp_net_port(const souk_mcp_net *n);
/* "http://127.0.0.1:8080/mcp" (IPv6 addresses in brackets). */
const char *souk_mcp_net_url(const souk_mcp_net *n);

/* Stops: sessions end (running calls are cancelled), connections close, then `closed` runs
 * from the loop. Safe to call more than once, and from any callback on the loop's thread. */
void souk_mcp_net_stop(souk_mcp_net *n);

typedef struct souk_mcp_net_stats {
  size_t sessions;              /* open now */
  size_t http_sessions, ws_sessions;
  size_t connections;           /* TCP connections open now */
  uint64_t sessions_total;      /* ever opened */
  uint64_t http_requests;       /* HTTP requests on the path (POST, GET, DELETE, OPTIONS) */
  uint64_t messages_in, messages_out;
  uint64_t bytes_in, bytes_out; /* message bytes, without HTTP or WebSocket framing */
  /* Refused: Host or Origin (403), token (401), rate (429), size (413 or -32600), sessions
   * (503), unknown or missing session (404/400), other bad requests (400, 405, 406, 415). */
  uint64_t refused_origin, refused_auth, refused_rate, refused_size, refused_busy,
      refused_session, refused_other;
} souk_mcp_net_stats;

void souk_mcp_net_get_stats(const souk_mcp_net *n, souk_mcp_net_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_MCP_NET_H */
