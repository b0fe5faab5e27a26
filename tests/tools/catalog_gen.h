/* SPDX-License-Identifier: MIT */
/* A generator of realistic, reproducible Shopify-like catalogs for the analytics tests and the
 * benchmark: segments of products (basics, premium, clearance, content-rich) so that clusters
 * exist, descriptions in HTML with tags, entities and stray whitespace, products without
 * variants or descriptions, and exact duplicates of metric profiles (score ties).
 * The same products can be written as Shopify /products.json pages for the Python peer. */
#ifndef SOUK_TEST_CATALOG_GEN_H
#define SOUK_TEST_CATALOG_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "souk/product.h"

typedef struct catalog_gen {
  uint64_t seed;
  size_t next;      /* index of the next product */
  uint64_t state[4];
} catalog_gen;

void catalog_gen_init(catalog_gen *g, uint64_t seed);

/* Fills out[0..count) with the next products; every string and array lives in `arena`. */
void catalog_gen_batch(catalog_gen *g, souk_arena *arena, souk_product *out, size_t count);

/* Writes products as one {"products":[...]} object on one line (a page of a JSON Lines
 * file, or a whole /products.json body). Returns 0 or -1 on a write error. */
int catalog_write_page(FILE *f, const souk_product *p, size_t n);

#endif /* SOUK_TEST_CATALOG_GEN_H */
