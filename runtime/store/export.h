/* SPDX-License-Identifier: MIT */
/* Exports of the store as CSV files (RFC 4180): one row per product with its aggregated
 * fields (or one per variant), and the analysis-ready table of the outputs directory.
 * Files are written under a temporary name and renamed: a reader never sees half a file. */
#ifndef SOUK_STORE_EXPORT_H
#define SOUK_STORE_EXPORT_H

#include <stdbool.h>

#include "core/errinfo.h"
#include "store/store.h"

typedef struct souk_export_options {
  const souk_query *filter;    /* which products (NULL: all listed) */
  bool variants;               /* one row per variant in the data export */
  const char *data_dir;        /* data/<platform>_products.csv */
  const char *output_dir;      /* outputs/products_from_store.csv; NULL: skip */
} souk_export_options;

typedef struct souk_export_result {
  char data_path[4096];
  char output_path[4096];
  unsigned long long products, rows;
} souk_export_result;

int souk_export_csv(souk_store *s, const souk_export_options *o, souk_export_result *res,
                    souk_errinfo *e);

/* mkdir -p; 0 or SOUK_EIO with e filled. */
int souk_mkdirs(const char *dir, souk_errinfo *e);

#endif /* SOUK_STORE_EXPORT_H */
