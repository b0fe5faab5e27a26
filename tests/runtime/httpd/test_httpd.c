/* SPDX-License-Identifier: MIT */
/* The loopback HTTP server on its own: responses on one kept-alive connection keep working
 * whatever encoding came before (a chunked answer must not shrink the next one's room). */
#include <string.h>

#include "check.h"
#include "http/client.h"
#include "httpd/server.h"
#include "souk/error.h"

static void answer(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  (void)ud;
  if (strcmp(req->path, "/small-chunked") == 0) {
    souk_httpd_response_chunked(res);
    souk_httpd_response_body(res, "tiny", 4);
  } else if (strcmp(req->path, "/small-gzip") == 0) {
    souk_httpd_response_gzip(res);
    souk_httpd_response_body(res, "tiny", 4);
  } else {
    souk_httpd_response_fill(res, 200000);
  }
}

typedef struct run {
  uv_loop_t *loop;
  souk_http *client;
  souk_httpd *srv;
  const char *const *paths;
  int next, ok, reused;
  size_t bytes[8];
} run;

static void step(run *r);

static void done(souk_http_req *req, souk_http_response *res, void *ud) {
  (void)req;
  run *r = ud;
  CHECK_MSG(res->error == 0, "%s", res->error_text);
  CHECK_INT(res->status, ==, 200);
  r->bytes[r->next - 1] = res->bytes;
  r->ok++;
  r->reused += res->reused;
  step(r);
}

static void step(run *r) {
  if (!r->paths[r->next]) {
    souk_http_close(r->client);
    souk_httpd_close(r->srv);
    return;
  }
  char url[256];
  souk_httpd_url(r->srv, r->paths[r->next++], url, sizeof url);
  souk_http_request q = {.url = url};
  CHECK_INT(souk_http_start(r->client, &q, done, r, NULL), ==, 0);
}

TEST(encodings_on_one_connection) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_errinfo e = {0};
  souk_httpd_options so = {.loop = &loop, .max_response = 1 << 20};
  souk_httpd *srv = souk_httpd_new(&so, &e);
  CHECK(srv != NULL);
  CHECK_INT(souk_httpd_route(srv, "*", answer, NULL), ==, 0);
  CHECK_INT(souk_httpd_start(srv), ==, 0);
  souk_config *cfg = souk_config_new();
  souk_http_options ho;
  souk_http_options_from_config(&ho, cfg);
  ho.rate = 0;
  ho.max_per_host = 1;
  souk_http *client = souk_http_new(&loop, &ho, &e);
  CHECK(client != NULL);
  static const char *const paths[] = {"/small-chunked", "/big", "/small-gzip", "/big", NULL};
  run r = {.loop = &loop, .client = client, .srv = srv, .paths = paths};
  step(&r);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(r.ok, ==, 4);
  CHECK_INT(r.bytes[1], ==, 200000);
  CHECK_INT(r.bytes[3], ==, 200000);
  CHECK_INT(r.reused, ==, 3);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  souk_config_free(cfg);
  SAY("chunked, 200 kB, gzip, 200 kB on one kept-alive connection: all four whole");
}
