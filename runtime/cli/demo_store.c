/* SPDX-License-Identifier: MIT */
/* Serving the bundled captures on loopback: one storefront emulator and one httpd per store. */
#include "cli/demo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "httpd/server.h"
#include "shopify/storefront.h"
#include "shopify/storefront_httpd.h"
#include "souk/error.h"

/* The captures and what the demo calls them (sources: tests/fixtures/SOURCES.md). */
static const struct {
  const char *file, *name, *currency;
} demo_stores[] = {
    {"annie-thompson_products_snapshot-a.json", "Annie Thompson (demo capture)", "CAD"},
    {"soulandmore-eg_products_page1.json", "Soul & More (demo capture)", "EGP"},
};

#define NDEMO (sizeof demo_stores / sizeof *demo_stores)

struct souk_demo {
  size_t n;
  struct {
    souk_storefront *sf;
    souk_httpd *srv;
    char url[64];
  } s[SOUK_DEMO_MAX_STORES];
};

const char *souk_demo_dir(souk_errinfo *e) {
  static char found[4096];
  const char *candidates[] = {getenv("SOUK_DEMO_DIR"), SOUK_DEMO_SOURCE_DIR, SOUK_DEMO_INSTALL_DIR};
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
    if (!candidates[i] || !*candidates[i])
      continue;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/%s", candidates[i], demo_stores[0].file);
    if (access(probe, R_OK) == 0) {
      snprintf(found, sizeof found, "%s", candidates[i]);
      return found;
    }
  }
  souk_errinfo_set(e, SOUK_ENOENT,
                   "the demo store captures are not installed (looked in %s and %s; set "
                   "SOUK_DEMO_DIR to their folder)",
                   SOUK_DEMO_SOURCE_DIR, SOUK_DEMO_INSTALL_DIR);
  return NULL;
}

souk_demo *souk_demo_start(uv_loop_t *loop, int port, souk_errinfo *e) {
  const char *dir = souk_demo_dir(e);
  if (!dir)
    return NULL;
  souk_demo *d = calloc(1, sizeof *d);
  if (!d) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < NDEMO && i < SOUK_DEMO_MAX_STORES; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, demo_stores[i].file);
    const char *caps[] = {path};
    souk_storefront_options so = {.captures = caps, .ncaptures = 1, .name = demo_stores[i].name,
                                  .currency = demo_stores[i].currency};
    d->s[i].sf = souk_storefront_new(&so, e);
    if (!d->s[i].sf)
      break;
    souk_httpd_options ho = {.loop = loop};
    d->s[i].srv = souk_httpd_new(&ho, e);
    if (!d->s[i].srv)
      break;
    d->n = i + 1;
    int bound = 0;
    if (souk_httpd_route(d->s[i].srv, "*", souk_storefront_httpd_handler, d->s[i].sf) != 0 ||
        souk_httpd_listen(d->s[i].srv, "127.0.0.1", port ? port + (int)i : 0, &bound) != 0 ||
        souk_httpd_start(d->s[i].srv) != 0) {
      souk_errinfo_set(e, SOUK_EIO, "the demo store cannot listen on 127.0.0.1:%d", port ? port + (int)i : 0);
      break;
    }
    snprintf(d->s[i].url, sizeof d->s[i].url, "http://127.0.0.1:%d", bound);
    souk_storefront_set_origin(d->s[i].sf, d->s[i].url);
    SOUK_DEBUG(CLI, "demo store %s at %s", demo_stores[i].name, d->s[i].url);
  }
  if (d->n < NDEMO || !d->s[d->n - 1].url[0]) {
    souk_demo_stop(d);
    if (e && !e->code)
      souk_errinfo_set(e, SOUK_EIO, "the demo stores could not start");
    return NULL;
  }
  return d;
}

size_t souk_demo_count(const souk_demo *d) { return d->n; }
const char *souk_demo_url(const souk_demo *d, size_t i) { return i < d->n ? d->s[i].url : NULL; }
const char *souk_demo_name(const souk_demo *d, size_t i) {
  return i < d->n ? demo_stores[i].name : NULL;
}

void souk_demo_stop(souk_demo *d) {
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++) {
    if (d->s[i].srv)
      souk_httpd_close(d->s[i].srv);
    /* The storefront is read only by handlers; the server is closed, none will run again. */
    souk_storefront_free(d->s[i].sf);
  }
  free(d);
}
