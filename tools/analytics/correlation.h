/* SPDX-License-Identifier: MIT */
/* Pearson correlation matrix of a few columns (the six raw metrics). Pure; any thread. */
#ifndef SOUK_ANALYTICS_CORRELATION_H
#define SOUK_ANALYTICS_CORRELATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out[i * ncols + j] = Pearson's r of columns i and j over n rows, computed in two passes
 * (means, then centred sums). A coefficient involving a constant column (all values equal)
 * is undefined and set to NaN (null in JSON), the diagonal too; so is everything when
 * n < 2. Defined coefficients lie in [-1, 1], the diagonal is exactly 1. */
void souk_correlation(const double *const *cols, size_t ncols, size_t n, double *out);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_CORRELATION_H */
