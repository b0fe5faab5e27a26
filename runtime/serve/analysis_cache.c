/* SPDX-License-Identifier: MIT */
/* Analyses for the MCP analytics tools: the selection and options a call asks for, loading and
 * analysing the products on the heavy lane, and the latest analysis kept as a snapshot that the
 * next call with the same selection reuses (until a crawl changes the data) and that the
 * top-K and chart resources read. Charts are rendered to PNG once per snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "serve/serve_int.h"
#include "souk/error.h"

/* Bounds of an MCP analysis: top-K is computed for 100 and cut to k; the elbow and the
 * silhouette run on samples small enough for a quick answer on a big store. */
enum { TOP_COMPUTED = 100, ELBOW_MAX_K = 8, ELBOW_SAMPLE = 20000, SILHOUETTE_SAMPLE = 2000 };

/* A kept analysis is reused by tools for this long at most: data written by another souk
 * process (a `souk scrape` beside the server) is then seen within this time. */
#define REUSE_MS ((uint64_t)5 * 60 * 1000)

static const char *const selection_keys[] = {"store",   "vendor",    "product_type",
                                             "tag",     "search",    "min_price",
                                             "max_price", "available", "changed_since",
                                             "include_delisted"};

void souk__analysis_req_free(souk__analysis_req *r) {
  json_decref(r->args);
  free(r->key);
  memset(r, 0, sizeof *r);
}

static int weights_arg(const json_t *w, double out[SOUK_METRIC_COUNT], char *why, size_t len) {
  memcpy(out, souk_default_weights, sizeof(double) * SOUK_METRIC_COUNT);
  const char *name;
  json_t *v;
  json_object_foreach((json_t *)w, name, v) {
    int m = souk_metric_find(name);
    if (m < 0 || !json_is_number(v)) { /* the schema lets neither through */
      snprintf(why, len, "argument 'weights' has an unknown metric '%.60s'", name);
      return SOUK_EINVAL;
    }
    out[m] = json_number_value(v);
  }
  souk_errinfo e = {0};
  if (souk_weights_validate(out, &e) != 0) {
    snprintf(why, len, "argument 'weights': %s", e.text);
    return SOUK_EINVAL;
  }
  return 0;
}

int souk__analysis_req_init(souk__analysis_req *r, const json_t *args, char *why, size_t len) {
  memset(r, 0, sizeof *r);
  r->args = args ? json_deep_copy(args) : json_object();
  if (!r->args) {
    snprintf(why, len, "out of memory");
    return SOUK_ENOMEM;
  }
  int rc = souk__serve_filter_from_args(r->args, &r->filter, why, len);
  if (rc)
    return rc;
  json_t *key = json_object();
  if (!key) {
    snprintf(why, len, "out of memory");
    return SOUK_ENOMEM;
  }
  for (size_t i = 0; i < sizeof selection_keys / sizeof *selection_keys; i++) {
    json_t *v = json_object_get(r->args, selection_keys[i]);
    if (v)
      json_object_set(key, selection_keys[i], v);
  }
  char origin[512];
  if (r->filter.store && souk_store_origin(r->filter.store, origin, sizeof origin) == 0)
    json_object_set_new(key, "store", json_string(origin));
  const json_t *stores = json_object_get(r->args, "stores");
  if (stores && r->filter.store) {
    snprintf(why, len, "give either 'store' or 'stores', not both");
    json_decref(key);
    return SOUK_EINVAL;
  }
  json_t *origins = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(stores, i, v) {
    if (i >= sizeof r->stores / sizeof *r->stores)
      break;
    const char *s = json_string_value(v);
    if (!s || souk_store_origin(s, origin, sizeof origin) != 0) {
      snprintf(why, len, "argument 'stores[%zu]' must be a store URL such as "
                         "https://shop.example", i);
      json_decref(key);
      json_decref(origins);
      return SOUK_EINVAL;
    }
    r->stores[r->nstores++] = s;
    json_array_append_new(origins, json_string(origin));
  }
  json_object_set_new(key, "stores", origins);

  souk_analysis_options_default(&r->options);
  rc = weights_arg(json_object_get(r->args, "weights"), r->options.weights, why, len);
  if (rc) {
    json_decref(key);
    return rc;
  }
  r->options.top_k = TOP_COMPUTED;
  r->options.clusters = (int)souk__serve_int_arg(r->args, "clusters", r->options.clusters);
  r->options.restarts = (int)souk__serve_int_arg(r->args, "restarts", r->options.restarts);
  r->options.seed = (uint64_t)souk__serve_int_arg(r->args, "seed", 0);
  r->options.elbow_max_k = ELBOW_MAX_K;
  r->options.elbow_sample = ELBOW_SAMPLE;
  r->options.silhouette_sample = SILHOUETTE_SAMPLE;
  const char *pop = json_string_value(json_object_get(r->args, "popularity"));
  r->popularity = !pop || strcmp(pop, "auto") == 0 ? SOUK_POPULARITY_AUTO
                  : strcmp(pop, "none") == 0       ? SOUK_POPULARITY_NONE
                                                   : SOUK_POPULARITY_HISTORY;
  json_t *w = json_array();
  for (int m = 0; w && m < SOUK_METRIC_COUNT; m++)
    json_array_append_new(w, json_real(r->options.weights[m]));
  json_object_set_new(key, "weights", w);
  json_object_set_new(key, "popularity", json_integer(r->popularity));
  json_object_set_new(key, "clusters", json_integer(r->options.clusters));
  json_object_set_new(key, "restarts", json_integer(r->options.restarts));
  json_object_set_new(key, "seed", json_integer((json_int_t)r->options.seed));
  r->key = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(key);
  if (!r->key) {
    snprintf(why, len, "out of memory");
    return SOUK_ENOMEM;
  }
  return 0;
}

souk__snapshot *souk__snapshot_build(souk_store *s, const souk__analysis_req *r,
                                     uint64_t generation, souk_errinfo *e) {
  souk_store_load_options lo = {
      .filter = &r->filter,
      .stores = r->nstores ? r->stores : NULL,
      .nstores = r->nstores,
      .popularity = r->popularity,
  };
  souk__snapshot *snap = calloc(1, sizeof *snap);
  if (!snap || !(snap->key = strdup(r->key))) {
    free(snap);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  snap->refs = 1;
  snap->generation = generation;
  souk_store_now(snap->computed_at);
  snap->table = souk_metrics_from_store(s, &lo, &snap->info, e);
  if (!snap->table) {
    if (e && e->code == SOUK_EEMPTY)
      souk_errinfo_set(e, SOUK_EEMPTY,
                       "No products match this selection: souk has no listed product of the "
                       "store(s) and filters given. Check the store URL with store_stats, or "
                       "scrape_store it first, or relax the filters.");
    souk__snapshot_unref(snap);
    return NULL;
  }
  snap->analysis = souk_analysis_run(snap->table, &r->options, e);
  if (!snap->analysis) {
    souk__snapshot_unref(snap);
    return NULL;
  }
  return snap;
}

void souk__snapshot_unref(souk__snapshot *s) {
  if (!s || --s->refs > 0)
    return;
  souk_analysis_free(s->analysis);
  souk_metrics_free(s->table);
  for (int c = 0; c < SOUK_CHART_COUNT; c++)
    free(s->png[c]);
  free(s->key);
  free(s);
}

int souk__snapshot_chart(souk__snapshot *snap, souk_chart c, souk_errinfo *e) {
  if (snap->png[c])
    return 0;
  const char *tmp = getenv("TMPDIR");
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/souk-chart-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
  if (!mkdtemp(dir))
    return souk_errinfo_set(e, SOUK_EIO, "cannot make a temporary directory for a chart in %s",
                            tmp && *tmp ? tmp : P_tmpdir);
  int rc = souk_chart_write(snap->analysis, c, dir, SOUK_CHART_PNG, e);
  snprintf(path, sizeof path, "%s/%s.png", dir, souk_chart_name(c));
  if (!rc) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
      rc = souk_errinfo_set(e, SOUK_EIO, "the chart %s was not written", souk_chart_name(c));
    } else {
      snap->png[c] = malloc((size_t)st.st_size);
      if (!snap->png[c] || fread(snap->png[c], 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(snap->png[c]);
        snap->png[c] = NULL;
        rc = souk_errinfo_set(e, SOUK_EIO, "reading the chart %s back failed", souk_chart_name(c));
      } else {
        snap->png_len[c] = (size_t)st.st_size;
      }
    }
    if (f)
      fclose(f);
  }
  unlink(path);
  rmdir(dir);
  return rc;
}

souk__snapshot *souk__serve_cached(souk_serve *sv, const char *key) {
  souk__snapshot *s = sv->latest;
  if (!s || s->generation != sv->generation || (key && strcmp(s->key, key) != 0) ||
      uv_now(&sv->rt->loop) - s->kept_at > REUSE_MS)
    return NULL;
  s->refs++;
  return s;
}

void souk__serve_keep(souk_serve *sv, souk__snapshot *snap) {
  if (sv->latest == snap)
    return;
  snap->kept_at = uv_now(&sv->rt->loop);
  snap->refs++;
  souk__snapshot_unref(sv->latest);
  sv->latest = snap;
}
