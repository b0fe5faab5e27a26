/* SPDX-License-Identifier: MIT */
/* The network listener: a libwebsockets context on the caller's libuv loop with one vhost and
 * two protocols (HTTP requests, and the `mcp` WebSocket subprotocol), the sessions it serves,
 * idle-session sweeping, statistics, and the asynchronous stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "mcp_private.h"
#include "net_private.h"

#define DEFAULT_MAX_SESSIONS 256
#define DEFAULT_SESSION_TIMEOUT_MS (30u * 60u * 1000u)
#define SWEEP_MS 1000

uint64_t souk__net_now(const souk_mcp_net *n) { return uv_now(n->loop); }

/* ---- lws logs into souk's log (subsystem ws) ---- */

static void lws_log_emit(int level, const char *line) {
  int len = (int)strlen(line);
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  souk_log_level l = level & LLL_ERR ? SOUK_LOG_WARN
                     : level & (LLL_WARN | LLL_NOTICE) ? SOUK_LOG_DEBUG
                                                        : SOUK_LOG_TRACE;
  SOUK_LOG(SOUK_LOG_SUB_WS, l, "lws: %.*s", len, line);
}

static void lws_log_setup(void) {
  int levels = LLL_ERR;
  if (souk_log_enabled(SOUK_LOG_SUB_WS, SOUK_LOG_DEBUG))
    levels |= LLL_WARN | LLL_NOTICE;
  if (souk_log_enabled(SOUK_LOG_SUB_WS, SOUK_LOG_TRACE))
    levels |= LLL_INFO;
  lws_set_log_level(levels, lws_log_emit);
}

/* ---- sessions ---- */

static void touch_sweep(souk_mcp_net *n);

souk__net_session *souk__net_session_new(souk_mcp_net *n, souk__ns_kind kind) {
  souk__net_session *ns = calloc(1, sizeof *ns);
  if (!ns) {
    SOUK_WARN(WS, "out of memory creating a session");
    return NULL;
  }
  ns->net = n;
  ns->kind = kind;
  souk_mcp_transport t;
  if (kind == SOUK__NS_HTTP)
    t = (souk_mcp_transport){souk__http_send, souk__http_done, NULL, ns};
  else
    t = (souk_mcp_transport){souk__ws_send, NULL, NULL, ns};
  souk_errinfo e;
  ns->session = souk_mcp_session_new(n->server, n->loop, &t, &e);
  if (!ns->session) {
    SOUK_WARN(WS, "cannot create a session: %s", e.text);
    free(ns);
    return NULL;
  }
  uint64_t now = souk__net_now(n);
  souk__bucket_init(&ns->bucket, n->rate, now);
  ns->last_active = now;
  ns->next = n->sessions;
  if (n->sessions)
    n->sessions->prev = ns;
  n->sessions = ns;
  n->nsessions++;
  if (kind == SOUK__NS_HTTP)
    n->nhttp++;
  else
    n->nws++;
  n->stats.sessions_total++;
  touch_sweep(n);
  SOUK_DEBUG(WS, "%s session %s opened (%zu open)", kind == SOUK__NS_HTTP ? "HTTP" : "WebSocket",
             souk_mcp_session_id(ns->session), n->nsessions);
  return ns;
}

souk__net_session *souk__net_session_find(souk_mcp_net *n, const char *id) {
  if (!id)
    return NULL;
  for (souk__net_session *ns = n->sessions; ns; ns = ns->next)
    if (!ns->ending && ns->kind == SOUK__NS_HTTP &&
        strcmp(souk_mcp_session_id(ns->session), id) == 0)
      return ns;
  return NULL;
}

void souk__net_touch(souk__net_session *ns) {
  if (ns)
    ns->last_active = souk__net_now(ns->net);
}

void souk__net_session_end(souk__net_session *ns, const char *why) {
  souk_mcp_net *n = ns->net;
  SOUK_DEBUG(WS, "session %s ends: %s", souk_mcp_session_id(ns->session), why);
  if (ns->prev)
    ns->prev->next = ns->next;
  else
    n->sessions = ns->next;
  if (ns->next)
    ns->next->prev = ns->prev;
  n->nsessions--;
  if (ns->kind == SOUK__NS_HTTP)
    n->nhttp--;
  else
    n->nws--;
  touch_sweep(n);
  /* Cancels running calls; nothing is sent any more. */
  souk_mcp_session_free(ns->session);
  ns->session = NULL;
  while (ns->reqs)
    souk__http_req_session_ended(ns->reqs); /* unlinks it */
  if (ns->ws)
    souk__ws_conn_session_ended(ns->ws);
  free(ns);
}

static void on_defer(uv_timer_t *t);

static void schedule_defer(souk_mcp_net *n) {
  if (!n->handles_closing)
    uv_timer_start(&n->defer, on_defer, 0, 0);
}

void souk__net_session_end_later(souk__net_session *ns) {
  ns->ending = true;
  ns->net->reap_pending = true;
  schedule_defer(ns->net);
}

static void reap(souk_mcp_net *n) {
  n->reap_pending = false;
  souk__net_session *ns = n->sessions;
  while (ns) {
    souk__net_session *next = ns->next;
    if (ns->ending)
      souk__net_session_end(ns, "closed");
    ns = next;
  }
}

/* Ends HTTP sessions nobody has used for session_timeout_ms (no request, no open stream). */
static void on_sweep(uv_timer_t *t) {
  souk_mcp_net *n = t->data;
  uint64_t now = souk__net_now(n);
  souk__net_session *ns = n->sessions;
  while (ns) {
    souk__net_session *next = ns->next;
    if (ns->kind == SOUK__NS_HTTP && !ns->reqs && !ns->ending &&
        !souk_mcp_session_in_flight(ns->session) &&
        now - ns->last_active >= n->session_timeout_ms)
      souk__net_session_end(ns, "idle for too long");
    ns = next;
  }
  touch_sweep(n);
}

/* The sweep timer runs only while there are HTTP sessions, so that an idle listener costs
 * nothing. */
static void touch_sweep(souk_mcp_net *n) {
  if (n->handles_closing || n->stopping)
    return;
  if (n->nhttp && !uv_is_active((uv_handle_t *)&n->sweep))
    uv_timer_start(&n->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
  else if (!n->nhttp && uv_is_active((uv_handle_t *)&n->sweep))
    uv_timer_stop(&n->sweep);
}

/* ---- the lws callback ---- */

static int net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  souk_mcp_net *n = ctx ? lws_context_user(ctx) : NULL;
  souk__pss *pss = user;
  switch (reason) {
  case LWS_CALLBACK_WSI_CREATE:
    if (n)
      n->stats.connections++;
    return 0;
  case LWS_CALLBACK_WSI_DESTROY:
    if (n && n->stats.connections)
      n->stats.connections--;
    return 0;
  case LWS_CALLBACK_ESTABLISHED:
  case LWS_CALLBACK_RECEIVE:
  case LWS_CALLBACK_SERVER_WRITEABLE:
  case LWS_CALLBACK_CLOSED:
  case LWS_CALLBACK_TIMER:
  case LWS_CALLBACK_RECEIVE_PONG:
  case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    if (!n || !pss)
      return 0;
    return souk__net_ws_callback(wsi, reason, pss, in, len);
  case LWS_CALLBACK_HTTP:
  case LWS_CALLBACK_HTTP_BODY:
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
  case LWS_CALLBACK_HTTP_WRITEABLE:
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
  case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
    if (!n)
      return 0;
    return souk__net_http_callback(wsi, reason, pss, in, len);
  default:
    return 0;
  }
}

/* ---- start ---- */

static void free_net(souk_mcp_net *n) {
  free(n->path);
  free(n->token);
  souk__net_list_free(n->origins);
  souk__net_list_free(n->hosts);
  free(n);
}

/* Binds a socket the way lws will (SO_REUSEADDR) to see whether it can: 0 or errno. lws 4.1
 * cannot undo a context whose listener failed to bind, so this is found out first. */
static int can_bind(const char *addr, int port) {
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    sl = sizeof *v4;
  } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    sl = sizeof *v6;
  } else {
    return EADDRNOTAVAIL;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = bind(fd, (struct sockaddr *)&ss, sl) ? errno : 0;
  if (!rc && listen(fd, 1))
    rc = errno;
  close(fd);
  return rc;
}

static void url_of(souk_mcp_net *n) {
  const char *host = n->addr;
  if (strcmp(host, "0.0.0.0") == 0)
    host = "127.0.0.1";
  else if (strcmp(host, "::") == 0)
    host = "::1";
  bool v6 = strchr(host, ':') != NULL;
  snprintf(n->url, sizeof n->url, "http://%s%s%s:%d%s", v6 ? "[" : "", host, v6 ? "]" : "",
           n->port, n->path);
}

souk_mcp_net *souk_mcp_net_start(uv_loop_t *loop, souk_mcp_server *server,
                                 const souk_mcp_net_options *o, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!loop || !server || !o) {
    souk_errinfo_set(e, SOUK_EINVAL, "a network listener needs a loop, a server and options");
    return NULL;
  }
  if (o->no_http && o->no_websocket) {
    souk_errinfo_set(e, SOUK_EINVAL, "a listener must serve Streamable HTTP or WebSocket");
    return NULL;
  }
  souk_mcp_net *n = calloc(1, sizeof *n);
  if (!n) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory starting the network listener");
    return NULL;
  }
  n->loop = loop;
  n->server = server;
  n->http = !o->no_http;
  n->ws = !o->no_websocket;
  n->closed = o->closed;
  n->data = o->data;
  int port = 0;
  if (o->listen && *o->listen) {
    if (souk_mcp_net_parse_listen(o->listen, n->addr, sizeof n->addr, &port, e)) {
      free_net(n);
      return NULL;
    }
  } else {
    snprintf(n->addr, sizeof n->addr, "127.0.0.1");
  }
  const char *path = o->path && *o->path ? o->path : "/mcp";
  if (path[0] != '/') {
    souk_errinfo_set(e, SOUK_EINVAL, "the MCP path must start with '/': '%s'", path);
    free_net(n);
    return NULL;
  }
  n->path = strdup(path);
  n->path_len = strlen(path);
  if (o->token && *o->token) {
    n->token = strdup(o->token);
    n->token_len = strlen(o->token);
  }
  if (!n->path || (o->token && *o->token && !n->token) ||
      souk__net_list_parse(o->allowed_origins, &n->origins, &n->any_origin) ||
      souk__net_list_parse(o->allowed_hosts, &n->hosts, &n->any_host)) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory starting the network listener");
    free_net(n);
    return NULL;
  }
  n->max_sessions = o->max_sessions ? o->max_sessions : DEFAULT_MAX_SESSIONS;
  n->max_message = o->max_message_bytes ? o->max_message_bytes : server->limits.max_bytes;
  n->rate = o->rate > 0 ? o->rate : 0;
  n->session_timeout_ms = o->session_timeout_ms ? o->session_timeout_ms
                                                : DEFAULT_SESSION_TIMEOUT_MS;
  souk__bucket_init(&n->new_sessions, n->rate, uv_now(loop));

  int berr = can_bind(n->addr, port);
  if (berr) {
    souk_errinfo_set(e, SOUK_EIO, "cannot listen on %s port %d: %s", n->addr, port,
                     berr == EADDRINUSE ? "the port is taken"
                     : berr == EADDRNOTAVAIL ? "the address is not on this machine"
                                             : strerror(berr));
    free_net(n);
    return NULL;
  }

  lws_log_setup();

  /* protocols[0] takes every HTTP request; "mcp" is the WebSocket subprotocol, also the
   * default for upgrades that name none. */
  n->protocols[0] = (struct lws_protocols){"souk-mcp-http", net_callback, sizeof(souk__pss), 0,
                                           0, NULL, 0};
  n->protocols[1] = (struct lws_protocols){"mcp", net_callback, sizeof(souk__pss), 65536, 0,
                                           NULL, 0};
  n->pvo_ws_default = (struct lws_protocol_vhost_options){NULL, NULL, "default", "1"};
  n->pvo_ws = (struct lws_protocol_vhost_options){NULL, &n->pvo_ws_default, "mcp", ""};

  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *foreign_loops[1] = {loop};
  info.foreign_loops = foreign_loops;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
  bool v6 = strchr(n->addr, ':') != NULL;
  if (!v6)
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6; /* else it listens on every interface */
  info.port = port;
  info.iface = n->addr;
  info.protocols = n->protocols;
  info.pvo = &n->pvo_ws;
  info.user = n;
  info.pcontext = &n->ctx;
  info.timeout_secs = 30;
  info.keepalive_timeout = 60;
  info.max_http_header_data = 8192;
  info.fd_limit_per_thread = (unsigned)(n->max_sessions * 2 + 64);
  info.vhost_name = "souk-mcp";
  info.server_string = "souk";
  n->ctx = lws_create_context(&info);
  if (!n->ctx) {
    souk_errinfo_set(e, SOUK_EIO, "cannot listen on %s port %d (the port may be taken, or "
                     "libwebsockets cannot use libuv: install libwebsockets-evlib-uv)",
                     n->addr, port);
    free_net(n);
    return NULL;
  }
  n->vhost = lws_get_vhost_by_name(n->ctx, "souk-mcp");
  n->port = n->vhost ? lws_get_vhost_listen_port(n->vhost) : -1;
  if (n->port <= 0) {
    /* Someone took the port between can_bind() and lws. lws 4.1 crashes destroying a context
     * whose vhost failed to bind, so this rare one is left alone (a few kilobytes). */
    souk_errinfo_set(e, SOUK_EIO, "cannot listen on %s port %d: the port was taken", n->addr,
                     port);
    SOUK_WARN(WS, "%s; its half-made listener is left in memory", e ? e->text : "bind failed");
    n->stopping = true;
    return NULL;
  }
  uv_timer_init(loop, &n->sweep);
  uv_timer_init(loop, &n->defer);
  n->sweep.data = n->defer.data = n;
  uv_unref((uv_handle_t *)&n->sweep);
  url_of(n);
  bool loopback = strcmp(n->addr, "127.0.0.1") == 0 || strcmp(n->addr, "::1") == 0 ||
                  strncmp(n->addr, "127.", 4) == 0;
  if (!loopback && !n->token)
    SOUK_WARN(WS, "MCP listens on %s without a token: anyone who reaches this address can use "
              "it (set mcp.token)", n->addr);
  SOUK_INFO(WS, "MCP listening on %s (%s%s%s)", n->url, n->http ? "Streamable HTTP" : "",
            n->http && n->ws ? " and " : "", n->ws ? "WebSocket" : "");
  return n;
}

int souk_mcp_net_port(const souk_mcp_net *n) { return n ? n->port : -1; }
const char *souk_mcp_net_url(const souk_mcp_net *n) { return n ? n->url : NULL; }

void souk_mcp_net_get_stats(const souk_mcp_net *n, souk_mcp_net_stats *out) {
  if (!n || !out)
    return;
  *out = n->stats;
  out->sessions = n->nsessions;
  out->http_sessions = n->nhttp;
  out->ws_sessions = n->nws;
}

/* ---- stop ---- */

static void maybe_closed(souk_mcp_net *n) {
  if (!n->sweep_closed || !n->defer_closed)
    return;
  void (*closed)(void *) = n->closed;
  void *data = n->data;
  free_net(n);
  if (closed)
    closed(data);
}

static void on_sweep_closed(uv_handle_t *h) {
  souk_mcp_net *n = h->data;
  n->sweep_closed = true;
  maybe_closed(n);
}

static void on_defer_closed(uv_handle_t *h) {
  souk_mcp_net *n = h->data;
  n->defer_closed = true;
  maybe_closed(n);
}

static void count_closing(uv_handle_t *h, void *arg) {
  if (uv_is_closing(h))
    ++*(int *)arg;
}

/* Runs from the loop, never from inside an lws or session callback. */
static void on_defer(uv_timer_t *t) {
  souk_mcp_net *n = t->data;
  if (n->reap_pending)
    reap(n);
  if (!n->stopping)
    return;
  if (!n->stop_started) {
    n->stop_started = true;
    while (n->sessions)
      souk__net_session_end(n->sessions, "the listener stops");
    uv_timer_stop(&n->sweep);
    if (n->ctx)
      lws_context_destroy(n->ctx); /* closes connections; completes through the loop */
  }
  if (n->ctx) {
    /* With a foreign loop, lws 4.1 closes its handles through the loop and then needs a second
     * lws_context_destroy() to free the context (which clears n->ctx). Its handles close in
     * chains (connections, then its timers), so wait until no handle of the loop is closing. */
    int closing = 0;
    uv_walk(n->loop, count_closing, &closing);
    if (!closing)
      lws_context_destroy(n->ctx);
  }
  if (n->ctx) {
    uv_timer_start(&n->defer, on_defer, 1, 0);
    return;
  }
  SOUK_DEBUG(WS, "listener %s stopped", n->url);
  n->handles_closing = true;
  uv_close((uv_handle_t *)&n->sweep, on_sweep_closed);
  uv_close((uv_handle_t *)&n->defer, on_defer_closed);
}

void souk_mcp_net_stop(souk_mcp_net *n) {
  if (!n || n->stopping)
    return;
  n->stopping = true;
  schedule_defer(n);
}
