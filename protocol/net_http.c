/* SPDX-License-Identifier: MIT */
/* Streamable HTTP (MCP 2025-11-25, "Transports"): where an HTTP request on the MCP path
 * becomes a session message and the session's messages become a JSON response or an SSE
 * stream; sessions by Mcp-Session-Id; the checks every request passes first (Host, Origin,
 * token, path, method, headers, size, rate); and the refusal of bad WebSocket upgrades.
 *
 * A POST's answer is decided by the first message the session sends for it: its response
 * alone becomes `application/json`; a notification or a request first (progress, logs,
 * sampling) turns the answer into `text/event-stream`, closed after the response. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "mcp_private.h"
#include "net_private.h"

enum req_state {
  R_HEADERS = 0, /* headers checked; reading the body */
  R_WAITING,     /* the message went to the session; nothing came back yet */
  R_JSON,        /* the response came first: it is answered as JSON when done */
  R_SSE,         /* streaming events */
  R_REPLY        /* a fixed reply (an error, 202, DELETE) is queued */
};

enum { M_OTHER = 0, M_GET, M_POST, M_DELETE, M_OPTIONS };

enum { OUT_DATA = 0, OUT_HEADERS };

struct souk__http_req {
  souk_mcp_net *net;
  struct lws *wsi;
  souk__pss *pss;
  souk__net_session *ns;
  souk__http_req *prev, *next; /* in ns->reqs */
  int method;
  enum req_state state;
  bool stream;       /* the session's GET stream */
  bool done;         /* session said done (or the stream ends) */
  bool finished;     /* nothing more will be queued; complete once the queue drains */
  bool close_after;  /* close the connection after the reply */
  bool is_init;      /* this POST created its session (initialize) */
  bool sse_head;     /* SSE headers queued */
  int json_status;
  char *json;        /* R_JSON: the response */
  size_t json_len;
  char origin[256];
  bool has_origin;
  souk_buf body;
  souk__outq out;
};

#define OUT_LIMIT_MIN ((size_t)16 * 1024 * 1024)
#define SSE_PREFIX "event: message\ndata: "
#define SSE_SUFFIX "\n\n"

/* ---- small helpers ---- */

static void copy_header(struct lws *wsi, enum lws_token_indexes tok, char *buf, size_t len,
                        bool *present) {
  buf[0] = '\0';
  *present = false;
  if (lws_hdr_total_length(wsi, tok) <= 0)
    return;
  if (lws_hdr_copy(wsi, buf, (int)len, tok) < 0) {
    buf[0] = '\0'; /* too long: treated as a bad value */
    *present = true;
    return;
  }
  *present = true;
}

static bool copy_custom(struct lws *wsi, const char *name, char *buf, size_t len) {
  buf[0] = '\0';
  int nlen = (int)strlen(name);
  if (lws_hdr_custom_length(wsi, name, nlen) < 0)
    return false;
  if (lws_hdr_custom_copy(wsi, buf, (int)len, name, nlen) < 0) {
    buf[0] = '\0';
    return true;
  }
  char *s = buf;
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  memmove(buf, s, n);
  buf[n] = '\0';
  return true;
}

static size_t out_limit(const souk_mcp_net *n) {
  size_t l = 4 * n->max_message;
  return l < OUT_LIMIT_MIN ? OUT_LIMIT_MIN : l;
}

static const char *reason_phrase(int status) {
  switch (status) {
  case 200: return "OK";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 426: return "Upgrade Required";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return "";
  }
}

typedef struct hdrs {
  int status;
  const char *content_type;
  long long content_length; /* -1: chunked */
  const char *session_id;
  const char *name1, *value1, *name2, *value2;
} hdrs;

static int add_hdr(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                   unsigned char *end) {
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                     (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Writes the status line and headers at *p. The Access-Control headers go to allowed
 * browser origins (requests from others never get this far). */
static int build_headers(struct lws *wsi, const hdrs *h, const char *origin, bool close,
                         unsigned char **p, unsigned char *end) {
  char line[64];
  int n = snprintf(line, sizeof line, "HTTP/1.1 %d %s", h->status, reason_phrase(h->status));
  if (lws_add_http_header_by_name(wsi, NULL, (unsigned char *)line, n, p, end))
    return -1;
  if (h->content_type && add_hdr(wsi, "content-type:", h->content_type, p, end))
    return -1;
  if (h->content_length >= 0) {
    char cl[32];
    snprintf(cl, sizeof cl, "%lld", h->content_length);
    if (add_hdr(wsi, "content-length:", cl, p, end))
      return -1;
  } else if (add_hdr(wsi, "transfer-encoding:", "chunked", p, end) ||
             add_hdr(wsi, "cache-control:", "no-cache, no-transform", p, end) ||
             add_hdr(wsi, "x-accel-buffering:", "no", p, end)) {
    return -1;
  }
  if (h->session_id && add_hdr(wsi, "mcp-session-id:", h->session_id, p, end))
    return -1;
  if (h->name1 && add_hdr(wsi, h->name1, h->value1, p, end))
    return -1;
  if (h->name2 && add_hdr(wsi, h->name2, h->value2, p, end))
    return -1;
  if (origin && (add_hdr(wsi, "access-control-allow-origin:", origin, p, end) ||
                 add_hdr(wsi, "vary:", "Origin", p, end) ||
                 add_hdr(wsi, "access-control-expose-headers:",
                         "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate", p, end)))
    return -1;
  if (close && add_hdr(wsi, "connection:", "close", p, end))
    return -1;
  return lws_finalize_http_header(wsi, p, end) ? -1 : 0;
}

static char *rpc_error_body(int code, const char *message, size_t *len) {
  json_t *v = souk_jsonrpc_error(NULL, code, message, NULL);
  char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
  json_decref(v);
  *len = s ? strlen(s) : 0;
  return s;
}

/* ---- the output of one exchange ---- */

static void want_write(souk__http_req *r) {
  if (r->wsi)
    lws_callback_on_writable(r->wsi);
}

static int queue_bytes(souk__http_req *r, const char *data, size_t len, int kind) {
  souk__net_out *o = souk__net_out_new(len);
  if (!o)
    return SOUK_ENOMEM;
  memcpy(o->buf + LWS_PRE, data, len);
  o->text_frame = kind == OUT_HEADERS;
  souk__outq_push(&r->out, o);
  return 0;
}

/* The status line and headers, and the body if any, in one piece (one write). */
static int queue_headers_body(souk__http_req *r, const hdrs *h, const char *body, size_t len) {
  souk__net_out *o = souk__net_out_new(2048 + len);
  if (!o)
    return SOUK_ENOMEM;
  unsigned char *start = o->buf + LWS_PRE, *p = start, *end = start + 2048;
  if (build_headers(r->wsi, h, r->has_origin ? r->origin : NULL, r->close_after, &p, end)) {
    free(o);
    SOUK_WARN(WS, "HTTP response headers do not fit");
    return SOUK_ETOOBIG;
  }
  if (len)
    memcpy(p, body, len);
  o->len = (size_t)(p - start) + len;
  o->text_frame = true; /* starts with headers */
  souk__outq_push(&r->out, o);
  return 0;
}

static int queue_headers(souk__http_req *r, const hdrs *h) {
  return queue_headers_body(r, h, NULL, 0);
}

/* One SSE event as one HTTP/1.1 chunk. */
static int queue_event(souk__http_req *r, const char *json, size_t len) {
  size_t payload = sizeof SSE_PREFIX - 1 + len + sizeof SSE_SUFFIX - 1;
  char head[24];
  int hn = snprintf(head, sizeof head, "%zx\r\n", payload);
  souk__net_out *o = souk__net_out_new((size_t)hn + payload + 2);
  if (!o)
    return SOUK_ENOMEM;
  char *p = (char *)o->buf + LWS_PRE;
  memcpy(p, head, (size_t)hn);
  p += hn;
  memcpy(p, SSE_PREFIX, sizeof SSE_PREFIX - 1);
  p += sizeof SSE_PREFIX - 1;
  memcpy(p, json, len);
  p += len;
  memcpy(p, SSE_SUFFIX "\r\n", sizeof SSE_SUFFIX - 1 + 2);
  souk__outq_push(&r->out, o);
  return 0;
}

/* A complete reply (headers and an optional body); the exchange ends after it. */
static void reply(souk__http_req *r, const hdrs *h, const char *body, size_t len) {
  souk__outq_clear(&r->out);
  r->state = R_REPLY;
  queue_headers_body(r, h, body, len);
  r->finished = true;
  want_write(r);
}

static void reply_error(souk__http_req *r, int status, int code, const char *message,
                        const char *name, const char *value) {
  size_t len;
  char *body = rpc_error_body(code, message, &len);
  hdrs h = {status, "application/json", (long long)len, NULL, name, value, NULL, NULL};
  reply(r, &h, body, len);
  free(body);
}

static void reply_empty(souk__http_req *r, int status) {
  hdrs h = {status, NULL, 0, NULL, NULL, NULL, NULL, NULL};
  reply(r, &h, NULL, 0);
}

static void start_sse(souk__http_req *r) {
  hdrs h = {200, "text/event-stream", -1, NULL, NULL, NULL, NULL, NULL};
  r->state = R_SSE;
  r->sse_head = true;
  queue_headers(r, &h);
}

/* ---- linking exchanges and sessions ---- */

static void link_req(souk__http_req *r, souk__net_session *ns) {
  r->ns = ns;
  r->prev = NULL;
  r->next = ns->reqs;
  if (ns->reqs)
    ns->reqs->prev = r;
  ns->reqs = r;
}

static void unlink_req(souk__http_req *r) {
  souk__net_session *ns = r->ns;
  if (!ns)
    return;
  if (r->prev)
    r->prev->next = r->next;
  else
    ns->reqs = r->next;
  if (r->next)
    r->next->prev = r->prev;
  if (ns->stream == r)
    ns->stream = NULL;
  r->prev = r->next = NULL;
  r->ns = NULL;
  souk__net_touch(ns);
}

static void free_req(souk__http_req *r) {
  if (r->ns) {
    if (r->ns->session && !r->done)
      souk_mcp_session_forget_origin(r->ns->session, r);
    unlink_req(r);
  }
  if (r->pss && r->pss->obj == r) {
    r->pss->obj = NULL;
    r->pss->kind = SOUK__PSS_NONE;
  }
  souk__outq_clear(&r->out);
  souk_buf_free(&r->body);
  free(r->json);
  free(r);
}

void souk__http_req_session_ended(souk__http_req *r) {
  enum req_state st = r->state;
  unlink_req(r);
  r->done = true;
  switch (st) {
  case R_SSE:
    if (!r->finished) {
      queue_bytes(r, "0\r\n\r\n", 5, OUT_DATA);
      r->finished = true;
      want_write(r);
    }
    break;
  case R_JSON:
    if (!r->finished) {
      hdrs h = {r->json_status, "application/json", (long long)r->json_len, NULL, NULL, NULL,
                NULL, NULL};
      reply(r, &h, r->json, r->json_len);
    }
    break;
  case R_HEADERS:
  case R_WAITING:
    reply_error(r, 404, -32001, "Session not found: the session ended", NULL, NULL);
    break;
  case R_REPLY:
    break;
  }
}

/* ---- the session's transport ---- */

/* An error response with id null, as souk_jsonrpc_error() writes it. (The message's
 * related_id cannot be used here: for answers made before a call exists it points into the
 * message the session has already freed.) */
static bool unaddressed_error(const char *json, size_t len) {
  static const char prefix[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":";
  return len > sizeof prefix - 1 && memcmp(json, prefix, sizeof prefix - 1) == 0;
}

int souk__http_send(void *data, const souk_mcp_message *m) {
  souk__net_session *ns = data;
  souk_mcp_net *n = ns->net;
  souk__http_req *r = m->origin;
  if (!r)
    r = ns->stream;
  if (!r) {
    SOUK_DEBUG(WS, "session %s: no GET stream open; dropped a %s", souk_mcp_session_id(ns->session),
               m->kind == SOUK_MCP_MSG_REQUEST ? "request" : "notification");
    return 0;
  }
  if (r->out.bytes > out_limit(n)) {
    SOUK_WARN(WS, "session %s: the client does not read its stream (%zu bytes waiting); "
              "closing it", souk_mcp_session_id(ns->session), r->out.bytes);
    r->close_after = true;
    r->finished = true;
    want_write(r);
    return SOUK_ETOOBIG;
  }
  n->stats.messages_out++;
  n->stats.bytes_out += m->len;
  if (r->state == R_WAITING) {
    if (m->kind == SOUK_MCP_MSG_RESPONSE) {
      r->json = malloc(m->len + 1);
      if (!r->json)
        return SOUK_ENOMEM;
      memcpy(r->json, m->json, m->len);
      r->json_len = m->len;
      /* An error that could not be tied to a request (the body was not JSON, not JSON-RPC, or
       * too large) means the POST itself was bad. */
      r->json_status = unaddressed_error(m->json, m->len) ? 400 : 200;
      r->state = R_JSON;
      return 0;
    }
    start_sse(r);
  }
  if (r->state != R_SSE) {
    SOUK_DEBUG(WS, "session %s: a message after the response of its request; dropped",
               souk_mcp_session_id(ns->session));
    return 0;
  }
  int rc = queue_event(r, m->json, m->len);
  want_write(r);
  return rc;
}

void souk__http_done(void *data, void *origin) {
  souk__net_session *ns = data;
  souk__http_req *r = origin;
  if (!r || r->done)
    return;
  r->done = true;
  switch (r->state) {
  case R_JSON: {
    const char *sid = NULL;
    if (r->is_init) {
      if (souk_mcp_session_state_of(ns->session) != SOUK_MCP_SESSION_NEW) {
        sid = souk_mcp_session_id(ns->session);
      } else {
        /* initialize failed: the client gets the error and no session */
        souk__net_session_end_later(ns);
      }
    }
    hdrs h = {r->json_status, "application/json", (long long)r->json_len, sid, NULL, NULL,
              NULL, NULL};
    souk__outq_clear(&r->out);
    queue_headers_body(r, &h, r->json, r->json_len);
    r->finished = true;
    break;
  }
  case R_SSE:
    queue_bytes(r, "0\r\n\r\n", 5, OUT_DATA);
    r->finished = true;
    break;
  case R_WAITING: /* every request of the POST was cancelled: nothing to answer */
    reply_empty(r, 202);
    break;
  default:
    break;
  }
  want_write(r);
}

/* ---- request checks ---- */

static bool accepts(const char *accept, bool present, const char *type) {
  if (!present || !*accept)
    return true; /* no Accept header: anything goes */
  char lower[512];
  size_t i;
  for (i = 0; accept[i] && i < sizeof lower - 1; i++)
    lower[i] = (char)tolower((unsigned char)accept[i]);
  lower[i] = '\0';
  if (strstr(lower, type) || strstr(lower, "*/*"))
    return true;
  char family[32];
  const char *slash = strchr(type, '/');
  snprintf(family, sizeof family, "%.*s/*", (int)(slash - type), type);
  return strstr(lower, family) != NULL;
}

static bool is_json_type(const char *ct) {
  if (strncasecmp(ct, "application/json", 16) != 0)
    return false;
  char c = ct[16];
  return c == '\0' || c == ';' || c == ' ';
}

/* The session named by Mcp-Session-Id, or NULL after replying 400/404. Also checks
 * MCP-Protocol-Version. */
static souk__net_session *session_of(souk__http_req *r, const char *sid, bool has_sid,
                                     const char *version, bool has_version) {
  souk_mcp_net *n = r->net;
  if (!has_sid) {
    n->stats.refused_session++;
    reply_error(r, 400, -32000, "Bad Request: the Mcp-Session-Id header is required (send "
                "initialize first)", NULL, NULL);
    return NULL;
  }
  souk__net_session *ns = souk__net_session_find(n, sid);
  if (!ns) {
    n->stats.refused_session++;
    reply_error(r, 404, -32001, "Session not found: it ended or never existed; initialize a "
                "new session", NULL, NULL);
    return NULL;
  }
  if (has_version && !souk_mcp_version_supported(version)) {
    n->stats.refused_other++;
    char msg[200];
    snprintf(msg, sizeof msg, "Bad Request: unsupported MCP-Protocol-Version '%.40s' (supported: "
             "2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)", version);
    reply_error(r, 400, -32000, msg, NULL, NULL);
    return NULL;
  }
  return ns;
}

static void handle_body(souk__http_req *r);

static void handle_post(souk__http_req *r, const char *sid, bool has_sid, const char *version,
                        bool has_version) {
  souk_mcp_net *n = r->net;
  struct lws *wsi = r->wsi;
  char ct[128], accept[512], cl[32];
  bool has_ct, has_accept, has_cl;
  copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, ct, sizeof ct, &has_ct);
  copy_header(wsi, WSI_TOKEN_HTTP_ACCEPT, accept, sizeof accept, &has_accept);
  copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl, &has_cl);
  if (!has_ct || !is_json_type(ct)) {
    n->stats.refused_other++;
    reply_error(r, 415, -32000, "Unsupported Media Type: POST a JSON-RPC message with "
                "Content-Type: application/json", NULL, NULL);
    return;
  }
  if (!accepts(accept, has_accept, "application/json") ||
      !accepts(accept, has_accept, "text/event-stream")) {
    n->stats.refused_other++;
    reply_error(r, 406, -32000, "Not Acceptable: the client must accept both application/json "
                "and text/event-stream", NULL, NULL);
    return;
  }
  if (!has_cl) {
    n->stats.refused_other++;
    r->close_after = true;
    reply_error(r, 411, -32000, "Length Required: send the message with a Content-Length",
                NULL, NULL);
    return;
  }
  unsigned long long length = strtoull(cl, NULL, 10);
  if (length > n->max_message) {
    n->stats.refused_size++;
    r->close_after = true;
    char msg[160];
    snprintf(msg, sizeof msg, "Invalid Request: message of %llu bytes exceeds the limit of %zu "
             "bytes", length, n->max_message);
    reply_error(r, 413, -32600, msg, NULL, NULL);
    return;
  }
  if (has_sid) {
    souk__net_session *ns = session_of(r, sid, has_sid, version, has_version);
    if (!ns)
      return;
    uint64_t wait = souk__bucket_take(&ns->bucket, souk__net_now(n));
    if (wait) {
      n->stats.refused_rate++;
      char ra[24], msg[160];
      snprintf(ra, sizeof ra, "%llu", (unsigned long long)((wait + 999) / 1000));
      snprintf(msg, sizeof msg, "Too Many Requests: over %.0f messages per second; retry in %llu "
               "ms", n->rate, (unsigned long long)wait);
      reply_error(r, 429, -32000, msg, "retry-after:", ra);
      return;
    }
    link_req(r, ns);
    souk__net_touch(ns);
  }
  souk_buf_init(&r->body, n->max_message);
  if (length && souk_buf_reserve(&r->body, (size_t)length)) {
    reply_error(r, 500, -32603, "Internal error: out of memory", NULL, NULL);
    return;
  }
  r->state = R_HEADERS;
  if (length == 0)
    handle_body(r); /* lws reports no body for Content-Length: 0 */
}

static void handle_get(souk__http_req *r, const char *sid, bool has_sid, const char *version,
                       bool has_version) {
  souk_mcp_net *n = r->net;
  char accept[512];
  bool has_accept;
  copy_header(r->wsi, WSI_TOKEN_HTTP_ACCEPT, accept, sizeof accept, &has_accept);
  if (!accepts(accept, has_accept, "text/event-stream")) {
    n->stats.refused_other++;
    reply_error(r, 406, -32000, "Not Acceptable: GET opens an event stream; accept "
                "text/event-stream", NULL, NULL);
    return;
  }
  souk__net_session *ns = session_of(r, sid, has_sid, version, has_version);
  if (!ns)
    return;
  if (ns->stream) {
    n->stats.refused_other++;
    reply_error(r, 409, -32000, "Conflict: this session already has a GET stream open", NULL,
                NULL);
    return;
  }
  link_req(r, ns);
  ns->stream = r;
  r->stream = true;
  souk__net_touch(ns);
  lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
  start_sse(r);
  want_write(r);
}

static void handle_delete(souk__http_req *r, const char *sid, bool has_sid, const char *version,
                          bool has_version) {
  souk__net_session *ns = session_of(r, sid, has_sid, version, has_version);
  if (!ns)
    return;
  souk__net_session_end(ns, "DELETE from the client");
  reply_empty(r, 200);
}

static void handle_options(souk__http_req *r) {
  hdrs h = {204, NULL, 0, NULL, "access-control-allow-methods:", "GET, POST, DELETE, OPTIONS",
            "access-control-allow-headers:",
            "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, "
            "Last-Event-ID"};
  reply(r, &h, NULL, 0);
}

/* The body is complete: hand it to its session (creating one for initialize). */
static void handle_body(souk__http_req *r) {
  souk_mcp_net *n = r->net;
  souk__net_session *ns = r->ns;
  const char *body = r->body.data ? r->body.data : "";
  size_t len = r->body.len;
  lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
  if (!ns) {
    /* No session yet: only initialize may come without one. */
    int code = 0;
    char why[256];
    json_t *v = souk_jsonrpc_parse(body, len, &n->server->limits, &code, why, sizeof why);
    if (!v) {
      n->stats.refused_other++;
      reply_error(r, 400, code, why, NULL, NULL);
      return;
    }
    const char *method = json_string_value(json_object_get(v, "method"));
    bool init = json_is_object(v) && method && strcmp(method, "initialize") == 0 &&
                json_object_get(v, "id");
    json_decref(v);
    if (!init) {
      n->stats.refused_session++;
      reply_error(r, 400, -32000, "Bad Request: the Mcp-Session-Id header is required (send "
                  "initialize first)", NULL, NULL);
      return;
    }
    if (n->nsessions >= n->max_sessions) {
      n->stats.refused_busy++;
      char msg[160];
      snprintf(msg, sizeof msg, "Service Unavailable: %zu sessions are open, the most this "
               "server allows; end one (DELETE) or retry later", n->nsessions);
      reply_error(r, 503, -32000, msg, "retry-after:", "5");
      return;
    }
    uint64_t wait = souk__bucket_take(&n->new_sessions, souk__net_now(n));
    if (wait) {
      n->stats.refused_rate++;
      char ra[24];
      snprintf(ra, sizeof ra, "%llu", (unsigned long long)((wait + 999) / 1000));
      reply_error(r, 429, -32000, "Too Many Requests: new sessions are opened too fast", "retry-after:",
                  ra);
      return;
    }
    ns = souk__net_session_new(n, SOUK__NS_HTTP);
    if (!ns) {
      reply_error(r, 500, -32603, "Internal error: cannot create a session", NULL, NULL);
      return;
    }
    r->is_init = true;
    link_req(r, ns);
  }
  n->stats.messages_in++;
  n->stats.bytes_in += len;
  r->state = R_WAITING;
  int rc = souk_mcp_session_receive_from(ns->session, body, len, r);
  if (rc == 0 && r->state == R_WAITING) {
    unlink_req(r);
    r->done = true;
    reply_empty(r, 202);
  } else if (rc < 0 && r->state == R_WAITING) {
    unlink_req(r);
    r->done = true;
    reply_error(r, 404, -32001, "Session not found: the session ended", NULL, NULL);
  }
  souk_buf_free(&r->body);
}

/* ---- lws ---- */

static int method_of(struct lws *wsi) {
  char *uri;
  int len;
  switch (lws_http_get_uri_and_method(wsi, &uri, &len)) {
  case LWSHUMETH_GET: return M_GET;
  case LWSHUMETH_POST: return M_POST;
  case LWSHUMETH_DELETE: return M_DELETE;
  case LWSHUMETH_OPTIONS: return M_OPTIONS;
  default: return M_OTHER;
  }
}

static bool path_is(const souk_mcp_net *n, const char *path, size_t len) {
  while (len > n->path_len && path[len - 1] == '/')
    len--;
  return len == n->path_len && memcmp(path, n->path, len) == 0;
}

/* Host, Origin and token: the status to refuse with (0: fine) and why. */
static int guard(souk_mcp_net *n, struct lws *wsi, bool ws, char *origin, size_t olen,
                 bool *has_origin, const char **why) {
  char host[256], auth[512], qtok[300];
  bool has_host, has_auth;
  copy_header(wsi, WSI_TOKEN_HOST, host, sizeof host, &has_host);
  copy_header(wsi, WSI_TOKEN_ORIGIN, origin, olen, has_origin);
  if (has_host && !souk__net_host_ok(n, host)) {
    n->stats.refused_origin++;
    *why = "Forbidden: Host not allowed (DNS rebinding protection); add it to mcp.allowed_hosts";
    return 403;
  }
  if (*has_origin && !souk__net_origin_ok(n, origin)) {
    n->stats.refused_origin++;
    *why = "Forbidden: Origin not allowed; add it to mcp.allowed_origins";
    return 403;
  }
  if (n->token_len) {
    copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth, &has_auth);
    const char *q = ws ? lws_get_urlarg_by_name(wsi, "access_token=", qtok, sizeof qtok) : NULL;
    if (!souk__net_token_ok(n, has_auth ? auth : NULL, q)) {
      n->stats.refused_auth++;
      *why = has_auth ? "Unauthorized: the bearer token is not valid"
                      : "Unauthorized: send Authorization: Bearer <token>";
      return 401;
    }
  }
  return 0;
}

static void on_request(souk_mcp_net *n, struct lws *wsi, souk__pss *pss, const char *path) {
  souk__http_req *r = calloc(1, sizeof *r);
  if (!r) {
    lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    return;
  }
  r->net = n;
  r->wsi = wsi;
  r->pss = pss;
  pss->kind = SOUK__PSS_HTTP;
  pss->obj = r;
  r->method = method_of(wsi);
  souk_buf_init(&r->body, 0);

  const char *why = NULL;
  int st = guard(n, wsi, false, r->origin, sizeof r->origin, &r->has_origin, &why);
  if (st == 403)
    r->has_origin = false; /* no CORS headers for a refused origin */
  if (!path_is(n, path, strlen(path))) {
    if (st == 0) {
      n->stats.refused_other++;
      char msg[200];
      snprintf(msg, sizeof msg, "Not Found: MCP is served at %s", n->path);
      if (r->method == M_POST)
        r->close_after = true;
      reply_error(r, 404, -32000, msg, NULL, NULL);
      return;
    }
  } else {
    n->stats.http_requests++;
  }
  if (r->method == M_OPTIONS && st != 403) {
    handle_options(r);
    return;
  }
  if (st) {
    if (r->method == M_POST)
      r->close_after = true;
    reply_error(r, st, -32000, why, st == 401 ? "www-authenticate:" : NULL,
                "Bearer realm=\"souk\"");
    return;
  }
  if (!n->http) {
    n->stats.refused_other++;
    r->close_after = r->method == M_POST;
    reply_error(r, 426, -32000, "Upgrade Required: this listener speaks MCP over WebSocket only "
                "(subprotocol mcp)", "upgrade:", "websocket");
    return;
  }
  char sid[80], version[48];
  bool has_sid = copy_custom(wsi, "mcp-session-id:", sid, sizeof sid);
  bool has_version = copy_custom(wsi, "mcp-protocol-version:", version, sizeof version);
  switch (r->method) {
  case M_POST:
    handle_post(r, sid, has_sid, version, has_version);
    return;
  case M_GET:
    handle_get(r, sid, has_sid, version, has_version);
    return;
  case M_DELETE:
    handle_delete(r, sid, has_sid, version, has_version);
    return;
  default:
    n->stats.refused_other++;
    reply_error(r, 405, -32000, "Method Not Allowed: use POST, GET or DELETE", "allow:",
                "GET, POST, DELETE, OPTIONS");
    return;
  }
}

static int on_body(souk__http_req *r, const void *in, size_t len) {
  if (r->state != R_HEADERS)
    return 0; /* refused already: the rest of the body is dropped */
  if (souk_buf_add(&r->body, in, len)) {
    r->net->stats.refused_size++;
    r->close_after = true;
    unlink_req(r);
    char msg[160];
    snprintf(msg, sizeof msg, "Invalid Request: message exceeds the limit of %zu bytes",
             r->net->max_message);
    reply_error(r, 413, -32600, msg, NULL, NULL);
  }
  return 0;
}

/* Writes what is queued while the connection takes it. Returns -1 to close the connection. */
static int on_writeable(souk__http_req *r) {
  struct lws *wsi = r->wsi;
  souk__net_out *o;
  while ((o = souk__outq_pop(&r->out))) {
    enum lws_write_protocol wp = o->text_frame ? LWS_WRITE_HTTP_HEADERS
                                 : (r->finished && !r->out.head) ? LWS_WRITE_HTTP_FINAL
                                                                 : LWS_WRITE_HTTP;
    int w = o->len ? lws_write(wsi, o->buf + LWS_PRE, o->len, wp) : 0;
    free(o);
    if (w < 0)
      return -1;
    if (r->out.head && lws_send_pipe_choked(wsi)) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  if (!r->finished)
    return 0;
  /* The exchange is complete. */
  bool close = r->close_after;
  free_req(r);
  if (close)
    return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int souk__net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, souk__pss *pss,
                            void *in, size_t len) {
  souk_mcp_net *n = lws_context_user(lws_get_context(wsi));
  souk__http_req *r = pss && pss->kind == SOUK__PSS_HTTP ? pss->obj : NULL;
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    if (!pss)
      return -1;
    if (r) /* a new request before the last one completed: should not happen */
      free_req(r);
    if (n->stopping) {
      lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return -1;
    }
    on_request(n, wsi, pss, in ? (const char *)in : "");
    return 0;
  case LWS_CALLBACK_HTTP_BODY:
    if (r)
      on_body(r, in, len);
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    if (r && r->state == R_HEADERS)
      handle_body(r);
    return 0;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return r ? on_writeable(r) : 0;
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (r) {
      r->wsi = NULL;
      free_req(r);
    }
    return 0;
  case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
    /* A WebSocket upgrade: the same checks as HTTP requests, before lws accepts it. */
    const char *up = in ? in : "";
    char uri[256], origin[256];
    bool has_uri, has_origin;
    const char *why = NULL;
    int st = 0, code = -32000;
    const char *hn = NULL, *hv = NULL;
    copy_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri, &has_uri);
    char *q = strchr(uri, '?');
    if (q)
      *q = '\0';
    if (strcasecmp(up, "websocket") != 0) {
      st = 400;
      why = "Bad Request: only WebSocket upgrades are served; use HTTP/1.1";
    } else if ((st = guard(n, wsi, true, origin, sizeof origin, &has_origin, &why))) {
      if (st == 401) {
        hn = "www-authenticate:";
        hv = "Bearer realm=\"souk\"";
      }
    } else if (!path_is(n, uri, strlen(uri))) {
      st = 404;
      why = "Not Found: MCP over WebSocket is served on the MCP path";
    } else if (!n->ws || n->stopping) {
      st = 400;
      why = "Bad Request: this listener does not serve WebSocket; POST to the MCP path";
    } else if (n->nsessions >= n->max_sessions) {
      n->stats.refused_busy++;
      st = 503;
      why = "Service Unavailable: too many sessions are open";
      hn = "retry-after:";
      hv = "5";
    } else if (souk__bucket_take(&n->new_sessions, souk__net_now(n))) {
      n->stats.refused_rate++;
      st = 429;
      why = "Too Many Requests: new sessions are opened too fast";
      hn = "retry-after:";
      hv = "1";
    }
    if (!st)
      return 0;
    if (st == 400 || st == 404)
      n->stats.refused_other++;
    SOUK_DEBUG(WS, "WebSocket upgrade refused: %d %s", st, why);
    if (souk__http_write_refusal(wsi, st, code, why, hn, hv))
      return -1;
    return 1; /* answered: lws completes the transaction */
  }
  default:
    return 0;
  }
}

int souk__http_write_refusal(struct lws *wsi, int status, int rpc_code, const char *message,
                             const char *hdr_name, const char *hdr_value) {
  size_t blen;
  char *body = rpc_error_body(rpc_code, message, &blen);
  size_t cap = 2048 + blen;
  unsigned char *buf = malloc(LWS_PRE + cap);
  if (!buf) {
    free(body);
    return -1;
  }
  unsigned char *start = buf + LWS_PRE, *p = start, *end = start + cap;
  hdrs h = {status, "application/json", (long long)blen, NULL, hdr_name, hdr_value, NULL, NULL};
  int rc = build_headers(wsi, &h, NULL, false, &p, end);
  if (rc == 0) {
    memcpy(p, body, blen);
    p += blen;
    rc = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) < 0 ? -1 : 0;
  }
  free(buf);
  free(body);
  return rc;
}
