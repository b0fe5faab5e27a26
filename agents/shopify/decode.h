/* SPDX-License-Identifier: MIT */
/* Decoding Shopify catalog JSON (/products.json pages, /products/<handle>.json) straight into
 * souk_product records with simdjson's On-Demand API, without building a DOM.
 *
 * Pure functions of their input: no I/O, no globals, safe to call from any thread and to fuzz.
 * Everything a decoded page points to lives in its arena until souk_catalog_page_free().
 */
#ifndef SOUK_SHOPIFY_DECODE_H
#define SOUK_SHOPIFY_DECODE_H

#include <stddef.h>

#include "core/arena.h"
#include "core/errinfo.h"
#include "souk/product.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes simdjson may read past the end of the input; a caller whose buffer has this much
 * spare capacity saves the decoder a copy. */
#define SOUK_DECODE_PADDING 64

typedef struct souk_catalog_page {
  souk_product *products;
  size_t nproducts;
  size_t skipped;        /* products dropped as malformed (no id, wrong types) */
  size_t bad_prices;     /* variant prices that were not exact decimals; left SOUK_NO_PRICE */
  souk_arena arena;      /* owns products and every string and array they point to */
} souk_catalog_page;

/* Decodes {"products":[...]}. `capacity` is the size of the buffer holding json (>= len);
 * with capacity >= len + SOUK_DECODE_PADDING no copy is made. `price_decimals` is the
 * currency's minor-unit digits (2 for most). Returns 0, or SOUK_EPARSE (not JSON, or no
 * "products" array) / SOUK_ENOMEM with a sentence in e; *page is then empty. A product with
 * a bad field is skipped and counted, never fatal to the page. */
int souk_shopify_decode_products(const char *json, size_t len, size_t capacity,
                                 int price_decimals, souk_catalog_page *page, souk_errinfo *e);

/* Decodes {"product":{...}} (one product page's .json) into a page of one product. */
int souk_shopify_decode_product(const char *json, size_t len, size_t capacity,
                                int price_decimals, souk_catalog_page *page, souk_errinfo *e);

void souk_catalog_page_free(souk_catalog_page *page);

/* Parses a decimal price string ("19.99", "20", "1.250") exactly into minor units with
 * `decimals` digits. Extra fractional digits must be zeros. Returns 0 or SOUK_EPARSE. */
int souk_parse_price(const char *s, size_t len, int decimals, int64_t *minor);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_SHOPIFY_DECODE_H */
