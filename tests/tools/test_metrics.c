/* SPDX-License-Identifier: MIT */
/* Tests of the metrics table (tools/analytics/metrics.h) and the popularity CSV import
 * (popularity.h): definitions, validation, and bad input that loses nothing. */
#include "check.h"

#include <math.h>

#include "analytics/metrics.h"
#include "analytics/popularity.h"
#include "souk/error.h"

static souk_metrics *table3(void) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  CHECK(t != NULL);
  double v[SOUK_METRIC_COUNT] = {1, 2, 3, 4, 5, 0};
  CHECK_INT(souk_metrics_add_row(t, "a.example", 10, "ten", v, &e), ==, 0);
  CHECK_INT(souk_metrics_add_row(t, "a.example", 20, "twenty", v, &e), ==, 0);
  CHECK_INT(souk_metrics_add_row(t, "b.example", 30, "thirty", v, &e), ==, 0);
  return t;
}

TEST(product_metrics) {
  souk_variant v[4] = {
      {.id = 1, .price = 1999, .compare_at_price = SOUK_NO_PRICE, .available = 1},
      {.id = 2, .price = 2501, .compare_at_price = SOUK_NO_PRICE, .available = 0},
      {.id = 3, .price = SOUK_NO_PRICE, .compare_at_price = SOUK_NO_PRICE, .available = -1},
      {.id = 4, .price = 0, .compare_at_price = SOUK_NO_PRICE, .available = 1}};
  const char *tags[] = {"a", "b", "c"};
  souk_image img[2] = {{"x", 0, 0}, {"y", 0, 0}};
  souk_product p = {.id = 7, .title = "T", .tags = tags, .ntags = 3,
                    .body_html = "<p>Fish &amp; chips</p>", .variants = v, .nvariants = 4,
                    .images = img, .nimages = 2, .price_decimals = 2};
  double m[SOUK_METRIC_COUNT];
  CHECK_INT(souk_product_metrics(&p, m), ==, 0);
  CHECK(m[SOUK_METRIC_AVG_PRICE] == (19.99 + 25.01 + 0.0) / 3);
  CHECK(m[SOUK_METRIC_AVAILABLE_RATIO] == 0.5); /* unknown availability is not available */
  CHECK(m[SOUK_METRIC_NUM_TAGS] == 3);
  CHECK(m[SOUK_METRIC_NUM_IMAGES] == 2);
  CHECK(m[SOUK_METRIC_DESCRIPTION_LENGTH] == 12);
  CHECK(m[SOUK_METRIC_POPULARITY] == 0);
  SAY("avg_price %.6f over the 3 priced variants, available_ratio 0.5 (unknown counts as not "
      "available), tags 3, images 2, description 12 code points",
      m[SOUK_METRIC_AVG_PRICE]);

  souk_product empty = {.id = 8, .price_decimals = 0};
  CHECK_INT(souk_product_metrics(&empty, m), ==, 0);
  for (int i = 0; i < SOUK_METRIC_COUNT; i++)
    CHECK(m[i] == 0.0);
  p.price_decimals = 3;
  CHECK_INT(souk_product_metrics(&p, m), ==, 0);
  CHECK(m[SOUK_METRIC_AVG_PRICE] == (1.999 + 2.501 + 0.0) / 3);
  p.price_decimals = 19;
  CHECK_INT(souk_product_metrics(&p, m), ==, SOUK_EINVAL);
  SAY("no variants, tags, images or body: every metric 0; price_decimals 3 divides by 1000; "
      "19 is refused");
}

TEST(table_rows_and_stores) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(2, 0, 0, &e);
  CHECK(t != NULL);
  CHECK_STR(souk_metrics_popularity_signal(t), "none");
  souk_product p = {.id = 5, .title = "Caf\xC3\xA9, \"quoted\"", .price_decimals = 2};
  char store[32];
  for (int i = 0; i < 2500; i++) {
    p.id = 1000 + i;
    snprintf(store, sizeof store, "store-%d.example", i % 3 == 2 ? 1 : 0); /* reused buffer */
    CHECK_INT(souk_metrics_add_product(t, store, &p, &e), ==, 0);
  }
  CHECK_INT(souk_metrics_count(t), ==, 2500);
  CHECK_INT(souk_metrics_store_count(t), ==, 2);
  CHECK_STR(souk_metrics_store(t, 0), "store-0.example");
  CHECK_STR(souk_metrics_store(t, 2), "store-1.example");
  CHECK_STR(souk_metrics_store(t, 3), "store-0.example");
  CHECK_STR(souk_metrics_title(t, 2499), "Caf\xC3\xA9, \"quoted\"");
  CHECK_INT(souk_metrics_ids(t)[2499], ==, 3499);
  CHECK_INT(souk_metrics_add_product(t, NULL, &p, &e), ==, 0);
  CHECK_STR(souk_metrics_store(t, 2500), "");
  souk_metrics_free(t);
  SAY("2500 rows grow the columns; stores interned by name even from a reused buffer");
}

TEST(bad_rows_refused) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 2, 0, &e);
  double v[SOUK_METRIC_COUNT] = {1, 2, 3, 4, 5, 6};
  v[SOUK_METRIC_AVG_PRICE] = NAN;
  CHECK_INT(souk_metrics_add_row(t, "s", 1, "x", v, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "avg_price is NaN");
  v[SOUK_METRIC_AVG_PRICE] = 1;
  v[SOUK_METRIC_POPULARITY] = -INFINITY;
  CHECK_INT(souk_metrics_add_row(t, "s", 1, "x", v, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "popularity_score is infinite");
  CHECK_INT(souk_metrics_count(t), ==, 0);
  v[SOUK_METRIC_POPULARITY] = 0;
  CHECK_INT(souk_metrics_add_row(t, "s", 1, "x", v, &e), ==, 0);
  CHECK_INT(souk_metrics_add_row(t, "s", 2, "y", v, &e), ==, 0);
  CHECK_INT(souk_metrics_add_row(t, "s", 3, "z", v, &e), ==, SOUK_ELIMIT);
  CHECK_HAS(e.text, "at most 2 products");
  CHECK_INT(souk_metrics_count(t), ==, 2);
  souk_product p = {.id = 9, .price_decimals = -1};
  souk_metrics *t2 = souk_metrics_new(0, 0, 0, &e);
  CHECK_INT(souk_metrics_add_product(t2, "s", &p, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "price_decimals -1");
  CHECK_INT(souk_metrics_set_popularity(t, 5, 1.0, &e), ==, SOUK_EINVAL);
  CHECK_INT(souk_metrics_set_popularity(t, 0, NAN, &e), ==, SOUK_EINVAL);
  CHECK_INT(souk_metrics_set_popularity_signal(t, "", &e), ==, SOUK_EINVAL);
  CHECK(souk_metrics_column(t, SOUK_METRIC_POPULARITY)[0] == 0.0);
  souk_metrics_free(t);
  souk_metrics_free(t2);
  SAY("NaN/Inf metrics, a full table, bad price_decimals, bad popularity: refused with a "
      "sentence, table unchanged");
}

static int load(souk_metrics *t, const char *csv, unsigned flags, souk_popularity_stats *st,
                souk_errinfo *e) {
  return souk_popularity_parse_csv(t, "sales.csv", csv, strlen(csv), flags, st, e);
}

TEST(popularity_csv) {
  souk_metrics *t = table3();
  souk_errinfo e;
  souk_popularity_stats st;
  CHECK_INT(load(t, "\xEF\xBB\xBFId, Popularity\r\n10,0.5\r\n\r\n30,\"1e2\"\r\n", 0, &st, &e),
            ==, 0);
  const double *pop = souk_metrics_column(t, SOUK_METRIC_POPULARITY);
  CHECK(pop[0] == 0.5 && pop[1] == 0.0 && pop[2] == 100.0);
  CHECK_INT(st.rows, ==, 2);
  CHECK_INT(st.matched, ==, 2);
  CHECK_INT(st.missing, ==, 1);
  CHECK_STR(souk_metrics_popularity_signal(t), "csv:sales.csv");
  SAY("BOM, CRLF, header case and spaces, quotes, blank lines; id 20 missing gets 0");

  CHECK_INT(load(t, "sku,popularity,name,id\nA,7,\"Shirt, \"\"linen\"\"\",20\n", 0, &st, &e),
            ==, 0);
  CHECK(pop[1] == 7.0 && pop[0] == 0.0);
  SAY("extra columns in any order, quoted commas and quotes are fine");

  CHECK_INT(load(t, "id,popularity\n10,1\n99,2\n98,3\n", 0, &st, &e), ==, SOUK_ENOENT);
  CHECK_HAS(e.text, "sales.csv:3: id 99 is not a product being analysed (2 of the file's 3");
  CHECK(pop[1] == 7.0);
  CHECK_INT(load(t, "id,popularity\n10,1\n99,2\n", SOUK_POPULARITY_IGNORE_UNKNOWN, &st, &e), ==,
            0);
  CHECK_INT(st.unknown, ==, 1);
  CHECK(pop[0] == 1.0 && pop[1] == 0.0);
  SAY("unknown ids refused (%s), or counted with SOUK_POPULARITY_IGNORE_UNKNOWN", e.text);
  souk_metrics_free(t);
}

TEST(popularity_csv_errors) {
  souk_metrics *t = table3();
  souk_errinfo e;
  CHECK_INT(load(t, "id,popularity\n10,4\n", 0, NULL, &e), ==, 0);
  static const struct {
    const char *csv;
    int code;
    const char *msg;
  } bad[] = {
      {"", SOUK_EEMPTY, "sales.csv: the file is empty"},
      {"id,popularity\n", SOUK_EEMPTY, "header but no rows"},
      {"id,score\n10,1\n", SOUK_EPARSE, "sales.csv:1: the header must name the columns"},
      {"id,popularity\n10,1\n20\n", SOUK_EPARSE, "sales.csv:3: the row has 1 field"},
      {"id,popularity\nten,1\n", SOUK_EPARSE, "sales.csv:2: id 'ten' is not a whole number"},
      {"id,popularity\n10.5,1\n", SOUK_EPARSE, "id '10.5'"},
      {"id,popularity\n99999999999999999999,1\n", SOUK_EPARSE, "is not a whole number"},
      {"id,popularity\n10,high\n", SOUK_EPARSE, "popularity 'high' of id 10 is not a number"},
      {"id,popularity\n10,\n", SOUK_EPARSE, "popularity '' of id 10"},
      {"id,popularity\n10,nan\n", SOUK_EPARSE, "is not a finite number"},
      {"id,popularity\n10,inf\n", SOUK_EPARSE, "is not a finite number"},
      {"id,popularity\n10,1e999\n", SOUK_EPARSE, "is not a finite number"},
      {"id,popularity\n10,\"1\n", SOUK_EPARSE, "sales.csv:2: a quoted field is not closed"},
      {"id,popularity\n10,\"1\"x\n", SOUK_EPARSE, "text after a closing quote"},
      {"id,popularity\n10,1\n20,2\n10,3\n", SOUK_EDUPLICATE, "id 10 is listed twice (lines 2 "
                                                             "and 4)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    souk_errinfo_clear(&e);
    CHECK_INT(load(t, bad[i].csv, 0, NULL, &e), ==, bad[i].code);
    CHECK_HAS(e.text, bad[i].msg);
    CHECK(souk_metrics_column(t, SOUK_METRIC_POPULARITY)[0] == 4.0);
  }
  SAY("%zu malformed files refused with file:line sentences; the column kept its values",
      sizeof bad / sizeof bad[0]);
  CHECK_INT(souk_popularity_load_csv(t, "/nonexistent/sales.csv", 0, NULL, &e), ==,
            SOUK_ENOENT);
  CHECK_HAS(e.text, "cannot open popularity file");
  CHECK_INT(souk_popularity_load_csv(t, souk_test_source_dir(), 0, NULL, &e), ==, SOUK_EIO);
  SAY("a missing file and a directory: %s", e.text);

  char path[4200];
  snprintf(path, sizeof path, "%s/pop.csv", souk_test_tmpdir());
  FILE *f = fopen(path, "w");
  fputs("id,popularity\n30,0.25\n", f);
  fclose(f);
  souk_popularity_stats st;
  CHECK_INT(souk_popularity_load_csv(t, path, 0, &st, &e), ==, 0);
  CHECK_STR(souk_metrics_popularity_signal(t), "csv:pop.csv");
  CHECK(souk_metrics_column(t, SOUK_METRIC_POPULARITY)[2] == 0.25);
  SAY("a real file loads; the signal names the file, not its directory");
  souk_metrics_free(t);
}
