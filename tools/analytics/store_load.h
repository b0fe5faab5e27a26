/* SPDX-License-Identifier: MIT */
/* Loading a metrics table from the product store: the products a query selects (per store,
 * across stores, or a filtered subset), their five product metrics from the stored summary
 * (no JSON decoding: a column scan), and popularity from a real signal — the user's CSV, or the
 * observed demand in the change history — or none. */
#ifndef SOUK_ANALYTICS_STORE_LOAD_H
#define SOUK_ANALYTICS_STORE_LOAD_H

#include "analytics/metrics.h"
#include "core/errinfo.h"
#include "store/store.h"

typedef enum souk_popularity_source {
  SOUK_POPULARITY_AUTO = 0,    /* the CSV when given, else history when it has data, else none */
  SOUK_POPULARITY_NONE,
  SOUK_POPULARITY_CSV,
  SOUK_POPULARITY_HISTORY
} souk_popularity_source;

typedef struct souk_store_load_options {
  const souk_query *filter;    /* NULL: every listed product */
  const char *const *stores;   /* with nstores > 0: these stores only (the filter's store is
                                  replaced by each in turn), analysed together */
  size_t nstores;
  souk_popularity_source popularity;
  const char *popularity_csv;  /* for CSV (and AUTO) */
} souk_store_load_options;

typedef struct souk_store_load_info {
  size_t products, stores;
  char popularity[300];        /* what was used, in words, for the reports */
  size_t sellouts;             /* history: sell-out events counted */
  double window_days;          /* history: the tracked window */
} souk_store_load_info;

/* Builds a new table (free it with souk_metrics_free). NULL with a sentence in e:
 * SOUK_EEMPTY when the filter selects nothing, SOUK_ESTORE, or a popularity CSV error. */
souk_metrics *souk_metrics_from_store(souk_store *s, const souk_store_load_options *o,
                                      souk_store_load_info *info, souk_errinfo *e);

#endif /* SOUK_ANALYTICS_STORE_LOAD_H */
