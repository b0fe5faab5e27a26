/* SPDX-License-Identifier: MIT */
/* Decoding Shopify catalog JSON (/products.json pages, /products/<handle>.json) straight into
 * souk_product records with simdjson's On-Demand API, without building a DOM.
 *
 * Pure functions of their input: no I/O, no globals, safe to call from any thread and to fuzz.
 * Everything a decoded page points to lives in its arena until souk_catalog_page_free().
 *
 * What is read: product id, handle, title, vendor, product_type, tags (an array of strings on
 * /products.json, a comma-separated string on /products/<handle>.json), body_html,
 * created_at, updated_at, published_at, options[].name (first 3), variants[] {id, title, sku,
 * option1..3, price, compare_at_price, available} and images[] {src, width, height}. Other
 * fields are ignored, but still checked to be well-formed JSON. `url` is left NULL. null is
 * read as absent everywhere (a NULL string, no price, unknown stock, an empty array).
 *
 * A product whose fields have the wrong JSON type (a title that is an object, an id that is
 * not a positive 64-bit integer, a variant without an id, ...) is skipped and counted; the
 * rest of the page is kept. A document that is not well-formed JSON (truncated, not UTF-8,
 * nested deeper than SOUK_DECODE_MAX_DEPTH, trailing bytes, ...) fails as a whole with
 * SOUK_EPARSE.
 */
#ifndef SOUK_SHOPIFY_DECODE_H
#define SOUK_SHOPIFY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "core/arena.h"
#include "core/errinfo.h"
#include "souk/product.h"

/* Bytes simdjson may read past the end of the input; a caller whose buffer has this much
 * spare capacity saves the decoder a copy. (Equal to SIMDJSON_PADDING; checked at build.) */
#define SOUK_DECODE_PADDING 64

/* Deepest nesting of arrays and objects accepted anywhere in a document; Shopify's own
 * documents stay below 8. */
#define SOUK_DECODE_MAX_DEPTH 64

typedef struct souk_catalog_page {
  souk_product *products;
  size_t nproducts;
  size_t skipped;        /* products dropped as malformed (no id, wrong types) */
  size_t bad_prices;     /* prices (price or compare_at_price) of kept variants that were not
                            exact decimals; left SOUK_NO_PRICE */
  char skip_reason[160]; /* why the first skipped product was dropped; "" when none */
  souk_arena arena;      /* owns products and every string and array they point to */
} souk_catalog_page;

/* Decodes {"products":[...]}. `capacity` is the size of the buffer holding json (>= len);
 * with capacity >= len + SOUK_DECODE_PADDING no copy is made (the padding bytes are read,
 * never written, and may hold anything). `price_decimals` is the currency's minor-unit
 * digits (0..18; 2 for most). Returns 0, or SOUK_EPARSE (not JSON, or no "products" array) /
 * SOUK_ENOMEM / SOUK_EINVAL (NULL arguments, capacity < len, bad price_decimals) with a
 * sentence in e; *page is then empty (and safe to free). A product with a bad field is
 * skipped and counted, never fatal to the page. */
int souk_shopify_decode_products(const char *json, size_t len, size_t capacity,
                                 int price_decimals, souk_catalog_page *page, souk_errinfo *e);

/* Decodes {"product":{...}} (one product page's .json) into a page of one product. Here a
 * malformed product is SOUK_EPARSE with the reason in e, since nothing else would be left. */
int souk_shopify_decode_product(const char *json, size_t len, size_t capacity,
                                int price_decimals, souk_catalog_page *page, souk_errinfo *e);

/* Releases the arena and empties the page. Safe on a page that failed to decode, and twice. */
void souk_catalog_page_free(souk_catalog_page *page);

/* Parses a decimal price string ("19.99", "20", "1.250") exactly into minor units with
 * `decimals` digits (0..18), never through a float: "19.9" is 1990 with 2 decimals. Accepted:
 * digits, optionally a '.' and at least one more digit. Rejected with SOUK_EPARSE: an empty
 * string, signs, spaces, exponents, thousands separators, extra fractional digits that are
 * not zeros ("1.005" with 2 decimals), and values above INT64_MAX minor units. SOUK_EINVAL
 * for NULL pointers or decimals out of range. *minor is only written on success. */
int souk_parse_price(const char *s, size_t len, int decimals, int64_t *minor);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_SHOPIFY_DECODE_H */
