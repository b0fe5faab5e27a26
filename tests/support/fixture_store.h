/* SPDX-License-Identifier: MIT */
/* The fixture store: the Shopify storefront emulator (agents/shopify/storefront.h) served by
 * the test HTTP server on its own thread, on 127.0.0.1 and an ephemeral port, with an optional
 * delay per response (a slow store). Tests point souk at its URL. */
#ifndef SOUK_TEST_FIXTURE_STORE_H
#define SOUK_TEST_FIXTURE_STORE_H

#include "shopify/storefront.h"
#include "httpd/server.h"

typedef struct souk_fixture_store souk_fixture_store;

/* Starts a store serving `o` (captures are paths; see souk_fixture_capture()). A failure
 * fails the test. `delay_ms` delays every response. */
souk_fixture_store *souk_fixture_store_start(const souk_storefront_options *o, unsigned delay_ms);
/* From now on, /products.json's even pages answer `ms` later than the others, so that pages
 * in flight come back out of order. */
void souk_fixture_store_slow_even_pages(souk_fixture_store *fs, unsigned ms);
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
