/* SPDX-License-Identifier: MIT */
/* A Shopify storefront emulator: the public catalog endpoints of a store, answered from real
 * storefront captures with the real endpoint's behaviour — /products.json paging (limit
 * default 30, at most 250, an empty page past the end, HTTP 400 past page * limit = 25,000),
 * /meta.json, /collections.json and each collection's products, /sitemap.xml and the product
 * sitemaps, /products/<handle>.json, and the ways real stores refuse: a password page, a
 * disabled feed (404 or HTML with status 200), 429 bursts without Retry-After, a site that is
 * not a store at all.
 *
 * It is a function from a request to a response, with no I/O of its own: `souk run` serves it
 * on loopback as its demo store, and the tests serve it as their fixture store. The captures'
 * sources are in tests/fixtures/SOURCES.md. Not thread-safe: one server thread calls it.
 */
#ifndef SOUK_SHOPIFY_STOREFRONT_H
#define SOUK_SHOPIFY_STOREFRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/errinfo.h"

typedef enum souk_storefront_mode {
  SOUK_STOREFRONT_OPEN = 0,      /* a normal public store */
  SOUK_STOREFRONT_PASSWORD,      /* every page redirects (302) to /password */
  SOUK_STOREFRONT_FEED_404,      /* /products.json answers 404; sitemaps and product pages work */
  SOUK_STOREFRONT_FEED_HTML,     /* /products.json answers 200 with an HTML page */
  SOUK_STOREFRONT_NOT_A_STORE    /* a web site: HTML at /, 404 for everything else */
} souk_storefront_mode;

typedef struct souk_storefront_options {
  const char *const *captures;   /* products.json files; their products make the catalog */
  size_t ncaptures;
  unsigned copies;               /* the catalog repeated this many times with new ids (>= 1) */
  const char *name;              /* shop name for /meta.json */
  const char *currency;          /* ISO 4217 code for /meta.json; NULL: no currency */
  souk_storefront_mode mode;
  unsigned burst_every;          /* every Nth request answers 429 without Retry-After; 0: never */
  unsigned sitemap_size;         /* products per product sitemap; 0: 2500 */
  bool no_meta;                  /* /meta.json answers 404: no announced product count */
  bool ignores_page;             /* /products.json answers page 1 whatever ?page= asks */
} souk_storefront_options;

typedef struct souk_storefront souk_storefront;

/* The integer value of a query parameter ("page" in "limit=250&page=2"), or `def` when absent
 * or not a number. */
long souk_storefront_param(const char *query, const char *name, long def);

typedef struct souk_storefront_response {
  int status;
  const char *content_type;
  const char *location;          /* for a redirect, else NULL */
  char *body;                    /* malloc'd; the caller frees it */
  size_t body_len;
} souk_storefront_response;

/* Loads the captures. NULL on a file that cannot be read or is not {"products": [...]}. */
souk_storefront *souk_storefront_new(const souk_storefront_options *o, souk_errinfo *e);
void souk_storefront_free(souk_storefront *sf);

/* The origin the store is served from ("http://127.0.0.1:8080"), for absolute sitemap URLs. */
void souk_storefront_set_origin(souk_storefront *sf, const char *origin);

/* Answers one request. `query` is the raw query string without '?' ("" when none).
 * Returns 0, or SOUK_ENOMEM. */
int souk_storefront_handle(souk_storefront *sf, const char *method, const char *path,
                           const char *query, souk_storefront_response *res);

/* Products in the catalog, and requests answered so far. */
size_t souk_storefront_products(const souk_storefront *sf);
unsigned souk_storefront_requests(const souk_storefront *sf);

#endif /* SOUK_SHOPIFY_STOREFRONT_H */
