/* SPDX-License-Identifier: MIT */
/* The analytics benchmark: generates a catalog (tests/tools/catalog_gen.h) and times each
 * stage of the pipeline; or writes the same catalog as JSON Lines for the Python peer, or
 * into a product store to time loading from it.
 *
 *   souk_bench_analytics write N FILE    N products as /products.json pages, one per line
 *   souk_bench_analytics store N DIR     N products into an SQLite store in DIR (once)
 *   souk_bench_analytics run N [THREADS] [DIR]
 *                                        times the stages, prints one JSON object; with DIR,
 *                                        the table is loaded from that store (timed as "load")
 *
 * Generation is not timed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analytics/analysis.h"
#include "analytics/store_load.h"
#include "store/store.h"
#include "catalog_gen.h"
#include "souk/error.h"

#define SEED 20240601
#define BATCH 250

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_catalog(size_t n, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return 1;
  }
  catalog_gen g;
  catalog_gen_init(&g, SEED);
  souk_product p[BATCH];
  for (size_t done = 0; done < n; done += BATCH) {
    size_t m = n - done < BATCH ? n - done : BATCH;
    souk_arena a;
    souk_arena_init(&a, 0);
    catalog_gen_batch(&g, &a, p, m);
    if (catalog_write_page(f, p, m) != 0) {
      fprintf(stderr, "cannot write %s\n", path);
      return 1;
    }
    souk_arena_free(&a);
  }
  return fclose(f) == 0 ? 0 : 1;
}

/* Fills an SQLite store with the catalog (skipped when it already holds n products). */
static int fill_store(size_t n, const char *dir) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  souk_config_set(cfg, "data_dir", dir, SOUK_SRC_CLI, &e);
  souk_store *s = souk_store_open(cfg, &e);
  if (!s) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  souk_query q;
  souk_query_init(&q);
  uint64_t have = 0;
  souk_store_count(s, &q, &have);
  int rc = 0;
  if (have != n) {
    int64_t crawl;
    rc = souk_store_crawl_begin(s, "https://bench.example", "shopify", &crawl);
    catalog_gen g;
    catalog_gen_init(&g, SEED);
    souk_product p[BATCH];
    for (size_t done = 0; done < n && !rc; done += BATCH) {
      size_t m = n - done < BATCH ? n - done : BATCH;
      souk_arena a;
      souk_arena_init(&a, 0);
      catalog_gen_batch(&g, &a, p, m);
      rc = souk_store_put_products(s, crawl, "https://bench.example", p, m, NULL);
      souk_arena_free(&a);
    }
    souk_crawl_end end = {.status = rc, .complete = rc == 0};
    if (!rc)
      rc = souk_store_crawl_end(s, crawl, &end);
    if (rc)
      fprintf(stderr, "%s\n", souk_store_errmsg(s));
  }
  souk_store_close(s);
  souk_config_free(cfg);
  return rc ? 1 : 0;
}

static int run(size_t n, int threads, const char *store_dir) {
  souk_errinfo e;
  double load_ms = 0;
  souk_metrics *t = NULL;
  souk_config *cfg = NULL;
  if (store_dir) {
    cfg = souk_config_new();
    souk_config_set(cfg, "data_dir", store_dir, SOUK_SRC_CLI, &e);
    double t0 = now_ms();
    souk_store *s = souk_store_open(cfg, &e);
    if (s) {
      souk_store_load_options lo = {.popularity = SOUK_POPULARITY_NONE};
      t = souk_metrics_from_store(s, &lo, NULL, &e);
      souk_store_close(s);
    }
    load_ms = now_ms() - t0;
  } else {
    t = souk_metrics_new(n, 0, 0, &e);
  }
  if (!t) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  n = souk_metrics_count(t) ? (store_dir ? souk_metrics_count(t) : n) : n;
  catalog_gen g;
  catalog_gen_init(&g, SEED);
  souk_product p[BATCH];
  double metrics_ms = 0;
  for (size_t done = 0; !store_dir && done < n; done += BATCH) {
    size_t m = n - done < BATCH ? n - done : BATCH;
    souk_arena a;
    souk_arena_init(&a, 0);
    catalog_gen_batch(&g, &a, p, m);
    double t0 = now_ms();
    for (size_t i = 0; i < m; i++)
      if (souk_metrics_add_product(t, "bench.example", &p[i], &e) != 0) {
        fprintf(stderr, "%s\n", e.text);
        return 1;
      }
    metrics_ms += now_ms() - t0;
    souk_arena_free(&a);
  }
  souk_analysis_options o;
  souk_analysis_options_default(&o);
  o.threads = threads;
  o.silhouette_sample = 0; /* the peer computes neither: timed apart below */
  o.elbow_max_k = 0;
  souk_analysis *an = souk_analysis_run(t, &o, &e);
  if (!an) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  double t0 = now_ms();
  double sil = souk_silhouette((const double *const *)an->scaled, SOUK_METRIC_COUNT, n,
                               an->kmeans.labels, an->clusters, 4000, 0);
  double sil_ms = now_ms() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  json_int_t iters = 0;
  for (int r = 0; r < an->kmeans.restarts; r++)
    iters += an->kmeans.restart_iter[r];
  json_t *out = json_pack(
      "{s:I,s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f},s:f,s:i,s:I,s:f,s:I,s:I}", "n", (json_int_t)n,
      "timings_ms", "load", load_ms, "metrics", metrics_ms, "scale_score", an->timing.scale_score_ms, "top_k",
      an->timing.topk_ms, "correlation", an->timing.correlation_ms, "pca", an->timing.pca_ms,
      "kmeans", an->timing.kmeans_ms, "silhouette_4000", sil_ms, "kmeans_inertia",
      an->kmeans.inertia, "kmeans_n_iter", an->kmeans.n_iter, "kmeans_iterations_all", iters,
      "silhouette", sil, "peak_rss_kb",
      (json_int_t)ru.ru_maxrss, "top1_id", (json_int_t)souk_metrics_ids(t)[an->top[0]]);
  json_dumpf(out, stdout, JSON_COMPACT);
  putchar('\n');
  json_decref(out);
  souk_analysis_free(an);
  souk_metrics_free(t);
  souk_config_free(cfg);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "write") == 0)
    return write_catalog((size_t)strtoull(argv[2], NULL, 10), argv[3]);
  if (argc >= 4 && strcmp(argv[1], "store") == 0)
    return fill_store((size_t)strtoull(argv[2], NULL, 10), argv[3]);
  if (argc >= 3 && strcmp(argv[1], "run") == 0)
    return run((size_t)strtoull(argv[2], NULL, 10), argc >= 4 ? atoi(argv[3]) : 0,
               argc >= 5 ? argv[4] : NULL);
  fprintf(stderr, "usage: %s write N FILE | store N DIR | run N [THREADS] [DIR]\n", argv[0]);
  return 2;
}
