/* SPDX-License-Identifier: MIT */
/* The loopback HTTP/1.1 server: accepts connections on libuv, parses requests
 * with http-parser, runs the route's handler and writes the response it scripted. */
#include "httpd/server.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>
#include <zlib.h>

#include "core/buf.h"
#include "souk/error.h"

#define MAX_LISTENERS 8
#define MAX_HEADERS 100
#define MAX_RESPONSE_HEAD (16 * 1024)
#define MAX_PATHS 1024
#define READ_SIZE (64 * 1024)
#define CHUNK_SIZE 4096

typedef struct souk_httpd_conn conn;

struct route {
  char *path;
  size_t len;
  bool prefix;
  souk_httpd_handler fn;
  void *ud;
  struct route *next;
};

struct path_entry {
  char *path;
  souk_httpd_path_stats st;
  struct path_entry *next;
};

struct listener {
  uv_tcp_t tcp;
  souk_httpd *s;
  int port;
  bool v6, live; /* live: bound (a slot whose bind failed is closed and skipped) */
  char addr[64];
};

struct souk_httpd_response {
  conn *c;
  int status;
  souk_buf headers;
  souk_buf body;
  unsigned delay_ms;
  size_t after;
  bool stall, truncate, gzip, chunked, close, drop, has_length, head_only;
};

struct souk_httpd_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  souk_httpd *s;
  conn *prev, *next;
  http_parser p;
  unsigned id, nreq;
  int handles;
  bool closing, busy, stalled, keep_alive, in_flight;
  /* the request being parsed */
  souk_buf url, hdr, body, in;
  size_t hoff[MAX_HEADERS][2];
  const char *hname[MAX_HEADERS], *hvalue[MAX_HEADERS];
  size_t nh;
  int last_cb;  /* 0 none, 1 header field, 2 header value */
  int refuse;   /* 0, or the status that refuses the request (413, 431) */
  char *target_copy;
  struct path_entry *pe;
  souk_httpd_response res;
};

enum wkind { W_CONTINUE, W_RESPONSE, W_ERROR };

struct wreq {
  uv_write_t w;
  conn *c;
  enum wkind kind;
  char data[];
};

struct souk_httpd {
  uv_loop_t *loop;
  uv_loop_t own_loop;
  bool own;
  souk_httpd_options o;
  struct listener ls[MAX_LISTENERS];
  int nls;
  struct route *routes, **routes_tail;
  struct path_entry *paths;
  struct path_entry other; /* beyond MAX_PATHS distinct paths */
  int npaths;
  souk_httpd_stats st;
  uv_mutex_t mu;
  conn *conns;
  unsigned next_conn_id;
  uv_async_t async;
  bool async_open;
  uv_thread_t thread;
  bool thread_started, started, closing, freed_by_close;
  int open_handles;
  char rbuf[READ_SIZE];
};

static void conn_close(conn *c);
static void process_input(conn *c);
static void server_handle_closed(souk_httpd *s);

/* ---- statistics ------------------------------------------------------------------------ */

/* Under s->mu. */
static struct path_entry *path_get(souk_httpd *s, const char *path) {
  for (struct path_entry *e = s->paths; e; e = e->next)
    if (strcmp(e->path, path) == 0)
      return e;
  if (s->npaths >= MAX_PATHS)
    return &s->other;
  struct path_entry *e = calloc(1, sizeof *e);
  if (!e || !(e->path = strdup(path))) {
    free(e);
    return &s->other;
  }
  e->next = s->paths;
  s->paths = e;
  s->npaths++;
  return e;
}

static void stats_begin(souk_httpd_path_stats *st) {
  st->requests++;
  if (++st->in_flight > st->peak)
    st->peak = st->in_flight;
}

static void stats_end(souk_httpd_path_stats *st, bool aborted) {
  st->in_flight--;
  if (aborted)
    st->aborted++;
  else
    st->completed++;
}

/* The request on `c` is no longer in flight. */
static void end_request(conn *c, bool aborted) {
  if (!c->in_flight)
    return;
  souk_httpd *s = c->s;
  uv_mutex_lock(&s->mu);
  stats_end(&c->pe->st, aborted);
  stats_end(&s->st.all, aborted);
  uv_mutex_unlock(&s->mu);
  c->in_flight = false;
  c->pe = NULL;
}

void souk_httpd_stats_get(souk_httpd *s, souk_httpd_stats *st) {
  uv_mutex_lock(&s->mu);
  *st = s->st;
  uv_mutex_unlock(&s->mu);
}

void souk_httpd_stats_path(souk_httpd *s, const char *path,
                                 souk_httpd_path_stats *st) {
  memset(st, 0, sizeof *st);
  uv_mutex_lock(&s->mu);
  for (struct path_entry *e = s->paths; e; e = e->next)
    if (strcmp(e->path, path) == 0)
      *st = e->st;
  uv_mutex_unlock(&s->mu);
}

static void reset_one(souk_httpd_path_stats *st) {
  int in_flight = st->in_flight;
  memset(st, 0, sizeof *st);
  st->in_flight = st->peak = in_flight;
}

void souk_httpd_reset_stats(souk_httpd *s) {
  uv_mutex_lock(&s->mu);
  for (struct path_entry *e = s->paths; e; e = e->next)
    reset_one(&e->st);
  reset_one(&s->other.st);
  reset_one(&s->st.all);
  s->st.bad_requests = 0;
  uv_mutex_unlock(&s->mu);
}

/* ---- the request ----------------------------------------------------------------------- */

const char *souk_httpd_request_header(const souk_httpd_request *r, const char *name) {
  const conn *c = (const conn *)r->conn;
  for (size_t i = 0; i < c->nh; i++)
    if (strcasecmp(c->hname[i], name) == 0)
      return c->hvalue[i];
  return NULL;
}

size_t souk_httpd_request_header_count(const souk_httpd_request *r) {
  return ((const conn *)r->conn)->nh;
}

const char *souk_httpd_request_header_at(const souk_httpd_request *r, size_t i,
                                        const char **value) {
  const conn *c = (const conn *)r->conn;
  if (i >= c->nh)
    return NULL;
  if (value)
    *value = c->hvalue[i];
  return c->hname[i];
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Decodes s[0..n) into buf; false when it does not fit. */
static bool url_decode(const char *s, size_t n, char *buf, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '+') {
      ch = ' ';
    } else if (ch == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    }
    if (o + 1 >= len)
      return false;
    buf[o++] = ch;
  }
  if (len == 0)
    return false;
  buf[o] = '\0';
  return true;
}

const char *souk_httpd_request_param(const souk_httpd_request *r, const char *name, char *buf,
                                    size_t len) {
  size_t nlen = strlen(name);
  const char *p = r->query;
  while (p && *p) {
    const char *amp = strchr(p, '&');
    size_t plen = amp ? (size_t)(amp - p) : strlen(p);
    const char *eq = memchr(p, '=', plen);
    size_t klen = eq ? (size_t)(eq - p) : plen;
    char key[256];
    if (url_decode(p, klen, key, sizeof key) && strlen(key) == nlen &&
        memcmp(key, name, nlen) == 0) {
      const char *v = eq ? eq + 1 : p + plen;
      size_t vlen = eq ? plen - klen - 1 : 0;
      return url_decode(v, vlen, buf, len) ? buf : NULL;
    }
    p = amp ? amp + 1 : NULL;
  }
  return NULL;
}

/* ---- the response builder --------------------------------------------------------------- */

void souk_httpd_response_status(souk_httpd_response *res, int status) { res->status = status; }

int souk_httpd_response_header(souk_httpd_response *res, const char *name, const char *fmt, ...) {
  char value[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(value, sizeof value, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof value)
    return SOUK_ETOOBIG;
  if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
    return SOUK_EINVAL;
  if (strcasecmp(name, "Content-Length") == 0)
    res->has_length = true;
  size_t before = res->headers.len;
  int rc = souk_buf_printf(&res->headers, "%s: %s\r\n", name, value);
  if (rc) {
    res->headers.len = before;
    if (res->headers.data)
      res->headers.data[before] = '\0';
  }
  return rc;
}

int souk_httpd_response_body(souk_httpd_response *res, const void *data, size_t len) {
  return souk_buf_add(&res->body, data, len);
}

int souk_httpd_response_printf(souk_httpd_response *res, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = souk_buf_vprintf(&res->body, fmt, ap);
  va_end(ap);
  return rc;
}

int souk_httpd_response_file(souk_httpd_response *res, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return SOUK_ENOENT;
  char buf[16384];
  size_t n;
  int rc = 0;
  while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
    rc = souk_buf_add(&res->body, buf, n);
  if (rc == 0 && ferror(f))
    rc = SOUK_EIO;
  fclose(f);
  return rc;
}

int souk_httpd_response_fill(souk_httpd_response *res, size_t len) {
  static const char line[] = "souk test server filler line, 64 bytes long....................\n";
  while (len > 0) {
    size_t n = len < sizeof line - 1 ? len : sizeof line - 1;
    int rc = souk_buf_add(&res->body, line, n);
    if (rc)
      return rc;
    len -= n;
  }
  return 0;
}

int souk_httpd_response_redirect(souk_httpd_response *res, int status, const char *location) {
  res->status = status;
  int rc = souk_httpd_response_header(res, "Location", "%s", location);
  return rc ? rc : souk_httpd_response_printf(res, "redirecting to %s\n", location);
}

void souk_httpd_response_delay(souk_httpd_response *res, unsigned ms) { res->delay_ms = ms; }

void souk_httpd_response_stall(souk_httpd_response *res, size_t after) {
  res->stall = true;
  res->truncate = false;
  res->after = after;
}

void souk_httpd_response_truncate(souk_httpd_response *res, size_t after) {
  res->truncate = true;
  res->stall = false;
  res->after = after;
}

void souk_httpd_response_gzip(souk_httpd_response *res) { res->gzip = true; }
void souk_httpd_response_chunked(souk_httpd_response *res) { res->chunked = true; }
void souk_httpd_response_close(souk_httpd_response *res) { res->close = true; }
void souk_httpd_response_drop(souk_httpd_response *res) { res->drop = true; }

/* ---- writing ---------------------------------------------------------------------------- */

static void conn_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  souk_httpd *s = c->s;
  if (--c->handles > 0)
    return;
  souk_buf_free(&c->url);
  souk_buf_free(&c->hdr);
  souk_buf_free(&c->body);
  souk_buf_free(&c->in);
  souk_buf_free(&c->res.headers);
  souk_buf_free(&c->res.body);
  free(c->target_copy);
  free(c);
  server_handle_closed(s);
}

static void conn_close(conn *c) {
  if (c->closing)
    return;
  souk_httpd *s = c->s;
  c->closing = true;
  end_request(c, true);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  uv_mutex_lock(&s->mu);
  s->st.open_connections--;
  uv_mutex_unlock(&s->mu);
  uv_timer_stop(&c->timer);
  uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
  uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

static void write_cb(uv_write_t *w, int status) {
  struct wreq *wr = (struct wreq *)w;
  conn *c = wr->c;
  enum wkind kind = wr->kind;
  free(wr);
  if (c->closing)
    return;
  if (status < 0 || kind == W_ERROR) {
    conn_close(c);
    return;
  }
  if (kind != W_RESPONSE)
    return;
  souk_httpd_response *res = &c->res;
  if (res->stall) {
    c->stalled = true; /* in flight until the client goes or the server closes */
    return;
  }
  end_request(c, false);
  if (res->truncate || res->close || !c->keep_alive) {
    conn_close(c);
    return;
  }
  c->busy = false;
  process_input(c);
}

/* Writes head[0..hlen) + body[0..blen) in one go. */
static int conn_write(conn *c, enum wkind kind, const char *head, size_t hlen, const char *body,
                      size_t blen) {
  struct wreq *wr = malloc(sizeof *wr + hlen + blen + 1);
  if (!wr)
    return SOUK_ENOMEM;
  wr->c = c;
  wr->kind = kind;
  memcpy(wr->data, head, hlen);
  if (blen)
    memcpy(wr->data + hlen, body, blen);
  uv_buf_t b = uv_buf_init(wr->data, (unsigned)(hlen + blen));
  if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, write_cb) != 0) {
    free(wr);
    return SOUK_EIO;
  }
  return 0;
}

/* A short answer that refuses the request, then closing. */
static void reply_error(conn *c, int status) {
  souk_httpd *s = c->s;
  uv_mutex_lock(&s->mu);
  s->st.bad_requests++;
  uv_mutex_unlock(&s->mu);
  c->busy = true;
  uv_read_stop((uv_stream_t *)&c->tcp);
  char msg[256];
  const char *reason = http_status_str((enum http_status)status);
  int n = snprintf(msg, sizeof msg,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n%s\n",
                   status, reason, strlen(reason) + 1, reason);
  if (conn_write(c, W_ERROR, msg, (size_t)n, NULL, 0) != 0)
    conn_close(c);
}

static int gzip_body(souk_buf *body) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return SOUK_ENOMEM;
  uLong bound = deflateBound(&z, (uLong)body->len) + 64;
  unsigned char *out = malloc(bound);
  if (!out) {
    deflateEnd(&z);
    return SOUK_ENOMEM;
  }
  z.next_in = (Bytef *)(body->data ? body->data : "");
  z.avail_in = (uInt)body->len;
  z.next_out = out;
  z.avail_out = (uInt)bound;
  int zrc = deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  int rc = SOUK_EIO;
  if (zrc == Z_STREAM_END) {
    souk_buf_reset(body);
    size_t max = body->max;
    body->max = n > max ? n : max;
    rc = souk_buf_add(body, out, n);
    body->max = max;
  }
  free(out);
  return rc;
}

static int chunk_body(souk_buf *body) {
  souk_buf out;
  souk_buf_init(&out, body->len + (body->len / CHUNK_SIZE + 2) * 16);
  int rc = 0;
  for (size_t off = 0; rc == 0 && off < body->len; off += CHUNK_SIZE) {
    size_t n = body->len - off < CHUNK_SIZE ? body->len - off : CHUNK_SIZE;
    rc = souk_buf_printf(&out, "%zx\r\n", n);
    if (rc == 0)
      rc = souk_buf_add(&out, body->data + off, n);
    if (rc == 0)
      rc = souk_buf_add(&out, "\r\n", 2);
  }
  if (rc == 0)
    rc = souk_buf_add(&out, "0\r\n\r\n", 5);
  if (rc == 0) {
    /* The buffer is the connection's for its next responses too: keep its own limit. */
    size_t max = body->max > out.len ? body->max : out.len;
    souk_buf_free(body);
    *body = out;
    body->max = max;
  } else {
    souk_buf_free(&out);
  }
  return rc;
}

static void send_response(conn *c) {
  souk_httpd_response *res = &c->res;
  int status = res->status;
  bool no_body = status / 100 == 1 || status == 204 || status == 304;
  int rc = 0;
  if (res->gzip && !no_body)
    rc = gzip_body(&res->body);
  size_t plain_len = res->body.len;
  if (rc == 0 && res->chunked && !no_body)
    rc = chunk_body(&res->body);
  if (rc) {
    fprintf(stderr, "httpd: cannot encode the response: %s\n", souk_strerror(rc));
    conn_close(c);
    return;
  }
  bool closing = res->close || res->truncate || !c->keep_alive;
  char head[MAX_RESPONSE_HEAD + 512];
  int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%s", status,
                   http_status_str((enum http_status)status),
                   res->headers.data ? res->headers.data : "");
  if (!no_body && res->gzip)
    n += snprintf(head + n, sizeof head - (size_t)n, "Content-Encoding: gzip\r\n");
  if (!no_body && res->chunked)
    n += snprintf(head + n, sizeof head - (size_t)n, "Transfer-Encoding: chunked\r\n");
  else if (!no_body && !res->has_length)
    n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", plain_len);
  if (closing)
    n += snprintf(head + n, sizeof head - (size_t)n, "Connection: close\r\n");
  n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
  size_t blen = no_body || res->head_only ? 0 : res->body.len;
  if ((res->stall || res->truncate) && res->after < blen)
    blen = res->after;
  if (conn_write(c, W_RESPONSE, head, (size_t)n, res->body.data, blen) != 0)
    conn_close(c);
}

static void delay_cb(uv_timer_t *t) {
  conn *c = t->data;
  if (!c->closing)
    send_response(c);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static int on_message_begin(http_parser *p) {
  conn *c = p->data;
  souk_buf_reset(&c->url);
  souk_buf_reset(&c->hdr);
  souk_buf_reset(&c->body);
  c->nh = 0;
  c->last_cb = 0;
  c->refuse = 0;
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  conn *c = p->data;
  if (souk_buf_add(&c->url, at, len) != 0) {
    c->refuse = 431;
    return 1;
  }
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  conn *c = p->data;
  if (c->last_cb != 1) {
    if ((c->last_cb == 2 && souk_buf_addc(&c->hdr, '\0') != 0) || c->nh == MAX_HEADERS) {
      c->refuse = 431;
      return 1;
    }
    c->hoff[c->nh][0] = c->hdr.len;
    c->hoff[c->nh][1] = c->hdr.len; /* an empty value until one comes */
    c->nh++;
    c->last_cb = 1;
  }
  if (souk_buf_add(&c->hdr, at, len) != 0) {
    c->refuse = 431;
    return 1;
  }
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  conn *c = p->data;
  if (c->last_cb != 2) {
    if (souk_buf_addc(&c->hdr, '\0') != 0) {
      c->refuse = 431;
      return 1;
    }
    c->hoff[c->nh - 1][1] = c->hdr.len;
    c->last_cb = 2;
  }
  if (souk_buf_add(&c->hdr, at, len) != 0) {
    c->refuse = 431;
    return 1;
  }
  return 0;
}

static int on_headers_complete(http_parser *p) {
  conn *c = p->data;
  if (c->last_cb == 1 && souk_buf_addc(&c->hdr, '\0') != 0) {
    c->refuse = 431;
    return -1;
  }
  /* a value-less header's value points at its name's NUL: make it "" */
  if (souk_buf_addc(&c->hdr, '\0') != 0) {
    c->refuse = 431;
    return -1;
  }
  for (size_t i = 0; i < c->nh; i++) {
    c->hname[i] = c->hdr.data + c->hoff[i][0];
    c->hvalue[i] = c->hoff[i][1] == c->hoff[i][0] ? "" : c->hdr.data + c->hoff[i][1];
  }
  if (p->content_length != ULLONG_MAX && p->content_length > c->s->o.max_body) {
    c->refuse = 413;
    return -1;
  }
  for (size_t i = 0; i < c->nh; i++)
    if (strcasecmp(c->hname[i], "Expect") == 0 && strcasecmp(c->hvalue[i], "100-continue") == 0) {
      static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
      if (conn_write(c, W_CONTINUE, cont, sizeof cont - 1, NULL, 0) != 0)
        return -1;
    }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  conn *c = p->data;
  if (souk_buf_add(&c->body, at, len) != 0) {
    c->refuse = 413;
    return 1;
  }
  return 0;
}

static int on_message_complete(http_parser *p) {
  http_parser_pause(p, 1); /* one request at a time: the rest waits in c->in */
  return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static const struct route *route_find(const souk_httpd *s, const char *path) {
  for (const struct route *r = s->routes; r; r = r->next) {
    if (r->prefix ? strncmp(path, r->path, r->len) == 0 : strcmp(path, r->path) == 0)
      return r;
  }
  return NULL;
}

static void handle_request(conn *c) {
  souk_httpd *s = c->s;
  souk_httpd_request req;
  memset(&req, 0, sizeof req);
  const char *target = c->url.data ? c->url.data : "";
  free(c->target_copy);
  c->target_copy = strdup(target);
  if (!c->target_copy) {
    conn_close(c);
    return;
  }
  char *q = strchr(c->target_copy, '?');
  if (q)
    *q++ = '\0';
  req.method = http_method_str((enum http_method)c->p.method);
  req.target = target;
  req.path = c->target_copy;
  req.query = q ? q : "";
  req.body = c->body.data ? c->body.data : "";
  req.body_len = c->body.len;
  req.conn_seq = ++c->nreq;
  req.conn_id = c->id;
  req.conn = (const struct souk_httpd_conn *)c;
  c->keep_alive = http_should_keep_alive(&c->p) != 0;

  uv_mutex_lock(&s->mu);
  c->pe = path_get(s, req.path);
  stats_begin(&c->pe->st);
  stats_begin(&s->st.all);
  req.seq = c->pe->st.requests;
  uv_mutex_unlock(&s->mu);
  c->in_flight = true;
  c->busy = true;

  souk_httpd_response *res = &c->res;
  souk_buf_reset(&res->headers);
  souk_buf_reset(&res->body);
  res->status = 200;
  res->delay_ms = 0;
  res->after = 0;
  res->stall = res->truncate = res->gzip = res->chunked = res->close = res->drop = false;
  res->has_length = false;
  res->head_only = c->p.method == HTTP_HEAD;

  const struct route *r = route_find(s, req.path);
  if (r) {
    r->fn(&req, res, r->ud);
  } else {
    res->status = 404;
    souk_httpd_response_printf(res, "no route for %s\n", req.path);
  }
  if (res->drop) {
    conn_close(c);
  } else if (res->delay_ms) {
    uv_timer_start(&c->timer, delay_cb, res->delay_ms, 0);
  } else {
    send_response(c);
  }
}

static void consume(souk_buf *b, size_t n) {
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

static void process_input(conn *c) {
  while (!c->busy && !c->closing && c->in.len > 0) {
    size_t n = http_parser_execute(&c->p, &settings, c->in.data, c->in.len);
    enum http_errno err = HTTP_PARSER_ERRNO(&c->p);
    consume(&c->in, n);
    if (c->refuse) {
      reply_error(c, c->refuse);
      return;
    }
    if (err == HPE_PAUSED) {
      http_parser_pause(&c->p, 0);
      handle_request(c);
    } else if (err != HPE_OK || c->p.upgrade) {
      reply_error(c, 400);
      return;
    } else {
      return; /* the rest of the request has not arrived yet */
    }
  }
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conn *c = h->data;
  (void)suggested;
  *buf = uv_buf_init(c->s->rbuf, sizeof c->s->rbuf);
}

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  conn *c = st->data;
  if (c->closing)
    return;
  if (nread < 0) {
    conn_close(c); /* EOF or an error: a half-closed client loses its answer */
    return;
  }
  if (nread == 0 || c->stalled)
    return;
  if (souk_buf_add(&c->in, buf->base, (size_t)nread) != 0) {
    conn_close(c); /* more unanswered input than any request may hold */
    return;
  }
  process_input(c);
}

static void on_connection(uv_stream_t *ls, int status) {
  struct listener *l = ls->data;
  souk_httpd *s = l->s;
  if (status < 0 || s->closing)
    return;
  conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->s = s;
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles = 2;
  s->open_handles++;
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  uv_mutex_lock(&s->mu);
  s->st.connections++;
  s->st.open_connections++;
  if (s->st.open_connections > s->st.peak_connections)
    s->st.peak_connections = s->st.open_connections;
  c->id = ++s->next_conn_id;
  int too_many = s->st.open_connections > s->o.max_connections;
  uv_mutex_unlock(&s->mu);
  souk_buf_init(&c->url, s->o.max_head);
  souk_buf_init(&c->hdr, s->o.max_head);
  souk_buf_init(&c->body, s->o.max_body);
  souk_buf_init(&c->in, s->o.max_head + s->o.max_body + READ_SIZE);
  souk_buf_init(&c->res.headers, MAX_RESPONSE_HEAD);
  souk_buf_init(&c->res.body, s->o.max_response);
  c->res.c = c;
  http_parser_init(&c->p, HTTP_REQUEST);
  c->p.data = c;
  if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0 || too_many) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) != 0)
    conn_close(c);
}

/* ---- the server ------------------------------------------------------------------------- */

souk_httpd *souk_httpd_new(const souk_httpd_options *o, souk_errinfo *e) {
  souk_httpd *s = calloc(1, sizeof *s);
  if (!s) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  if (o)
    s->o = *o;
  if (!s->o.max_head)
    s->o.max_head = 16 * 1024;
  if (!s->o.max_body)
    s->o.max_body = 1024 * 1024;
  if (!s->o.max_response)
    s->o.max_response = 64 * 1024 * 1024;
  if (s->o.max_connections <= 0)
    s->o.max_connections = 1024;
  s->routes_tail = &s->routes;
  s->other.path = "*other*";
  if (uv_mutex_init(&s->mu) != 0) {
    free(s);
    souk_errinfo_set(e, SOUK_ENOMEM, "uv_mutex_init failed");
    return NULL;
  }
  if (s->o.loop) {
    s->loop = s->o.loop;
  } else {
    int rc = uv_loop_init(&s->own_loop);
    if (rc != 0) {
      uv_mutex_destroy(&s->mu);
      free(s);
      souk_errinfo_set(e, SOUK_EIO, "uv_loop_init: %s", uv_strerror(rc));
      return NULL;
    }
    s->loop = &s->own_loop;
    s->own = true;
  }
  return s;
}

int souk_httpd_route(souk_httpd *s, const char *path, souk_httpd_handler fn,
                           void *ud) {
  if (!s || !path || !fn)
    return SOUK_EINVAL;
  if (s->own && s->started)
    return SOUK_ESTATE;
  struct route *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return SOUK_ENOMEM;
  }
  r->len = strlen(path);
  if (r->len && path[r->len - 1] == '*') {
    r->prefix = true;
    r->len--;
  }
  r->fn = fn;
  r->ud = ud;
  *s->routes_tail = r;
  s->routes_tail = &r->next;
  return 0;
}

static void listener_closed(uv_handle_t *h) { server_handle_closed(((struct listener *)h->data)->s); }

int souk_httpd_listen(souk_httpd *s, const char *addr, int port, int *port_out) {
  if (!s || port < 0 || port > 65535)
    return SOUK_EINVAL;
  if ((s->own && s->started) || s->closing)
    return SOUK_ESTATE;
  if (s->nls == MAX_LISTENERS)
    return SOUK_EINVAL;
  if (!addr)
    addr = "127.0.0.1";
  struct listener *l = &s->ls[s->nls];
  struct sockaddr_storage ss;
  l->v6 = strchr(addr, ':') != NULL;
  int rc = l->v6 ? uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss)
                 : uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss);
  if (rc != 0)
    return SOUK_EINVAL;
  uv_tcp_init(s->loop, &l->tcp);
  l->tcp.data = l;
  l->s = s;
  s->open_handles++;
  rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, l->v6 ? UV_TCP_IPV6ONLY : 0);
  struct sockaddr_storage bound;
  int blen = sizeof bound;
  if (rc == 0)
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen);
  s->nls++;
  if (rc != 0) {
    fprintf(stderr, "test_server: cannot bind %s:%d: %s\n", addr, port, uv_strerror(rc));
    uv_close((uv_handle_t *)&l->tcp, listener_closed);
    return SOUK_EIO;
  }
  l->live = true;
  l->port = ntohs(l->v6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                        : ((struct sockaddr_in *)&bound)->sin_port);
  snprintf(l->addr, sizeof l->addr, "%s", addr);
  if (port_out)
    *port_out = l->port;
  if (s->started && uv_listen((uv_stream_t *)&l->tcp, 1024, on_connection) != 0)
    return SOUK_EIO;
  return 0;
}

static void begin_close(souk_httpd *s);

static const struct listener *first_live(const souk_httpd *s) {
  for (int i = 0; i < s->nls; i++)
    if (s->ls[i].live)
      return &s->ls[i];
  return NULL;
}

static void async_cb(uv_async_t *a) { begin_close(a->data); }

static void thread_main(void *arg) {
  souk_httpd *s = arg;
  uv_run(s->loop, UV_RUN_DEFAULT);
}

int souk_httpd_start(souk_httpd *s) {
  if (!s || s->closing || s->started)
    return SOUK_ESTATE;
  if (!first_live(s)) {
    int rc = souk_httpd_listen(s, "127.0.0.1", 0, NULL);
    if (rc)
      return rc;
  }
  for (int i = 0; i < s->nls; i++) {
    if (!s->ls[i].live)
      continue;
    int rc = uv_listen((uv_stream_t *)&s->ls[i].tcp, 1024, on_connection);
    if (rc != 0) {
      fprintf(stderr, "test_server: listen: %s\n", uv_strerror(rc));
      return SOUK_EIO;
    }
  }
  s->started = true;
  if (s->own) {
    if (uv_async_init(s->loop, &s->async, async_cb) != 0)
      return SOUK_EIO;
    s->async.data = s;
    s->async_open = true;
    s->open_handles++;
    if (uv_thread_create(&s->thread, thread_main, s) != 0)
      return SOUK_EIO;
    s->thread_started = true;
  }
  return 0;
}

int souk_httpd_port(const souk_httpd *s) {
  const struct listener *l = first_live(s);
  return l ? l->port : 0;
}

const char *souk_httpd_url(const souk_httpd *s, const char *target, char *buf,
                                 size_t len) {
  const struct listener *l = first_live(s);
  if (!l)
    snprintf(buf, len, "http://127.0.0.1:0%s", target ? target : "");
  else if (l->v6)
    snprintf(buf, len, "http://[%s]:%d%s", l->addr, l->port, target ? target : "");
  else
    snprintf(buf, len, "http://%s:%d%s", l->addr, l->port, target ? target : "");
  return buf;
}

static void server_free(souk_httpd *s) {
  for (struct route *r = s->routes, *n; r; r = n) {
    n = r->next;
    free(r->path);
    free(r);
  }
  for (struct path_entry *e = s->paths, *n; e; e = n) {
    n = e->next;
    free(e->path);
    free(e);
  }
  uv_mutex_destroy(&s->mu);
  free(s);
}

static void server_handle_closed(souk_httpd *s) {
  if (--s->open_handles == 0 && s->closing && s->freed_by_close)
    server_free(s);
}

static void async_closed(uv_handle_t *h) { server_handle_closed(h->data); }

static void begin_close(souk_httpd *s) {
  for (int i = 0; i < s->nls; i++)
    if (s->ls[i].live) {
      s->ls[i].live = false;
      uv_close((uv_handle_t *)&s->ls[i].tcp, listener_closed);
    }
  while (s->conns)
    conn_close(s->conns);
  if (s->async_open) {
    s->async_open = false;
    uv_close((uv_handle_t *)&s->async, async_closed);
  }
}

int souk_httpd_close(souk_httpd *s) {
  if (!s || s->closing)
    return SOUK_ESTATE;
  s->closing = true;
  if (!s->own) {
    s->freed_by_close = true;
    begin_close(s);
    if (s->open_handles == 0)
      server_free(s);
    return 0;
  }
  if (s->thread_started) {
    uv_async_send(&s->async);
    uv_thread_join(&s->thread);
  } else {
    begin_close(s);
    uv_run(s->loop, UV_RUN_DEFAULT);
  }
  int rc = uv_loop_close(s->loop);
  if (rc != 0)
    fprintf(stderr, "test_server: uv_loop_close: %s (a handle was left open)\n",
            uv_strerror(rc));
  server_free(s);
  return rc ? SOUK_EBUSY : 0;
}
