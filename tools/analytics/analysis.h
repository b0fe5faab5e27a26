/* SPDX-License-Identifier: MIT */
/* The analysis pipeline over a metrics table: min-max scaling, weighted score and each term's
 * contribution, top-K, Pearson correlation of the raw metrics, PCA and K-Means of the scaled
 * ones, with a silhouette and an elbow curve to help choose k.
 *
 * This is what `souk analyze`, `souk run` and the MCP analytics tools call. The caller builds
 * the table (per store, across stores, or of a filtered subset: whatever rows it holds are
 * analysed together) and reads or writes the result with report.h and charts.h.
 * Definitions: docs/scoring.md. The result borrows the table: keep the table alive and
 * unchanged while the result is used. Not thread-safe; K-Means uses its own threads.
 */
#ifndef SOUK_ANALYTICS_ANALYSIS_H
#define SOUK_ANALYTICS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/kmeans.h"
#include "analytics/metrics.h"
#include "analytics/pca.h"
#include "analytics/scoring.h"
#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct souk_analysis_options {
  double weights[SOUK_METRIC_COUNT]; /* w1..w6; default souk_default_weights */
  size_t top_k;              /* default 20; at least 1; more than the products lists them all */
  int clusters;              /* K-Means k, default 4; 0 skips clustering; more than the
                                distinct products is reduced to their number (noted) */
  int restarts;              /* default 10 */
  int max_iter;              /* default 300 */
  double tol;                /* default 1e-4 (relative to the mean column variance) */
  uint64_t seed;             /* default 0 */
  int threads;               /* default 0: one per CPU */
  size_t silhouette_sample;  /* rows the silhouette is computed on, default 4000; 0 skips it */
  int elbow_max_k;           /* elbow curve for k = 1..this, default 8; 0 skips it */
  int elbow_restarts;        /* default 3 */
  size_t elbow_sample;       /* rows the elbow curve is computed on, default 100000 */
} souk_analysis_options;

void souk_analysis_options_default(souk_analysis_options *o);

/* Milliseconds spent in each stage. */
typedef struct souk_analysis_timing {
  double scale_score_ms, topk_ms, correlation_ms, pca_ms, kmeans_ms, quality_ms;
} souk_analysis_timing;

typedef struct souk_analysis {
  const souk_metrics *table;       /* borrowed */
  size_t n;                        /* products analysed */
  souk_analysis_options options;   /* as used */
  char popularity[256];            /* the signal: "none", "csv:<file>", "history" */
  souk_scaler scaler;
  double *scaled[SOUK_METRIC_COUNT]; /* n values each, in [0, 1] */
  double *score;                   /* n */
  size_t *top;                     /* rows of the top-K, best first */
  size_t ntop;
  double correlation[SOUK_METRIC_COUNT * SOUK_METRIC_COUNT]; /* raw metrics; NaN undefined */
  souk_pca pca;                    /* of the scaled metrics */
  int clusters_requested;
  int clusters;                    /* k used; 0 when clustering was skipped */
  char clusters_note[200];         /* why k differs from the request, or "" */
  souk_kmeans_result kmeans;       /* valid when clusters > 0 */
  double silhouette;               /* NaN when not computed or undefined */
  size_t silhouette_rows;
  int elbow_n;                     /* points of the elbow curve: k = 1..elbow_n */
  double elbow_inertia[SOUK_KMEANS_MAX_K];
  size_t elbow_rows;
  souk_analysis_timing timing;
} souk_analysis;

/* Runs the pipeline on every row of t. NULL with a sentence in e on failure:
 * SOUK_EEMPTY (no products), SOUK_EINVAL (weights, options, a value that is not finite),
 * SOUK_ENOMEM. One product, constant columns and k above the product count give defined
 * results (docs/scoring.md, "Edge cases"). */
souk_analysis *souk_analysis_run(const souk_metrics *t, const souk_analysis_options *o,
                                 souk_errinfo *e);
void souk_analysis_free(souk_analysis *a);

/* What metric m adds to the score of row `row`. */
double souk_analysis_contribution(const souk_analysis *a, size_t row, int m);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_ANALYSIS_H */
