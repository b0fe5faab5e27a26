/* SPDX-License-Identifier: MIT */
/* PCA through the eigendecomposition of the covariance matrix with LAPACKE. */
#include "analytics/pca.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "souk/error.h"

#define D SOUK_PCA_MAX_DIMS

int souk_pca_fit(const double *const *cols, int dims, size_t n, souk_pca *p, souk_errinfo *e) {
  memset(p, 0, sizeof *p);
  if (dims < 1 || dims > D)
    return souk_errinfo_set(e, SOUK_EINVAL, "PCA of %d columns: 1 to %d are supported", dims, D);
  if (n == 0)
    return souk_errinfo_set(e, SOUK_EINVAL, "PCA of no rows");
  p->dims = dims;
  for (int c = 0; c < dims; c++) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
      s += cols[c][i];
    p->mean[c] = s / (double)n;
  }
  /* The scatter matrix of the centred columns, in blocks for better rounding. */
  double sum[D][D] = {{0}};
  const size_t block = 4096;
  for (size_t b0 = 0; b0 < n; b0 += block) {
    size_t b1 = b0 + block < n ? b0 + block : n;
    double part[D][D] = {{0}};
    for (size_t i = b0; i < b1; i++) {
      double d[D];
      for (int c = 0; c < dims; c++)
        d[c] = cols[c][i] - p->mean[c];
      for (int a = 0; a < dims; a++)
        for (int c = a; c < dims; c++)
          part[a][c] += d[a] * d[c];
    }
    for (int a = 0; a < dims; a++)
      for (int c = a; c < dims; c++)
        sum[a][c] += part[a][c];
  }
  double cov[D * D], w[D];
  double ddof = n > 1 ? (double)(n - 1) : 1.0;
  for (int a = 0; a < dims; a++)
    for (int c = 0; c < dims; c++)
      cov[a * dims + c] = (c >= a ? sum[a][c] : sum[c][a]) / ddof;
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', dims, cov, dims, w);
  if (info != 0)
    return souk_errinfo_set(e, SOUK_EUNSUPPORTED, "PCA: LAPACK's eigensolver failed "
                            "(dsyevd info %d)", (int)info);
  /* dsyevd: ascending eigenvalues, eigenvectors in the columns. Reverse into rows. */
  double total = 0.0;
  for (int j = 0; j < dims; j++) {
    int src = dims - 1 - j;
    double ev = w[src] > 0 ? w[src] : 0.0; /* rounding can leave tiny negatives */
    p->explained_variance[j] = n > 1 ? ev : 0.0;
    total += p->explained_variance[j];
    for (int c = 0; c < dims; c++)
      p->components[j][c] = cov[c * dims + src];
  }
  p->total_variance = total;
  p->degenerate = !(total > 0);
  for (int j = 0; j < dims; j++)
    p->explained_variance_ratio[j] = p->degenerate ? NAN : p->explained_variance[j] / total;
  if (p->degenerate)
    return 0;

  /* Signs as scikit-learn's svd_flip: the row with the largest |projection| on component j
   * (the first such row) projects positively. */
  double best[D] = {0}, sign_of[D];
  for (int j = 0; j < dims; j++)
    sign_of[j] = 1.0;
  for (size_t i = 0; i < n; i++) {
    double x[D], y[D];
    for (int c = 0; c < dims; c++)
      x[c] = cols[c][i];
    souk_pca_project_row(p, x, dims, y);
    for (int j = 0; j < dims; j++)
      if (fabs(y[j]) > best[j]) {
        best[j] = fabs(y[j]);
        sign_of[j] = y[j] < 0 ? -1.0 : 1.0;
      }
  }
  for (int j = 0; j < dims; j++)
    for (int c = 0; c < dims; c++)
      p->components[j][c] *= sign_of[j];
  return 0;
}

void souk_pca_project(const souk_pca *p, const double *const *cols, size_t n, int ncomp,
                      double *out) {
  if (ncomp > p->dims)
    ncomp = p->dims;
  for (size_t i = 0; i < n; i++) {
    double x[D];
    for (int c = 0; c < p->dims; c++)
      x[c] = cols[c][i];
    if (p->degenerate)
      memset(out + i * (size_t)ncomp, 0, (size_t)ncomp * sizeof *out);
    else
      souk_pca_project_row(p, x, ncomp, out + i * (size_t)ncomp);
  }
}
