/* SPDX-License-Identifier: MIT */
/* Fuzz target for the Shopify catalog decoder and the price parser (libFuzzer entry point;
 * replay.c runs it over the seed corpus under gcc).
 *
 * Each input is decoded as a products.json page (from an exact-size copy, so ASan sees any
 * read past the end), as a single-product document (in place, in a buffer whose padding is
 * garbage) and as a price string. Besides not crashing, the results must hold together, and must agree
 * with jansson, a strict validating parser: whatever the decoder accepts jansson accepts
 * (except numbers too large for jansson's types), and a document jansson accepts that has a
 * "products" array and nests at most SOUK_DECODE_MAX_DEPTH levels the decoder accepts too
 * (unless it holds a NUL byte: jansson 2.14 takes one after a number, JSON does not).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shopify/decode.h"
#include "souk/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...)                                      \
  do {                                                              \
    if (!(cond)) {                                                  \
      fprintf(stderr, "fuzz_shopify_decode: %s: ", #cond);          \
      fprintf(stderr, __VA_ARGS__);                                 \
      fprintf(stderr, "\n");                                        \
      abort();                                                      \
    }                                                               \
  } while (0)

static size_t touch(const char *s) {
  return s ? strlen(s) : 0;
}

/* Walks everything a page points to (ASan checks each byte) and checks the invariants. */
static void check_page(const souk_catalog_page *pg, int decimals) {
  size_t sum = 0;
  FUZZ_ASSERT(pg->nproducts == 0 || pg->products != NULL, "products missing");
  FUZZ_ASSERT((pg->skipped == 0) == (pg->skip_reason[0] == '\0'), "skip reason out of step");
  for (size_t i = 0; i < pg->nproducts; i++) {
    const souk_product *p = &pg->products[i];
    FUZZ_ASSERT(p->id > 0, "product id %lld", (long long)p->id);
    FUZZ_ASSERT(p->url == NULL, "url set");
    FUZZ_ASSERT(p->price_decimals == decimals, "decimals");
    FUZZ_ASSERT(p->noption_names <= 3, "%zu option names", p->noption_names);
    sum += touch(p->handle) + touch(p->title) + touch(p->vendor) + touch(p->product_type) +
           touch(p->body_html) + touch(p->created_at) + touch(p->updated_at) +
           touch(p->published_at);
    for (size_t j = 0; j < p->ntags; j++) {
      FUZZ_ASSERT(p->tags[j] != NULL, "NULL tag");
      sum += touch(p->tags[j]);
    }
    for (size_t j = 0; j < p->noption_names; j++) {
      FUZZ_ASSERT(p->option_names[j] != NULL, "NULL option name");
      sum += touch(p->option_names[j]);
    }
    for (size_t j = 0; j < p->nvariants; j++) {
      const souk_variant *v = &p->variants[j];
      FUZZ_ASSERT(v->id > 0, "variant id");
      FUZZ_ASSERT(v->price == SOUK_NO_PRICE || v->price >= 0, "negative price");
      FUZZ_ASSERT(v->compare_at_price == SOUK_NO_PRICE || v->compare_at_price >= 0,
                  "negative compare_at_price");
      FUZZ_ASSERT(v->available >= -1 && v->available <= 1, "available %d", v->available);
      sum += touch(v->title) + touch(v->sku) + touch(v->options[0]) + touch(v->options[1]) +
             touch(v->options[2]);
    }
    for (size_t j = 0; j < p->nimages; j++) {
      FUZZ_ASSERT(p->images[j].width >= 0 && p->images[j].height >= 0, "image size");
      sum += touch(p->images[j].src);
    }
  }
  (void)sum;
}

static int depth_of(const json_t *j) {
  int d = 0;
  if (json_is_object(j)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) {
      int c = depth_of(v);
      d = c > d ? c : d;
    }
    return d + 1;
  }
  if (json_is_array(j)) {
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
      int c = depth_of(v);
      d = c > d ? c : d;
    }
    return d + 1;
  }
  return 0;
}

/* Compares the decoder's verdict on a page with jansson's. */
static void differential(const uint8_t *data, size_t size, int rc, const souk_errinfo *e) {
  json_error_t jerr;
  json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
  if (rc == 0) {
    FUZZ_ASSERT(j || strstr(jerr.text, "too big") || strstr(jerr.text, "overflow"),
                "decoder accepted what jansson rejects: %s", jerr.text);
  } else if (rc == SOUK_EPARSE && j && !memchr(data, 0, size) && json_is_object(j) &&
             json_is_array(json_object_get(j, "products")) &&
             depth_of(j) <= SOUK_DECODE_MAX_DEPTH) {
    json_t *strict =
        json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    FUZZ_ASSERT(!strict, "decoder rejected a page jansson accepts: %s", e->text);
    json_decref(strict);
  }
  json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  souk_catalog_page pg;
  souk_errinfo e;

  /* A page, from a buffer of exactly `size` bytes: the decoder must make its padded copy. */
  char *exact = malloc(size ? size : 1);
  if (!exact)
    return 0;
  if (size)
    memcpy(exact, data, size);
  int rc = souk_shopify_decode_products(exact, size, size, 2, &pg, &e);
  if (rc == 0) {
    check_page(&pg, 2);
  } else {
    FUZZ_ASSERT(rc == SOUK_EPARSE, "rc %d (%s)", rc, e.text);
    FUZZ_ASSERT(e.code == rc && e.text[0], "no sentence");
    FUZZ_ASSERT(pg.nproducts == 0 && pg.products == NULL && pg.arena.head == NULL,
                "failed page not empty");
  }
  differential(data, size, rc, &e);
  souk_catalog_page_free(&pg);
  free(exact);

  /* A single product, in place in a buffer whose padding holds bytes that would change the
   * meaning of the document if they were parsed. */
  char *padded = malloc(size + SOUK_DECODE_PADDING);
  if (!padded)
    return 0;
  if (size)
    memcpy(padded, data, size);
  memset(padded + size, '"', SOUK_DECODE_PADDING);
  rc = souk_shopify_decode_product(padded, size, size + SOUK_DECODE_PADDING, 0, &pg, &e);
  if (rc == 0) {
    FUZZ_ASSERT(pg.nproducts == 1, "%zu products", pg.nproducts);
    check_page(&pg, 0);
  } else {
    FUZZ_ASSERT(rc == SOUK_EPARSE && e.text[0], "rc %d (%s)", rc, e.text);
  }
  souk_catalog_page_free(&pg);
  free(padded);

  /* A price: must agree with a slow reference that works on the digits as text. */
  int64_t minor = -1;
  int prc = souk_parse_price((const char *)data, size, 2, &minor);
  FUZZ_ASSERT(prc == 0 || prc == SOUK_EPARSE, "price rc %d", prc);
  if (prc == 0) {
    FUZZ_ASSERT(minor >= 0, "negative price");
    char back[32];
    snprintf(back, sizeof back, "%lld.%02lld", (long long)(minor / 100), (long long)(minor % 100));
    /* The input, with leading zeros and trailing fractional zeros dropped, must print back. */
    const char *s = (const char *)data;
    size_t n = size, i = 0;
    while (i + 1 < n && s[i] == '0' && s[i + 1] != '.')
      i++;
    const char *dot = memchr(s, '.', n);
    char norm[64];
    size_t int_len = (dot ? (size_t)(dot - s) : n) - i;
    if (int_len < 24) {
      size_t fl = dot ? n - (size_t)(dot - s) - 1 : 0;
      char frac[3] = {'0', '0', 0};
      for (size_t k = 0; k < fl && k < 2; k++)
        frac[k] = dot[1 + k];
      snprintf(norm, sizeof norm, "%.*s.%s", (int)int_len, s + i, frac);
      FUZZ_ASSERT(strcmp(norm, back) == 0, "price '%.*s' -> %lld", (int)(n > 40 ? 40 : n), s,
                  (long long)minor);
    }
  }
  return 0;
}
