/* SPDX-License-Identifier: MIT */
/* Principal component analysis of a few columns (the six scaled metrics): components,
 * explained variance and its ratio, and the projection of each row. The decomposition is
 * LAPACK's symmetric eigensolver (LAPACKE_dsyevd) on the covariance matrix, which gives the
 * same components and variances as scikit-learn's PCA with a full SVD, and the same signs
 * (scikit-learn's svd_flip: the largest projection on each component is positive). */
#ifndef SOUK_ANALYTICS_PCA_H
#define SOUK_ANALYTICS_PCA_H

#include <stddef.h>

#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOUK_PCA_MAX_DIMS 8

typedef struct souk_pca {
  int dims;                                         /* columns analysed */
  double mean[SOUK_PCA_MAX_DIMS];                   /* column means, subtracted before projecting */
  double components[SOUK_PCA_MAX_DIMS][SOUK_PCA_MAX_DIMS]; /* row j = component j (unit length) */
  double explained_variance[SOUK_PCA_MAX_DIMS];     /* eigenvalues of the covariance (n - 1) */
  double explained_variance_ratio[SOUK_PCA_MAX_DIMS]; /* NaN when the total variance is 0 */
  double total_variance;
  int degenerate;    /* 1 when n < 2 or every column is constant: ratios undefined, projection 0 */
} souk_pca;

/* Fits the PCA of `dims` columns of n rows. Components are ordered by decreasing variance.
 * Returns 0, SOUK_EINVAL (dims outside 1..SOUK_PCA_MAX_DIMS, n == 0) or SOUK_EUNSUPPORTED
 * (LAPACK failed to converge), with a sentence in e. */
int souk_pca_fit(const double *const *cols, int dims, size_t n, souk_pca *p, souk_errinfo *e);

/* The first `ncomp` coordinates of row x (dims values). */
static inline void souk_pca_project_row(const souk_pca *p, const double *x, int ncomp,
                                        double *out) {
  for (int j = 0; j < ncomp; j++) {
    double s = 0.0;
    for (int c = 0; c < p->dims; c++)
      s += (x[c] - p->mean[c]) * p->components[j][c];
    out[j] = s;
  }
}

/* out[i * ncomp + j] = coordinate j of row i of the columns. */
void souk_pca_project(const souk_pca *p, const double *const *cols, size_t n, int ncomp,
                      double *out);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_PCA_H */
