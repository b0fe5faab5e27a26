/* SPDX-License-Identifier: MIT */
/* The analysis charts, drawn with cairo as PNG and SVG: heatmap_correlation (the Pearson
 * matrix), pca_clusters (products on the first two principal components, coloured by
 * cluster), pca_topk (the same plane with the top-K marked) and score_distribution (a
 * histogram of the scores with the top-K cut-off). Scatter plots draw at most
 * SOUK_CHART_MAX_POINTS products (an even sample, said in the subtitle) plus every top-K one. */
#ifndef SOUK_ANALYTICS_CHARTS_H
#define SOUK_ANALYTICS_CHARTS_H

#include "analytics/analysis.h"
#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOUK_CHART_MAX_POINTS 20000

typedef enum souk_chart {
  SOUK_CHART_HEATMAP_CORRELATION = 0,
  SOUK_CHART_PCA_CLUSTERS,
  SOUK_CHART_PCA_TOPK,
  SOUK_CHART_SCORE_DISTRIBUTION,
  SOUK_CHART_COUNT
} souk_chart;

enum { SOUK_CHART_PNG = 1, SOUK_CHART_SVG = 2 };

/* "heatmap_correlation", ... : the file name without its extension. */
const char *souk_chart_name(souk_chart c);

/* Writes chart c into dir as <name>.png and/or <name>.svg (formats: SOUK_CHART_PNG |
 * SOUK_CHART_SVG). Returns 0 or SOUK_EIO / SOUK_ENOMEM with a sentence. */
int souk_chart_write(const souk_analysis *a, souk_chart c, const char *dir, unsigned formats,
                     souk_errinfo *e);

/* All four charts in both formats. */
int souk_charts_write(const souk_analysis *a, const char *dir, souk_errinfo *e);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_CHARTS_H */
