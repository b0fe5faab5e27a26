/* SPDX-License-Identifier: MIT */
/* The network tests' server thread and raw-socket HTTP and WebSocket clients (net_support.h). */
#include "net_support.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"

/* ---- the server thread ---- */

static struct {
  pthread_t thread;
  uv_loop_t loop;
  uv_async_t async;
  souk_mcp_server *server;
  souk_mcp_net *net;
  souk_mcp_net_options opts;
  char err[600];
  int port;
  sem_t ready, done;
  ns_fn fn;
  void *arg;
  bool stop;
  int loop_close_rc;
} S;

static void on_async(uv_async_t *a) {
  (void)a;
  if (S.fn) {
    S.fn(S.net, S.server, S.arg);
    S.fn = NULL;
    sem_post(&S.done);
  }
  if (S.stop) {
    souk_mcp_net_stop(S.net);
    uv_close((uv_handle_t *)&S.async, NULL);
  }
}

static void *server_main(void *arg) {
  (void)arg;
  uv_loop_init(&S.loop);
  S.server = fixture_server_new(&S.loop, NULL);
  souk_errinfo e;
  S.net = souk_mcp_net_start(&S.loop, S.server, &S.opts, &e);
  if (!S.net) {
    snprintf(S.err, sizeof S.err, "%s", e.text);
    souk_mcp_server_free(S.server);
    uv_run(&S.loop, UV_RUN_DEFAULT);
    uv_loop_close(&S.loop);
    sem_post(&S.ready);
    return NULL;
  }
  S.port = souk_mcp_net_port(S.net);
  uv_async_init(&S.loop, &S.async, on_async);
  sem_post(&S.ready);
  uv_run(&S.loop, UV_RUN_DEFAULT);
  souk_mcp_server_free(S.server);
  uv_run(&S.loop, UV_RUN_DEFAULT);
  S.loop_close_rc = uv_loop_close(&S.loop);
  return NULL;
}

int ns_start(const souk_mcp_net_options *o) {
  memset(&S, 0, sizeof S);
  if (o)
    S.opts = *o;
  if (!S.opts.listen)
    S.opts.listen = "127.0.0.1:0";
  sem_init(&S.ready, 0, 0);
  sem_init(&S.done, 0, 0);
  CHECK(pthread_create(&S.thread, NULL, server_main, NULL) == 0);
  sem_wait(&S.ready);
  CHECK_MSG(S.net != NULL, "the listener did not start: %s", S.err);
  return S.port;
}

void ns_run(ns_fn fn, void *arg) {
  S.fn = fn;
  S.arg = arg;
  uv_async_send(&S.async);
  sem_wait(&S.done);
}

static void get_stats(souk_mcp_net *net, souk_mcp_server *server, void *arg) {
  (void)server;
  souk_mcp_net_get_stats(net, arg);
}

souk_mcp_net_stats ns_stats(void) {
  souk_mcp_net_stats st;
  ns_run(get_stats, &st);
  return st;
}

static void get_cancelled(souk_mcp_net *net, souk_mcp_server *server, void *arg) {
  (void)net, (void)server;
  *(int *)arg = fixture_slow_cancelled;
}

int ns_slow_cancelled(void) {
  int n;
  ns_run(get_cancelled, &n);
  return n;
}

void ns_stop(void) {
  S.stop = true;
  uv_async_send(&S.async);
  pthread_join(S.thread, NULL);
  CHECK_MSG(S.loop_close_rc == 0, "a handle was left open on the server's loop");
  sem_destroy(&S.ready);
  sem_destroy(&S.done);
}

/* ---- buffered reads ---- */

#define MAXFD 1024
static char *rbuf[MAXFD];
static size_t rlen[MAXFD], rcap[MAXFD];

int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0 && fd < MAXFD);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_MSG(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  rlen[fd] = 0;
  return fd;
}

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    CHECK_MSG(k > 0, "send: %s", strerror(errno));
    c += k;
    n -= (size_t)k;
  }
}

/* Reads more into the fd's buffer. 1: got bytes, 0: end of stream, -1: timeout. */
static int fill(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int r = poll(&p, 1, timeout_ms);
  if (r == 0)
    return -1;
  if (rcap[fd] - rlen[fd] < 65536) {
    rcap[fd] = rcap[fd] * 2 + 65536;
    rbuf[fd] = realloc(rbuf[fd], rcap[fd]);
    CHECK(rbuf[fd] != NULL);
  }
  ssize_t k = recv(fd, rbuf[fd] + rlen[fd], rcap[fd] - rlen[fd], 0);
  if (k <= 0)
    return 0;
  rlen[fd] += (size_t)k;
  return 1;
}

static void consume(int fd, size_t n) {
  memmove(rbuf[fd], rbuf[fd] + n, rlen[fd] - n);
  rlen[fd] -= n;
}

/* A line without its CRLF (static buffer), or NULL at end of stream / timeout. */
static char *read_line(int fd, int timeout_ms) {
  static char line[8192];
  for (;;) {
    char *nl = rlen[fd] ? memchr(rbuf[fd], '\n', rlen[fd]) : NULL;
    if (nl) {
      size_t n = (size_t)(nl - rbuf[fd]);
      size_t m = n && rbuf[fd][n - 1] == '\r' ? n - 1 : n;
      CHECK(m < sizeof line);
      memcpy(line, rbuf[fd], m);
      line[m] = '\0';
      consume(fd, n + 1);
      return line;
    }
    if (fill(fd, timeout_ms) <= 0)
      return NULL;
  }
}

/* Exactly n bytes (malloc'ed), or NULL at end of stream / timeout. */
static char *read_n(int fd, size_t n, int timeout_ms) {
  while (rlen[fd] < n)
    if (fill(fd, timeout_ms) <= 0)
      return NULL;
  char *out = malloc(n + 1);
  CHECK(out != NULL);
  memcpy(out, rbuf[fd], n);
  out[n] = '\0';
  consume(fd, n);
  return out;
}

/* ---- HTTP ---- */

void http_send(int fd, int port, const char *method, const char *path, const char *headers,
               const char *body) {
  size_t blen = body ? strlen(body) : 0;
  size_t cap = 1024 + (headers ? strlen(headers) : 0) + blen;
  char *req = malloc(cap);
  CHECK(req != NULL);
  int n = snprintf(req, cap, "%s %s HTTP/1.1\r\n", method, path);
  if (!headers || (strncasecmp(headers, "host:", 5) != 0 && !strcasestr(headers, "\nhost:")))
    n += snprintf(req + n, cap - (size_t)n, "Host: 127.0.0.1:%d\r\n", port);
  if (headers)
    n += snprintf(req + n, cap - (size_t)n, "%s", headers);
  if (body)
    n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", blen);
  n += snprintf(req + n, cap - (size_t)n, "\r\n");
  write_all(fd, req, (size_t)n);
  if (blen)
    write_all(fd, body, blen);
  free(req);
}

void http_read_head(int fd, http_resp *r) {
  memset(r, 0, sizeof *r);
  char *line = read_line(fd, 10000);
  CHECK_MSG(line != NULL, "no HTTP response");
  CHECK_MSG(sscanf(line, "HTTP/1.%*d %d", &r->status) == 1, "bad status line: %s", line);
  size_t used = 0;
  while ((line = read_line(fd, 10000)) && *line) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    for (char *p = line; p < colon; p++)
      *p = (char)tolower((unsigned char)*p);
    char *v = colon + 1;
    while (*v == ' ')
      v++;
    used += (size_t)snprintf(r->headers + used, sizeof r->headers - used, "%.*s: %s\n",
                             (int)(colon - line), line, v);
    CHECK(used < sizeof r->headers);
  }
  CHECK_MSG(line != NULL, "the response headers did not end");
}

const char *http_header(const http_resp *r, const char *name) {
  static char value[1024];
  char key[128];
  snprintf(key, sizeof key, "%s: ", name);
  for (char *k = key; *k; k++)
    *k = (char)tolower((unsigned char)*k);
  const char *p = r->headers;
  while (p && *p) {
    if (strncmp(p, key, strlen(key)) == 0) {
      const char *v = p + strlen(key);
      const char *e = strchr(v, '\n');
      snprintf(value, sizeof value, "%.*s", (int)(e - v), v);
      return value;
    }
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return NULL;
}

void http_read(int fd, http_resp *r) {
  http_read_head(fd, r);
  const char *te = http_header(r, "transfer-encoding");
  const char *conn = http_header(r, "connection");
  r->closed = conn && strcasecmp(conn, "close") == 0;
  size_t cap = 4096, len = 0;
  char *body = malloc(cap);
  CHECK(body != NULL);
  if (te && strcasecmp(te, "chunked") == 0) {
    for (;;) {
      char *line = read_line(fd, 10000);
      CHECK_MSG(line != NULL, "chunked body cut short");
      size_t n = strtoul(line, NULL, 16);
      if (n == 0) {
        read_line(fd, 10000);
        break;
      }
      char *chunk = read_n(fd, n, 10000);
      CHECK(chunk != NULL);
      read_line(fd, 10000);
      if (len + n + 1 > cap) {
        cap = (len + n + 1) * 2;
        body = realloc(body, cap);
        CHECK(body != NULL);
      }
      memcpy(body + len, chunk, n);
      len += n;
      free(chunk);
    }
  } else {
    const char *cl = http_header(r, "content-length");
    if (cl) {
      size_t n = strtoul(cl, NULL, 10);
      free(body);
      body = n ? read_n(fd, n, 10000) : calloc(1, 1);
      CHECK_MSG(body != NULL, "body cut short");
      len = n;
    } else if (r->status != 204 && r->status != 304 && r->status != 101) {
      while (fill(fd, 10000) > 0) {
      }
      free(body);
      len = rlen[fd];
      body = read_n(fd, len, 10);
      r->closed = true;
    }
  }
  body[len] = '\0';
  r->body = body;
  r->body_len = len;
}

void http_resp_free(http_resp *r) {
  free(r->body);
  r->body = NULL;
}

void http_do(int port, const char *method, const char *path, const char *headers,
             const char *body, http_resp *r) {
  int fd = tcp_connect(port);
  http_send(fd, port, method, path, headers, body);
  http_read(fd, r);
  close(fd);
}

char *sse_next(int fd, int timeout_ms) {
  static char event[1 << 20];
  size_t elen = 0;
  for (;;) {
    char *line = read_line(fd, timeout_ms);
    if (!line)
      return NULL;
    size_t n = strtoul(line, NULL, 16);
    if (n == 0) {
      read_line(fd, 1000);
      return NULL; /* the stream ended */
    }
    char *chunk = read_n(fd, n, timeout_ms);
    CHECK(chunk != NULL);
    read_line(fd, timeout_ms);
    CHECK(elen + n < sizeof event);
    memcpy(event + elen, chunk, n);
    elen += n;
    event[elen] = '\0';
    free(chunk);
    char *end = strstr(event, "\n\n");
    if (!end)
      continue;
    *end = '\0';
    char *data = strstr(event, "data: ");
    CHECK_MSG(data != NULL, "an SSE event without data: %s", event);
    return strdup(data + 6);
  }
}

const char *mcp_headers(const char *sid) {
  static char h[512];
  snprintf(h, sizeof h,
           "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
           "%s%s%s",
           sid ? "Mcp-Session-Id: " : "", sid ? sid : "", sid ? "\r\n" : "");
  return h;
}

#define INIT_MSG                                                                          \
  "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":" \
  "\"2025-11-25\",\"capabilities\":{\"sampling\":{},\"elicitation\":{}},\"clientInfo\":"     \
  "{\"name\":\"net-test\",\"version\":\"1\"}}}"

const char *mcp_http_open(int port, const char *extra_headers) {
  static char sid[80];
  char h[1024];
  snprintf(h, sizeof h, "%s%s", mcp_headers(NULL), extra_headers ? extra_headers : "");
  http_resp r;
  http_do(port, "POST", "/mcp", h, INIT_MSG, &r);
  CHECK_MSG(r.status == 200, "initialize: HTTP %d %s", r.status, r.body);
  const char *s = http_header(&r, "mcp-session-id");
  CHECK_MSG(s != NULL, "initialize gave no Mcp-Session-Id");
  snprintf(sid, sizeof sid, "%s", s);
  http_resp_free(&r);
  snprintf(h, sizeof h, "%s%s", mcp_headers(sid), extra_headers ? extra_headers : "");
  http_do(port, "POST", "/mcp", h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
          &r);
  CHECK_INT(r.status, ==, 202);
  http_resp_free(&r);
  return sid;
}

/* ---- WebSocket ---- */

int ws_open(int port, const char *path, const char *extra_headers, int *status) {
  int fd = tcp_connect(port);
  char h[2048];
  snprintf(h, sizeof h,
           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: mcp\r\n%s",
           extra_headers ? extra_headers : "");
  http_send(fd, port, "GET", path, h, NULL);
  http_resp r;
  if (status)
    *status = 0;
  http_read_head(fd, &r);
  if (status)
    *status = r.status;
  if (r.status != 101) {
    const char *cl = http_header(&r, "content-length");
    if (cl) {
      char *b = read_n(fd, strtoul(cl, NULL, 10), 5000);
      free(b);
    }
    close(fd);
    return -1;
  }
  const char *accept = http_header(&r, "sec-websocket-accept");
  CHECK_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const char *proto = http_header(&r, "sec-websocket-protocol");
  CHECK_MSG(proto && strcmp(proto, "mcp") == 0, "the server did not echo subprotocol mcp");
  return fd;
}

/* Builds one masked frame at out (len + 14 bytes of room); returns its size. */
static size_t ws_frame_build(unsigned char *out, int opcode, bool fin, const unsigned char *data,
                             size_t len) {
  size_t h = 0;
  out[h++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    out[h++] = (unsigned char)(0x80 | len);
  } else if (len < 65536) {
    out[h++] = 0x80 | 126;
    out[h++] = (unsigned char)(len >> 8);
    out[h++] = (unsigned char)len;
  } else {
    out[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      out[h++] = (unsigned char)((uint64_t)len >> (8 * i));
  }
  static const unsigned char mask[4] = {0x9a, 0x0b, 0x3c, 0x4d};
  memcpy(out + h, mask, 4);
  h += 4;
  for (size_t i = 0; i < len; i++)
    out[h + i] = data[i] ^ mask[i % 4];
  return h + len;
}

void ws_send_together(int fd, const char *const *texts, int n) {
  size_t cap = 0;
  for (int i = 0; i < n; i++)
    cap += strlen(texts[i]) + 14;
  unsigned char *buf = malloc(cap);
  CHECK(buf != NULL);
  size_t len = 0;
  for (int i = 0; i < n; i++)
    len += ws_frame_build(buf + len, 1, true, (const unsigned char *)texts[i], strlen(texts[i]));
  write_all(fd, buf, len);
  free(buf);
}

static void ws_frame(int fd, int opcode, bool fin, const unsigned char *data, size_t len) {
  unsigned char head[14];
  size_t h = 0;
  head[h++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    head[h++] = (unsigned char)(0x80 | len);
  } else if (len < 65536) {
    head[h++] = 0x80 | 126;
    head[h++] = (unsigned char)(len >> 8);
    head[h++] = (unsigned char)len;
  } else {
    head[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      head[h++] = (unsigned char)((uint64_t)len >> (8 * i));
  }
  unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  memcpy(head + h, mask, 4);
  h += 4;
  unsigned char *masked = malloc(len + 1);
  CHECK(masked != NULL);
  for (size_t i = 0; i < len; i++)
    masked[i] = data[i] ^ mask[i % 4];
  write_all(fd, head, h);
  if (len)
    write_all(fd, masked, len);
  free(masked);
}

void ws_send(int fd, const char *text, size_t len, int fragments) {
  if (fragments < 1)
    fragments = 1;
  size_t per = len / (size_t)fragments + 1;
  size_t off = 0;
  for (int i = 0; i < fragments; i++) {
    size_t n = i == fragments - 1 ? len - off : (per < len - off ? per : len - off);
    ws_frame(fd, i == 0 ? 1 : 0, i == fragments - 1, (const unsigned char *)text + off, n);
    off += n;
  }
}

void ws_send_str(int fd, const char *text) {
  ws_send(fd, text, strlen(text), 1);
}

char *ws_recv(int fd, int timeout_ms) {
  char *msg = NULL;
  size_t mlen = 0;
  for (;;) {
    char *h = read_n(fd, 2, timeout_ms);
    if (!h) {
      free(msg);
      return NULL;
    }
    unsigned char b0 = (unsigned char)h[0], b1 = (unsigned char)h[1];
    free(h);
    uint64_t len = b1 & 0x7f;
    if (len == 126 || len == 127) {
      size_t k = len == 126 ? 2 : 8;
      unsigned char *ext = (unsigned char *)read_n(fd, k, timeout_ms);
      CHECK(ext != NULL);
      len = 0;
      for (size_t i = 0; i < k; i++)
        len = len << 8 | ext[i];
      free(ext);
    }
    CHECK_MSG(!(b1 & 0x80), "the server masked a frame");
    char *payload = read_n(fd, (size_t)len, timeout_ms);
    CHECK(payload != NULL);
    int op = b0 & 0x0f;
    if (op == 8) { /* close */
      free(payload);
      free(msg);
      return NULL;
    }
    if (op == 9) { /* ping */
      ws_frame(fd, 10, true, (unsigned char *)payload, (size_t)len);
      free(payload);
      continue;
    }
    if (op == 10) {
      free(payload);
      continue;
    }
    msg = realloc(msg, mlen + (size_t)len + 1);
    CHECK(msg != NULL);
    memcpy(msg + mlen, payload, (size_t)len);
    mlen += (size_t)len;
    msg[mlen] = '\0';
    free(payload);
    if (b0 & 0x80)
      return msg;
  }
}

void ws_initialize(int fd) {
  ws_send_str(fd, INIT_MSG);
  char *m = ws_recv(fd, 5000);
  CHECK_MSG(m && strstr(m, "\"protocolVersion\":\"2025-11-25\""), "initialize over WebSocket: %s",
            m ? m : "(nothing)");
  free(m);
  ws_send_str(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

json_t *json_of(const char *text) {
  json_error_t e;
  json_t *v = text ? json_loads(text, 0, &e) : NULL;
  CHECK_MSG(v != NULL, "not JSON: %s", text ? text : "(null)");
  return v;
}
