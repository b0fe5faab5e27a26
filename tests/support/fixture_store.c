/* SPDX-License-Identifier: MIT */
/* The fixture store: the storefront emulator behind the test HTTP server. */
#include "fixture_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "shopify/storefront_httpd.h"

struct souk_fixture_store {
  pthread_mutex_t lock;        /* the server thread answers, the test swaps catalogs */
  souk_storefront *sf;
  souk_httpd *srv;
  unsigned delay_ms;
  unsigned slow_even_ms;        /* extra delay of /products.json's even pages */
  char url[64];
};

static void handle(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  souk_fixture_store *fs = ud;
  pthread_mutex_lock(&fs->lock);
  souk_storefront_httpd_answer(fs->sf, req, res);
  unsigned delay = fs->delay_ms;
  if (fs->slow_even_ms && strcmp(req->path, "/products.json") == 0 &&
      souk_storefront_param(req->query, "page", 1) % 2 == 0)
    delay += fs->slow_even_ms;
  pthread_mutex_unlock(&fs->lock);
  if (delay)
    souk_httpd_response_delay(res, delay);
}

souk_fixture_store *souk_fixture_store_start(const souk_storefront_options *o, unsigned delay_ms) {
  souk_fixture_store *fs = calloc(1, sizeof *fs);
  CHECK(fs != NULL);
  souk_errinfo e = {0};
  pthread_mutex_init(&fs->lock, NULL);
  fs->sf = souk_storefront_new(o, &e);
  CHECK_MSG(fs->sf != NULL, "fixture store: %s", e.text);
  fs->delay_ms = delay_ms;
  souk_httpd_options so = {.loop = NULL, .max_response = 256u << 20};
  fs->srv = souk_httpd_new(&so, &e);
  CHECK_MSG(fs->srv != NULL, "fixture store server: %s", e.text);
  CHECK_INT(souk_httpd_route(fs->srv, "*", handle, fs), ==, 0);
  int port = 0;
  CHECK_INT(souk_httpd_listen(fs->srv, "127.0.0.1", 0, &port), ==, 0);
  snprintf(fs->url, sizeof fs->url, "http://127.0.0.1:%d", port);
  souk_storefront_set_origin(fs->sf, fs->url);
  CHECK_INT(souk_httpd_start(fs->srv), ==, 0);
  return fs;
}

void souk_fixture_store_swap(souk_fixture_store *fs, const souk_storefront_options *o) {
  souk_errinfo e = {0};
  souk_storefront *sf = souk_storefront_new(o, &e);
  CHECK_MSG(sf != NULL, "fixture store: %s", e.text);
  souk_storefront_set_origin(sf, fs->url);
  pthread_mutex_lock(&fs->lock);
  souk_storefront *old = fs->sf;
  fs->sf = sf;
  pthread_mutex_unlock(&fs->lock);
  souk_storefront_free(old);
}

void souk_fixture_store_slow_even_pages(souk_fixture_store *fs, unsigned ms) {
  pthread_mutex_lock(&fs->lock);
  fs->slow_even_ms = ms;
  pthread_mutex_unlock(&fs->lock);
}

const char *souk_fixture_store_url(const souk_fixture_store *fs) { return fs->url; }
souk_httpd *souk_fixture_store_server(souk_fixture_store *fs) { return fs->srv; }

void souk_fixture_store_stop(souk_fixture_store *fs) {
  if (!fs)
    return;
  CHECK_INT(souk_httpd_close(fs->srv), ==, 0);
  souk_storefront_free(fs->sf);
  pthread_mutex_destroy(&fs->lock);
  free(fs);
}

const char *souk_fixture_capture(const char *name) {
  static char paths[4][4096];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 4096, "%s/fixtures/shopify/%s", souk_test_source_dir(), name);
  return p;
}
