/* SPDX-License-Identifier: MIT */
/* The analytics tools over MCP: top_k_products (weighted score with each term's contribution),
 * cluster_products (K-Means segments with examples), pca_projection (components and a bounded
 * sample of projected products) and correlation_matrix; and the resources that read the latest
 * analysis (top-K, charts). Loading and analysing run on the heavy lane; a second call with
 * the same selection reuses the analysis until a crawl changes the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/report.h"
#include "core/log.h"
#include "serve/serve_int.h"
#include "souk/error.h"
#include "souk/mcp_content.h"

enum { MAX_STORES_LISTED = 50, TOPK_RESOURCE_K = 20, MAX_EXAMPLES = 10 };

typedef enum a_kind { A_TOPK, A_CLUSTER, A_PCA, A_CORR, A_TOPK_RESOURCE, A_CHART } a_kind;

typedef struct analytics_job {
  souk__job base;
  souk_mcp_call *call;
  a_kind kind;
  souk__analysis_req req;
  uint64_t generation;
  souk__snapshot *snap;        /* given (a cached analysis) or built by the run */
  bool built;
  souk_chart chart;
  char uri[256];
  json_t *result;              /* structuredContent, or the resource contents */
  json_t *extra;               /* resource links */
} analytics_job;

/* ---- schemas ------------------------------------------------------------------------------ */

#define METRICS_DOC                                                                             \
  "The six metrics: available_ratio (share of variants in stock), num_tags, avg_price (mean "   \
  "variant price; cheaper scores higher), num_images, description_length (characters of "      \
  "visible text), popularity_score (sell-outs souk saw between crawls, or none)."

#define ANALYSIS_PROPS                                                                          \
  "'stores': {'type': 'array', 'minItems': 1, 'maxItems': 20, 'items': {'type': 'string', "     \
  "'minLength': 1, 'maxLength': 2048}, 'description': 'Analyse these stores together instead "  \
  "of one store, so that their products are scored on one scale.'},"                            \
  "'weights': {'type': 'object', 'additionalProperties': false, 'description': 'Weights of "    \
  "the score terms, each overriding its default: available_ratio 0.25, num_tags 0.10, "         \
  "avg_price 0.20, num_images 0.15, description_length 0.10, popularity_score 0.20. At least "  \
  "one must be above 0.', 'properties': {"                                                      \
  "'available_ratio': {'type': 'number', 'minimum': 0, 'maximum': 1000},"                       \
  "'num_tags': {'type': 'number', 'minimum': 0, 'maximum': 1000},"                              \
  "'avg_price': {'type': 'number', 'minimum': 0, 'maximum': 1000},"                             \
  "'num_images': {'type': 'number', 'minimum': 0, 'maximum': 1000},"                            \
  "'description_length': {'type': 'number', 'minimum': 0, 'maximum': 1000},"                    \
  "'popularity_score': {'type': 'number', 'minimum': 0, 'maximum': 1000}}},"                     \
  "'popularity': {'type': 'string', 'enum': ['auto', 'none', 'history'], 'description': 'The "  \
  "popularity signal: history (sell-outs seen between crawls), none, or auto (history when "    \
  "souk has seen some; the default).'}"

#define METRIC_OBJECT "{'type': 'object', 'additionalProperties': {'type': ['number', 'null']}}"

static const char topk_in[] =
    "{'type': 'object', 'additionalProperties': false, 'properties': {" ANALYSIS_PROPS ","
    "'k': {'type': 'integer', 'minimum': 1, 'maximum': 100, 'description': 'How many products, "
    "default 10.'}}}";

static const char topk_out[] =
    "{'type': 'object', 'required': ['products_analysed', 'k', 'top', 'weights'], "
    "'properties': {'products_analysed': {'type': 'integer'},"
    "'stores': {'type': 'array', 'maxItems': 50, 'items': {'type': 'object'}},"
    "'popularity_signal': {'type': 'string'}, 'formula': {'type': 'string'},"
    "'weights': " METRIC_OBJECT ", 'k': {'type': 'integer'},"
    "'top': {'type': 'array', 'maxItems': 100, 'items': {'type': 'object', 'required': "
    "['rank', 'id', 'store', 'title', 'score', 'contributions'], 'properties': {"
    "'rank': {'type': 'integer'}, 'id': {'type': 'integer'}, 'store': {'type': 'string'},"
    "'title': {'type': 'string'}, 'score': {'type': ['number', 'null']},"
    "'metrics': " METRIC_OBJECT ", 'contributions': " METRIC_OBJECT ","
    "'cluster': {'type': 'integer'}}}},"
    "'computed_at': {'type': 'string'}, 'charts': {'type': 'array', 'items': {'type': "
    "'string'}}}}";

static const char cluster_in[] =
    "{'type': 'object', 'additionalProperties': false, 'properties': {" ANALYSIS_PROPS ","
    "'clusters': {'type': 'integer', 'minimum': 1, 'maximum': 16, 'description': 'K-Means k, "
    "default 4 (reduced, with a note, when there are fewer distinct products).'},"
    "'restarts': {'type': 'integer', 'minimum': 1, 'maximum': 50, 'description': 'K-Means "
    "restarts, default 10; the lowest inertia wins.'},"
    "'seed': {'type': 'integer', 'minimum': 0, 'maximum': 2147483647, 'description': 'Random "
    "seed, default 0: the same seed gives the same clusters.'},"
    "'examples': {'type': 'integer', 'minimum': 0, 'maximum': 10, 'description': 'Best-scored "
    "products listed per cluster, default 3.'}}}";

static const char cluster_out[] =
    "{'type': 'object', 'required': ['products_analysed', 'k', 'clusters'], 'properties': {"
    "'products_analysed': {'type': 'integer'}, 'k': {'type': 'integer'},"
    "'requested_k': {'type': 'integer'}, 'note': {'type': ['string', 'null']},"
    "'inertia': {'type': ['number', 'null']}, 'silhouette': {'type': ['number', 'null']},"
    "'clusters': {'type': 'array', 'maxItems': 16, 'items': {'type': 'object', 'required': "
    "['cluster', 'size', 'share', 'centroid'], 'properties': {'cluster': {'type': 'integer'},"
    "'size': {'type': 'integer'}, 'share': {'type': ['number', 'null']},"
    "'mean_score': {'type': ['number', 'null']}, 'centroid': " METRIC_OBJECT ","
    "'centroid_scaled': " METRIC_OBJECT ", 'examples': {'type': 'array', 'maxItems': 10}}}},"
    "'elbow': {'type': 'object'}, 'computed_at': {'type': 'string'},"
    "'charts': {'type': 'array', 'items': {'type': 'string'}}}}";

static const char pca_in[] =
    "{'type': 'object', 'additionalProperties': false, 'properties': {" ANALYSIS_PROPS ","
    "'components': {'type': 'integer', 'minimum': 1, 'maximum': 6, 'description': 'Principal "
    "components to give, default 2.'},"
    "'max_points': {'type': 'integer', 'minimum': 0, 'maximum': 1000, 'description': 'Products "
    "projected onto the components, an even sample, default 200 (0: none).'}}}";

static const char pca_out[] =
    "{'type': 'object', 'required': ['products_analysed', 'explained_variance_ratio', "
    "'components', 'points'], 'properties': {'products_analysed': {'type': 'integer'},"
    "'degenerate': {'type': 'boolean'},"
    "'explained_variance_ratio': {'type': 'array', 'items': {'type': ['number', 'null']}},"
    "'components': {'type': 'array', 'maxItems': 6, 'items': " METRIC_OBJECT "},"
    "'points': {'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'required': "
    "['id', 'store', 'pc'], 'properties': {'id': {'type': 'integer'}, 'store': {'type': "
    "'string'}, 'title': {'type': 'string'}, 'cluster': {'type': 'integer'}, 'pc': {'type': "
    "'array', 'items': {'type': 'number'}}}}},"
    "'points_total': {'type': 'integer'}, 'sampled': {'type': 'boolean'},"
    "'computed_at': {'type': 'string'}, 'charts': {'type': 'array', 'items': {'type': "
    "'string'}}}}";

static const char corr_in[] =
    "{'type': 'object', 'additionalProperties': false, 'properties': {" ANALYSIS_PROPS "}}";

static const char corr_out[] =
    "{'type': 'object', 'required': ['products_analysed', 'metrics', 'matrix'], 'properties': {"
    "'products_analysed': {'type': 'integer'},"
    "'metrics': {'type': 'array', 'items': {'type': 'string'}},"
    "'matrix': {'type': 'array', 'items': {'type': 'array', 'items': {'type': ['number', "
    "'null']}}},"
    "'strongest': {'type': 'array', 'maxItems': 5, 'items': {'type': 'object', 'properties': {"
    "'a': {'type': 'string'}, 'b': {'type': 'string'}, 'r': {'type': 'number'}}}},"
    "'computed_at': {'type': 'string'}, 'charts': {'type': 'array', 'items': {'type': "
    "'string'}}}}";

/* ---- building the answers (on the heavy lane) ------------------------------------------ */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *chart_uris(const char *const *names, size_t n, json_t **links) {
  json_t *a = json_array();
  *links = json_array();
  for (size_t i = 0; a && *links && i < n; i++) {
    char uri[128], title[64];
    snprintf(uri, sizeof uri, "souk://charts/%s.png", names[i]);
    snprintf(title, sizeof title, "%s.png", names[i]);
    json_array_append_new(a, json_string(uri));
    json_array_append_new(*links, souk_mcp_resource_link_item(uri, title, "image/png",
                                                               "A chart of this analysis"));
  }
  return a;
}

/* The shared head of every answer: what was analysed. */
static json_t *head(const souk__snapshot *snap, const json_t *doc) {
  json_t *stores = json_deep_copy(json_object_get(doc, "stores"));
  while (stores && json_array_size(stores) > MAX_STORES_LISTED)
    json_array_remove(stores, json_array_size(stores) - 1);
  return json_pack("{s:I,s:o,s:O,s:s}", "products_analysed", (json_int_t)snap->analysis->n,
                   "stores", stores ? stores : json_array(), "popularity_signal",
                   json_object_get(doc, "popularity_signal"), "computed_at", snap->computed_at);
}

static json_t *build_topk(const souk__snapshot *snap, const json_t *doc, size_t k) {
  json_t *out = head(snap, doc);
  json_t *list = json_object_get(json_object_get(doc, "top_k"), "products");
  json_t *top = json_array();
  for (size_t i = 0; top && i < k && i < json_array_size(list); i++) {
    json_t *p = json_deep_copy(json_array_get(list, i));
    if (p) {
      json_object_del(p, "scaled");
      json_array_append_new(top, p);
    }
  }
  json_object_set(out, "formula", json_object_get(doc, "formula"));
  json_object_set(out, "weights", json_object_get(doc, "weights"));
  json_object_set_new(out, "k", json_integer((json_int_t)json_array_size(top)));
  json_object_set_new(out, "top", top);
  return out;
}

typedef struct example {
  size_t row;
  double score;
} example;

static bool better(const souk_analysis *a, size_t r1, size_t r2) {
  if (a->score[r1] != a->score[r2])
    return a->score[r1] > a->score[r2];
  return souk_metrics_ids(a->table)[r1] < souk_metrics_ids(a->table)[r2];
}

static json_t *build_cluster(const souk__snapshot *snap, const json_t *doc, size_t nex) {
  const souk_analysis *a = snap->analysis;
  json_t *out = head(snap, doc);
  json_t *km = json_object_get(doc, "kmeans");
  json_t *clusters = json_deep_copy(json_object_get(km, "clusters"));
  if (!clusters)
    clusters = json_array();
  int k = a->clusters;
  if (k > 0 && nex > 0) {
    /* the nex best-scored products of each cluster, in one pass */
    size_t *best = calloc((size_t)k * nex, sizeof *best), *cnt = calloc((size_t)k, sizeof *cnt);
    for (size_t i = 0; best && cnt && i < a->n; i++) {
      int c = a->kmeans.labels[i];
      size_t *b = best + (size_t)c * nex;
      size_t pos = cnt[c];
      while (pos > 0 && better(a, i, b[pos - 1]))
        pos--;
      if (pos >= nex)
        continue;
      size_t last = cnt[c] < nex ? cnt[c] : nex - 1;
      memmove(b + pos + 1, b + pos, (last - pos) * sizeof *b);
      b[pos] = i;
      if (cnt[c] < nex)
        cnt[c]++;
    }
    for (int c = 0; best && cnt && c < k; c++) {
      json_t *ex = json_array();
      for (size_t x = 0; ex && x < cnt[c]; x++) {
        size_t row = best[(size_t)c * nex + x];
        json_array_append_new(ex, json_pack("{s:I,s:o,s:o,s:o}", "id",
                                            (json_int_t)souk_metrics_ids(a->table)[row], "store",
                                            souk__serve_str(souk_metrics_store(a->table, row)),
                                            "title",
                                            souk__serve_str(souk_metrics_title(a->table, row)),
                                            "score", num(a->score[row])));
      }
      json_object_set_new(json_array_get(clusters, (size_t)c), "examples", ex);
    }
    free(best);
    free(cnt);
  }
  json_object_set(out, "k", json_object_get(km, "k"));
  json_object_set(out, "requested_k", json_object_get(km, "requested_k"));
  json_object_set(out, "note", json_object_get(km, "note"));
  json_t *inertia = json_object_get(km, "inertia");
  json_object_set(out, "inertia", inertia ? inertia : json_null());
  json_object_set(out, "silhouette", json_object_get(json_object_get(km, "silhouette"), "value"));
  json_object_set_new(out, "clusters", clusters);
  json_object_set(out, "elbow", json_object_get(km, "elbow"));
  return out;
}

static json_t *build_pca(const souk__snapshot *snap, const json_t *doc, int ncomp,
                         size_t max_points) {
  const souk_analysis *a = snap->analysis;
  json_t *out = head(snap, doc);
  json_t *pca = json_object_get(doc, "pca");
  if (ncomp > a->pca.dims)
    ncomp = a->pca.dims;
  json_t *evr = json_array(), *comps = json_array(), *points = json_array();
  for (int j = 0; evr && comps && j < ncomp; j++) {
    json_array_append(evr, json_array_get(json_object_get(pca, "explained_variance_ratio"),
                                          (size_t)j));
    json_array_append(comps, json_array_get(json_object_get(pca, "components"), (size_t)j));
  }
  size_t n = a->n, take = max_points < n ? max_points : n;
  for (size_t i = 0; points && i < take; i++) {
    size_t row = take == n ? i : (size_t)((double)i * (double)n / (double)take);
    double x[SOUK_METRIC_COUNT], pc[SOUK_PCA_MAX_DIMS];
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      x[m] = a->scaled[m][row];
    souk_pca_project_row(&a->pca, x, ncomp, pc);
    json_t *coords = json_array();
    for (int j = 0; coords && j < ncomp; j++)
      json_array_append_new(coords, json_real(isfinite(pc[j]) ? pc[j] : 0.0));
    json_t *p = json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)souk_metrics_ids(a->table)[row],
                          "store", souk__serve_str(souk_metrics_store(a->table, row)), "title",
                          souk__serve_str(souk_metrics_title(a->table, row)), "pc", coords);
    if (p && a->clusters > 0)
      json_object_set_new(p, "cluster", json_integer(a->kmeans.labels[row]));
    if (p)
      json_array_append_new(points, p);
  }
  json_object_set_new(out, "degenerate", json_boolean(a->pca.degenerate));
  json_object_set_new(out, "explained_variance_ratio", evr);
  json_object_set_new(out, "components", comps);
  json_object_set_new(out, "points", points);
  json_object_set_new(out, "points_total", json_integer((json_int_t)n));
  json_object_set_new(out, "sampled", json_boolean(take < n));
  return out;
}

static json_t *build_corr(const souk__snapshot *snap, const json_t *doc) {
  const souk_analysis *a = snap->analysis;
  json_t *out = head(snap, doc);
  json_t *corr = json_object_get(doc, "correlation");
  json_object_set(out, "metrics", json_object_get(corr, "columns"));
  json_object_set(out, "matrix", json_object_get(corr, "matrix"));
  /* the strongest defined pairs, by |r| */
  struct pair {
    int i, j;
    double r;
  } pairs[SOUK_METRIC_COUNT * SOUK_METRIC_COUNT];
  int np = 0;
  for (int i = 0; i < SOUK_METRIC_COUNT; i++)
    for (int j = i + 1; j < SOUK_METRIC_COUNT; j++) {
      double r = a->correlation[i * SOUK_METRIC_COUNT + j];
      if (isfinite(r))
        pairs[np++] = (struct pair){i, j, r};
    }
  for (int x = 1; x < np; x++) /* insertion sort: 15 pairs at most */
    for (int y = x; y > 0 && fabs(pairs[y].r) > fabs(pairs[y - 1].r); y--) {
      struct pair t = pairs[y];
      pairs[y] = pairs[y - 1];
      pairs[y - 1] = t;
    }
  json_t *strongest = json_array();
  for (int x = 0; strongest && x < np && x < 5; x++)
    json_array_append_new(strongest, json_pack("{s:s,s:s,s:f}", "a",
                                               souk_metric_name(pairs[x].i), "b",
                                               souk_metric_name(pairs[x].j), "r", pairs[x].r));
  json_object_set_new(out, "strongest", strongest);
  return out;
}

static int analytics_run(souk__job *j, souk_store *s) {
  analytics_job *t = (analytics_job *)j;
  souk_errinfo e = {0};
  if (!t->snap) {
    t->snap = souk__snapshot_build(s, &t->req, t->generation, &e);
    if (!t->snap)
      return souk__job_fail(j, e.code ? e.code : SOUK_ENOMEM, "%s", e.text);
    t->built = true;
  }
  if (t->kind == A_CHART) {
    int rc = souk__snapshot_chart(t->snap, t->chart, &e);
    if (rc)
      return souk__job_fail(j, rc, "%s", e.text);
    t->result = souk_mcp_blob_contents(t->uri, "image/png", t->snap->png[t->chart],
                                       t->snap->png_len[t->chart]);
    return t->result ? 0 : souk__job_fail(j, SOUK_ENOMEM, "out of memory");
  }
  json_t *doc = souk_report_json(t->snap->analysis);
  if (!doc)
    return souk__job_fail(j, SOUK_ENOMEM, "out of memory");
  const json_t *args = t->req.args;
  static const char *const topk_charts[] = {"pca_topk", "score_distribution"};
  static const char *const cluster_charts[] = {"pca_clusters"};
  static const char *const corr_charts[] = {"heatmap_correlation"};
  json_t *charts = NULL;
  switch (t->kind) {
  case A_TOPK:
  case A_TOPK_RESOURCE:
    t->result = build_topk(t->snap, doc, t->kind == A_TOPK
                                             ? (size_t)souk__serve_int_arg(args, "k", 10)
                                             : TOPK_RESOURCE_K);
    charts = chart_uris(topk_charts, 2, &t->extra);
    break;
  case A_CLUSTER: {
    int64_t nex = souk__serve_int_arg(args, "examples", 3);
    t->result = build_cluster(t->snap, doc, (size_t)(nex > MAX_EXAMPLES ? MAX_EXAMPLES : nex));
    charts = chart_uris(cluster_charts, 1, &t->extra);
    break;
  }
  case A_PCA:
    t->result = build_pca(t->snap, doc, (int)souk__serve_int_arg(args, "components", 2),
                          (size_t)souk__serve_int_arg(args, "max_points", 200));
    charts = chart_uris(cluster_charts, 1, &t->extra);
    break;
  case A_CORR:
    t->result = build_corr(t->snap, doc);
    charts = chart_uris(corr_charts, 1, &t->extra);
    break;
  case A_CHART:
    break;
  }
  json_decref(doc);
  if (!t->result) {
    json_decref(charts);
    return souk__job_fail(j, SOUK_ENOMEM, "out of memory");
  }
  json_object_set_new(t->result, "charts", charts ? charts : json_array());
  if (t->kind == A_TOPK_RESOURCE) {
    char *text = json_dumps(t->result, JSON_COMPACT);
    json_decref(t->result);
    t->result = text ? souk_mcp_text_contents(t->uri, "application/json", text) : NULL;
    free(text);
    if (!t->result)
      return souk__job_fail(j, SOUK_ENOMEM, "out of memory");
  }
  return 0;
}

static void analytics_done(souk__job *j) {
  analytics_job *t = (analytics_job *)j;
  souk_serve *sv = j->sv;
  if (t->built && t->snap && !sv->freed)
    souk__serve_keep(sv, t->snap);
  bool resource = t->kind == A_TOPK_RESOURCE || t->kind == A_CHART;
  if (j->status == 0 && resource) {
    souk_mcp_call_contents(t->call, json_pack("[O]", t->result));
  } else if (j->status == 0) {
    souk__serve_tool_result(t->call, json_incref(t->result), t->extra);
    t->extra = NULL;
  } else if (resource) {
    souk_mcp_call_fail(t->call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s", j->error);
  } else {
    souk_mcp_call_tool_error(t->call, "%s", j->error);
  }
  json_decref(t->result);
  json_decref(t->extra);
  souk__snapshot_unref(t->snap);
  souk__analysis_req_free(&t->req);
  free(t);
}

/* Starts an analysis job; ends the call itself on failure. */
static void start(souk_serve *sv, souk_mcp_call *call, const json_t *args, a_kind kind,
                  souk_chart chart) {
  analytics_job *t = calloc(1, sizeof *t);
  if (!t) {
    souk_mcp_call_tool_error(call, "out of memory");
    return;
  }
  t->base.run = analytics_run;
  t->base.done = analytics_done;
  t->call = call;
  t->kind = kind;
  t->chart = chart;
  t->generation = sv->generation;
  bool resource = kind == A_TOPK_RESOURCE || kind == A_CHART;
  if (resource)
    snprintf(t->uri, sizeof t->uri, "%s", souk_mcp_call_uri(call));
  char why[600];
  int rc = souk__analysis_req_init(&t->req, args, why, sizeof why);
  if (rc) {
    if (resource)
      souk_mcp_call_fail(call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s", why);
    else
      souk_mcp_call_tool_error(call, "Invalid arguments for tool '%s': %s. Fix the arguments "
                               "and call it again.", souk_mcp_call_name(call), why);
    souk__analysis_req_free(&t->req);
    free(t);
    return;
  }
  /* The resources read the latest analysis, whatever its selection; tools the same one. */
  if (resource && sv->latest) {
    t->snap = sv->latest;
    t->snap->refs++;
  } else if (!resource) {
    t->snap = souk__serve_cached(sv, t->req.key);
  }
  if (souk__serve_submit(sv, SOUK__LANE_HEAVY, &t->base) != 0) {
    if (resource)
      souk_mcp_call_fail(call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "%s", t->base.error);
    else
      souk_mcp_call_tool_error(call, "%s", t->base.error);
    souk__snapshot_unref(t->snap);
    souk__analysis_req_free(&t->req);
    free(t);
  }
}

static void top_k_products(souk_mcp_call *c, const json_t *args, void *d) {
  start(d, c, args, A_TOPK, 0);
}
static void cluster_products(souk_mcp_call *c, const json_t *args, void *d) {
  start(d, c, args, A_CLUSTER, 0);
}
static void pca_projection(souk_mcp_call *c, const json_t *args, void *d) {
  start(d, c, args, A_PCA, 0);
}
static void correlation_matrix(souk_mcp_call *c, const json_t *args, void *d) {
  start(d, c, args, A_CORR, 0);
}

void souk__serve_read_topk(souk_serve *sv, souk_mcp_call *call) {
  start(sv, call, NULL, A_TOPK_RESOURCE, 0);
}

void souk__serve_read_chart(souk_serve *sv, souk_mcp_call *call, souk_chart c) {
  start(sv, call, NULL, A_CHART, c);
}

int souk__serve_tools_analytics(souk_serve *sv, souk_errinfo *e) {
  const unsigned f = SOUK__TOOL_READ_ONLY | SOUK__TOOL_FILTERS;
  int rc = souk__serve_tool(
      sv, "top_k_products", "Top products by score",
      "Ranks the selected products by a weighted score of min-max scaled metrics and returns "
      "the best k (at most 100) with their raw metrics and each term's contribution (the "
      "contributions add up to the score). " METRICS_DOC " Filters select the products; "
      "stores analyses several stores on one scale. Needs data: scrape_store first.",
      topk_in, topk_out, f, top_k_products, e);
  if (!rc)
    rc = souk__serve_tool(
        sv, "cluster_products", "Cluster products",
        "Segments the selected products with K-Means (k-means++ seeding, restarts) on the six "
        "scaled metrics: size, share, mean score and centroid of each cluster with its "
        "best-scored examples, the inertia, the silhouette (-1..1, higher is better separated) "
        "and an elbow curve (inertia for k = 1..8) to judge k. " METRICS_DOC,
        cluster_in, cluster_out, f, cluster_products, e);
  if (!rc)
    rc = souk__serve_tool(
        sv, "pca_projection", "PCA projection",
        "Principal component analysis of the six scaled metrics: the share of variance each "
        "component explains, each component's loadings per metric, and an even sample of "
        "products projected onto the components (at most 1000). " METRICS_DOC,
        pca_in, pca_out, f, pca_projection, e);
  if (!rc)
    rc = souk__serve_tool(
        sv, "correlation_matrix", "Correlation matrix",
        "Pearson correlation of the six raw metrics over the selected products (null where a "
        "metric is constant), and the strongest pairs. " METRICS_DOC,
        corr_in, corr_out, f, correlation_matrix, e);
  return rc;
}
