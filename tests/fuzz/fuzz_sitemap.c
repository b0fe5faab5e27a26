/* SPDX-License-Identifier: MIT */
/* Fuzz target for the sitemap reader: <loc> extraction with entity decoding, and product
 * handles from URLs (libFuzzer entry point; replay.c runs it over the seed corpus under gcc).
 * Each input is read from an exact-size copy, so ASan sees any read past its end; every value
 * handed out must be a NUL-terminated string of at most 2048 bytes, and a handle must be one
 * path segment. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shopify/sitemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_loc(const char *loc, void *ud) {
  size_t *count = ud;
  size_t n = strlen(loc);
  if (n == 0 || n > 2048 * 4)
    abort();
  char handle[512];
  if (souk_sitemap_product_handle(loc, handle, sizeof handle) == 0) {
    size_t h = strlen(handle);
    if (h == 0 || h >= sizeof handle || strchr(handle, '/') || strchr(handle, '?') ||
        strcmp(handle, "..") == 0)
      abort();
  }
  (*count)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  size_t seen = 0;
  size_t found = souk_sitemap_locs(copy, size, check_loc, &seen);
  if (found != seen)
    abort();
  /* The input as one URL too. */
  char *url = malloc(size + 1);
  if (url) {
    memcpy(url, data, size);
    url[size] = '\0';
    char handle[64];
    (void)souk_sitemap_product_handle(url, handle, sizeof handle);
    free(url);
  }
  free(copy);
  return 0;
}
