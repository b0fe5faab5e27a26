/* SPDX-License-Identifier: MIT */
/* Pearson's r in two passes: column means, then the centred cross products. */
#include "analytics/correlation.h"

#include <math.h>
#include <stdlib.h>

#define MAXC 16

void souk_correlation(const double *const *cols, size_t ncols, size_t n, double *out) {
  for (size_t i = 0; i < ncols * ncols; i++)
    out[i] = NAN;
  if (n < 2 || ncols == 0 || ncols > MAXC)
    return;
  double mean[MAXC];
  int constant[MAXC];
  for (size_t c = 0; c < ncols; c++) {
    const double *x = cols[c];
    double s = 0.0;
    int same = 1;
    for (size_t i = 0; i < n; i++) {
      s += x[i];
      same &= x[i] == x[0];
    }
    mean[c] = s / (double)n;
    constant[c] = same;
  }
  /* Cross products of the upper triangle, one pass over the rows, in blocks so that each
   * block's partial sums stay small (better rounding than one running sum). */
  double sum[MAXC][MAXC] = {{0}};
  const size_t block = 4096;
  for (size_t b0 = 0; b0 < n; b0 += block) {
    size_t b1 = b0 + block < n ? b0 + block : n;
    double part[MAXC][MAXC] = {{0}};
    for (size_t i = b0; i < b1; i++) {
      double d[MAXC];
      for (size_t c = 0; c < ncols; c++)
        d[c] = cols[c][i] - mean[c];
      for (size_t a = 0; a < ncols; a++)
        for (size_t c = a; c < ncols; c++)
          part[a][c] += d[a] * d[c];
    }
    for (size_t a = 0; a < ncols; a++)
      for (size_t c = a; c < ncols; c++)
        sum[a][c] += part[a][c];
  }
  for (size_t a = 0; a < ncols; a++) {
    if (constant[a] || !(sum[a][a] > 0))
      continue;
    out[a * ncols + a] = 1.0;
    for (size_t c = a + 1; c < ncols; c++) {
      if (constant[c] || !(sum[c][c] > 0))
        continue;
      double den = sqrt(sum[a][a]) * sqrt(sum[c][c]);
      double r = den > 0 ? sum[a][c] / den : NAN;
      if (r > 1.0)
        r = 1.0;
      if (r < -1.0)
        r = -1.0;
      out[a * ncols + c] = out[c * ncols + a] = r;
    }
  }
}
