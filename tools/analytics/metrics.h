/* SPDX-License-Identifier: MIT */
/* The metrics table: one row per product with its id, store and title and the six raw metrics
 * the analytics score, stored column by column (structure of arrays) for millions of rows.
 *
 * Built row by row, from souk_product records (souk_metrics_add_product) or from ready values
 * (souk_metrics_add_row); the popularity column is filled afterwards from a real signal (see
 * popularity.h) or left absent, in which case it is constant and contributes nothing.
 * The definitions of the metrics are in docs/scoring.md. A table is owned by one thread at a
 * time; once built, any number of threads may read it.
 */
#ifndef SOUK_ANALYTICS_METRICS_H
#define SOUK_ANALYTICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/errinfo.h"
#include "souk/product.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The six metrics, in the order of the score's terms w1..w6 (docs/scoring.md). */
typedef enum souk_metric {
  SOUK_METRIC_AVAILABLE_RATIO = 0,
  SOUK_METRIC_NUM_TAGS,
  SOUK_METRIC_AVG_PRICE,
  SOUK_METRIC_NUM_IMAGES,
  SOUK_METRIC_DESCRIPTION_LENGTH,
  SOUK_METRIC_POPULARITY,
  SOUK_METRIC_COUNT
} souk_metric;

/* "available_ratio", "num_tags", "avg_price", "num_images", "description_length",
 * "popularity_score"; NULL for a value out of range. */
const char *souk_metric_name(int m);
/* The metric called `name`, or -1. */
int souk_metric_find(const char *name);

/* The most rows a table accepts unless told otherwise. */
#define SOUK_METRICS_DEFAULT_MAX_ROWS ((size_t)100 * 1000 * 1000)

enum {
  /* Titles and store names passed in are kept as pointers instead of copied: the caller
   * keeps them alive as long as the table. */
  SOUK_METRICS_BORROW_STRINGS = 1u << 0
};

typedef struct souk_metrics souk_metrics;

/* A new empty table with room for `capacity` rows (a hint; 0 is fine) and at most
 * `max_rows` rows (0: SOUK_METRICS_DEFAULT_MAX_ROWS). NULL with a sentence in e when out of
 * memory. */
souk_metrics *souk_metrics_new(size_t capacity, size_t max_rows, unsigned flags, souk_errinfo *e);
void souk_metrics_free(souk_metrics *t);

/* The first five metrics of one product (popularity is not a property of the product and is
 * set to 0 here). Returns 0, or SOUK_EINVAL when price_decimals is outside 0..18. */
int souk_product_metrics(const souk_product *p, double out[SOUK_METRIC_COUNT]);

/* Appends a product of `store` (a name or URL; NULL is ""). Its popularity starts at 0.
 * Returns 0, or SOUK_EINVAL (bad price_decimals), SOUK_ELIMIT (max_rows reached) or
 * SOUK_ENOMEM, with a sentence in e; the table is then unchanged. */
int souk_metrics_add_product(souk_metrics *t, const char *store, const souk_product *p,
                             souk_errinfo *e);

/* Appends a row from ready values in souk_metric order. Every value must be finite: NaN or
 * an infinity is SOUK_EINVAL naming the metric and the id. Same errors as above otherwise. */
int souk_metrics_add_row(souk_metrics *t, const char *store, int64_t id, const char *title,
                         const double values[SOUK_METRIC_COUNT], souk_errinfo *e);

size_t souk_metrics_count(const souk_metrics *t);

/* Column m (n values, row order); valid until the table changes. */
const double *souk_metrics_column(const souk_metrics *t, souk_metric m);
const int64_t *souk_metrics_ids(const souk_metrics *t);
const char *souk_metrics_title(const souk_metrics *t, size_t row); /* never NULL */

/* Stores: each distinct store name gets an index in order of first appearance. */
size_t souk_metrics_store_count(const souk_metrics *t);
const char *souk_metrics_store_name(const souk_metrics *t, size_t store_index);
const uint32_t *souk_metrics_store_indexes(const souk_metrics *t); /* one per row */
const char *souk_metrics_store(const souk_metrics *t, size_t row);

/* ---- popularity: a real signal or none ---------------------------------------------------- */

/* Sets the popularity of one row. The value must be finite (SOUK_EINVAL otherwise, and for a
 * row out of range). Say where the values came from with souk_metrics_set_popularity_signal. */
int souk_metrics_set_popularity(souk_metrics *t, size_t row, double value, souk_errinfo *e);

/* Names the popularity signal every result reports: "none" (the default: the column is all
 * zeros), "csv:<file>" (set by souk_popularity_load_csv), "history" (observed sell-outs).
 * Returns 0, or SOUK_EINVAL for an empty or overlong (> 255 bytes) name. */
int souk_metrics_set_popularity_signal(souk_metrics *t, const char *signal, souk_errinfo *e);
const char *souk_metrics_popularity_signal(const souk_metrics *t);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_METRICS_H */
