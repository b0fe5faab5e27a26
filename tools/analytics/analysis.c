/* SPDX-License-Identifier: MIT */
/* The analysis pipeline: scale, score, top-K, correlation, PCA, K-Means and its quality. */
#include "analytics/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/bigmem.h"
#include "analytics/correlation.h"
#include "analytics/rng.h"
#include "analytics/topk.h"
#include "souk/error.h"

void souk_analysis_options_default(souk_analysis_options *o) {
  memcpy(o->weights, souk_default_weights, sizeof o->weights);
  o->top_k = 20;
  o->clusters = 4;
  o->restarts = 10;
  o->max_iter = 300;
  o->tol = 1e-4;
  o->seed = 0;
  o->threads = 0;
  o->silhouette_sample = 4000;
  o->elbow_max_k = 8;
  o->elbow_restarts = 3;
  o->elbow_sample = 100000;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void souk_analysis_free(souk_analysis *a) {
  if (!a)
    return;
  free(a->scaled[0]); /* one block for the six columns */
  free(a->score);
  free(a->top);
  souk_kmeans_result_free(&a->kmeans);
  free(a);
}

double souk_analysis_contribution(const souk_analysis *a, size_t row, int m) {
  if (row >= a->n || m < 0 || m >= SOUK_METRIC_COUNT)
    return 0.0;
  return souk_score_contribution(a->options.weights, m, a->scaled[m][row]);
}

static int check_options(const souk_analysis_options *o, souk_errinfo *e) {
  int rc = souk_weights_validate(o->weights, e);
  if (rc)
    return rc;
  if (o->top_k < 1)
    return souk_errinfo_set(e, SOUK_EINVAL, "top_k must be at least 1");
  if (o->clusters < 0 || o->clusters > SOUK_KMEANS_MAX_K)
    return souk_errinfo_set(e, SOUK_EINVAL, "clusters = %d; give 0 (no clustering) to %d",
                            o->clusters, SOUK_KMEANS_MAX_K);
  if (o->clusters > 0 && (o->restarts < 1 || o->restarts > SOUK_KMEANS_MAX_RESTARTS))
    return souk_errinfo_set(e, SOUK_EINVAL, "restarts = %d; give 1 to %d", o->restarts,
                            SOUK_KMEANS_MAX_RESTARTS);
  if (o->clusters > 0 && o->max_iter < 1)
    return souk_errinfo_set(e, SOUK_EINVAL, "max_iter must be at least 1");
  if (!(o->tol >= 0) || !isfinite(o->tol))
    return souk_errinfo_set(e, SOUK_EINVAL, "tol must be a finite number >= 0");
  if (o->elbow_max_k < 0 || o->elbow_max_k > SOUK_KMEANS_MAX_K)
    return souk_errinfo_set(e, SOUK_EINVAL, "elbow_max_k = %d; give 0 (none) to %d",
                            o->elbow_max_k, SOUK_KMEANS_MAX_K);
  if (o->elbow_max_k > 0 && (o->elbow_restarts < 1 || o->elbow_restarts >
                             SOUK_KMEANS_MAX_RESTARTS))
    return souk_errinfo_set(e, SOUK_EINVAL, "elbow_restarts = %d; give 1 to %d",
                            o->elbow_restarts, SOUK_KMEANS_MAX_RESTARTS);
  return 0;
}

/* The elbow curve: K-Means inertia for k = 1..max on a sample of the scaled rows. */
static int elbow(souk_analysis *a, souk_errinfo *e) {
  const souk_analysis_options *o = &a->options;
  size_t n = a->n, s = n < o->elbow_sample || o->elbow_sample == 0 ? n : o->elbow_sample;
  const double *cols[SOUK_METRIC_COUNT];
  double *buf = NULL;
  if (s == n) {
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      cols[m] = a->scaled[m];
  } else {
    buf = malloc(s * SOUK_METRIC_COUNT * sizeof *buf);
    if (!buf)
      return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory for the elbow curve");
    souk__rng rng;
    souk__rng_seed(&rng, o->seed, 0xE1B0u);
    size_t got = 0;
    for (size_t i = 0; i < n && got < s; i++)
      if ((double)(n - i) * souk__rng_uniform(&rng) < (double)(s - got)) {
        for (int m = 0; m < SOUK_METRIC_COUNT; m++)
          buf[m * s + got] = a->scaled[m][i];
        got++;
      }
    s = got;
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      cols[m] = buf + m * s;
  }
  int kmax = o->elbow_max_k;
  size_t distinct = souk_kmeans_distinct_rows(cols, SOUK_METRIC_COUNT, s, (size_t)kmax);
  if ((size_t)kmax > distinct)
    kmax = (int)distinct;
  int rc = 0;
  for (int k = 1; k <= kmax; k++) {
    souk_kmeans_options ko;
    souk_kmeans_options_default(&ko);
    ko.k = k;
    ko.restarts = o->elbow_restarts;
    ko.max_iter = o->max_iter;
    ko.tol = o->tol;
    ko.seed = o->seed;
    ko.threads = o->threads;
    souk_kmeans_result r;
    if ((rc = souk_kmeans(cols, SOUK_METRIC_COUNT, s, &ko, &r, e)) != 0)
      break;
    a->elbow_inertia[k - 1] = r.inertia;
    a->elbow_n = k;
    souk_kmeans_result_free(&r);
  }
  a->elbow_rows = s;
  free(buf);
  return rc;
}

souk_analysis *souk_analysis_run(const souk_metrics *t, const souk_analysis_options *opt,
                                 souk_errinfo *e) {
  souk_analysis_options defaults;
  if (!opt) {
    souk_analysis_options_default(&defaults);
    opt = &defaults;
  }
  if (check_options(opt, e) != 0)
    return NULL;
  size_t n = souk_metrics_count(t);
  if (n == 0) {
    souk_errinfo_set(e, SOUK_EEMPTY, "no products to analyse: the selection is empty");
    return NULL;
  }
  souk_analysis *a = calloc(1, sizeof *a);
  if (!a) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  a->table = t;
  a->n = n;
  a->options = *opt;
  a->silhouette = NAN;
  snprintf(a->popularity, sizeof a->popularity, "%s", souk_metrics_popularity_signal(t));

  /* Scale and score. */
  double t0 = now_ms();
  if (souk_scaler_fit(&a->scaler, t, e) != 0)
    goto fail;
  double *block = souk__big_array(n * SOUK_METRIC_COUNT, sizeof *block);
  a->score = souk__big_array(n, sizeof *a->score);
  if (!block || !a->score) {
    free(block);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory for the scaled metrics of %zu products", n);
    goto fail;
  }
  for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
    a->scaled[m] = block + (size_t)m * n;
    souk_scaler_transform(&a->scaler, (souk_metric)m, souk_metrics_column(t, (souk_metric)m),
                          a->scaled[m], n);
  }
  souk_score_compute((const double *const *)a->scaled, n, a->options.weights, a->score);
  double t1 = now_ms();
  a->timing.scale_score_ms = t1 - t0;

  /* Top-K. */
  size_t k = opt->top_k < n ? opt->top_k : n;
  a->top = malloc(k * sizeof *a->top);
  if (!a->top || souk_topk(a->score, souk_metrics_ids(t), n, k, a->top, &a->ntop) != 0) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory for the top %zu", k);
    goto fail;
  }
  double t2 = now_ms();
  a->timing.topk_ms = t2 - t1;

  /* Correlation of the raw metrics. */
  const double *raw[SOUK_METRIC_COUNT];
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    raw[m] = souk_metrics_column(t, (souk_metric)m);
  souk_correlation(raw, SOUK_METRIC_COUNT, n, a->correlation);
  double t3 = now_ms();
  a->timing.correlation_ms = t3 - t2;

  /* PCA of the scaled metrics. */
  if (souk_pca_fit((const double *const *)a->scaled, SOUK_METRIC_COUNT, n, &a->pca, e) != 0)
    goto fail;
  double t4 = now_ms();
  a->timing.pca_ms = t4 - t3;

  /* K-Means. */
  a->clusters_requested = opt->clusters;
  if (opt->clusters > 0) {
    size_t distinct = souk_kmeans_distinct_rows((const double *const *)a->scaled,
                                                SOUK_METRIC_COUNT, n, (size_t)opt->clusters);
    a->clusters = opt->clusters;
    if (distinct < (size_t)opt->clusters) {
      a->clusters = (int)distinct;
      snprintf(a->clusters_note, sizeof a->clusters_note,
               "%d clusters were asked for but the products have only %zu distinct metric "
               "profile%s; k = %zu", opt->clusters, distinct, distinct == 1 ? "" : "s", distinct);
    }
    souk_kmeans_options ko = {a->clusters, opt->restarts, opt->max_iter, opt->tol, opt->seed,
                              opt->threads};
    if (souk_kmeans((const double *const *)a->scaled, SOUK_METRIC_COUNT, n, &ko, &a->kmeans,
                    e) != 0)
      goto fail;
  }
  double t5 = now_ms();
  a->timing.kmeans_ms = t5 - t4;

  /* How good the clustering is, and for which k it would be better. */
  if (a->clusters >= 2 && opt->silhouette_sample > 0) {
    a->silhouette_rows = n < opt->silhouette_sample ? n : opt->silhouette_sample;
    a->silhouette = souk_silhouette((const double *const *)a->scaled, SOUK_METRIC_COUNT, n,
                                    a->kmeans.labels, a->clusters, opt->silhouette_sample,
                                    opt->seed);
  }
  if (opt->elbow_max_k > 0 && elbow(a, e) != 0)
    goto fail;
  a->timing.quality_ms = now_ms() - t5;
  return a;

fail:
  souk_analysis_free(a);
  return NULL;
}
