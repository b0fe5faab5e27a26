/* SPDX-License-Identifier: MIT */
/* Tests of the asynchronous HTTP client (runtime/http/): real requests to the loopback test
 * server on the same libuv loop, plus unit tests of its address filter, Retry-After parser
 * and backoff. Every case that runs the loop ends with uv_loop_close() == 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "httpd/server.h"

#include "core/config.h"
#include "http/client.h"
#include "http/http_int.h"
#include "souk/error.h"

/* ---- fixture: one loop, one server, one client ------------------------------------------- */

typedef struct fx {
  uv_loop_t loop;
  uv_timer_t guard;            /* wakes uv_run(ONCE) so that waits can time out */
  souk_httpd *srv;
  souk_http *http;
  souk_http_options o;
  char base[128];              /* "http://127.0.0.1:PORT" */
} fx;

static int g_completed;        /* callbacks run, all requests of the case */

static void fast_options(souk_http_options *o) {
  souk_config *cfg = souk_config_new();
  CHECK(cfg != NULL);
  souk_http_options_from_config(o, cfg);
  souk_config_free(cfg);
  o->user_agent = "souk-test/1";
  o->rate = 0;
  o->burst = 1;
  o->max_connections = 16;
  o->max_per_host = 8;
  o->retries = 2;
  o->backoff_base_ms = 20;
  o->backoff_max_ms = 100;
  o->retry_after_max_ms = 10000;
  o->connect_timeout_ms = 2000;
  o->timeout_ms = 10000;
  o->low_speed_time_ms = 1000;
  o->low_speed_limit = 1;
  o->max_redirects = 3;
  o->max_body = 1 << 20;
}

static void guard_cb(uv_timer_t *t) { (void)t; }

static void fx_init(fx *f) {
  memset(f, 0, sizeof *f);
  g_completed = 0;
  /* The client honours proxies from the environment; loopback tests must not use one. */
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  setenv("no_proxy", "*", 1);
  CHECK_INT(uv_loop_init(&f->loop), ==, 0);
  CHECK_INT(uv_timer_init(&f->loop, &f->guard), ==, 0);
  souk_errinfo e;
  souk_httpd_options so = {.loop = &f->loop};
  f->srv = souk_httpd_new(&so, &e);
  CHECK_MSG(f->srv != NULL, "test server: %s", e.text);
  fast_options(&f->o);
}

/* Starts the server (after the case added its routes) and the client (with f->o). */
static void fx_start(fx *f) {
  CHECK_INT(souk_httpd_start(f->srv), ==, 0);
  souk_httpd_url(f->srv, "", f->base, sizeof f->base);
  souk_errinfo e;
  f->http = souk_http_new(&f->loop, &f->o, &e);
  CHECK_MSG(f->http != NULL, "souk_http_new: %s", e.text);
}

static void fx_finish(fx *f) {
  if (f->http)
    souk_http_close(f->http);
  if (f->srv)
    CHECK_INT(souk_httpd_close(f->srv), ==, 0);
  uv_close((uv_handle_t *)&f->guard, NULL);
  CHECK_INT(uv_run(&f->loop, UV_RUN_DEFAULT), ==, 0);
  CHECK_INT(uv_loop_close(&f->loop), ==, 0);
  SAY("client and server closed every handle: uv_loop_close() == 0");
}

static const char *url(fx *f, const char *target, char *buf, size_t len) {
  snprintf(buf, len, "%s%s", f->base, target);
  return buf;
}

/* Runs the loop until `*count >= n` or `ms` pass; true when the count was reached. */
static bool run_until(fx *f, const int *count, int n, unsigned ms) {
  uv_update_time(&f->loop);
  uint64_t end = uv_now(&f->loop) + ms;
  uv_timer_start(&f->guard, guard_cb, 5, 5);
  while (*count < n && uv_now(&f->loop) < end)
    uv_run(&f->loop, UV_RUN_ONCE);
  uv_timer_stop(&f->guard);
  return *count >= n;
}

static void run_for(fx *f, unsigned ms) {
  int never = 0;
  run_until(f, &never, 1, ms);
}

#define WAIT_DONE(f, n, ms) CHECK_MSG(run_until((f), &g_completed, (n), (ms)), \
                                      "only %d of %d requests completed in %u ms", \
                                      g_completed, (n), (unsigned)(ms))

/* What a completion callback saw. */
typedef struct result {
  int calls, error;
  long status;
  char text[256], ctype[128], location[512], eff[512], hdr[256];
  char *body;
  size_t body_len, bytes;
  unsigned retries;
  int reused;
  double elapsed_ms;
  const char *want_header;     /* copied into hdr when set */
  /* streaming */
  size_t streamed;
  int data_calls, stop_after;  /* stop_after > 0: on_data returns 1 at that call */
  souk_http_req *req;
  int cancel_at;               /* > 0: on_data cancels req at that call */
  fx *f;
  struct result *spawn;        /* on_data starts a request with this result, once */
} result;

static void on_done(souk_http_req *req, souk_http_response *res, void *ud) {
  result *r = ud;
  (void)req;
  r->calls++;
  g_completed++;
  r->error = res->error;
  r->status = res->status;
  snprintf(r->text, sizeof r->text, "%s", res->error_text);
  CHECK(res->content_type != NULL && res->effective_url != NULL);
  snprintf(r->ctype, sizeof r->ctype, "%s", res->content_type);
  snprintf(r->eff, sizeof r->eff, "%s", res->effective_url);
  snprintf(r->location, sizeof r->location, "%s", res->location ? res->location : "");
  if (r->want_header && !souk_http_response_header(res, r->want_header, r->hdr, sizeof r->hdr))
    r->hdr[0] = '\0';
  free(r->body);
  r->body = souk_buf_steal(&res->body, &r->body_len);
  r->bytes = res->bytes;
  r->retries = res->retries;
  r->reused = res->reused;
  r->elapsed_ms = res->elapsed_ms;
}

static void result_free(result *r) {
  free(r->body);
  r->body = NULL;
}

static souk_http_req *get(fx *f, const char *target, unsigned flags, result *r) {
  char u[256];
  souk_http_request q = {.url = url(f, target, u, sizeof u), .flags = flags};
  souk_http_req *h = NULL;
  CHECK_INT(souk_http_start(f->http, &q, on_done, r, &h), ==, 0);
  CHECK(h != NULL);
  r->req = h;
  return h;
}

/* ---- server handlers ---------------------------------------------------------------------- */

static void h_hello(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  souk_httpd_response_header(res, "Content-Type", "text/plain; charset=utf-8");
  souk_httpd_response_header(res, "X-Conn", "%u", req->conn_id);
  souk_httpd_response_printf(res, "hello");
}

/* Answers the n-th request to its path with statuses[n-1] (the last one repeats). */
typedef struct script {
  int status[8];
  const char *retry_after[8];
  int n;
  uint64_t at[16];             /* loop ms of each arrival */
  uv_loop_t *loop;
} script;

static void h_script(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  script *s = ud;
  unsigned i = req->seq - 1 < (unsigned)s->n ? req->seq - 1 : (unsigned)s->n - 1;
  if (req->seq - 1 < 16 && s->loop)
    s->at[req->seq - 1] = uv_now(s->loop);
  souk_httpd_response_status(res, s->status[i]);
  if (s->retry_after[i])
    souk_httpd_response_header(res, "Retry-After", "%s", s->retry_after[i]);
  souk_httpd_response_printf(res, "attempt %u: %d\n", req->seq, s->status[i]);
}

/* /slow?ms=N answers after N ms. */
static void h_slow(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  char v[32];
  unsigned ms = souk_httpd_request_param(req, "ms", v, sizeof v) ? (unsigned)atoi(v) : 10;
  souk_httpd_response_delay(res, ms);
  souk_httpd_response_printf(res, "slow %u", ms);
}

/* /big?n=N[&chunked=1][&gzip=1]: N bytes of filler. */
static void h_big(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  char v[32];
  size_t n = souk_httpd_request_param(req, "n", v, sizeof v) ? (size_t)atol(v) : 1000;
  souk_httpd_response_fill(res, n);
  if (souk_httpd_request_param(req, "chunked", v, sizeof v))
    souk_httpd_response_chunked(res);
  if (souk_httpd_request_param(req, "gzip", v, sizeof v))
    souk_httpd_response_gzip(res);
}

/* /stall?after=N: 1000 bytes announced, N sent (default 100), then silence. */
static void h_stall(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  char v[32];
  souk_httpd_response_fill(res, 1000);
  souk_httpd_response_stall(res, souk_httpd_request_param(req, "after", v, sizeof v)
                                    ? (size_t)atol(v) : 100);
}

static void h_truncate(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)req, (void)ud;
  souk_httpd_response_fill(res, 1000);
  souk_httpd_response_truncate(res, 100);
}

static void h_drop(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)req, (void)ud;
  souk_httpd_response_drop(res);
}

static void h_loop(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)req, (void)ud;
  souk_httpd_response_redirect(res, 302, "/loop");
}

static void h_moved(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)req, (void)ud;
  souk_httpd_response_redirect(res, 301, "/hello");
}

static void h_echo(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  const char *ct = souk_httpd_request_header(req, "Content-Type");
  const char *xt = souk_httpd_request_header(req, "X-Test");
  const char *ua = souk_httpd_request_header(req, "User-Agent");
  const char *cl = souk_httpd_request_header(req, "Content-Length");
  souk_httpd_response_header(res, "Content-Type", "text/plain");
  souk_httpd_response_printf(res, "method=%s\nct=%s\nx-test=%s\nua=%s\ncl=%s\nbody=%.*s\n",
                            req->method, ct ? ct : "-", xt ? xt : "-", ua ? ua : "-",
                            cl ? cl : "-", (int)req->body_len, req->body);
}

/* /lines: 5000 numbered lines, gzipped; remembers the request's Accept-Encoding. */
static char g_accept_encoding[128];
static void lines(souk_buf *b) {
  for (int i = 0; i < 5000; i++)
    souk_buf_printf(b, "line %05d of a compressible body\n", i);
}
static void h_gzip_lines(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  const char *ae = souk_httpd_request_header(req, "Accept-Encoding");
  snprintf(g_accept_encoding, sizeof g_accept_encoding, "%s", ae ? ae : "");
  souk_buf b;
  souk_buf_init(&b, 1 << 20);
  lines(&b);
  souk_httpd_response_body(res, b.data, b.len);
  souk_buf_free(&b);
  souk_httpd_response_gzip(res);
}

/* Records the loop time of each arrival (for the rate and pause tests). */
typedef struct arrivals {
  uv_loop_t *loop;
  uint64_t at[64];
  int n;
} arrivals;
static void h_arrival(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  arrivals *a = ud;
  (void)req;
  if (a->n < 64)
    a->at[a->n++] = uv_now(a->loop);
  souk_httpd_response_printf(res, "ok");
}

/* ---- basic requests ---------------------------------------------------------------------- */

TEST(ok_keepalive_reuse) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r[3];
  memset(r, 0, sizeof r);
  for (int i = 0; i < 3; i++) {
    r[i].want_header = "x-conn";
    get(&f, "/hello", 0, &r[i]);
    WAIT_DONE(&f, i + 1, 5000);
    CHECK_INT(r[i].calls, ==, 1);
    CHECK_INT(r[i].error, ==, 0);
    CHECK_INT(r[i].status, ==, 200);
    CHECK_STR(r[i].body, "hello");
    CHECK_INT(r[i].bytes, ==, 5);
    CHECK_STR(r[i].ctype, "text/plain; charset=utf-8");
    CHECK_STR(r[i].hdr, "1");
    CHECK_INT(r[i].retries, ==, 0);
    CHECK_INT(r[i].reused, ==, i > 0);
  }
  SAY("3 sequential GETs: 200 \"hello\", Content-Type and a custom header read back");
  souk_httpd_stats st;
  souk_httpd_stats_get(f.srv, &st);
  CHECK_INT(st.connections, ==, 1);
  CHECK_INT(st.all.requests, ==, 3);
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.reused_connections, ==, 2);
  CHECK_INT(hs.started, ==, 3);
  CHECK_INT(hs.completed, ==, 3);
  CHECK_INT(hs.attempts, ==, 3);
  SAY("keep-alive: requests 2 and 3 report reused=1; the server accepted 1 connection");
  for (int i = 0; i < 3; i++)
    result_free(&r[i]);
  fx_finish(&f);
}

TEST(post_body_headers) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/echo", h_echo, NULL);
  fx_start(&f);
  char u[256];
  const char *hdrs[] = {"Content-Type: application/json", "X-Test: yes please", NULL};
  const char *json = "{\"query\":\"boots\"}";
  result r[5];
  memset(r, 0, sizeof r);
  souk_http_request post = {.url = url(&f, "/echo", u, sizeof u), .headers = hdrs,
                            .body = json, .body_len = strlen(json)};
  CHECK_INT(souk_http_start(f.http, &post, on_done, &r[0], NULL), ==, 0);
  souk_http_request put = post;
  put.method = "PUT";
  CHECK_INT(souk_http_start(f.http, &put, on_done, &r[1], NULL), ==, 0);
  souk_http_request del = {.url = u, .method = "DELETE"};
  CHECK_INT(souk_http_start(f.http, &del, on_done, &r[2], NULL), ==, 0);
  souk_http_request head = {.url = u, .method = "HEAD"};
  r[3].want_header = "content-length";
  CHECK_INT(souk_http_start(f.http, &head, on_done, &r[3], NULL), ==, 0);
  souk_http_request empty_post = {.url = u, .method = "POST"};
  CHECK_INT(souk_http_start(f.http, &empty_post, on_done, &r[4], NULL), ==, 0);
  WAIT_DONE(&f, 5, 5000);
  for (int i = 0; i < 5; i++) {
    CHECK_INT(r[i].error, ==, 0);
    CHECK_INT(r[i].status, ==, 200);
  }
  CHECK_HAS(r[0].body, "method=POST\n");
  CHECK_HAS(r[0].body, "ct=application/json\n");
  CHECK_HAS(r[0].body, "x-test=yes please\n");
  CHECK_HAS(r[0].body, "ua=souk-test/1\n");
  CHECK_HAS(r[0].body, "body={\"query\":\"boots\"}\n");
  SAY("POST: method, body, Content-Type, a custom header and the User-Agent reached the server");
  CHECK_HAS(r[1].body, "method=PUT\n");
  CHECK_HAS(r[1].body, "body={\"query\":\"boots\"}\n");
  CHECK_HAS(r[2].body, "method=DELETE\n");
  SAY("PUT with a body and DELETE without one");
  CHECK_INT(r[3].body_len, ==, 0);
  CHECK(atoi(r[3].hdr) > 0);
  SAY("HEAD: no body awaited although Content-Length is %s", r[3].hdr);
  CHECK_HAS(r[4].body, "method=POST\n");
  CHECK_HAS(r[4].body, "cl=0\n");
  SAY("POST without a body sends Content-Length: 0");
  for (int i = 0; i < 5; i++)
    result_free(&r[i]);
  fx_finish(&f);
}

TEST(gzip_decoded) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/lines", h_gzip_lines, NULL);
  fx_start(&f);
  result r = {.want_header = "content-encoding"};
  get(&f, "/lines", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, 0);
  CHECK_INT(r.status, ==, 200);
  CHECK_STR(r.hdr, "gzip");
  souk_buf want;
  souk_buf_init(&want, 1 << 20);
  lines(&want);
  CHECK_INT(r.body_len, ==, want.len);
  CHECK_INT(r.bytes, ==, want.len);
  CHECK(memcmp(r.body, want.data, want.len) == 0);
  CHECK_HAS(g_accept_encoding, "gzip");
  SAY("a gzip body (Content-Encoding: gzip) arrives decoded: %zu bytes equal to what was sent; "
      "the client offered \"%s\"", want.len, g_accept_encoding);
  souk_buf_free(&want);
  result_free(&r);
  fx_finish(&f);
}

static int stream_cb(const char *data, size_t len, void *ud);

TEST(streaming_on_data) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/big", h_big, NULL);
  fx_start(&f);
  result r = {0}, spawned = {0}, missing = {0};
  r.f = &f;
  r.spawn = &spawned;
  char u[256];
  souk_http_request q = {.url = url(&f, "/big?n=300000&chunked=1", u, sizeof u),
                         .on_data = stream_cb};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, &r.req), ==, 0);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(r.error, ==, 0);
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(r.streamed, ==, 300000);
  CHECK_INT(r.bytes, ==, 300000);
  CHECK_INT(r.body_len, ==, 0);
  CHECK(r.data_calls > 1);
  SAY("on_data got 300000 bytes of a chunked body in %d calls; nothing was collected",
      r.data_calls);
  CHECK_INT(spawned.calls, ==, 1);
  CHECK_INT(spawned.status, ==, 200);
  SAY("a request started from inside on_data ran to completion");
  /* A non-2xx body is collected, not streamed. */
  souk_http_request q404 = {.url = url(&f, "/nothing-here", u, sizeof u), .on_data = stream_cb};
  CHECK_INT(souk_http_start(f.http, &q404, on_done, &missing, NULL), ==, 0);
  WAIT_DONE(&f, 3, 5000);
  CHECK_INT(missing.status, ==, 404);
  CHECK_INT(missing.streamed, ==, 0);
  CHECK_HAS(missing.body, "no route");
  SAY("a 404 body is collected in res.body, not handed to on_data");
  result_free(&r);
  result_free(&spawned);
  result_free(&missing);
  fx_finish(&f);
}

/* on_data of the streaming cases: counts, may start a request, cancel or stop. */
static int stream_cb(const char *data, size_t len, void *ud) {
  result *r = ud;
  (void)data;
  r->streamed += len;
  r->data_calls++;
  if (r->spawn && r->data_calls == 1) {
    get(r->f, "/big?n=10", 0, r->spawn);
  }
  if (r->cancel_at && r->data_calls == r->cancel_at)
    souk_http_cancel(r->req);
  return r->stop_after && r->data_calls >= r->stop_after;
}

TEST(streaming_stopped_by_reader) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/big", h_big, NULL);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  char u[256];
  result r = {.stop_after = 1};
  souk_http_request q = {.url = url(&f, "/big?n=300000", u, sizeof u), .on_data = stream_cb};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, &r.req), ==, 0);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.calls, ==, 1);
  CHECK_INT(r.error, ==, SOUK_ECANCELED);
  CHECK_HAS(r.text, "stopped by the reader");
  CHECK_INT(r.retries, ==, 0);
  SAY("on_data returning non-zero ends the request: SOUK_ECANCELED \"%s\", no retry", r.text);
  result c = {.cancel_at = 2};
  souk_http_request q2 = {.url = url(&f, "/big?n=300000", u, sizeof u), .on_data = stream_cb};
  CHECK_INT(souk_http_start(f.http, &q2, on_done, &c, &c.req), ==, 0);
  WAIT_DONE(&f, 2, 5000);
  run_for(&f, 50);
  CHECK_INT(c.calls, ==, 1);
  CHECK_INT(c.error, ==, SOUK_ECANCELED);
  CHECK(c.streamed < 300000);
  SAY("souk_http_cancel() from inside on_data: one callback, SOUK_ECANCELED, after %zu bytes",
      c.streamed);
  result ok = {0};
  get(&f, "/hello", 0, &ok);
  WAIT_DONE(&f, 3, 5000);
  CHECK_INT(ok.status, ==, 200);
  SAY("the client still works afterwards");
  result_free(&r);
  result_free(&c);
  result_free(&ok);
  fx_finish(&f);
}

/* ---- retries ----------------------------------------------------------------------------- */

TEST(retry_after_seconds) {
  fx f;
  fx_init(&f);
  script s = {.status = {429, 200}, .retry_after = {"1"}, .n = 2, .loop = &f.loop};
  souk_httpd_route(f.srv, "/ra", h_script, &s);
  fx_start(&f);
  result r = {0};
  get(&f, "/ra", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, 0);
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(r.retries, ==, 1);
  CHECK_HAS(r.body, "attempt 2");
  uint64_t gap = s.at[1] - s.at[0];
  CHECK_INT(gap, >=, 990);
  CHECK_INT(gap, <, 1500);
  SAY("429 with Retry-After: 1 -> retried once after %llu ms, then 200",
      (unsigned long long)gap);
  result_free(&r);
  fx_finish(&f);
}

static void http_date(time_t t, char *buf, size_t len) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

TEST(retry_after_date) {
  fx f;
  fx_init(&f);
  char date[64];
  http_date(time(NULL) + 2, date, sizeof date);
  script s = {.status = {503, 200}, .retry_after = {date}, .n = 2, .loop = &f.loop};
  souk_httpd_route(f.srv, "/ra", h_script, &s);
  fx_start(&f);
  result r = {0};
  get(&f, "/ra", 0, &r);
  WAIT_DONE(&f, 1, 6000);
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(r.retries, ==, 1);
  uint64_t gap = s.at[1] - s.at[0];
  CHECK_INT(gap, >=, 900);
  CHECK_INT(gap, <=, 2600);
  SAY("503 with Retry-After: %s (an HTTP-date 2 s ahead) -> retried after %llu ms", date,
      (unsigned long long)gap);
  result_free(&r);
  fx_finish(&f);
}

TEST(retry_after_too_long) {
  fx f;
  fx_init(&f);
  char date[64];
  http_date(time(NULL) + 3600, date, sizeof date);
  script s1 = {.status = {429, 200}, .retry_after = {"3600"}, .n = 2};
  script s2 = {.status = {503, 200}, .retry_after = {date}, .n = 2};
  souk_httpd_route(f.srv, "/ra1", h_script, &s1);
  souk_httpd_route(f.srv, "/ra2", h_script, &s2);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r1 = {0}, r2 = {0}, ok = {0};
  get(&f, "/ra1", 0, &r1);
  get(&f, "/ra2", 0, &r2);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(r1.error, ==, SOUK_ERATELIMIT);
  CHECK_INT(r1.status, ==, 429);
  CHECK_HAS(r1.text, "http.retry_after_max");
  CHECK_INT(r2.error, ==, SOUK_ERATELIMIT);
  CHECK(r1.elapsed_ms < 1000 && r2.elapsed_ms < 1000);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/ra1", &ps);
  CHECK_INT(ps.requests, ==, 1);
  SAY("Retry-After 3600 s (seconds and HTTP-date) > http.retry_after_max 10 s: SOUK_ERATELIMIT "
      "at once, \"%s\"", r1.text);
  get(&f, "/hello", SOUK_HTTP_NO_RATE, &ok);
  WAIT_DONE(&f, 3, 5000);
  CHECK_INT(ok.status, ==, 200);
  result_free(&r1);
  result_free(&r2);
  result_free(&ok);
  fx_finish(&f);
}

TEST(rate_limited_pauses_host) {
  fx f;
  fx_init(&f);
  f.o.backoff_base_ms = 300;
  f.o.backoff_max_ms = 300;
  script busy = {.status = {429, 200}, .n = 2, .loop = &f.loop};
  arrivals other = {.loop = &f.loop};
  souk_httpd_route(f.srv, "/busy", h_script, &busy);
  souk_httpd_route(f.srv, "/other", h_arrival, &other);
  fx_start(&f);
  result a = {0}, b = {0};
  get(&f, "/busy", 0, &a);
  souk_http_stats hs = {0};
  for (int i = 0; i < 400 && hs.waiting == 0; i++) {
    run_for(&f, 5);
    souk_http_get_stats(f.http, &hs);
  }
  CHECK_INT(hs.waiting, ==, 1);
  uint64_t t_b = uv_now(&f.loop);
  get(&f, "/other", 0, &b);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(a.status, ==, 200);
  CHECK_INT(a.retries, ==, 1);
  CHECK_INT(b.status, ==, 200);
  uint64_t pause = busy.at[1] - busy.at[0];
  CHECK_INT(pause, >=, 150 - 5);
  CHECK_INT(pause, <=, 300 + 50);
  CHECK_MSG(other.at[0] + 5 >= busy.at[1],
            "the other request reached the host %llu ms before the paused one's retry",
            (unsigned long long)(busy.at[1] - other.at[0]));
  SAY("429 without Retry-After: retried after a jittered backoff of %llu ms (150 to 300)",
      (unsigned long long)pause);
  SAY("a request to another path of that host, started during the pause, waited %llu ms: the "
      "whole host paused", (unsigned long long)(other.at[0] - t_b));
  result_free(&a);
  result_free(&b);
  fx_finish(&f);
}

TEST(server_error_then_success) {
  fx f;
  fx_init(&f);
  script s = {.status = {500, 502, 200}, .n = 3};
  souk_httpd_route(f.srv, "/flaky", h_script, &s);
  fx_start(&f);
  result r = {0};
  get(&f, "/flaky", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, 0);
  CHECK_INT(r.status, ==, 200);
  CHECK_INT(r.retries, ==, 2);
  CHECK_HAS(r.body, "attempt 3: 200");
  SAY("500, 502, then 200: the caller sees 200 after 2 retries");
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.retries, ==, 2);
  CHECK_INT(hs.attempts, ==, 3);
  result_free(&r);
  fx_finish(&f);
}

TEST(unavailable_retries_exhausted) {
  fx f;
  fx_init(&f);
  script s = {.status = {503}, .n = 1};
  script nr = {.status = {500}, .n = 1};
  souk_httpd_route(f.srv, "/down", h_script, &s);
  souk_httpd_route(f.srv, "/once", h_script, &nr);
  fx_start(&f);
  result r = {0}, once = {0};
  get(&f, "/down", 0, &r);
  get(&f, "/once", SOUK_HTTP_NO_RETRY, &once);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(r.error, ==, 0);
  CHECK_INT(r.status, ==, 503);
  CHECK_INT(r.retries, ==, 2);
  CHECK_HAS(r.body, "attempt 3: 503");
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/down", &ps);
  CHECK_INT(ps.requests, ==, 3);
  SAY("503 every time, 2 retries allowed: 3 attempts, the caller sees the last status 503");
  CHECK_INT(once.status, ==, 500);
  CHECK_INT(once.retries, ==, 0);
  SAY("SOUK_HTTP_NO_RETRY: one attempt, 500 reported");
  result_free(&r);
  result_free(&once);
  fx_finish(&f);
}

/* ---- failures ---------------------------------------------------------------------------- */

TEST(stall_low_speed_timeout) {
  fx f;
  fx_init(&f);
  f.o.retries = 1;
  f.o.low_speed_time_ms = 1000;
  souk_httpd_route(f.srv, "/stall", h_stall, NULL);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r = {0}, ok = {0};
  /* libcurl averages the speed over its last ~5 s, so a stall after some bytes takes up to
   * ~5 s more to count as slow: stall right after the head to keep this case short. */
  get(&f, "/stall?after=0", 0, &r);
  WAIT_DONE(&f, 1, 10000);
  CHECK_INT(r.error, ==, SOUK_ETIMEDOUT);
  CHECK_INT(r.retries, ==, 1);
  CHECK(r.elapsed_ms >= 1900 && r.elapsed_ms < 6000);
  CHECK_INT(r.body_len, ==, 0);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/stall", &ps);
  CHECK_INT(ps.requests, ==, 2);
  SAY("a body that stalls after the head: SOUK_ETIMEDOUT after 2 attempts of ~1 s "
      "(http.low_speed_time), %.0f ms in all: \"%s\"", r.elapsed_ms, r.text);
  get(&f, "/hello", 0, &ok);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(ok.status, ==, 200);
  result_free(&r);
  result_free(&ok);
  fx_finish(&f);
}

/* A request may turn the low-speed abort off (a language model that thinks before its first
 * byte): only its own total timeout ends it then. */
TEST(stall_no_low_speed_for_one_request) {
  fx f;
  fx_init(&f);
  f.o.retries = 0;
  f.o.low_speed_time_ms = 1000;
  souk_httpd_route(f.srv, "/stall", h_stall, NULL);
  fx_start(&f);
  char u[256];
  souk_http_request q = {.url = url(&f, "/stall?after=0", u, sizeof u),
                         .timeout_ms = 3000,
                         .low_speed_time_ms = -1};
  result r = {0};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, &r.req), ==, 0);
  WAIT_DONE(&f, 1, 10000);
  CHECK_INT(r.error, ==, SOUK_ETIMEDOUT);
  CHECK(r.elapsed_ms >= 2900 && r.elapsed_ms < 5000);
  SAY("low_speed_time_ms -1 on one request (client: 1 s): it waited for its own 3 s timeout "
      "(%.0f ms), not the low-speed abort", r.elapsed_ms);
  result_free(&r);
  fx_finish(&f);
}

TEST(stall_total_timeout) {
  fx f;
  fx_init(&f);
  f.o.low_speed_time_ms = 20000;
  souk_httpd_route(f.srv, "/stall", h_stall, NULL);
  souk_httpd_route(f.srv, "/slow", h_slow, NULL);
  fx_start(&f);
  char u[256];
  result r = {0}, s = {0};
  souk_http_request q = {.url = url(&f, "/stall", u, sizeof u), .timeout_ms = 300,
                         .flags = SOUK_HTTP_NO_RETRY};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, 0);
  char u2[256];
  souk_http_request q2 = {.url = url(&f, "/slow?ms=5000", u2, sizeof u2), .timeout_ms = 300,
                          .flags = SOUK_HTTP_NO_RETRY};
  CHECK_INT(souk_http_start(f.http, &q2, on_done, &s, NULL), ==, 0);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(r.error, ==, SOUK_ETIMEDOUT);
  CHECK_INT(s.error, ==, SOUK_ETIMEDOUT);
  CHECK(r.elapsed_ms >= 250 && r.elapsed_ms < 2000);
  CHECK(s.elapsed_ms >= 250 && s.elapsed_ms < 2000);
  SAY("request timeout 300 ms: a stalled body and a late answer both end SOUK_ETIMEDOUT "
      "(%.0f ms, %.0f ms)", r.elapsed_ms, s.elapsed_ms);
  result_free(&r);
  result_free(&s);
  fx_finish(&f);
}

TEST(truncated_body) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/cut", h_truncate, NULL);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r = {0}, ok = {0};
  get(&f, "/cut", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, SOUK_ENETWORK);
  CHECK_HAS(r.text, "truncated body");
  CHECK_INT(r.retries, ==, 2);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/cut", &ps);
  CHECK_INT(ps.requests, ==, 3);
  SAY("Content-Length 1000 but 100 bytes then close: retried twice, then SOUK_ENETWORK \"%s\"",
      r.text);
  get(&f, "/hello", 0, &ok);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(ok.status, ==, 200);
  SAY("the next request on the same client succeeds");
  result_free(&r);
  result_free(&ok);
  fx_finish(&f);
}

TEST(empty_reply) {
  fx f;
  fx_init(&f);
  f.o.retries = 1;
  souk_httpd_route(f.srv, "/drop", h_drop, NULL);
  fx_start(&f);
  result r = {0};
  get(&f, "/drop", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, SOUK_ENETWORK);
  CHECK_INT(r.status, ==, 0);
  CHECK_INT(r.retries, ==, 1);
  SAY("a connection closed without an answer: retried, then SOUK_ENETWORK \"%s\"", r.text);
  result_free(&r);
  fx_finish(&f);
}

TEST(connection_refused) {
  /* A port nobody listens on: bound, never listened, closed. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  CHECK_INT(getsockname(fd, (struct sockaddr *)&sa, &sl), ==, 0);
  close(fd);
  fx f;
  fx_init(&f);
  f.o.retries = 1;
  fx_start(&f);
  char u[128];
  snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
  result r = {0};
  souk_http_request q = {.url = u};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, 0);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.calls, ==, 1);
  CHECK_INT(r.error, ==, SOUK_ECONNREFUSED);
  CHECK_INT(r.status, ==, 0);
  CHECK_INT(r.retries, ==, 1);
  SAY("connection refused: retried once, then SOUK_ECONNREFUSED \"%s\"", r.text);
  result_free(&r);
  fx_finish(&f);
}

TEST(redirect_loop) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/loop", h_loop, NULL);
  fx_start(&f);
  result r = {0};
  get(&f, "/loop", 0, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, SOUK_EREDIRECTS);
  CHECK_INT(r.retries, ==, 0);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/loop", &ps);
  CHECK_INT(ps.requests, ==, 4);
  SAY("a redirect loop: 1 + 3 redirects (http.max_redirects), then SOUK_EREDIRECTS \"%s\"",
      r.text);
  result_free(&r);
  fx_finish(&f);
}

TEST(redirect_followed_or_reported) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/moved", h_moved, NULL);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r = {0}, nr = {0};
  get(&f, "/moved", 0, &r);
  get(&f, "/moved", SOUK_HTTP_NO_REDIRECT, &nr);
  WAIT_DONE(&f, 2, 5000);
  char want[256];
  CHECK_INT(r.status, ==, 200);
  CHECK_STR(r.body, "hello");
  CHECK_STR(r.eff, url(&f, "/hello", want, sizeof want));
  CHECK_STR(r.location, "");
  SAY("301 to /hello followed: 200, effective URL %s", r.eff);
  CHECK_INT(nr.error, ==, 0);
  CHECK_INT(nr.status, ==, 301);
  CHECK_STR(nr.location, want);
  CHECK_HAS(nr.body, "redirecting to /hello");
  SAY("SOUK_HTTP_NO_REDIRECT: 301 reported with location %s (made absolute)", nr.location);
  result_free(&r);
  result_free(&nr);
  fx_finish(&f);
}

TEST(too_big_refused) {
  fx f;
  fx_init(&f);
  f.o.max_body = 4096;
  souk_httpd_route(f.srv, "/big", h_big, NULL);
  fx_start(&f);
  result cl = {0}, ch = {0}, gz = {0}, ok = {0}, per = {0};
  get(&f, "/big?n=10000", 0, &cl);
  get(&f, "/big?n=10000&chunked=1", 0, &ch);
  get(&f, "/big?n=200000&gzip=1", 0, &gz);
  WAIT_DONE(&f, 3, 5000);
  CHECK_INT(cl.error, ==, SOUK_ETOOBIG);
  CHECK_INT(ch.error, ==, SOUK_ETOOBIG);
  CHECK_INT(gz.error, ==, SOUK_ETOOBIG);
  CHECK_HAS(cl.text, "4096 bytes");
  CHECK_INT(cl.retries + ch.retries + gz.retries, ==, 0);
  CHECK_INT(cl.body_len + ch.body_len + gz.body_len, ==, 0);
  SAY("max_body 4096: a 10000-byte body refused with Content-Length, chunked, and a small gzip "
      "body that inflates to 200000 bytes: SOUK_ETOOBIG \"%s\", no retry", cl.text);
  get(&f, "/big?n=4096&chunked=1", 0, &ok);
  char u[256];
  souk_http_request q = {.url = url(&f, "/big?n=3000", u, sizeof u), .max_body = 2000};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &per, NULL), ==, 0);
  WAIT_DONE(&f, 5, 5000);
  CHECK_INT(ok.error, ==, 0);
  CHECK_INT(ok.body_len, ==, 4096);
  CHECK_INT(per.error, ==, SOUK_ETOOBIG);
  SAY("exactly max_body (4096) is accepted; a per-request max_body of 2000 refuses 3000");
  result_free(&cl);
  result_free(&ch);
  result_free(&gz);
  result_free(&ok);
  result_free(&per);
  fx_finish(&f);
}

/* ---- cancellation ------------------------------------------------------------------------ */

TEST(cancel_queued) {
  fx f;
  fx_init(&f);
  f.o.max_per_host = 1;
  souk_httpd_route(f.srv, "/slow", h_slow, NULL);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result a = {0}, b = {0};
  get(&f, "/slow?ms=3000", 0, &a);
  souk_http_req *hb = get(&f, "/hello", 0, &b);
  souk_httpd_path_stats ps = {0};
  for (int i = 0; i < 200 && ps.in_flight == 0; i++) {
    run_for(&f, 5);
    souk_httpd_stats_path(f.srv, "/slow", &ps);
  }
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.queued, ==, 1);
  souk_http_cancel(hb);
  souk_http_cancel(hb); /* a second cancel before the callback changes nothing */
  CHECK_INT(b.calls, ==, 0); /* never from inside souk_http_cancel */
  WAIT_DONE(&f, 1, 1000);
  CHECK_INT(b.calls, ==, 1);
  CHECK_INT(b.error, ==, SOUK_ECANCELED);
  CHECK_INT(b.status, ==, 0);
  souk_httpd_stats_path(f.srv, "/hello", &ps);
  CHECK_INT(ps.requests, ==, 0);
  SAY("a request queued behind max_per_host=1 canceled: one callback, SOUK_ECANCELED, never sent");
  souk_http_cancel(a.req);
  WAIT_DONE(&f, 2, 1000);
  run_for(&f, 30);
  CHECK_INT(a.calls, ==, 1);
  CHECK_INT(b.calls, ==, 1);
  result_free(&a);
  result_free(&b);
  fx_finish(&f);
}

TEST(cancel_waiting) {
  fx f;
  fx_init(&f);
  script s = {.status = {429, 200}, .retry_after = {"5"}, .n = 2};
  souk_httpd_route(f.srv, "/ra", h_script, &s);
  fx_start(&f);
  result r = {0};
  get(&f, "/ra", 0, &r);
  souk_http_stats hs = {0};
  for (int i = 0; i < 400 && hs.waiting == 0; i++) {
    run_for(&f, 5);
    souk_http_get_stats(f.http, &hs);
  }
  CHECK_INT(hs.waiting, ==, 1);
  souk_http_cancel(r.req);
  WAIT_DONE(&f, 1, 1000);
  run_for(&f, 30);
  CHECK_INT(r.calls, ==, 1);
  CHECK_INT(r.error, ==, SOUK_ECANCELED);
  CHECK(r.elapsed_ms < 2000);
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.waiting, ==, 0);
  SAY("a request waiting out Retry-After: 5 canceled: SOUK_ECANCELED after %.0f ms",
      r.elapsed_ms);
  result_free(&r);
  fx_finish(&f);
}

TEST(cancel_running) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/slow", h_slow, NULL);
  fx_start(&f);
  result r = {0};
  get(&f, "/slow?ms=5000", 0, &r);
  souk_httpd_path_stats ps = {0};
  for (int i = 0; i < 200 && ps.in_flight == 0; i++) {
    run_for(&f, 5);
    souk_httpd_stats_path(f.srv, "/slow", &ps);
  }
  CHECK_INT(ps.in_flight, ==, 1);
  souk_http_cancel(r.req);
  WAIT_DONE(&f, 1, 1000);
  CHECK_INT(r.calls, ==, 1);
  CHECK_INT(r.error, ==, SOUK_ECANCELED);
  for (int i = 0; i < 200 && ps.aborted == 0; i++) {
    run_for(&f, 5);
    souk_httpd_stats_path(f.srv, "/slow", &ps);
  }
  CHECK_INT(ps.aborted, ==, 1);
  CHECK_INT(ps.in_flight, ==, 0);
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.in_flight, ==, 0);
  SAY("a running request canceled: SOUK_ECANCELED, the server saw the connection close");
  result_free(&r);
  fx_finish(&f);
}

TEST(close_with_requests_in_flight) {
  fx f;
  fx_init(&f);
  f.o.max_per_host = 2;
  script s = {.status = {429, 200}, .retry_after = {"5"}, .n = 2};
  souk_httpd_route(f.srv, "/slow", h_slow, NULL);
  souk_httpd_route(f.srv, "/ra", h_script, &s);
  /* The 429 pauses its whole host: it goes to a second one. */
  int port2 = 0;
  CHECK_INT(souk_httpd_listen(f.srv, "127.0.0.1", 0, NULL), ==, 0);
  if (souk_httpd_listen(f.srv, "127.0.0.2", 0, &port2) != 0) {
    fx_finish(&f);
    SKIP("cannot bind 127.0.0.2 (needed for a second host)");
  }
  fx_start(&f);
  result r[6];
  memset(r, 0, sizeof r);
  char u2[128];
  snprintf(u2, sizeof u2, "http://127.0.0.2:%d/ra", port2);
  souk_http_request qra = {.url = u2};
  CHECK_INT(souk_http_start(f.http, &qra, on_done, &r[0], NULL), ==, 0);
  souk_http_stats hs = {0};
  for (int i = 0; i < 400 && hs.waiting == 0; i++) {
    run_for(&f, 5);
    souk_http_get_stats(f.http, &hs);
  }
  for (int i = 1; i < 6; i++)
    get(&f, "/slow?ms=5000", 0, &r[i]);
  souk_httpd_path_stats ps = {0};
  for (int i = 0; i < 200 && ps.in_flight < 2; i++) {
    run_for(&f, 5);
    souk_httpd_stats_path(f.srv, "/slow", &ps);
  }
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.waiting, ==, 1);
  CHECK_INT(hs.in_flight, ==, 2);
  CHECK_INT(hs.queued, ==, 3);
  souk_http_close(f.http);
  result extra = {0};
  char u[256];
  souk_http_request q = {.url = url(&f, "/slow", u, sizeof u)};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &extra, NULL), ==, SOUK_ESTATE);
  f.http = NULL; /* freed by the loop once its handles are closed */
  WAIT_DONE(&f, 6, 2000);
  run_for(&f, 30);
  for (int i = 0; i < 6; i++) {
    CHECK_INT(r[i].calls, ==, 1);
    CHECK_INT(r[i].error, ==, SOUK_ECANCELED);
  }
  CHECK_INT(extra.calls, ==, 0);
  SAY("souk_http_close() with 1 waiting, 2 running and 3 queued: 6 callbacks, each once, "
      "SOUK_ECANCELED; a later start gets SOUK_ESTATE and no callback");
  for (int i = 0; i < 6; i++)
    result_free(&r[i]);
  fx_finish(&f);
}

/* ---- limits -------------------------------------------------------------------------------- */

TEST(concurrency_limits) {
  fx f;
  fx_init(&f);
  f.o.max_per_host = 5;
  f.o.max_connections = 8;
  souk_httpd_route(f.srv, "/a", h_slow, NULL);
  souk_httpd_route(f.srv, "/b", h_slow, NULL);
  int port2 = 0;
  CHECK_INT(souk_httpd_listen(f.srv, "127.0.0.1", 0, NULL), ==, 0);
  if (souk_httpd_listen(f.srv, "127.0.0.2", 0, &port2) != 0) {
    fx_finish(&f);
    SKIP("cannot bind 127.0.0.2 (needed for a second host)");
  }
  fx_start(&f);
  enum { N = 200 };
  static result r[N];
  memset(r, 0, sizeof r);
  for (int i = 0; i < N; i++) {
    char u[256];
    if (i % 2)
      snprintf(u, sizeof u, "http://127.0.0.2:%d/b?ms=10", port2);
    else
      snprintf(u, sizeof u, "%s/a?ms=10", f.base);
    souk_http_request q = {.url = u};
    CHECK_INT(souk_http_start(f.http, &q, on_done, &r[i], NULL), ==, 0);
  }
  WAIT_DONE(&f, N, 20000);
  for (int i = 0; i < N; i++) {
    CHECK_INT(r[i].calls, ==, 1);
    CHECK_INT(r[i].status, ==, 200);
  }
  souk_httpd_path_stats pa, pb;
  souk_httpd_stats st;
  souk_httpd_stats_path(f.srv, "/a", &pa);
  souk_httpd_stats_path(f.srv, "/b", &pb);
  souk_httpd_stats_get(f.srv, &st);
  CHECK_INT(pa.requests + pb.requests, ==, N);
  CHECK_INT(pa.peak, <=, 5);
  CHECK_INT(pb.peak, <=, 5);
  CHECK_INT(st.all.peak, <=, 8);
  CHECK_INT(st.all.peak, ==, 8);
  SAY("server side: host 1 peaked at %d, host 2 at %d (limit 5), both together at %d (limit 8)",
      pa.peak, pb.peak, st.all.peak);
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.started, ==, N);
  CHECK_INT(hs.completed, ==, N);
  CHECK_INT(hs.peak_in_flight, ==, 8);
  CHECK_INT(hs.peak_per_host, ==, 5);
  CHECK_INT(hs.in_flight + hs.queued + hs.waiting, ==, 0);
  CHECK_INT(st.connections, <=, 16);
  SAY("client stats: %d requests, peak in flight %d, peak per host %d, %llu on reused "
      "connections; the server accepted %u connections",
      N, hs.peak_in_flight, hs.peak_per_host, (unsigned long long)hs.reused_connections,
      st.connections);
  for (int i = 0; i < N; i++)
    result_free(&r[i]);
  fx_finish(&f);
}

TEST(global_limit_one_host) {
  fx f;
  fx_init(&f);
  f.o.max_per_host = 64;
  f.o.max_connections = 10;
  souk_httpd_route(f.srv, "/a", h_slow, NULL);
  fx_start(&f);
  enum { N = 100 };
  static result r[N];
  memset(r, 0, sizeof r);
  for (int i = 0; i < N; i++)
    get(&f, "/a?ms=10", 0, &r[i]);
  WAIT_DONE(&f, N, 20000);
  souk_httpd_path_stats pa;
  souk_httpd_stats_path(f.srv, "/a", &pa);
  CHECK_INT(pa.requests, ==, N);
  CHECK_INT(pa.completed, ==, N);
  CHECK_INT(pa.peak, ==, 10);
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.peak_in_flight, ==, 10);
  SAY("max_connections 10 below max_per_host 64: the server saw at most %d at once", pa.peak);
  for (int i = 0; i < N; i++)
    result_free(&r[i]);
  fx_finish(&f);
}

TEST(token_bucket_rate) {
  fx f;
  fx_init(&f);
  f.o.rate = 20;
  f.o.burst = 1;
  arrivals a = {.loop = &f.loop};
  souk_httpd_route(f.srv, "/t", h_arrival, &a);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  enum { N = 21 };
  result r[N], free_pass = {0};
  memset(r, 0, sizeof r);
  uint64_t t0 = uv_now(&f.loop);
  for (int i = 0; i < N; i++)
    get(&f, "/t", 0, &r[i]);
  get(&f, "/hello", SOUK_HTTP_NO_RATE, &free_pass);
  WAIT_DONE(&f, N + 1, 5000);
  uint64_t t1 = uv_now(&f.loop);
  CHECK_INT(a.n, ==, N);
  uint64_t span = a.at[N - 1] - a.at[0];
  uint64_t min_gap = UINT64_MAX;
  for (int i = 1; i < N; i++)
    if (a.at[i] - a.at[i - 1] < min_gap)
      min_gap = a.at[i] - a.at[i - 1];
  CHECK_INT(span, >=, 950);
  CHECK_INT(span, <, 1500);
  /* No request reached the server before the bucket allowed it: the i-th after i * 50 ms. */
  for (int i = 0; i < N; i++)
    CHECK_MSG(a.at[i] + 2 >= t0 + 50 * (uint64_t)i, "request %d arrived %lld ms after the "
              "start, before its token (%d ms)", i, (long long)(a.at[i] - t0), 50 * i);
  CHECK(free_pass.elapsed_ms < 500);
  SAY("rate 20/s burst 1: 21 requests arrived over %llu ms (>= ~1000), none before its token, "
      "closest two %llu ms apart; all done in %llu ms", (unsigned long long)span, (unsigned long long)min_gap,
      (unsigned long long)(t1 - t0));
  SAY("a SOUK_HTTP_NO_RATE request did not wait for the bucket (%.0f ms)", free_pass.elapsed_ms);
  for (int i = 0; i < N; i++)
    result_free(&r[i]);
  result_free(&free_pass);
  fx_finish(&f);
}

/* ---- public-only -------------------------------------------------------------------------- */

TEST(public_only_refuses_loopback) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r = {0}, ok = {0}, reuse = {0};
  get(&f, "/hello", SOUK_HTTP_PUBLIC_ONLY, &r);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.error, ==, SOUK_EFORBIDDEN);
  CHECK_INT(r.retries, ==, 0);
  CHECK_HAS(r.text, "public addresses");
  souk_httpd_stats st;
  souk_httpd_stats_get(f.srv, &st);
  CHECK_INT(st.connections, ==, 0);
  SAY("SOUK_HTTP_PUBLIC_ONLY to 127.0.0.1: SOUK_EFORBIDDEN, no connection made: \"%s\"",
      r.text);
  get(&f, "/hello", 0, &ok);
  WAIT_DONE(&f, 2, 5000);
  CHECK_INT(ok.status, ==, 200);
  get(&f, "/hello", SOUK_HTTP_PUBLIC_ONLY, &reuse);
  WAIT_DONE(&f, 3, 5000);
  CHECK_INT(reuse.error, ==, SOUK_EFORBIDDEN);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(f.srv, "/hello", &ps);
  CHECK_INT(ps.requests, ==, 1);
  SAY("a kept-alive loopback connection is not reused for a public-only request either");
  result_free(&r);
  result_free(&ok);
  result_free(&reuse);
  fx_finish(&f);
}

static bool allowed(const char *ip) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
    ss.ss_family = AF_INET;
  else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
    ss.ss_family = AF_INET6;
  else
    souk_test_fail(__FILE__, __LINE__, "bad address in the table: %s", ip);
  return souk__http_address_allowed((struct sockaddr *)&ss);
}

TEST(address_table) {
  static const struct {
    const char *ip;
    bool ok;
  } t[] = {
      {"8.8.8.8", true}, {"23.227.38.65", true}, {"1.1.1.1", true}, {"172.32.0.1", true},
      {"100.128.0.1", true}, {"11.0.0.1", true}, {"192.169.0.1", true},
      {"127.0.0.1", false}, {"127.255.255.254", false}, {"0.0.0.0", false},
      {"10.1.2.3", false}, {"100.64.0.1", false}, {"169.254.169.254", false},
      {"172.16.0.1", false}, {"172.31.255.255", false}, {"192.168.1.1", false},
      {"192.0.0.8", false}, {"192.0.2.1", false}, {"198.18.0.1", false},
      {"198.19.255.255", false}, {"198.51.100.7", false}, {"203.0.113.5", false},
      {"224.0.0.1", false}, {"239.255.255.250", false}, {"240.0.0.1", false},
      {"255.255.255.255", false},
      {"2606:4700::1111", true}, {"2a00:1450:4001::200e", true}, {"::ffff:8.8.8.8", true},
      {"64:ff9b::808:808", true}, {"2002:808:808::1", true},
      {"::", false}, {"::1", false}, {"fe80::1", false}, {"febf::1", false},
      {"fec0::1", false}, {"fc00::1", false}, {"fd00:ec2::254", false}, {"ff02::1", false},
      {"2001:db8::1", false}, {"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false},
      {"::ffff:10.0.0.1", false}, {"64:ff9b::a9fe:a9fe", false}, {"2002:7f00:1::", false},
      {"2002:c0a8:101::1", false}, {"::7f00:1", false}, {"::808:808", false},
  };
  size_t n = sizeof t / sizeof *t;
  for (size_t i = 0; i < n; i++)
    CHECK_MSG(allowed(t[i].ip) == t[i].ok, "%s should be %s", t[i].ip,
              t[i].ok ? "allowed" : "refused");
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  CHECK(!souk__http_address_allowed((struct sockaddr *)&un));
  SAY("%zu addresses (IPv4, IPv6, mapped, NAT64, 6to4, metadata) and AF_UNIX classified right",
      n);
}

TEST(retry_after_parsing) {
  int64_t now = 1700000000; /* 2023-11-14T22:13:20Z */
  CHECK_INT(souk__http_retry_after_ms("120", now), ==, 120000);
  CHECK_INT(souk__http_retry_after_ms("0", now), ==, 0);
  CHECK_INT(souk__http_retry_after_ms(" 5 ", now), ==, 5000);
  CHECK_INT(souk__http_retry_after_ms("100000000", now), ==, 100000000000LL);
  CHECK_INT(souk__http_retry_after_ms("100000001", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("99999999999999999999999", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("-1", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("1.5", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("12abc", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("", now), ==, -1);
  CHECK_INT(souk__http_retry_after_ms("soon", now), ==, -1);
  SAY("delay-seconds: 120, 0, padded, bounds; negative, fractional, junk and empty -> -1");
  char d[64];
  http_date((time_t)now + 30, d, sizeof d);
  CHECK_INT(souk__http_retry_after_ms(d, now), ==, 30000);
  CHECK_INT(souk__http_retry_after_ms("Tue, 14 Nov 2023 22:14:20 GMT", now), ==, 60000);
  CHECK_INT(souk__http_retry_after_ms("Tuesday, 14-Nov-23 22:14:20 GMT", now), ==, 60000);
  CHECK_INT(souk__http_retry_after_ms("Tue Nov 14 22:14:20 2023", now), ==, 60000);
  CHECK_INT(souk__http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), ==, 0);
  SAY("HTTP-date: IMF-fixdate, RFC 850 and asctime forms 60 s ahead -> 60000 ms; a past date "
      "-> 0");
}

TEST(backoff_jitter) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), ==, 0);
  souk_http_options o;
  fast_options(&o);
  o.backoff_base_ms = 100;
  o.backoff_max_ms = 400;
  souk_errinfo e;
  souk_http *c = souk_http_new(&loop, &o, &e);
  CHECK(c != NULL);
  const int64_t ceiling[] = {100, 200, 400, 400, 400, 400};
  for (unsigned a = 1; a <= 6; a++) {
    int64_t lo = INT64_MAX, hi = -1, sum = 0;
    for (int i = 0; i < 500; i++) {
      int64_t d = souk__http_backoff_ms(c, a);
      CHECK(d >= ceiling[a - 1] / 2 && d <= ceiling[a - 1]);
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
      sum += d;
    }
    CHECK(hi >= ceiling[a - 1] * 9 / 10);
    CHECK(lo <= ceiling[a - 1] * 6 / 10);
    double mean = (double)sum / 500;
    CHECK(mean > ceiling[a - 1] * 0.65 && mean < ceiling[a - 1] * 0.85);
    SAY("retry %u: 500 draws in [%lld, %lld], mean %.0f (equal jitter: %lld to %lld ms)", a,
        (long long)lo, (long long)hi, mean, (long long)ceiling[a - 1] / 2,
        (long long)ceiling[a - 1]);
  }
  CHECK(souk__http_backoff_ms(c, 1000) <= 400);
  souk_http_close(c);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), ==, 0);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  SAY("uv_loop_close() == 0");
}

/* ---- bad input --------------------------------------------------------------------------- */

TEST(bad_requests_rejected) {
  fx f;
  fx_init(&f);
  souk_httpd_route(f.srv, "/hello", h_hello, NULL);
  fx_start(&f);
  result r = {0};
  souk_http_request q = {.url = "ftp://example.com/file"};
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, SOUK_EINVAL);
  q.url = "not a url";
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, SOUK_EINVAL);
  q.url = "http://";
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, SOUK_EINVAL);
  q.url = NULL;
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, SOUK_EINVAL);
  char u[256];
  q.url = url(&f, "/hello", u, sizeof u);
  CHECK_INT(souk_http_start(f.http, &q, NULL, &r, NULL), ==, SOUK_EINVAL);
  CHECK_INT(souk_http_start(f.http, NULL, on_done, &r, NULL), ==, SOUK_EINVAL);
  run_for(&f, 20);
  CHECK_INT(r.calls, ==, 0);
  SAY("ftp://, junk, an empty host, NULL url, NULL callback: SOUK_EINVAL, no callback");
  CHECK_INT(souk_http_start(f.http, &q, on_done, &r, NULL), ==, 0);
  WAIT_DONE(&f, 1, 5000);
  CHECK_INT(r.status, ==, 200);
  SAY("the client still works afterwards");
  souk_http_stats hs;
  souk_http_get_stats(f.http, &hs);
  CHECK_INT(hs.started, ==, 1);
  result_free(&r);
  fx_finish(&f);
}

TEST(bad_options_rejected) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), ==, 0);
  souk_http_options o;
  fast_options(&o);
  souk_errinfo e;
  for (int i = 0; i < 6; i++) {
    souk_http_options b = o;
    switch (i) {
    case 0: b.max_connections = 0; break;
    case 1: b.max_per_host = 0; break;
    case 2: b.max_body = 0; break;
    case 3: b.rate = -1; break;
    case 4: b.retries = -1; break;
    default: b.timeout_ms = -5; break;
    }
    souk_errinfo_clear(&e);
    CHECK(souk_http_new(&loop, &b, &e) == NULL);
    CHECK_INT(e.code, ==, SOUK_EINVAL);
    CHECK(e.text[0] != '\0');
  }
  SAY("6 kinds of bad options: souk_http_new() returns NULL with SOUK_EINVAL \"%s\"", e.text);
  souk_config *cfg = souk_config_new();
  souk_http_options d;
  souk_http_options_from_config(&d, cfg);
  CHECK(d.rate == 2.0);
  CHECK_INT(d.burst, ==, 2);
  CHECK_INT(d.max_connections, ==, 64);
  CHECK_INT(d.max_per_host, ==, 4);
  CHECK_INT(d.retries, ==, 5);
  CHECK_INT(d.backoff_base_ms, ==, 500);
  CHECK_INT(d.timeout_ms, ==, 60000);
  CHECK_INT(d.low_speed_time_ms, ==, 20000);
  CHECK_INT(d.max_body, ==, 64 * 1024 * 1024);
  souk_config_free(cfg);
  SAY("options from the default configuration: rate 2/s, burst 2, 64 connections, 4 per host, "
      "5 retries, 64 MiB bodies");
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), ==, 0);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  SAY("uv_loop_close() == 0");
}

/* ---- the test server on its own thread, with bad requests -------------------------------- */

/* /param?...: the decoded query parameters q, empty and missing. */
static void h_param(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  char q[64], e[8], m[8], small[4];
  const char *qv = souk_httpd_request_param(req, "q", q, sizeof q);
  const char *ev = souk_httpd_request_param(req, "empty", e, sizeof e);
  const char *mv = souk_httpd_request_param(req, "missing", m, sizeof m);
  const char *sv = souk_httpd_request_param(req, "q", small, sizeof small);
  souk_httpd_response_printf(res, "q=[%s] empty=[%s] missing=%s small=%s path=%s query=%s",
                            qv ? qv : "NULL", ev ? ev : "NULL", mv ? mv : "NULL",
                            sv ? sv : "NULL", req->path, req->query);
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK_INT(connect(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  return fd;
}

static void send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return; /* the server may close early; what it answered is checked */
    data += n;
    len -= (size_t)n;
  }
}

/* Reads until the peer closes or `want` appears `times` times; returns what was read. */
static char *read_reply(int fd, const char *want, int times) {
  size_t cap = 1 << 16, len = 0;
  char *buf = calloc(1, cap + 1);
  for (;;) {
    int seen = 0;
    for (const char *p = buf; want && (p = strstr(p, want)) != NULL; p++)
      seen++;
    if (want && seen >= times)
      break;
    ssize_t n = recv(fd, buf + len, cap - len, 0);
    if (n <= 0)
      break;
    len += (size_t)n;
    buf[len] = '\0';
  }
  return buf;
}

static bool peer_closed(int fd) {
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

TEST(test_server_own_thread) {
  souk_errinfo e;
  souk_httpd *s = souk_httpd_new(NULL, &e);
  CHECK(s != NULL);
  CHECK_INT(souk_httpd_route(s, "/hello", h_hello, NULL), ==, 0);
  CHECK_INT(souk_httpd_route(s, "/echo", h_echo, NULL), ==, 0);
  CHECK_INT(souk_httpd_route(s, "/param*", h_param, NULL), ==, 0);
  CHECK_INT(souk_httpd_start(s), ==, 0);
  CHECK_INT(souk_httpd_route(s, "/late", h_hello, NULL), ==, SOUK_ESTATE);
  int port = souk_httpd_port(s);
  CHECK(port > 0);

  int fd = connect_to(port);
  const char *two = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    "POST /echo?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  send_all(fd, two, strlen(two));
  char *rep = read_reply(fd, "HTTP/1.1 200 OK", 2);
  CHECK_HAS(rep, "hello");
  CHECK_HAS(rep, "body=abc");
  CHECK(strstr(rep, "hello") < strstr(rep, "body=abc"));
  free(rep);
  SAY("own thread: two pipelined requests on one connection answered in order");
  const char *pq = "GET /params?empty=&q=a%20b+c%2F%zz&x=1 HTTP/1.1\r\nHost: x\r\n\r\n";
  send_all(fd, pq, strlen(pq));
  rep = read_reply(fd, "query=", 1);
  CHECK_HAS(rep, "q=[a b c/%zz] empty=[] missing=NULL small=NULL path=/params "
                 "query=empty=&q=a%20b+c%2F%zz&x=1");
  free(rep);
  SAY("query parameters decoded (%%20, +, %%2F; a bad escape kept), a prefix route matched");
  const char *junk = "BLAH BLAH\r\n\r\n";
  send_all(fd, junk, strlen(junk));
  rep = read_reply(fd, NULL, 0);
  CHECK_HAS(rep, "HTTP/1.1 400 Bad Request");
  free(rep);
  close(fd);
  SAY("a malformed request line: 400 and the connection closed");

  fd = connect_to(port);
  souk_buf big;
  souk_buf_init(&big, 1 << 20);
  souk_buf_printf(&big, "GET /hello HTTP/1.1\r\nX-Big: ");
  for (int i = 0; i < 20000; i++)
    souk_buf_addc(&big, 'a');
  souk_buf_printf(&big, "\r\n\r\n");
  send_all(fd, big.data, big.len);
  rep = read_reply(fd, NULL, 0);
  CHECK_HAS(rep, "HTTP/1.1 431");
  free(rep);
  close(fd);
  souk_buf_free(&big);
  SAY("a 20 KB header (limit 16 KiB): 431");

  fd = connect_to(port);
  const char *huge = "POST /echo HTTP/1.1\r\nContent-Length: 2000000\r\n\r\nabc";
  send_all(fd, huge, strlen(huge));
  rep = read_reply(fd, NULL, 0);
  CHECK_HAS(rep, "HTTP/1.1 413");
  free(rep);
  CHECK(peer_closed(fd));
  close(fd);
  SAY("a declared 2 MB body (limit 1 MiB): 413 before reading it");

  fd = connect_to(port);
  const char *cont = "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
  send_all(fd, cont, strlen(cont));
  rep = read_reply(fd, "100 Continue", 1);
  CHECK_HAS(rep, "HTTP/1.1 100 Continue");
  free(rep);
  send_all(fd, "hi", 2);
  rep = read_reply(fd, "body=hi", 1);
  CHECK_HAS(rep, "HTTP/1.1 200 OK");
  free(rep);
  close(fd);
  SAY("Expect: 100-continue answered, then the body read");

  souk_httpd_stats st;
  souk_httpd_stats_get(s, &st);
  CHECK_INT(st.bad_requests, ==, 3);
  CHECK_INT(st.all.requests, ==, 4);
  int stalled_fd = connect_to(port); /* left open: close() must still finish */
  (void)stalled_fd;
  CHECK_INT(souk_httpd_close(s), ==, 0);
  close(stalled_fd);
  SAY("the server's thread stopped with a client still connected; its loop closed (0)");
}
