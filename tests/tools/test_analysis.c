/* SPDX-License-Identifier: MIT */
/* Tests of the analysis pipeline (tools/analytics/analysis.h) on bad and edge-case input, and
 * of its outputs: the CSV files, analysis.json, the charts and the terminal summary. */
#include "check.h"

#include <jansson.h>
#include <math.h>
#include <sys/stat.h>

#include "analytics/analysis.h"
#include "analytics/charts.h"
#include "analytics/report.h"
#include "catalog_gen.h"
#include "souk/error.h"

static souk_analysis_options quick(void) {
  souk_analysis_options o;
  souk_analysis_options_default(&o);
  o.restarts = 3;
  return o;
}

static souk_metrics *generated(size_t n, const char *store) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(n, 0, 0, &e);
  souk_arena a;
  souk_arena_init(&a, 0);
  souk_product *p = malloc(n * sizeof *p);
  catalog_gen g;
  catalog_gen_init(&g, 42);
  catalog_gen_batch(&g, &a, p, n);
  for (size_t i = 0; i < n; i++)
    CHECK_INT(souk_metrics_add_product(t, i % 5 == 4 ? "second.example" : store, &p[i], &e), ==,
              0);
  for (size_t i = 0; i < n; i++)
    souk_metrics_set_popularity(t, i, (double)(i * 37 % 101) / 100.0, NULL);
  souk_metrics_set_popularity_signal(t, "csv:sales.csv", NULL);
  free(p);
  souk_arena_free(&a);
  return t;
}

TEST(empty_table) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  souk_analysis_options o = quick();
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  CHECK_INT(e.code, ==, SOUK_EEMPTY);
  CHECK_HAS(e.text, "no products to analyse");
  souk_metrics_free(t);
  SAY("an empty store: SOUK_EEMPTY, '%s'", e.text);
}

TEST(bad_options) {
  souk_errinfo e;
  souk_metrics *t = generated(50, "a.example");
  souk_analysis_options o = quick();
  o.weights[2] = -1;
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  CHECK_HAS(e.text, "must not be negative");
  o = quick();
  memset(o.weights, 0, sizeof o.weights);
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  CHECK_HAS(e.text, "sum to 0");
  o = quick();
  o.weights[0] = NAN;
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  o = quick();
  o.top_k = 0;
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  CHECK_HAS(e.text, "top_k must be at least 1");
  o = quick();
  o.clusters = -1;
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  o.clusters = 100000;
  CHECK(souk_analysis_run(t, &o, &e) == NULL);
  CHECK_INT(e.code, ==, SOUK_EINVAL);
  souk_metrics_free(t);
  SAY("negative, zero-sum and NaN weights, top_k 0, clusters -1 and 100000: SOUK_EINVAL");
}

TEST(one_product) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  double v[SOUK_METRIC_COUNT] = {1, 3, 20, 2, 100, 0};
  souk_metrics_add_row(t, "solo.example", 1, "Only", v, &e);
  souk_analysis_options o = quick();
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL);
  CHECK_INT(a->ntop, ==, 1);
  CHECK(a->score[0] == 0.20); /* every column constant: only (1 - avg_price) = 1 counts */
  for (int i = 0; i < 36; i++)
    CHECK(isnan(a->correlation[i]));
  CHECK(a->pca.degenerate);
  CHECK_INT(a->clusters, ==, 1);
  CHECK_HAS(a->clusters_note, "only 1 distinct metric profile");
  CHECK(a->kmeans.inertia == 0.0);
  CHECK(isnan(a->silhouette));
  CHECK_INT(a->elbow_n, ==, 1);
  const char *dir = souk_test_tmpdir();
  CHECK_INT(souk_report_write_all(a, dir, &e), ==, 0);
  souk_analysis_free(a);
  souk_metrics_free(t);
  SAY("one product: score 0.2 (constant columns scale to 0), correlation all null, PCA "
      "degenerate, k reduced to 1, all outputs written");
}

TEST(all_equal_columns) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  double v[SOUK_METRIC_COUNT] = {0.5, 3, 20, 2, 100, 0};
  for (int i = 0; i < 30; i++)
    souk_metrics_add_row(t, "same.example", 100 - i, "Same", v, &e);
  souk_analysis_options o = quick();
  o.top_k = 5;
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL);
  for (int i = 0; i < 5; i++) /* all tie: ids ascending */
    CHECK_INT(souk_metrics_ids(t)[a->top[i]], ==, 71 + i);
  CHECK_INT(a->clusters, ==, 1);
  CHECK(a->pca.degenerate);
  CHECK_INT(souk_report_write_all(a, souk_test_tmpdir(), &e), ==, 0);
  souk_analysis_free(a);
  souk_metrics_free(t);
  SAY("30 identical products: all scores tie, top-5 = ids 71..75; one cluster; outputs "
      "written");
}

TEST(k_larger_than_products) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  for (int i = 0; i < 3; i++) {
    double v[SOUK_METRIC_COUNT] = {i * 0.5, i, 10 + i, 1, 50, i};
    souk_metrics_add_row(t, "tiny.example", i + 1, "T", v, &e);
  }
  souk_analysis_options o = quick();
  o.clusters = 8;
  o.top_k = 20;
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL);
  CHECK_INT(a->ntop, ==, 3);
  CHECK_INT(a->clusters_requested, ==, 8);
  CHECK_INT(a->clusters, ==, 3);
  CHECK(a->kmeans.inertia == 0.0);
  CHECK_INT(a->elbow_n, ==, 3);
  SAY("3 products, k = 8, top 20: %s; top-K lists 3", a->clusters_note);
  souk_analysis_free(a);
  o.clusters = 0;
  a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL && a->clusters == 0);
  souk_report_print(a, stdout);
  souk_analysis_free(a);
  souk_metrics_free(t);
  SAY("clusters = 0 skips K-Means");
}

static char *slurp(const char *dir, const char *name, size_t *len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  if (len)
    *len = got;
  return s;
}

TEST(outputs) {
  souk_errinfo e;
  souk_metrics *t = generated(3000, "first.example");
  souk_analysis_options o = quick();
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL);
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/out/nested", souk_test_tmpdir());
  CHECK_INT(souk_report_write_all(a, dir, &e), ==, 0);

  size_t len;
  char *topk = slurp(dir, "top_k.csv", &len);
  CHECK(topk != NULL);
  CHECK(strncmp(topk, "rank,id,store,title,score,available_ratio,num_tags,avg_price,num_images,"
                      "description_length,popularity_score,contrib_available_ratio,", 120) == 0);
  int lines = 0;
  for (char *p = topk; *p; p++)
    lines += *p == '\n';
  CHECK_INT(lines, ==, 21);
  char *scored = slurp(dir, "products_scored.csv", NULL);
  lines = 0;
  for (char *p = scored; *p; p++)
    lines += *p == '\n';
  CHECK_INT(lines, ==, 3001);
  CHECK(strstr(scored, ",cluster,pc1,pc2\n1,") != NULL);
  SAY("top_k.csv: header + 20 rows; products_scored.csv: header + 3000 rows in rank order");

  json_error_t je;
  char path[4300];
  snprintf(path, sizeof path, "%s/analysis.json", dir);
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  CHECK_MSG(doc != NULL, "analysis.json: %s", je.text);
  CHECK_INT(json_integer_value(json_object_get(doc, "products")), ==, 3000);
  CHECK_STR(json_string_value(json_object_get(doc, "popularity_signal")), "csv:sales.csv");
  CHECK_INT(json_array_size(json_object_get(doc, "stores")), ==, 2);
  json_t *top = json_object_get(json_object_get(doc, "top_k"), "products");
  CHECK_INT(json_array_size(top), ==, 20);
  json_t *first = json_array_get(top, 0);
  double sum = 0;
  const char *key;
  json_t *val;
  json_object_foreach(json_object_get(first, "contributions"), key, val) sum += json_real_value(val);
  double score = json_real_value(json_object_get(first, "score"));
  CHECK(fabs(sum - score) < 1e-12);
  CHECK_INT(json_array_size(json_object_get(json_object_get(doc, "kmeans"), "clusters")), ==, 4);
  CHECK(json_is_real(json_object_get(json_object_get(json_object_get(doc, "kmeans"),
                                                     "silhouette"), "value")));
  CHECK_INT(json_array_size(json_object_get(json_object_get(json_object_get(doc, "kmeans"),
                                                            "elbow"), "inertia")), ==, 8);
  CHECK_INT(json_array_size(json_object_get(json_object_get(doc, "correlation"), "matrix")), ==,
            6);
  SAY("analysis.json parses; the #1 product's contributions add up to its score %.6f; 4 "
      "clusters, silhouette, 8-point elbow, 6x6 correlation", score);
  json_decref(doc);

  for (int c = 0; c < SOUK_CHART_COUNT; c++) {
    char name[128];
    snprintf(name, sizeof name, "%s.png", souk_chart_name((souk_chart)c));
    size_t n;
    char *png = slurp(dir, name, &n);
    CHECK_MSG(png != NULL && n > 10000 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0,
              "%s is not a PNG", name);
    free(png);
    snprintf(name, sizeof name, "%s.svg", souk_chart_name((souk_chart)c));
    char *svg = slurp(dir, name, &n);
    CHECK_MSG(svg != NULL && strstr(svg, "<svg") != NULL, "%s is not an SVG", name);
    free(svg);
  }
  SAY("4 charts as PNG (PNG signature, > 10 kB) and SVG");

  /* The terminal summary. */
  char tpath[4300];
  snprintf(tpath, sizeof tpath, "%s/summary.txt", dir);
  FILE *f = fopen(tpath, "w");
  souk_report_print(a, f);
  fclose(f);
  char *txt = slurp(dir, "summary.txt", NULL);
  CHECK_HAS(txt, "Top 20 of 3000 products across 2 stores (popularity signal: csv:sales.csv)");
  CHECK_HAS(txt, "Clusters: k-means, k = 4, 3 restarts");
  fputs(txt, stdout);
  free(txt);
  free(topk);
  free(scored);

  /* An unwritable directory: a clear error, nothing half-written. */
  CHECK_INT(souk_report_write_all(a, "/proc/souk-no", &e), ==, SOUK_EIO);
  SAY("unwritable output directory: %s", e.text);
  souk_analysis_free(a);
  souk_metrics_free(t);
}

TEST(csv_quoting_and_numbers) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  double v1[SOUK_METRIC_COUNT] = {1, 2, 19.99, 1, 10, 0.1};
  double v2[SOUK_METRIC_COUNT] = {0, 1, 5, 0, 3, 0};
  souk_metrics_add_row(t, "shop, \"one\".example", 1, "Caf\xC3\xA9, \"linen\"\nshirt", v1, &e);
  souk_metrics_add_row(t, "plain.example", 2, "Plain", v2, &e);
  souk_analysis_options o = quick();
  o.clusters = 2;
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK(a != NULL);
  const char *dir = souk_test_tmpdir();
  CHECK_INT(souk_report_write_topk_csv(a, dir, &e), ==, 0);
  CHECK_INT(souk_report_write_scored_csv(a, dir, &e), ==, 0);
  char *csv = slurp(dir, "top_k.csv", NULL);
  CHECK_HAS(csv, "\n1,1,\"shop, \"\"one\"\".example\",\"Caf\xC3\xA9, \"\"linen\"\"\nshirt\",");
  CHECK_HAS(csv, ",1,2,19.99,1,10,0.1,");  /* shortest exact numbers */
  CHECK_HAS(csv, "\n2,2,plain.example,Plain,");
  free(csv);
  csv = slurp(dir, "products_scored.csv", NULL);
  CHECK_HAS(csv, "\"Caf\xC3\xA9, \"\"linen\"\"\nshirt\"");
  free(csv);
  souk_analysis_free(a);
  souk_metrics_free(t);
  SAY("store and title with commas, quotes and a newline are quoted as RFC 4180 wants; "
      "numbers print in their shortest exact form (19.99, 0.1)");
}
