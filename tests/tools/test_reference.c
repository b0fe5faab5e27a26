/* SPDX-License-Identifier: MIT */
/* The analytics against their references: the golden results of pandas 1.5 / scikit-learn
 * 1.2 for two real catalogs (tests/fixtures/golden/), and tests/tools/reference_pipeline.py
 * run now on the same fixtures and on a generated catalog. Tolerances (golden/README.md):
 * identical top-K order (ties aside), scores within 1e-9 relative, correlation within 1e-9,
 * explained variance within 1e-6, K-Means inertia at most 1% above scikit-learn's. */
#include "check.h"

#include <jansson.h>
#include <math.h>

#include "analytics/analysis.h"
#include "analytics/popularity.h"
#include "catalog_gen.h"
#include "shopify/decode.h"
#include "souk/error.h"

#define SCORE_REL 1e-9
#define CORR_ABS 1e-9
#define EVR_ABS 1e-6
#define INERTIA_SLACK 1.01

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + SOUK_DECODE_PADDING + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  fclose(f);
  memset(s + got, 0, SOUK_DECODE_PADDING + 1);
  *len = got;
  return s;
}

static double rel(double a, double b) {
  double m = fmax(fabs(a), fabs(b));
  return m == 0 ? 0 : fabs(a - b) / m;
}

/* The table of a real fixture, decoded with the Shopify decoder, with the golden popularity. */
static souk_metrics *fixture_table(const char *name, souk_catalog_page *page) {
  char path[4200];
  snprintf(path, sizeof path, "%s/fixtures/shopify/%s.json", souk_test_source_dir(), name);
  size_t len;
  char *json = slurp(path, &len);
  souk_errinfo e;
  CHECK_MSG(souk_shopify_decode_products(json, len, len + SOUK_DECODE_PADDING, 2, page, &e) == 0,
            "decode %s: %s", name, e.text);
  free(json);
  souk_metrics *t = souk_metrics_new(page->nproducts, 0, 0, &e);
  for (size_t i = 0; i < page->nproducts; i++)
    CHECK_INT(souk_metrics_add_product(t, name, &page->products[i], &e), ==, 0);
  snprintf(path, sizeof path, "%s/fixtures/golden/%s/popularity.csv", souk_test_source_dir(),
           name);
  souk_popularity_stats st;
  CHECK_MSG(souk_popularity_load_csv(t, path, 0, &st, &e) == 0, "%s", e.text);
  CHECK_INT(st.missing, ==, 0);
  return t;
}

/* The reference's results in one shape, from the golden files or the Python script. */
typedef struct ref {
  size_t n;
  json_t *topk_ids, *topk_scores, *evr, *corr, *cols;
  double inertia;
  json_t *doc;
  /* per product, by id: metric values (raw and scaled) and score */
  size_t nrows;
  int64_t *id;
  double (*raw)[SOUK_METRIC_COUNT], (*scaled)[SOUK_METRIC_COUNT], *score;
} ref;

static void ref_free(ref *r) {
  json_decref(r->doc);
  free(r->id);
  free(r->raw);
  free(r->scaled);
  free(r->score);
}

static void ref_alloc(ref *r, size_t n) {
  r->nrows = n;
  r->id = calloc(n, sizeof *r->id);
  r->raw = calloc(n, sizeof *r->raw);
  r->scaled = calloc(n, sizeof *r->scaled);
  r->score = calloc(n, sizeof *r->score);
}

static void ref_from_summary(ref *r, json_t *doc) {
  r->doc = doc;
  r->n = (size_t)json_integer_value(json_object_get(doc, "n_products"));
  r->topk_ids = json_object_get(doc, "topk_ids");
  r->topk_scores = json_object_get(doc, "topk_scores");
  r->evr = json_object_get(doc, "pca_explained_variance_ratio");
  r->corr = json_object_get(doc, "correlation");
  r->cols = json_object_get(doc, "metric_columns");
  r->inertia = json_real_value(json_object_get(doc, "kmeans_inertia"));
}

/* Golden: summary.json and metrics.csv. */
static void golden(const char *name, ref *r) {
  char path[4200];
  json_error_t je;
  snprintf(path, sizeof path, "%s/fixtures/golden/%s/summary.json", souk_test_source_dir(),
           name);
  json_t *doc = json_load_file(path, 0, &je);
  CHECK_MSG(doc != NULL, "%s: %s", path, je.text);
  ref_from_summary(r, doc);
  snprintf(path, sizeof path, "%s/fixtures/golden/%s/metrics.csv", souk_test_source_dir(), name);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  char line[4096];
  CHECK(fgets(line, sizeof line, f) != NULL);
  /* Map the header's columns. */
  int colmap[64], ncol = 0;
  char *save, *tok = strtok_r(line, ",\r\n", &save);
  for (; tok && ncol < 64; tok = strtok_r(NULL, ",\r\n", &save), ncol++) {
    char base[64];
    snprintf(base, sizeof base, "%s", tok);
    size_t bl = strlen(base);
    int scaled = bl > 2 && strcmp(base + bl - 2, "_s") == 0;
    if (scaled)
      base[bl - 2] = '\0';
    int m = souk_metric_find(base);
    colmap[ncol] = strcmp(tok, "id") == 0 ? -1 : strcmp(tok, "score") == 0 ? -2
                   : m < 0 ? -3 : scaled ? 100 + m : m;
  }
  ref_alloc(r, r->n);
  size_t i = 0;
  while (i < r->n && fgets(line, sizeof line, f)) {
    int c = 0;
    for (tok = strtok_r(line, ",\r\n", &save); tok && c < ncol;
         tok = strtok_r(NULL, ",\r\n", &save), c++) {
      int m = colmap[c];
      if (m == -1)
        r->id[i] = strtoll(tok, NULL, 10);
      else if (m == -2)
        r->score[i] = strtod(tok, NULL);
      else if (m >= 100)
        r->scaled[i][m - 100] = strtod(tok, NULL);
      else if (m >= 0)
        r->raw[i][m] = strtod(tok, NULL);
    }
    i++;
  }
  fclose(f);
  CHECK_INT(i, ==, r->n);
}

static int have_python(void) {
  return system("/usr/bin/python3 -c 'import pandas, sklearn' >/dev/null 2>&1") == 0;
}

/* Runs reference_pipeline.py on `products` (and `popularity`), reads its result. */
static void python(const char *products, const char *popularity, ref *r) {
  if (!have_python())
    SKIP("/usr/bin/python3 lacks pandas/scikit-learn: apt-get install python3-pandas "
         "python3-sklearn");
  char out[4200], cmd[13000];
  snprintf(out, sizeof out, "%s/reference.json", souk_test_tmpdir());
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tools/reference_pipeline.py' '%s' %s%s%s "
           "--out '%s'", souk_test_source_dir(), products, popularity ? "--popularity-csv '" : "",
           popularity ? popularity : "", popularity ? "'" : "", out);
  CHECK_MSG(system(cmd) == 0, "the reference failed: %s", cmd);
  json_error_t je;
  json_t *doc = json_load_file(out, 0, &je);
  CHECK_MSG(doc != NULL, "%s: %s", out, je.text);
  ref_from_summary(r, doc);
  json_t *rows = json_object_get(doc, "rows");
  json_t *ids = json_object_get(rows, "id");
  ref_alloc(r, json_array_size(ids));
  for (size_t i = 0; i < r->nrows; i++) {
    r->id[i] = json_integer_value(json_array_get(ids, i));
    r->score[i] = json_real_value(json_array_get(json_object_get(rows, "score"), i));
    for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
      char key[64];
      snprintf(key, sizeof key, "%s_s", souk_metric_name(m));
      r->raw[i][m] = json_number_value(json_array_get(json_object_get(rows, souk_metric_name(m)),
                                                      i));
      r->scaled[i][m] = json_number_value(json_array_get(json_object_get(rows, key), i));
    }
  }
}

/* Compares an analysis of t with a reference; says what it compared. */
static void compare(const char *what, const souk_metrics *t, ref *r) {
  souk_errinfo e;
  souk_analysis_options o;
  souk_analysis_options_default(&o);
  souk_analysis *a = souk_analysis_run(t, &o, &e);
  CHECK_MSG(a != NULL, "%s", e.text);
  size_t n = souk_metrics_count(t);
  CHECK_INT(n, ==, r->n);

  /* Per product: raw metrics exact, scaled and score within 1e-9 relative. */
  const int64_t *ids = souk_metrics_ids(t);
  double worst_score = 0, worst_scaled = 0;
  size_t raw_diff = 0;
  for (size_t i = 0; i < r->nrows; i++) {
    size_t row = 0;
    while (row < n && ids[row] != r->id[i])
      row++;
    CHECK_MSG(row < n, "id %lld of the reference is not in the table", (long long)r->id[i]);
    for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
      double raw = souk_metrics_column(t, (souk_metric)m)[row];
      if (raw != r->raw[i][m]) {
        raw_diff++;
        CHECK_MSG(rel(raw, r->raw[i][m]) < 1e-12, "%s: id %lld %s: C %.17g, reference %.17g",
                  what, (long long)r->id[i], souk_metric_name(m), raw, r->raw[i][m]);
      }
      double d = fabs(a->scaled[m][row] - r->scaled[i][m]);
      worst_scaled = fmax(worst_scaled, d);
      CHECK_MSG(d <= 1e-9, "%s: id %lld scaled %s: %.17g vs %.17g", what, (long long)r->id[i],
                souk_metric_name(m), a->scaled[m][row], r->scaled[i][m]);
    }
    double rr = rel(a->score[row], r->score[i]);
    worst_score = fmax(worst_score, rr);
    CHECK_MSG(rr <= SCORE_REL, "%s: id %lld score %.17g vs %.17g", what, (long long)r->id[i],
              a->score[row], r->score[i]);
  }
  SAY("%s: %zu products, six metrics equal (%zu differ in the last bits), scaled values "
      "within %.3g, scores within %.3g relative (limit 1e-9)", what, r->nrows, raw_diff,
      worst_scaled, worst_score);

  /* Top-K: the same order, except among equal scores. */
  size_t k = json_array_size(r->topk_ids), ties = 0;
  CHECK_INT(a->ntop, ==, k);
  for (size_t i = 0; i < k; i++) {
    int64_t rid = json_integer_value(json_array_get(r->topk_ids, i));
    double rs = json_real_value(json_array_get(r->topk_scores, i));
    CHECK_MSG(rel(a->score[a->top[i]], rs) <= SCORE_REL, "%s: rank %zu score %.17g vs %.17g",
              what, i + 1, a->score[a->top[i]], rs);
    if (ids[a->top[i]] != rid) {
      ties++;
      CHECK_MSG(rel(a->score[a->top[i]], rs) <= 1e-12, "%s: rank %zu is id %lld, reference "
                "%lld", what, i + 1, (long long)ids[a->top[i]], (long long)rid);
    }
  }
  SAY("%s: top-%zu identical in order (%zu positions differ only among equal scores), #1 id "
      "%lld score %.16g", what, k, ties, (long long)ids[a->top[0]], a->score[a->top[0]]);

  /* Correlation, by column name. */
  double worst_corr = 0;
  size_t nulls = 0;
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 6; j++) {
      int mi = souk_metric_find(json_string_value(json_array_get(r->cols, i)));
      int mj = souk_metric_find(json_string_value(json_array_get(r->cols, j)));
      CHECK(mi >= 0 && mj >= 0);
      json_t *v = json_array_get(json_array_get(r->corr, i), j);
      double c = a->correlation[mi * SOUK_METRIC_COUNT + mj];
      if (json_is_null(v)) {
        CHECK(isnan(c));
        nulls++;
        continue;
      }
      worst_corr = fmax(worst_corr, fabs(c - json_number_value(v)));
      CHECK_MSG(fabs(c - json_number_value(v)) <= CORR_ABS, "%s: corr(%s, %s) %.17g vs %.17g",
                what, souk_metric_name(mi), souk_metric_name(mj), c, json_number_value(v));
    }
  SAY("%s: correlation within %.3g (limit 1e-9), %zu null cells agree", what, worst_corr, nulls);

  /* PCA explained variance ratio. */
  double worst_evr = 0;
  for (size_t j = 0; j < json_array_size(r->evr) && j < SOUK_METRIC_COUNT; j++) {
    double d = fabs(a->pca.explained_variance_ratio[j] -
                    json_number_value(json_array_get(r->evr, j)));
    worst_evr = fmax(worst_evr, d);
    CHECK_MSG(d <= EVR_ABS, "%s: explained variance ratio %zu: %.17g vs %.17g", what, j,
              a->pca.explained_variance_ratio[j], json_number_value(json_array_get(r->evr, j)));
  }
  SAY("%s: PCA explained variance ratio [%.6f, %.6f, ...] within %.3g (limit 1e-6)", what,
      a->pca.explained_variance_ratio[0], a->pca.explained_variance_ratio[1], worst_evr);

  /* K-Means: k = 4, 10 restarts, inertia no worse than 1% above the reference. */
  CHECK_INT(a->clusters, ==, 4);
  CHECK_MSG(a->kmeans.inertia <= r->inertia * INERTIA_SLACK, "%s: inertia %.10g vs reference "
            "%.10g", what, a->kmeans.inertia, r->inertia);
  json_t *sizes = json_object_get(r->doc, "kmeans_sizes_sorted");
  SAY("%s: K-Means k=4, 10 restarts: inertia %.10g vs scikit-learn %.10g (%+.3f%%), sizes "
      "%zu/%zu/%zu/%zu vs %lld/%lld/%lld/%lld", what, a->kmeans.inertia, r->inertia,
      100 * (a->kmeans.inertia / r->inertia - 1), a->kmeans.sizes[0], a->kmeans.sizes[1],
      a->kmeans.sizes[2], a->kmeans.sizes[3],
      (long long)json_integer_value(json_array_get(sizes, 0)),
      (long long)json_integer_value(json_array_get(sizes, 1)),
      (long long)json_integer_value(json_array_get(sizes, 2)),
      (long long)json_integer_value(json_array_get(sizes, 3)));
  souk_analysis_free(a);
}

static void golden_case(const char *name) {
  souk_catalog_page page;
  souk_metrics *t = fixture_table(name, &page);
  ref r = {0};
  golden(name, &r);
  compare(name, t, &r);
  ref_free(&r);
  souk_metrics_free(t);
  souk_catalog_page_free(&page);
}

TEST(golden_annie_thompson) {
  golden_case("annie-thompson_products_snapshot-a");
}

TEST(golden_soulandmore) {
  golden_case("soulandmore-eg_products_page1");
}

static void python_fixture(const char *name) {
  char products[4200], pop[4200];
  snprintf(products, sizeof products, "%s/fixtures/shopify/%s.json", souk_test_source_dir(),
           name);
  snprintf(pop, sizeof pop, "%s/fixtures/golden/%s/popularity.csv", souk_test_source_dir(),
           name);
  ref r = {0};
  python(products, pop, &r);
  souk_catalog_page page;
  souk_metrics *t = fixture_table(name, &page);
  compare(name, t, &r);
  ref_free(&r);
  souk_metrics_free(t);
  souk_catalog_page_free(&page);
}

TEST(python_annie_thompson) {
  python_fixture("annie-thompson_products_snapshot-a");
}

TEST(python_soulandmore) {
  python_fixture("soulandmore-eg_products_page1");
}

static void generated_case(const char *what, size_t n, int with_popularity) {
  if (!have_python())
    SKIP("/usr/bin/python3 lacks pandas/scikit-learn: apt-get install python3-pandas "
         "python3-sklearn");
  souk_arena arena;
  souk_arena_init(&arena, 0);
  souk_product *p = malloc(n * sizeof *p);
  catalog_gen g;
  catalog_gen_init(&g, 2024);
  catalog_gen_batch(&g, &arena, p, n);
  char products[4200], pop[4200];
  snprintf(products, sizeof products, "%s/generated.json", souk_test_tmpdir());
  snprintf(pop, sizeof pop, "%s/popularity.csv", souk_test_tmpdir());
  FILE *f = fopen(products, "w");
  CHECK(f != NULL && catalog_write_page(f, p, n) == 0);
  fclose(f);
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(n, 0, 0, &e);
  for (size_t i = 0; i < n; i++)
    CHECK_INT(souk_metrics_add_product(t, "generated.example", &p[i], &e), ==, 0);
  if (with_popularity) {
    /* Sales data for 80% of the products; the rest have none (0). */
    f = fopen(pop, "w");
    fputs("id,popularity\n", f);
    uint64_t x = 5;
    for (size_t i = 0; i < n; i++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      if ((x >> 33) % 5)
        fprintf(f, "%lld,%.17g\n", (long long)p[i].id, (double)(x >> 40) / (1 << 24) * 37.5);
    }
    fclose(f);
    souk_popularity_stats st;
    CHECK_MSG(souk_popularity_load_csv(t, pop, 0, &st, &e) == 0, "%s", e.text);
    SAY("%s: %zu products, popularity for %zu, %zu without sales data", what, n, st.matched,
        st.missing);
  } else {
    SAY("%s: %zu products, no popularity signal (a constant column)", what, n);
  }
  ref r = {0};
  python(products, with_popularity ? pop : NULL, &r);
  CHECK_STR(json_string_value(json_object_get(r.doc, "popularity")),
            souk_metrics_popularity_signal(t));
  compare(what, t, &r);
  ref_free(&r);
  souk_metrics_free(t);
  free(p);
  souk_arena_free(&arena);
}

TEST(python_generated_catalog) {
  generated_case("generated", 5000, 1);
}

TEST(python_generated_no_popularity) {
  generated_case("generated, no popularity", 2000, 0);
}
