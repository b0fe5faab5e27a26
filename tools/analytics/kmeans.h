/* SPDX-License-Identifier: MIT */
/* K-Means clustering of a few columns (the six scaled metrics): greedy k-means++ seeding,
 * several restarts, Lloyd iterations to a tolerance; the restart with the lowest inertia wins.
 *
 * The algorithm follows scikit-learn's KMeans (algorithm "lloyd", init "k-means++" with
 * 2 + floor(ln k) local trials, tol relative to the mean column variance, empty clusters moved
 * to the farthest points). Results are reproducible: each restart draws from its own
 * generator seeded from (seed, restart), restarts run in parallel on `threads` threads, and
 * the winner is the lowest inertia, ties to the earlier restart, so the result does not depend
 * on the number of threads. Clusters are numbered by decreasing size.
 */
#ifndef SOUK_ANALYTICS_KMEANS_H
#define SOUK_ANALYTICS_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOUK_KMEANS_MAX_DIMS 8
#define SOUK_KMEANS_MAX_K 256
#define SOUK_KMEANS_MAX_RESTARTS 1000

typedef struct souk_kmeans_options {
  int k;            /* clusters, 1..SOUK_KMEANS_MAX_K and at most the distinct rows */
  int restarts;     /* default 10 */
  int max_iter;     /* Lloyd iterations per restart; default 300 */
  double tol;       /* converged when the centres moved (sum of squared shifts) at most
                       tol * mean column variance; default 1e-4 */
  uint64_t seed;    /* default 0 */
  int threads;      /* 0: one per online CPU, at most one per restart */
} souk_kmeans_options;

void souk_kmeans_options_default(souk_kmeans_options *o);

typedef struct souk_kmeans_result {
  int k, dims;
  double inertia;          /* sum of squared distances of the rows to their centre */
  int n_iter;              /* Lloyd iterations of the winning restart */
  int best_restart;
  double *centroids;       /* k * dims, row-major, cluster order */
  size_t *sizes;           /* k */
  int32_t *labels;         /* n: the cluster of each row */
  double *restart_inertia; /* restarts entries */
  int *restart_iter;
  int restarts;
} souk_kmeans_result;

/* Clusters n rows of `dims` columns. Returns 0, or SOUK_EINVAL with a sentence (n == 0, k out
 * of range or larger than the number of distinct rows, bad options, a value that is not
 * finite) or SOUK_ENOMEM. On failure r holds nothing to free. */
int souk_kmeans(const double *const *cols, int dims, size_t n, const souk_kmeans_options *o,
                souk_kmeans_result *r, souk_errinfo *e);
void souk_kmeans_result_free(souk_kmeans_result *r);

/* How many distinct rows there are, counting at most `limit` (a bound for k). */
size_t souk_kmeans_distinct_rows(const double *const *cols, int dims, size_t n, size_t limit);

/* The mean silhouette coefficient of a clustering, on a sample of at most `sample` rows
 * drawn without replacement with `seed` (all rows when n <= sample): in [-1, 1], higher is
 * better separated. NaN when it is undefined (fewer than 2 clusters in the sample). O(s^2). */
double souk_silhouette(const double *const *cols, int dims, size_t n, const int32_t *labels,
                       int k, size_t sample, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_KMEANS_H */
