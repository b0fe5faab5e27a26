/* SPDX-License-Identifier: MIT */
/* The fixture store: the Shopify storefront emulator (agents/shopify/storefront.h) served by
 * the test HTTP server on its own thread, on 127.0.0.1 and an ephemeral port, with an optional
 * delay per response (a slow store). Tests point souk at its URL. */
#ifndef SOUK_TEST_FIXTURE_STORE_H
#define SOUK_TEST_FIXTURE_STORE_H

#include <stdbool.h>

#include "shopify/storefront.h"
#include "httpd/server.h"

typedef struct souk_fixture_store souk_fixture_store;

/* Starts a store serving `o` (captures are paths; see souk_fixture_capture()). A failure
 * fails the test. `delay_ms` delays every response. */
souk_fixture_store *souk_fixture_store_start(const souk_storefront_options *o, unsigned delay_ms);
/* Ways a real store differs from the emulator's default, for the agent's edge cases. */
typedef struct souk_fixture_quirks {
  bool no_meta;                  /* /meta.json answers 404: no announced product count */
  unsigned slow_even_pages_ms;   /* /products.json's even pages answer this much later, so
                                    pages in flight come back out of order */
  bool ignores_page;             /* /products.json answers page 1 whatever ?page= asks */
} souk_fixture_quirks;

/* Applies `q` from now on. */
void souk_fixture_store_quirks(souk_fixture_store *fs, const souk_fixture_quirks *q);
/* Serves another catalog from now on, at the same URL (between crawls: a store that changed). */
void souk_fixture_store_swap(souk_fixture_store *fs, const souk_storefront_options *o);
/* "http://127.0.0.1:PORT" */
const char *souk_fixture_store_url(const souk_fixture_store *fs);
souk_httpd *souk_fixture_store_server(souk_fixture_store *fs);
void souk_fixture_store_stop(souk_fixture_store *fs);

/* The path of a capture in tests/fixtures/shopify ("annie-thompson_products_snapshot-a.json"),
 * in a static buffer (one of 4, rotating). */
const char *souk_fixture_capture(const char *name);

#endif /* SOUK_TEST_FIXTURE_STORE_H */
