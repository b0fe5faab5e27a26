/* SPDX-License-Identifier: MIT */
/* Tests of the statistics: Pearson correlation, PCA (LAPACKE) and K-Means with its
 * silhouette (tools/analytics/{correlation,pca,kmeans}.h). */
#include "check.h"

#include <math.h>

#include "analytics/correlation.h"
#include "analytics/kmeans.h"
#include "analytics/pca.h"
#include "souk/error.h"

static uint64_t lcg = 7;
static double rnd(void) {
  lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

TEST(correlation) {
  double x[5] = {1, 2, 3, 4, 5}, y[5] = {2, 4, 6, 8, 10}, z[5] = {5, 4, 3, 2, 1},
         c[5] = {0.1, 0.1, 0.1, 0.1, 0.1}, u[5] = {1, 3, 2, 5, 4};
  const double *cols[5] = {x, y, z, c, u};
  double r[25];
  souk_correlation(cols, 5, 5, r);
  CHECK(r[0 * 5 + 0] == 1.0 && fabs(r[0 * 5 + 1] - 1.0) < 1e-15 &&
        fabs(r[0 * 5 + 2] + 1.0) < 1e-15);
  CHECK(isnan(r[3 * 5 + 3]) && isnan(r[0 * 5 + 3]) && isnan(r[3 * 5 + 4]));
  CHECK(fabs(r[0 * 5 + 4] - 0.8) < 1e-15);
  CHECK(r[4 * 5 + 0] == r[0 * 5 + 4]);
  SAY("r(x, 2x) = 1, r(x, -x) = -1, r = %.17g for a known pair (0.8), constant column "
      "(0.1 five times) undefined: NaN, diagonal included", r[4]);
  souk_correlation(cols, 5, 1, r);
  for (int i = 0; i < 25; i++)
    CHECK(isnan(r[i]));
  SAY("one row: every coefficient undefined");
}

TEST(pca_line_and_degenerate) {
  souk_errinfo e;
  double x[6] = {0, 1, 2, 3, 4, 9}, y[6] = {0, 2, 4, 6, 8, 18};
  const double *cols[2] = {x, y};
  souk_pca p;
  CHECK_INT(souk_pca_fit(cols, 2, 6, &p, &e), ==, 0);
  CHECK(fabs(p.explained_variance_ratio[0] - 1.0) < 1e-12);
  CHECK(fabs(p.explained_variance_ratio[1]) < 1e-12);
  CHECK(fabs(p.components[0][0] - 1 / sqrt(5)) < 1e-12);
  CHECK(fabs(p.components[0][1] - 2 / sqrt(5)) < 1e-12);
  /* var(x) + var(y) = 5 var(x); var(x) = 305/30 */
  CHECK(fabs(p.explained_variance[0] - 5 * 305.0 / 30) < 1e-12);
  double pc[2];
  double last[2] = {9, 18};
  souk_pca_project_row(&p, last, 2, pc);
  CHECK(pc[0] > 0 && fabs(pc[0] - (9 - 19.0 / 6) * sqrt(5)) < 1e-12);
  SAY("points on y = 2x: ratio [1, 0], component (1,2)/sqrt(5) signed like svd_flip (the "
      "farthest point projects positively), variance %.12g", p.explained_variance[0]);

  double c1[3] = {1, 1, 1}, c2[3] = {4, 4, 4};
  const double *cc[2] = {c1, c2};
  CHECK_INT(souk_pca_fit(cc, 2, 3, &p, &e), ==, 0);
  CHECK(p.degenerate && isnan(p.explained_variance_ratio[0]));
  CHECK_INT(souk_pca_fit(cols, 2, 1, &p, &e), ==, 0);
  CHECK(p.degenerate);
  CHECK_INT(souk_pca_fit(cols, 0, 6, &p, &e), ==, SOUK_EINVAL);
  CHECK_INT(souk_pca_fit(cols, 2, 0, &p, &e), ==, SOUK_EINVAL);
  SAY("constant columns and one row: degenerate, ratios NaN (null), no division by zero");
}

TEST(pca_random_orthonormal) {
  enum { N = 5000, DIM = 6 };
  static double d[DIM][N];
  for (int i = 0; i < N; i++) {
    double a = rnd(), b = rnd();
    for (int j = 0; j < DIM; j++)
      d[j][i] = a * (j + 1) * 0.1 + b * (j % 2 ? 0.3 : -0.2) + rnd() * 0.05;
  }
  const double *cols[DIM];
  for (int j = 0; j < DIM; j++)
    cols[j] = d[j];
  souk_pca p;
  souk_errinfo e;
  CHECK_INT(souk_pca_fit(cols, DIM, N, &p, &e), ==, 0);
  double sum = 0;
  for (int j = 0; j < DIM; j++) {
    sum += p.explained_variance_ratio[j];
    if (j)
      CHECK(p.explained_variance[j] <= p.explained_variance[j - 1]);
    for (int k = 0; k < DIM; k++) {
      double dot = 0;
      for (int c = 0; c < DIM; c++)
        dot += p.components[j][c] * p.components[k][c];
      CHECK(fabs(dot - (j == k)) < 1e-12);
    }
  }
  CHECK(fabs(sum - 1) < 1e-12);
  /* The variance of the projections on PC1 is the first eigenvalue. */
  static double proj[N * 2];
  souk_pca_project(&p, cols, N, 2, proj);
  double m = 0, v = 0;
  for (int i = 0; i < N; i++)
    m += proj[2 * i];
  m /= N;
  for (int i = 0; i < N; i++)
    v += (proj[2 * i] - m) * (proj[2 * i] - m);
  v /= N - 1;
  CHECK(fabs(v - p.explained_variance[0]) < 1e-12 * p.explained_variance[0] * 100);
  SAY("6-D data: ratios sum to 1, components orthonormal, var(PC1 projection) = %.12g = "
      "eigenvalue", v);
}

/* Four tight blobs in 6-D of sizes 300, 200, 150, 50. */
static void blobs(double d[6][700]) {
  static const int sizes[4] = {300, 200, 150, 50};
  int i = 0;
  for (int b = 0; b < 4; b++)
    for (int s = 0; s < sizes[b]; s++, i++)
      for (int j = 0; j < 6; j++)
        d[j][i] = ((b + j) % 4) * 0.3 + (rnd() - 0.5) * 0.02;
}

TEST(kmeans_recovers_blobs) {
  static double d[6][700];
  blobs(d);
  const double *cols[6];
  for (int j = 0; j < 6; j++)
    cols[j] = d[j];
  souk_kmeans_options o;
  souk_kmeans_options_default(&o);
  souk_kmeans_result r;
  souk_errinfo e;
  CHECK_INT(souk_kmeans(cols, 6, 700, &o, &r, &e), ==, 0);
  CHECK_INT(r.k, ==, 4);
  CHECK_INT(r.sizes[0], ==, 300);
  CHECK_INT(r.sizes[1], ==, 200);
  CHECK_INT(r.sizes[2], ==, 150);
  CHECK_INT(r.sizes[3], ==, 50);
  CHECK_INT(r.labels[0], ==, 0);
  CHECK_INT(r.labels[699], ==, 3);
  double best = INFINITY;
  for (int i = 0; i < r.restarts; i++)
    best = fmin(best, r.restart_inertia[i]);
  CHECK(best == r.inertia);
  CHECK(r.inertia < 700 * 6 * 0.0001);
  double sil = souk_silhouette(cols, 6, 700, r.labels, 4, 4000, 0);
  CHECK(sil > 0.9 && sil <= 1.0);
  double sil_s = souk_silhouette(cols, 6, 700, r.labels, 4, 100, 0);
  CHECK(sil_s > 0.9);
  SAY("4 blobs found exactly (sizes 300/200/150/50, numbered by size), inertia %.4g = best of "
      "%d restarts, %d iterations, silhouette %.4f (%.4f on a 100-row sample)",
      r.inertia, r.restarts, r.n_iter, sil, sil_s);
  souk_kmeans_result_free(&r);
}

TEST(kmeans_reproducible_across_threads) {
  enum { N = 30000 };
  static double d[6][N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 6; j++)
      d[j][i] = rnd() * (j == 0 && i % 3 ? 0.3 : 1.0);
  const double *cols[6];
  for (int j = 0; j < 6; j++)
    cols[j] = d[j];
  souk_kmeans_options o;
  souk_kmeans_options_default(&o);
  o.k = 5;
  souk_kmeans_result r1, r2;
  souk_errinfo e;
  o.threads = 1;
  CHECK_INT(souk_kmeans(cols, 6, N, &o, &r1, &e), ==, 0);
  int threads[] = {2, 3, 8};
  for (int t = 0; t < 3; t++) {
    o.threads = threads[t];
    CHECK_INT(souk_kmeans(cols, 6, N, &o, &r2, &e), ==, 0);
    CHECK(r1.inertia == r2.inertia);
    CHECK(r1.best_restart == r2.best_restart);
    CHECK(memcmp(r1.labels, r2.labels, N * sizeof *r1.labels) == 0);
    CHECK(memcmp(r1.centroids, r2.centroids, 5 * 6 * sizeof(double)) == 0);
    CHECK(memcmp(r1.restart_inertia, r2.restart_inertia, 10 * sizeof(double)) == 0);
    souk_kmeans_result_free(&r2);
  }
  o.seed = 1;
  CHECK_INT(souk_kmeans(cols, 6, N, &o, &r2, &e), ==, 0);
  SAY("30000 rows, k = 5: 1, 2, 3 and 8 threads give bit-identical labels, centres and "
      "inertia (%.10g, restart %d); seed 1 gives %.10g", r1.inertia, r1.best_restart,
      r2.inertia);
  souk_kmeans_result_free(&r1);
  souk_kmeans_result_free(&r2);
}

TEST(kmeans_edge_cases) {
  souk_errinfo e;
  souk_kmeans_options o;
  souk_kmeans_options_default(&o);
  souk_kmeans_result r;
  double a[6] = {0, 0, 1, 1, 0, 1}, b[6] = {0, 0, 1, 1, 0, 1};
  const double *cols[2] = {a, b};
  o.k = 3;
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "cannot form 3 clusters from 2 distinct rows");
  o.k = 2;
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, 0);
  CHECK(r.inertia == 0.0);
  CHECK_INT(r.sizes[0], ==, 3);
  CHECK_INT(r.sizes[1], ==, 3);
  souk_kmeans_result_free(&r);
  SAY("k above the distinct rows refused (%s); duplicates cluster with inertia 0", e.text);

  o.k = 1;
  CHECK_INT(souk_kmeans(cols, 2, 1, &o, &r, &e), ==, 0);
  CHECK(r.inertia == 0.0 && r.sizes[0] == 1);
  souk_kmeans_result_free(&r);
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, 0);
  CHECK(fabs(r.inertia - 3.0) < 1e-12); /* total sum of squares: 6 * 2 * 0.25 */
  souk_kmeans_result_free(&r);
  SAY("one row: inertia 0; k = 1: inertia is the total sum of squares");

  double bad[2] = {0, NAN};
  const double *bc[1] = {bad};
  CHECK_INT(souk_kmeans(bc, 1, 2, &o, &r, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "not a finite number");
  CHECK_INT(souk_kmeans(cols, 2, 0, &o, &r, &e), ==, SOUK_EINVAL);
  o.k = 0;
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, SOUK_EINVAL);
  o.k = 2;
  o.restarts = 0;
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, SOUK_EINVAL);
  o.restarts = 1;
  o.tol = NAN;
  CHECK_INT(souk_kmeans(cols, 2, 6, &o, &r, &e), ==, SOUK_EINVAL);
  SAY("NaN data, no rows, k = 0, 0 restarts, NaN tol: SOUK_EINVAL with a sentence");

  int32_t one[6] = {0};
  CHECK(isnan(souk_silhouette(cols, 2, 6, one, 1, 100, 0)));
  CHECK(isnan(souk_silhouette(cols, 2, 1, one, 2, 100, 0)));
  SAY("silhouette of one cluster or one row: undefined (NaN)");
}
