/* SPDX-License-Identifier: MIT */
/* analysis.json: the whole analysis in one document (jansson). */
#include "analytics/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/output.h"
#include "souk/error.h"

#define HIST_BINS 20

/* A number, or null where it is undefined. */
static json_t *num(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

/* A string; text that is not UTF-8 keeps its ASCII and gets '?' for the other bytes. */
static json_t *str(const char *s) {
  json_t *v = json_string(s);
  if (v)
    return v;
  char *c = strdup(s);
  if (!c)
    return json_null();
  for (char *p = c; *p; p++)
    if ((unsigned char)*p >= 0x80)
      *p = '?';
  v = json_string(c);
  free(c);
  return v ? v : json_null();
}

static json_t *metric_object(const double v[SOUK_METRIC_COUNT]) {
  json_t *o = json_object();
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    json_object_set_new(o, souk_metric_name(m), num(v[m]));
  return o;
}

static json_t *names(void) {
  json_t *a = json_array();
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    json_array_append_new(a, json_string(souk_metric_name(m)));
  return a;
}

/* A raw value of metric m for a scaled value v (the inverse of the scaling). */
static double unscale(const souk_scaler *s, int m, double v) {
  if (s->constant[m] || !(s->scale[m] > 0))
    return s->data_min[m];
  return (v - s->offset[m]) / s->scale[m];
}

static json_t *product(const souk_analysis *a, size_t rank, size_t row) {
  const souk_metrics *t = a->table;
  double raw[SOUK_METRIC_COUNT], sc[SOUK_METRIC_COUNT], co[SOUK_METRIC_COUNT];
  for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
    raw[m] = souk_metrics_column(t, (souk_metric)m)[row];
    sc[m] = a->scaled[m][row];
    co[m] = souk_analysis_contribution(a, row, m);
  }
  json_t *p = json_object();
  json_object_set_new(p, "rank", json_integer((json_int_t)rank));
  json_object_set_new(p, "id", json_integer((json_int_t)souk_metrics_ids(t)[row]));
  json_object_set_new(p, "store", str(souk_metrics_store(t, row)));
  json_object_set_new(p, "title", str(souk_metrics_title(t, row)));
  json_object_set_new(p, "score", num(a->score[row]));
  json_object_set_new(p, "metrics", metric_object(raw));
  json_object_set_new(p, "scaled", metric_object(sc));
  json_object_set_new(p, "contributions", metric_object(co));
  if (a->clusters > 0)
    json_object_set_new(p, "cluster", json_integer(a->kmeans.labels[row]));
  return p;
}

static json_t *stores(const souk_analysis *a) {
  const souk_metrics *t = a->table;
  size_t ns = souk_metrics_store_count(t);
  const uint32_t *si = souk_metrics_store_indexes(t);
  size_t *count = calloc(ns ? ns : 1, sizeof *count);
  double *sum = calloc(ns ? ns : 1, sizeof *sum);
  json_t *arr = json_array();
  if (count && sum) {
    for (size_t i = 0; i < a->n; i++) {
      count[si[i]]++;
      sum[si[i]] += a->score[i];
    }
    for (size_t s = 0; s < ns; s++) {
      json_t *o = json_object();
      json_object_set_new(o, "store", str(souk_metrics_store_name(t, s)));
      json_object_set_new(o, "products", json_integer((json_int_t)count[s]));
      json_object_set_new(o, "mean_score", count[s] ? num(sum[s] / (double)count[s])
                                                    : json_null());
      json_array_append_new(arr, o);
    }
  }
  free(count);
  free(sum);
  return arr;
}

static json_t *score_summary(const souk_analysis *a) {
  double lo = a->score[0], hi = a->score[0], sum = 0.0;
  for (size_t i = 0; i < a->n; i++) {
    lo = a->score[i] < lo ? a->score[i] : lo;
    hi = a->score[i] > hi ? a->score[i] : hi;
    sum += a->score[i];
  }
  size_t counts[HIST_BINS] = {0};
  int bins = hi > lo ? HIST_BINS : 1;
  double width = hi > lo ? (hi - lo) / bins : 0.0;
  for (size_t i = 0; i < a->n; i++) {
    int b = width > 0 ? (int)((a->score[i] - lo) / width) : 0;
    counts[b >= bins ? bins - 1 : b < 0 ? 0 : b]++;
  }
  json_t *o = json_object(), *edges = json_array(), *c = json_array();
  json_object_set_new(o, "min", num(lo));
  json_object_set_new(o, "max", num(hi));
  json_object_set_new(o, "mean", num(sum / (double)a->n));
  for (int b = 0; b <= bins; b++)
    json_array_append_new(edges, num(b == bins ? hi : lo + width * b));
  for (int b = 0; b < bins; b++)
    json_array_append_new(c, json_integer((json_int_t)counts[b]));
  json_object_set_new(o, "histogram_edges", edges);
  json_object_set_new(o, "histogram_counts", c);
  return o;
}

static json_t *matrix(const double *v, int rows, int cols) {
  json_t *m = json_array();
  for (int i = 0; i < rows; i++) {
    json_t *r = json_array();
    for (int j = 0; j < cols; j++)
      json_array_append_new(r, num(v[i * cols + j]));
    json_array_append_new(m, r);
  }
  return m;
}

static json_t *pca(const souk_analysis *a) {
  const souk_pca *p = &a->pca;
  json_t *o = json_object(), *ev = json_array(), *evr = json_array(), *comp = json_array();
  for (int j = 0; j < p->dims; j++) {
    json_array_append_new(ev, num(p->explained_variance[j]));
    json_array_append_new(evr, num(p->explained_variance_ratio[j]));
    json_array_append_new(comp, metric_object(p->components[j]));
  }
  json_object_set_new(o, "input", json_string("scaled metrics"));
  json_object_set_new(o, "method", json_string("eigendecomposition of the covariance matrix "
                                               "(LAPACK dsyevd), signs as scikit-learn's "
                                               "svd_flip"));
  json_object_set_new(o, "degenerate", json_boolean(p->degenerate));
  json_object_set_new(o, "mean", metric_object(p->mean));
  json_object_set_new(o, "explained_variance", ev);
  json_object_set_new(o, "explained_variance_ratio", evr);
  json_object_set_new(o, "components", comp);
  return o;
}

static json_t *kmeans(const souk_analysis *a) {
  const souk_analysis_options *op = &a->options;
  json_t *o = json_object();
  json_object_set_new(o, "requested_k", json_integer(a->clusters_requested));
  json_object_set_new(o, "k", json_integer(a->clusters));
  json_object_set_new(o, "note", a->clusters_note[0] ? json_string(a->clusters_note)
                                                      : json_null());
  json_object_set_new(o, "input", json_string("scaled metrics"));
  json_object_set_new(o, "init", json_string("k-means++ (greedy)"));
  json_object_set_new(o, "restarts", json_integer(op->restarts));
  json_object_set_new(o, "max_iter", json_integer(op->max_iter));
  json_object_set_new(o, "tol", json_real(op->tol));
  json_object_set_new(o, "seed", json_integer((json_int_t)op->seed));
  if (a->clusters > 0) {
    const souk_kmeans_result *r = &a->kmeans;
    json_object_set_new(o, "inertia", num(r->inertia));
    json_object_set_new(o, "n_iter", json_integer(r->n_iter));
    json_object_set_new(o, "best_restart", json_integer(r->best_restart));
    json_t *ri = json_array();
    for (int i = 0; i < r->restarts; i++)
      json_array_append_new(ri, num(r->restart_inertia[i]));
    json_object_set_new(o, "restart_inertia", ri);
    double *ssum = calloc((size_t)r->k, sizeof *ssum);
    json_t *cl = json_array();
    if (ssum) {
      for (size_t i = 0; i < a->n; i++)
        ssum[r->labels[i]] += a->score[i];
    }
    for (int c = 0; c < r->k; c++) {
      double cs[SOUK_METRIC_COUNT], craw[SOUK_METRIC_COUNT];
      for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
        cs[m] = r->centroids[c * r->dims + m];
        craw[m] = unscale(&a->scaler, m, cs[m]);
      }
      json_t *x = json_object();
      json_object_set_new(x, "cluster", json_integer(c));
      json_object_set_new(x, "size", json_integer((json_int_t)r->sizes[c]));
      json_object_set_new(x, "share", num((double)r->sizes[c] / (double)a->n));
      json_object_set_new(x, "mean_score", ssum && r->sizes[c]
                                               ? num(ssum[c] / (double)r->sizes[c])
                                               : json_null());
      json_object_set_new(x, "centroid", metric_object(craw));
      json_object_set_new(x, "centroid_scaled", metric_object(cs));
      json_array_append_new(cl, x);
    }
    free(ssum);
    json_object_set_new(o, "clusters", cl);
  }
  json_t *sil = json_object();
  json_object_set_new(sil, "value", num(a->silhouette));
  json_object_set_new(sil, "rows", json_integer((json_int_t)a->silhouette_rows));
  json_object_set_new(o, "silhouette", sil);
  json_t *el = json_object(), *ei = json_array();
  for (int k = 0; k < a->elbow_n; k++)
    json_array_append_new(ei, num(a->elbow_inertia[k]));
  json_object_set_new(el, "k_max", json_integer(a->elbow_n)); /* inertia[i] is for k = i + 1 */
  json_object_set_new(el, "inertia", ei);
  json_object_set_new(el, "rows", json_integer((json_int_t)a->elbow_rows));
  json_object_set_new(el, "restarts", json_integer(a->elbow_n ? op->elbow_restarts : 0));
  json_object_set_new(o, "elbow", el);
  return o;
}

json_t *souk_report_json(const souk_analysis *a) {
  json_t *doc = json_object();
  if (!doc)
    return NULL;
  json_object_set_new(doc, "souk_analysis", json_integer(1));
  json_object_set_new(doc, "products", json_integer((json_int_t)a->n));
  json_object_set_new(doc, "stores", stores(a));
  json_object_set_new(doc, "popularity_signal", str(a->popularity));
  json_object_set_new(doc, "metrics", names());
  json_object_set_new(doc, "formula", json_string(
      "score = w1*available_ratio + w2*num_tags + w3*(1 - avg_price) + w4*num_images + "
      "w5*description_length + w6*popularity_score, on min-max scaled columns"));
  json_object_set_new(doc, "weights", metric_object(a->options.weights));

  json_t *sc = json_object(), *constant = json_array();
  json_object_set_new(sc, "method", json_string("min-max to [0, 1]; a constant column "
                                                "scales to 0"));
  json_object_set_new(sc, "data_min", metric_object(a->scaler.data_min));
  json_object_set_new(sc, "data_max", metric_object(a->scaler.data_max));
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    if (a->scaler.constant[m])
      json_array_append_new(constant, json_string(souk_metric_name(m)));
  json_object_set_new(sc, "constant_columns", constant);
  json_object_set_new(doc, "scaling", sc);
  json_object_set_new(doc, "score", score_summary(a));

  json_t *tk = json_object(), *list = json_array();
  json_object_set_new(tk, "k", json_integer((json_int_t)a->options.top_k));
  json_object_set_new(tk, "count", json_integer((json_int_t)a->ntop));
  json_object_set_new(tk, "order", json_string("score descending, ties by id ascending"));
  for (size_t i = 0; i < a->ntop; i++)
    json_array_append_new(list, product(a, i + 1, a->top[i]));
  json_object_set_new(tk, "products", list);
  json_object_set_new(doc, "top_k", tk);

  json_t *corr = json_object();
  json_object_set_new(corr, "method", json_string("Pearson, raw metrics; null where a column "
                                                  "is constant"));
  json_object_set_new(corr, "columns", names());
  json_object_set_new(corr, "matrix", matrix(a->correlation, SOUK_METRIC_COUNT,
                                             SOUK_METRIC_COUNT));
  json_object_set_new(doc, "correlation", corr);
  json_object_set_new(doc, "pca", pca(a));
  json_object_set_new(doc, "kmeans", kmeans(a));

  json_t *tm = json_object();
  json_object_set_new(tm, "scale_score", json_real(a->timing.scale_score_ms));
  json_object_set_new(tm, "top_k", json_real(a->timing.topk_ms));
  json_object_set_new(tm, "correlation", json_real(a->timing.correlation_ms));
  json_object_set_new(tm, "pca", json_real(a->timing.pca_ms));
  json_object_set_new(tm, "kmeans", json_real(a->timing.kmeans_ms));
  json_object_set_new(tm, "silhouette_elbow", json_real(a->timing.quality_ms));
  json_object_set_new(doc, "timing_ms", tm);

  json_t *files = json_object();
  json_object_set_new(files, "top_k", json_string(SOUK_REPORT_TOPK_CSV));
  json_object_set_new(files, "products_scored", json_string(SOUK_REPORT_SCORED_CSV));
  json_object_set_new(files, "charts", json_pack("[s,s,s,s]", "heatmap_correlation",
                                                 "pca_clusters", "pca_topk",
                                                 "score_distribution"));
  json_object_set_new(doc, "files", files);
  return doc;
}

static int dump_cb(const char *buf, size_t size, void *data) {
  return fwrite(buf, 1, size, data) == size ? 0 : -1;
}

int souk_report_write_json(const souk_analysis *a, const char *dir, souk_errinfo *e) {
  json_t *doc = souk_report_json(a);
  if (!doc)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory building %s", SOUK_REPORT_JSON);
  souk__outfile o;
  int rc = souk__mkdirs(dir, e);
  if (!rc)
    rc = souk__outfile_open(&o, dir, SOUK_REPORT_JSON, e);
  if (!rc) {
    if (json_dump_callback(doc, dump_cb, o.f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
      souk__outfile_abort(&o);
      rc = souk_errinfo_set(e, SOUK_EIO, "cannot write %s/%s", dir, SOUK_REPORT_JSON);
    } else {
      fputc('\n', o.f);
      rc = souk__outfile_commit(&o, e);
    }
  }
  json_decref(doc);
  return rc;
}
