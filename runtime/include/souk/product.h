/* SPDX-License-Identifier: MIT */
/* The platform-agnostic product model that platform agents fill and the store keeps
 * (docs/data-model.md). Part of the agent ABI: fields are only ever appended.
 *
 * Everything here is borrowed: an agent builds products in its own memory and hands them to
 * the host, which copies what it keeps before the call returns.
 */
#ifndef SOUK_PRODUCT_H
#define SOUK_PRODUCT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Money is an integer count of the currency's minor units (cents): 19.99 EUR is 1999.
 * Prices arrive as decimal strings and are parsed exactly, never through a float. */
#define SOUK_NO_PRICE INT64_MIN

typedef struct souk_variant {
  int64_t id;
  const char *title;            /* "S / Black"; may be NULL */
  const char *sku;              /* may be NULL or "" */
  const char *options[3];       /* option1..option3 values; NULL when absent */
  int64_t price;                /* minor units; SOUK_NO_PRICE when the feed had none */
  int64_t compare_at_price;     /* minor units; SOUK_NO_PRICE when not on sale */
  int available;                /* 1 in stock, 0 sold out, -1 unknown */
} souk_variant;

typedef struct souk_image {
  const char *src;
  int width, height;            /* 0 when unknown */
} souk_image;

typedef struct souk_product {
  int64_t id;                   /* the platform's product id */
  const char *handle;           /* URL slug */
  const char *url;              /* absolute product page URL; NULL lets the host derive it */
  const char *title;
  const char *vendor;
  const char *product_type;
  const char *const *tags;
  size_t ntags;
  const char *body_html;
  const char *created_at;       /* ISO 8601 as the platform sent it; NULL when absent */
  const char *updated_at;
  const char *published_at;
  const char *const *option_names; /* "Size", "Color"; at most 3 */
  size_t noption_names;
  const souk_variant *variants;
  size_t nvariants;
  const souk_image *images;
  size_t nimages;
  int price_decimals;           /* digits of the minor unit (2 for most currencies) */
} souk_product;

#ifdef __cplusplus
}
#endif
#endif /* SOUK_PRODUCT_H */
