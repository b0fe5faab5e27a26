/* SPDX-License-Identifier: MIT */
/* Tests of the weighted score (tools/analytics/scoring.h) and top-K (topk.h). */
#include "check.h"

#include <float.h>
#include <math.h>

#include "analytics/metrics.h"
#include "analytics/scoring.h"
#include "analytics/topk.h"
#include "souk/error.h"

TEST(weights) {
  souk_errinfo e;
  double w[SOUK_METRIC_COUNT];
  CHECK_INT(souk_weights_validate(souk_default_weights, &e), ==, 0);
  CHECK_INT(souk_weights_parse("0.3,0.1,0.2,0.1,0.1,0.2", w, &e), ==, 0);
  CHECK(w[0] == 0.3 && w[5] == 0.2);
  CHECK_INT(souk_weights_parse("avg_price=0.5,popularity_score=0", w, &e), ==, 0);
  CHECK(w[SOUK_METRIC_AVG_PRICE] == 0.5 && w[SOUK_METRIC_POPULARITY] == 0 &&
        w[SOUK_METRIC_AVAILABLE_RATIO] == 0.25);
  SAY("six numbers, or metric=value pairs over the defaults");
  static const struct {
    const char *in, *msg;
  } bad[] = {
      {"", "empty weights"},
      {"1,2,3", "3 numbers given"},
      {"1,1,1,1,1,1,1", "more than six"},
      {"0,0,0,0,0,0", "sum to 0"},
      {"-0.1,0.2,0.2,0.2,0.2,0.3", "must not be negative"},
      {"nan,1,1,1,1,1", "is NaN"},
      {"inf,1,1,1,1,1", "is infinite"},
      {"1e308,1e308,1,1,1,1", "sum is not a finite number"},
      {"1e999,1,1,1,1,1", "is not a number"},
      {"x,1,1,1,1,1", "'x' is not a number"},
      {"price=1", "unknown metric 'price'"},
      {"avg_price=1,0.2", "is not metric=value"},
  };
  double keep[SOUK_METRIC_COUNT] = {9, 9, 9, 9, 9, 9};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memcpy(w, keep, sizeof w);
    CHECK_INT(souk_weights_parse(bad[i].in, w, &e), ==, SOUK_EINVAL);
    CHECK_HAS(e.text, bad[i].msg);
    CHECK(w[0] == 9);
  }
  SAY("%zu absurd weights refused with a sentence, weights unchanged",
      sizeof bad / sizeof bad[0]);
}

TEST(minmax_scaling) {
  souk_errinfo e;
  souk_metrics *t = souk_metrics_new(0, 0, 0, &e);
  souk_scaler s;
  CHECK_INT(souk_scaler_fit(&s, t, &e), ==, SOUK_EEMPTY);
  double rows[3][SOUK_METRIC_COUNT] = {
      {0.5, 3, 465, 1, 7, 1e-16}, {0.5, 5, 2500, 2, 7, 2e-16}, {0.5, 4, 725, 3, 7, 0}};
  for (int i = 0; i < 3; i++)
    CHECK_INT(souk_metrics_add_row(t, "s", i + 1, "", rows[i], &e), ==, 0);
  CHECK_INT(souk_scaler_fit(&s, t, &e), ==, 0);
  double out[3];
  souk_scaler_transform(&s, SOUK_METRIC_AVG_PRICE,
                        souk_metrics_column(t, SOUK_METRIC_AVG_PRICE), out, 3);
  /* scikit-learn: x * (1 / range) + (-(min * scale)). */
  double scale = 1.0 / (2500.0 - 465.0), off = -(465.0 * scale);
  CHECK(out[0] == 465.0 * scale + off && out[1] == 2500.0 * scale + off &&
        out[2] == 725.0 * scale + off);
  CHECK(out[0] == 0.0);
  CHECK(s.constant[SOUK_METRIC_AVAILABLE_RATIO] && s.constant[SOUK_METRIC_DESCRIPTION_LENGTH]);
  CHECK(s.constant[SOUK_METRIC_POPULARITY]); /* range 2e-16 < 10 * DBL_EPSILON */
  souk_scaler_transform(&s, SOUK_METRIC_AVAILABLE_RATIO,
                        souk_metrics_column(t, SOUK_METRIC_AVAILABLE_RATIO), out, 3);
  CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);
  SAY("scaled = x*scale + offset exactly as MinMaxScaler; constant columns (and a range "
      "below 10*DBL_EPSILON) scale to 0");
  souk_metrics_free(t);

  /* A range that overflows a double still scales into [0, 1]. */
  t = souk_metrics_new(0, 0, 0, &e);
  double big[2][SOUK_METRIC_COUNT] = {{0, 0, -1e308, 0, 0, 0}, {0, 0, 1e308, 0, 0, 0}};
  souk_metrics_add_row(t, "s", 1, "", big[0], &e);
  souk_metrics_add_row(t, "s", 2, "", big[1], &e);
  CHECK_INT(souk_scaler_fit(&s, t, &e), ==, 0);
  souk_scaler_transform(&s, SOUK_METRIC_AVG_PRICE,
                        souk_metrics_column(t, SOUK_METRIC_AVG_PRICE), out, 2);
  CHECK(out[0] == 0.0 && fabs(out[1] - 1.0) < 1e-15);
  SAY("values of +-1e308 (range overflows) scale to %g and %.17g", out[0], out[1]);
  souk_metrics_free(t);
}

TEST(score_and_contributions) {
  double c[SOUK_METRIC_COUNT][2] = {{1, 0}, {0.5, 1}, {0.25, 1}, {0, 1}, {1, 0}, {0.3, 0.7}};
  const double *cols[SOUK_METRIC_COUNT];
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    cols[m] = c[m];
  double score[2];
  const double *w = souk_default_weights;
  souk_score_compute(cols, 2, w, score);
  double want = w[0] * 1 + w[1] * 0.5 + w[2] * (1 - 0.25) + w[3] * 0 + w[4] * 1 + w[5] * 0.3;
  CHECK(score[0] == want);
  double sum = 0;
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    sum += souk_score_contribution(w, m, c[m][0]);
  CHECK(sum == score[0]);
  CHECK(souk_score_contribution(w, SOUK_METRIC_AVG_PRICE, 0.25) == 0.2 * 0.75);
  CHECK(souk_score_contribution(w, SOUK_METRIC_AVG_PRICE, 1.0) == 0.0);
  SAY("score %.17g = w1*t1 + ... + w6*t6 left to right, bit for bit; contributions add up; "
      "the cheapest product gets the full price weight", score[0]);
}

TEST(topk_order_and_ties) {
  double score[8] = {0.5, 0.9, 0.5, 0.7, 0.9, 0.1, 0.5, 0.7};
  int64_t id[8] = {40, 20, 10, 70, 5, 1, 30, 70};
  size_t rows[8], n;
  CHECK_INT(souk_topk(score, id, 8, 5, rows, &n), ==, 0);
  CHECK_INT(n, ==, 5);
  size_t want[5] = {4, 1, 3, 7, 2}; /* 0.9 id5, 0.9 id20, 0.7 id70 row3, 0.7 id70 row7, 0.5 id10 */
  for (int i = 0; i < 5; i++)
    CHECK_INT(rows[i], ==, want[i]);
  CHECK_INT(souk_topk(score, id, 8, 100, rows, &n), ==, 0);
  CHECK_INT(n, ==, 8);
  CHECK_INT(rows[7], ==, 5);
  CHECK_INT(souk_topk(score, id, 8, 0, rows, &n), ==, 0);
  CHECK_INT(n, ==, 0);
  CHECK_INT(souk_topk(score, id, 0, 5, rows, &n), ==, 0);
  CHECK_INT(n, ==, 0);
  SAY("score descending, ties by id then row; K > n lists all; K = 0 or n = 0 lists none");
}

static int before(double sa, int64_t ia, size_t ra, double sb, int64_t ib, size_t rb) {
  if (sa != sb)
    return sa > sb;
  if (ia != ib)
    return ia < ib;
  return ra < rb;
}

TEST(topk_matches_full_sort) {
  enum { N = 20000 };
  static double score[N];
  static int64_t id[N];
  uint64_t x = 99;
  for (int i = 0; i < N; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    score[i] = (double)((x >> 40) % 500) / 500.0; /* many ties */
    id[i] = (int64_t)((x >> 20) % 5000);          /* repeated ids too */
  }
  static size_t rows[N];
  size_t n;
  size_t ks[] = {1, 20, 1000, N};
  for (size_t t = 0; t < 4; t++) {
    CHECK_INT(souk_topk(score, id, N, ks[t], rows, &n), ==, 0);
    CHECK_INT(n, ==, ks[t]);
    for (size_t i = 1; i < n; i++)
      CHECK(before(score[rows[i - 1]], id[rows[i - 1]], rows[i - 1], score[rows[i]],
                   id[rows[i]], rows[i]));
    /* Nothing outside ranks before the last one inside. */
    size_t last = rows[n - 1], better = 0;
    for (size_t i = 0; i < N; i++)
      better += before(score[i], id[i], i, score[last], id[last], last);
    CHECK_INT(better, ==, n - 1);
  }
  SAY("20000 scores with ties: K = 1, 20, 1000, 20000 agree with a full sort");
}
