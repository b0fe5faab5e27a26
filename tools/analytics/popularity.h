/* SPDX-License-Identifier: MIT */
/* Popularity from the user's own sales data: a CSV file with the columns `id,popularity`
 * (souk analyze --popularity-csv FILE) fills the popularity column of a metrics table.
 *
 * souk never invents popularity. With no signal the column stays all zeros ("none"), which
 * scales to 0 and contributes nothing to the score. The change-history signal ("history")
 * sets the column with souk_metrics_set_popularity().
 */
#ifndef SOUK_ANALYTICS_POPULARITY_H
#define SOUK_ANALYTICS_POPULARITY_H

#include <stddef.h>

#include "analytics/metrics.h"
#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest popularity file read. */
#define SOUK_POPULARITY_CSV_MAX ((size_t)1 << 30)

enum {
  /* Ids of the file that no product of the table has are counted instead of refused (a
   * sales export usually covers more than the products being analysed). */
  SOUK_POPULARITY_IGNORE_UNKNOWN = 1u << 0
};

typedef struct souk_popularity_stats {
  size_t rows;     /* data rows in the file */
  size_t matched;  /* table rows that received a value */
  size_t unknown;  /* ids of the file not in the table (with SOUK_POPULARITY_IGNORE_UNKNOWN) */
  size_t missing;  /* table rows whose id the file lacks: their popularity is 0 */
} souk_popularity_stats;

/* Reads `path` and sets the popularity of every row of t whose id it lists; rows it does not
 * list get 0 (counted as missing). The signal becomes "csv:<file name>".
 *
 * The format: RFC 4180 CSV (quotes optional, "" inside quotes, LF or CRLF, an optional UTF-8
 * BOM, blank lines ignored); a header row naming the columns `id` and `popularity` in any
 * order and case (other columns are ignored); ids are decimal integers, popularity values
 * finite decimal numbers.
 *
 * Returns 0, or with a sentence naming the file and line in e, and the table unchanged:
 *   SOUK_ENOENT / SOUK_EIO   the file cannot be read;   SOUK_ETOOBIG  larger than the maximum;
 *   SOUK_EPARSE   a missing column, a short row, an id or value that is not a number, NaN,
 *                 an infinity, an unterminated quote; SOUK_EEMPTY  no data rows;
 *   SOUK_EDUPLICATE  an id listed twice;  SOUK_ENOENT  an id no product has (see flags).
 * `st` (may be NULL) receives the counts. */
int souk_popularity_load_csv(souk_metrics *t, const char *path, unsigned flags,
                             souk_popularity_stats *st, souk_errinfo *e);

/* The same from bytes in memory; `name` is used in messages and in the signal. */
int souk_popularity_parse_csv(souk_metrics *t, const char *name, const char *data, size_t len,
                              unsigned flags, souk_popularity_stats *st, souk_errinfo *e);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_POPULARITY_H */
