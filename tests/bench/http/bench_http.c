/* SPDX-License-Identifier: MIT */
/* Benchmark of the HTTP client: REQUESTS GETs of one URL with CONCURRENCY in flight (a new
 * one starts as each completes), no rate limit, no retries. Prints one line of results:
 * requests/s, latency percentiles and the process's peak RSS.
 *
 *   bench_http URL [REQUESTS [CONCURRENCY]]        (defaults: 20000, 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <uv.h>

#include "core/config.h"
#include "core/log.h"
#include "http/client.h"
#include "souk/error.h"

typedef struct bench {
  souk_http *http;
  const char *url;
  int total, started, done, ok, errors;
  double *latency_ms;
  uint64_t t0, t1;
  char first_error_text[320];
} bench;

static void on_done(souk_http_req *req, souk_http_response *res, void *ud);

static int start_one(bench *b) {
  souk_http_request q = {.url = b->url};
  int rc = souk_http_start(b->http, &q, on_done, b, NULL);
  if (rc == 0)
    b->started++;
  return rc;
}

static void on_done(souk_http_req *req, souk_http_response *res, void *ud) {
  bench *b = ud;
  (void)req;
  b->latency_ms[b->done++] = res->elapsed_ms;
  if (res->error == 0 && res->status == 200) {
    b->ok++;
  } else {
    if (b->errors++ == 0) {
      snprintf(b->first_error_text, sizeof b->first_error_text, "status %ld, %s: %s",
               res->status, souk_err_name(res->error), res->error_text);
    }
  }
  if (b->started < b->total) {
    if (start_one(b) != 0)
      b->total = b->started; /* cannot happen while the client is open; stop cleanly */
  }
  if (b->done == b->total) {
    b->t1 = uv_hrtime();
    souk_http_close(b->http);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(const double *sorted, int n, double p) {
  if (n == 0)
    return 0;
  int i = (int)(p / 100.0 * (n - 1) + 0.5);
  return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s URL [REQUESTS [CONCURRENCY]]\n", argv[0]);
    return 2;
  }
  bench b = {.url = argv[1]};
  b.total = argc > 2 ? atoi(argv[2]) : 20000;
  int concurrency = argc > 3 ? atoi(argv[3]) : 64;
  if (b.total < 1 || concurrency < 1 || concurrency > 1024) {
    fprintf(stderr, "bench_http: REQUESTS must be >= 1 and CONCURRENCY in 1..1024\n");
    return 2;
  }
  b.latency_ms = calloc((size_t)b.total, sizeof *b.latency_ms);
  souk_config *cfg = souk_config_new();
  if (!b.latency_ms || !cfg) {
    fprintf(stderr, "bench_http: out of memory\n");
    return 1;
  }
  souk_http_options o;
  souk_http_options_from_config(&o, cfg);
  o.rate = 0;
  o.max_connections = concurrency;
  o.max_per_host = concurrency;
  o.retries = 0;
  o.max_body = 1 << 20;

  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_errinfo e;
  b.http = souk_http_new(&loop, &o, &e);
  souk_config_free(cfg);
  if (!b.http) {
    fprintf(stderr, "bench_http: %s\n", e.text);
    return 1;
  }
  b.t0 = uv_hrtime();
  for (int i = 0; i < concurrency && b.started < b.total; i++) {
    int rc = start_one(&b);
    if (rc != 0) {
      fprintf(stderr, "bench_http: %s: %s\n", b.url, souk_strerror(rc));
      return 1;
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    fprintf(stderr, "bench_http: a handle was left open\n");

  double seconds = (double)(b.t1 - b.t0) / 1e9;
  qsort(b.latency_ms, (size_t)b.done, sizeof *b.latency_ms, cmp_double);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("souk requests=%d ok=%d errors=%d seconds=%.3f rps=%.0f p50_ms=%.3f p99_ms=%.3f "
         "max_rss_kib=%ld\n",
         b.done, b.ok, b.errors, seconds, seconds > 0 ? b.done / seconds : 0,
         percentile(b.latency_ms, b.done, 50), percentile(b.latency_ms, b.done, 99),
         ru.ru_maxrss);
  if (b.errors)
    fprintf(stderr, "bench_http: %d errors; the first: %s\n", b.errors, b.first_error_text);
  free(b.latency_ms);
  return b.errors ? 1 : 0;
}
