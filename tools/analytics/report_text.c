/* SPDX-License-Identifier: MIT */
/* The terminal summary of an analysis: the top-K table and the clusters. */
#include "analytics/report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Prints s cut to `width` code points (with "..." when cut), padded to width columns. */
static void cell(FILE *out, const char *s, int width) {
  int cps = 0;
  const unsigned char *p = (const unsigned char *)s;
  size_t cut = 0, len = strlen(s);
  for (size_t i = 0; i < len; i++) {
    if ((p[i] & 0xC0) == 0x80)
      continue;
    if (cps == width - 3)
      cut = i;
    cps++;
  }
  if (cps > width) {
    fwrite(s, 1, cut, out);
    fputs("...", out);
    cps = width;
  } else {
    fputs(s, out);
  }
  for (; cps < width; cps++)
    fputc(' ', out);
}

void souk_report_print(const souk_analysis *a, FILE *out) {
  const souk_metrics *t = a->table;
  size_t ns = souk_metrics_store_count(t);
  fprintf(out, "Top %zu of %zu product%s", a->ntop, a->n, a->n == 1 ? "" : "s");
  if (ns == 1)
    fprintf(out, " of %s", souk_metrics_store_name(t, 0));
  else
    fprintf(out, " across %zu stores", ns);
  fprintf(out, " (popularity signal: %s)\n", a->popularity);
  fprintf(out, "%4s  %-7s %10s %6s %5s %5s %6s %6s  %-40s%s\n", "rank", "score", "avg price",
          "avail", "tags", "imgs", "desc", "pop", "title", ns > 1 ? "  store" : "");
  for (size_t i = 0; i < a->ntop; i++) {
    size_t r = a->top[i];
    const double *c[SOUK_METRIC_COUNT];
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      c[m] = souk_metrics_column(t, (souk_metric)m);
    fprintf(out, "%4zu  %-7.4f %10.2f %6.2f %5.0f %5.0f %6.0f %6.3g  ", i + 1, a->score[r],
            c[SOUK_METRIC_AVG_PRICE][r], c[SOUK_METRIC_AVAILABLE_RATIO][r],
            c[SOUK_METRIC_NUM_TAGS][r], c[SOUK_METRIC_NUM_IMAGES][r],
            c[SOUK_METRIC_DESCRIPTION_LENGTH][r], c[SOUK_METRIC_POPULARITY][r]);
    cell(out, souk_metrics_title(t, r), 40);
    if (ns > 1)
      fprintf(out, "  %s", souk_metrics_store(t, r));
    fputc('\n', out);
  }
  if (a->clusters == 0) {
    fprintf(out, "\nNo clustering was asked for.\n");
    return;
  }
  const souk_kmeans_result *k = &a->kmeans;
  fprintf(out, "\nClusters: k-means, k = %d, %d restarts, inertia %.4g", k->k, k->restarts,
          k->inertia);
  if (isfinite(a->silhouette))
    fprintf(out, ", silhouette %.3f", a->silhouette);
  fputc('\n', out);
  if (a->clusters_note[0])
    fprintf(out, "(%s)\n", a->clusters_note);
  fprintf(out, "%7s %9s %6s %10s %6s %5s %5s %6s %6s %10s\n", "cluster", "products", "share",
          "avg price", "avail", "tags", "imgs", "desc", "pop", "mean score");
  double ssum[SOUK_KMEANS_MAX_K] = {0};
  for (size_t i = 0; i < a->n; i++)
    ssum[k->labels[i]] += a->score[i];
  for (int c = 0; c < k->k; c++) {
    double raw[SOUK_METRIC_COUNT];
    for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
      double v = k->centroids[c * k->dims + m];
      raw[m] = a->scaler.constant[m] || !(a->scaler.scale[m] > 0)
                   ? a->scaler.data_min[m]
                   : (v - a->scaler.offset[m]) / a->scaler.scale[m];
    }
    fprintf(out, "%7d %9zu %5.1f%% %10.2f %6.2f %5.1f %5.1f %6.0f %6.3g %10.4f\n", c,
            k->sizes[c], 100.0 * (double)k->sizes[c] / (double)a->n,
            raw[SOUK_METRIC_AVG_PRICE], raw[SOUK_METRIC_AVAILABLE_RATIO],
            raw[SOUK_METRIC_NUM_TAGS], raw[SOUK_METRIC_NUM_IMAGES],
            raw[SOUK_METRIC_DESCRIPTION_LENGTH], raw[SOUK_METRIC_POPULARITY],
            k->sizes[c] ? ssum[c] / (double)k->sizes[c] : 0.0);
  }
  fprintf(out, "(cluster centres in the metrics' own units)\n");
}
