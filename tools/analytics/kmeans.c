/* SPDX-License-Identifier: MIT */
/* K-Means: k-means++ seeding and Lloyd iterations over column-stored data, restarts in
 * parallel threads, the best restart kept. */
#include "analytics/kmeans.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics/bigmem.h"
#include "analytics/rng.h"
#include "souk/error.h"

#define D SOUK_KMEANS_MAX_DIMS
#define K SOUK_KMEANS_MAX_K
#define BLOCK 256 /* rows per block: the block's columns and distances stay in L1 */

/* The hot loops are compiled for AVX2 too and picked at run time. Vector instructions do the
 * same IEEE operations in the same order element by element (no FMA is enabled), so results
 * are identical on every x86-64 machine. Not under the sanitizers (ifuncs and ASan clash). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(SOUK_NO_TARGET_CLONES)
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif

typedef struct data {
  const double *x[D];
  int d;
  size_t n;
} data;

void souk_kmeans_options_default(souk_kmeans_options *o) {
  o->k = 4;
  o->restarts = 10;
  o->max_iter = 300;
  o->tol = 1e-4;
  o->seed = 0;
  o->threads = 0;
}

/* ---- distances ------------------------------------------------------------------------- */

/* dist[i] = squared distance of rows b0..b0+m to point c, summed over columns in order. */
static inline __attribute__((always_inline)) void
block_dist(const data *X, int d, size_t b0, size_t m, const double *c, double *dist) {
  const double *x0 = X->x[0] + b0, c0 = c[0];
  for (size_t i = 0; i < m; i++) {
    double t = x0[i] - c0;
    dist[i] = t * t;
  }
  for (int j = 1; j < d; j++) {
    const double *xj = X->x[j] + b0, cj = c[j];
    for (size_t i = 0; i < m; i++) {
      double t = xj[i] - cj;
      dist[i] += t * t;
    }
  }
}

/* Assigns rows to their nearest centre (ties to the lower centre) and, when sums is given,
 * adds each row to its cluster's sums and counts. Returns the inertia; *changed counts rows
 * whose label changed. Inlined with d constant for the usual six columns. */
static inline __attribute__((always_inline)) double
assign_d(const data *X, const int d, const double *centers, int k, int32_t *labels,
         double *sums, size_t *counts, size_t *changed) {
  double inertia = 0.0, dist[BLOCK], best[BLOCK];
  int64_t lab[BLOCK];
  size_t ch = 0;
  for (size_t b0 = 0; b0 < X->n; b0 += BLOCK) {
    size_t m = X->n - b0 < BLOCK ? X->n - b0 : BLOCK;
    block_dist(X, d, b0, m, centers, best);
    for (size_t i = 0; i < m; i++)
      lab[i] = 0;
    for (int c = 1; c < k; c++) {
      block_dist(X, d, b0, m, centers + (size_t)c * d, dist);
      const int64_t cl = c;
      for (size_t i = 0; i < m; i++) {
        /* Bit masks, not branches: the comparison is unpredictable. */
        int64_t lt = -(int64_t)(dist[i] < best[i]);
        lab[i] = (lab[i] & ~lt) | (cl & lt);
        best[i] = dist[i] < best[i] ? dist[i] : best[i];
      }
    }
    /* Four running sums: independent chains, fixed order. */
    double part[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
      for (int l = 0; l < 4; l++)
        part[l] += best[i + l];
    for (; i < m; i++)
      part[0] += best[i];
    inertia += (part[0] + part[1]) + (part[2] + part[3]);
    int32_t *lb = labels + b0;
    for (i = 0; i < m; i++) {
      int32_t l = (int32_t)lab[i];
      ch += lb[i] != l;
      lb[i] = l;
    }
    if (sums) {
      /* Per-block sums in two sets (even and odd rows) so that runs of one label do not
       * chain every addition on the previous one; added to the totals in a fixed order. */
      double ps[2][K * D];
      size_t used = (size_t)k * d;
      memset(ps[0], 0, used * sizeof(double));
      memset(ps[1], 0, used * sizeof(double));
      const double *xs[D];
      for (int j = 0; j < d; j++)
        xs[j] = X->x[j] + b0;
      for (i = 0; i < m; i++) {
        int32_t l = lb[i];
        double *s = ps[i & 1] + (size_t)l * d;
        counts[l]++;
        for (int j = 0; j < d; j++)
          s[j] += xs[j][i];
      }
      for (size_t q = 0; q < used; q++)
        sums[q] += ps[0][q] + ps[1][q];
    }
  }
  if (changed)
    *changed = ch;
  return inertia;
}

HOT static double assign(const data *X, const double *centers, int k, int32_t *labels,
                         double *sums, size_t *counts, size_t *changed) {
  if (X->d == 6)
    return assign_d(X, 6, centers, k, labels, sums, counts, changed);
  return assign_d(X, X->d, centers, k, labels, sums, counts, changed);
}

static void row(const data *X, size_t i, double *out) {
  for (int j = 0; j < X->d; j++)
    out[j] = X->x[j][i];
}

/* ---- k-means++ ------------------------------------------------------------------------- */

/* Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's variant): each new centre is the
 * best of `trials` candidates drawn with probability proportional to D^2. `closest` is n
 * doubles of scratch. */
static inline __attribute__((always_inline)) void
kmeanspp_d(const data *X, const int d, int k, souk__rng *rng, double *closest, double *centers) {
  const size_t n = X->n;
  int trials = 2 + (int)log((double)k);
  if (trials > 16)
    trials = 16;
  double dist[BLOCK];
  row(X, (size_t)souk__rng_below(rng, n), centers);
  double pot = 0.0;
  for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
    size_t m = n - b0 < BLOCK ? n - b0 : BLOCK;
    block_dist(X, d, b0, m, centers, closest + b0);
    for (size_t i = 0; i < m; i++)
      pot += closest[b0 + i];
  }
  for (int c = 1; c < k; c++) {
    double cand[16][D], vals[16], cpot[16];
    size_t cid[16];
    int order[16];
    for (int t = 0; t < trials; t++) {
      vals[t] = souk__rng_uniform(rng) * pot;
      order[t] = t;
    }
    for (int a = 1; a < trials; a++) /* insertion sort of the draws */
      for (int b = a; b > 0 && vals[order[b]] < vals[order[b - 1]]; b--) {
        int tmp = order[b];
        order[b] = order[b - 1];
        order[b - 1] = tmp;
      }
    /* The first row whose running sum of D^2 exceeds each draw: a row of positive weight
     * (the running sum ends at `pot` exactly, computed the same way, and draws are < pot). */
    double run = 0.0;
    size_t i = 0;
    for (int a = 0; a < trials; a++) {
      double v = vals[order[a]];
      while (i < n && !(run + closest[i] > v)) {
        run += closest[i];
        i++;
      }
      cid[order[a]] = i < n ? i : n - 1;
    }
    for (int t = 0; t < trials; t++) {
      row(X, cid[t], cand[t]);
      cpot[t] = 0.0;
    }
    for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
      size_t m = n - b0 < BLOCK ? n - b0 : BLOCK;
      for (int t = 0; t < trials; t++) {
        block_dist(X, d, b0, m, cand[t], dist);
        double s = 0.0;
        for (size_t r = 0; r < m; r++)
          s += dist[r] < closest[b0 + r] ? dist[r] : closest[b0 + r];
        cpot[t] += s;
      }
    }
    int best = 0;
    for (int t = 1; t < trials; t++)
      if (cpot[t] < cpot[best])
        best = t;
    memcpy(centers + (size_t)c * d, cand[best], (size_t)d * sizeof(double));
    if (c == k - 1)
      break; /* the distances are needed only to draw the next centre */
    pot = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
      size_t m = n - b0 < BLOCK ? n - b0 : BLOCK;
      block_dist(X, d, b0, m, cand[best], dist);
      for (size_t r = 0; r < m; r++) {
        double *cl = closest + b0 + r;
        *cl = dist[r] < *cl ? dist[r] : *cl;
        pot += *cl;
      }
    }
  }
}

HOT static void kmeanspp(const data *X, int k, souk__rng *rng, double *closest,
                         double *centers) {
  if (X->d == 6)
    kmeanspp_d(X, 6, k, rng, closest, centers);
  else
    kmeanspp_d(X, X->d, k, rng, closest, centers);
}

/* ---- Lloyd ----------------------------------------------------------------------------- */

/* Empty clusters take the rows farthest from their centres (scikit-learn's rule); their
 * sums move with them. Labels are fixed by the next assignment. */
HOT static void relocate_empty(const data *X, const double *centers, int k, const int32_t *labels,
                           double *sums, size_t *counts) {
  int empty[K], ne = 0;
  for (int c = 0; c < k; c++)
    if (counts[c] == 0)
      empty[ne++] = c;
  if (ne == 0)
    return;
  /* The ne farthest rows, farthest first (ties to the lower row). */
  size_t far[K];
  double fard[K];
  int nf = 0;
  const int d = X->d;
  for (size_t i = 0; i < X->n; i++) {
    const double *c = centers + (size_t)labels[i] * d;
    double s = 0.0;
    for (int j = 0; j < d; j++) {
      double t = X->x[j][i] - c[j];
      s += t * t;
    }
    if (nf == ne && !(s > fard[nf - 1]))
      continue;
    int p = nf < ne ? nf++ : nf - 1;
    while (p > 0 && s > fard[p - 1]) {
      far[p] = far[p - 1];
      fard[p] = fard[p - 1];
      p--;
    }
    far[p] = i;
    fard[p] = s;
  }
  for (int a = 0; a < nf; a++) {
    int to = empty[a], from = labels[far[a]];
    double x[D];
    row(X, far[a], x);
    if (counts[from] > 0) {
      for (int j = 0; j < d; j++)
        sums[(size_t)from * d + j] -= x[j];
      counts[from]--;
    }
    for (int j = 0; j < d; j++)
      sums[(size_t)to * d + j] = x[j];
    counts[to] = 1;
  }
}

typedef struct run_result {
  double inertia;
  int n_iter;
} run_result;

/* One restart: seeds, iterates, leaves labels and centres of its final state. */
static run_result lloyd(const data *X, int k, int max_iter, double tol_abs, souk__rng *rng,
                        double *closest, int32_t *labels, double *centers) {
  const int d = X->d;
  double sums[K * D], next[K * D];
  size_t counts[K];
  kmeanspp(X, k, rng, closest, centers);
  for (size_t i = 0; i < X->n; i++)
    labels[i] = -1;
  run_result res = {0.0, 0};
  int strict = 0, it;
  double inertia = 0.0;
  for (it = 0; it < max_iter; it++) {
    memset(sums, 0, sizeof(double) * (size_t)k * d);
    memset(counts, 0, sizeof(size_t) * (size_t)k);
    size_t changed;
    inertia = assign(X, centers, k, labels, sums, counts, &changed);
    relocate_empty(X, centers, k, labels, sums, counts);
    double shift = 0.0;
    for (int c = 0; c < k; c++)
      for (int j = 0; j < d; j++) {
        double v = counts[c] ? sums[(size_t)c * d + j] / (double)counts[c]
                             : centers[(size_t)c * d + j];
        double t = v - centers[(size_t)c * d + j];
        shift += t * t;
        next[(size_t)c * d + j] = v;
      }
    memcpy(centers, next, sizeof(double) * (size_t)k * d);
    if (changed == 0) {
      strict = 1; /* the labels did not move: the centres just recomputed are the same */
      break;
    }
    if (shift <= tol_abs)
      break;
  }
  res.n_iter = it < max_iter ? it + 1 : max_iter;
  if (!strict)
    inertia = assign(X, centers, k, labels, NULL, NULL, NULL);
  res.inertia = inertia;
  return res;
}

/* ---- restarts in threads --------------------------------------------------------------- */

typedef struct shared {
  const data *X;
  const souk_kmeans_options *o;
  double tol_abs;
  atomic_int next;
  souk_kmeans_result *r;
} shared;

typedef struct worker {
  shared *sh;
  int32_t *labels, *best_labels;
  double *closest;
  double centers[K * D], best_centers[K * D];
  double best_inertia;
  int best_restart, best_iter;
  int failed;
  pthread_t thread;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  shared *sh = w->sh;
  for (;;) {
    int r = atomic_fetch_add(&sh->next, 1);
    if (r >= sh->o->restarts)
      break;
    souk__rng rng;
    souk__rng_seed(&rng, sh->o->seed, (uint64_t)r);
    run_result rr = lloyd(sh->X, sh->o->k, sh->o->max_iter, sh->tol_abs, &rng, w->closest,
                          w->labels, w->centers);
    sh->r->restart_inertia[r] = rr.inertia;
    sh->r->restart_iter[r] = rr.n_iter;
    if (w->best_restart < 0 || rr.inertia < w->best_inertia ||
        (rr.inertia == w->best_inertia && r < w->best_restart)) {
      w->best_inertia = rr.inertia;
      w->best_restart = r;
      w->best_iter = rr.n_iter;
      int32_t *t = w->best_labels;
      w->best_labels = w->labels;
      w->labels = t;
      memcpy(w->best_centers, w->centers, sizeof w->centers);
    }
  }
  return NULL;
}

static int online_cpus(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (int)(c > 64 ? 64 : c) : 1;
}

size_t souk_kmeans_distinct_rows(const double *const *cols, int dims, size_t n, size_t limit) {
  double seen[K + 1][D];
  size_t ns = 0;
  if (limit > K + 1)
    limit = K + 1;
  for (size_t i = 0; i < n && ns < limit; i++) {
    size_t s;
    for (s = 0; s < ns; s++) {
      int j;
      for (j = 0; j < dims; j++)
        if (cols[j][i] != seen[s][j])
          break;
      if (j == dims)
        break;
    }
    if (s == ns) {
      for (int j = 0; j < dims; j++)
        seen[ns][j] = cols[j][i];
      ns++;
    }
  }
  return ns;
}

void souk_kmeans_result_free(souk_kmeans_result *r) {
  free(r->centroids);
  free(r->sizes);
  free(r->labels);
  free(r->restart_inertia);
  free(r->restart_iter);
  memset(r, 0, sizeof *r);
}

int souk_kmeans(const double *const *cols, int dims, size_t n, const souk_kmeans_options *o,
                souk_kmeans_result *r, souk_errinfo *e) {
  memset(r, 0, sizeof *r);
  if (dims < 1 || dims > D)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means of %d columns: 1 to %d are supported", dims,
                            D);
  if (n == 0)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means needs at least one row");
  if (o->k < 1 || o->k > K)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: k = %d; it must be 1 to %d", o->k, K);
  if (o->restarts < 1 || o->restarts > SOUK_KMEANS_MAX_RESTARTS)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: %d restarts; give 1 to %d", o->restarts,
                            SOUK_KMEANS_MAX_RESTARTS);
  if (o->max_iter < 1)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: max_iter must be at least 1");
  if (!(o->tol >= 0) || !isfinite(o->tol))
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: tol must be a finite number >= 0");
  data X = {{0}, dims, n};
  double var_sum = 0.0;
  for (int j = 0; j < dims; j++) {
    X.x[j] = cols[j];
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
      s += cols[j][i];
    if (!isfinite(s))
      return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: column %d holds a value that is not a "
                              "finite number", j + 1);
    double mean = s / (double)n, v = 0.0;
    for (size_t i = 0; i < n; i++) {
      double t = cols[j][i] - mean;
      v += t * t;
    }
    var_sum += v / (double)n;
  }
  size_t distinct = souk_kmeans_distinct_rows(cols, dims, n, (size_t)o->k);
  if (distinct < (size_t)o->k)
    return souk_errinfo_set(e, SOUK_EINVAL, "K-Means: cannot form %d clusters from %zu "
                            "distinct row%s", o->k, distinct, distinct == 1 ? "" : "s");

  int nthreads = o->threads > 0 ? o->threads : online_cpus();
  if (nthreads > o->restarts)
    nthreads = o->restarts;
  if (nthreads > 64)
    nthreads = 64;
  r->k = o->k;
  r->dims = dims;
  r->restarts = o->restarts;
  r->centroids = calloc((size_t)o->k * dims, sizeof *r->centroids);
  r->sizes = calloc((size_t)o->k, sizeof *r->sizes);
  r->labels = souk__big_array(n, sizeof *r->labels);
  r->restart_inertia = calloc((size_t)o->restarts, sizeof *r->restart_inertia);
  r->restart_iter = calloc((size_t)o->restarts, sizeof *r->restart_iter);
  worker *w = calloc((size_t)nthreads, sizeof *w);
  int rc = 0;
  if (!r->centroids || !r->sizes || !r->labels || !r->restart_inertia || !r->restart_iter || !w)
    rc = SOUK_ENOMEM;
  shared sh = {&X, o, o->tol * (var_sum / dims), 0, r};
  for (int t = 0; !rc && t < nthreads; t++) {
    w[t].sh = &sh;
    w[t].best_restart = -1;
    w[t].labels = souk__big_array(n, sizeof *w[t].labels);
    w[t].best_labels = souk__big_array(n, sizeof *w[t].best_labels);
    w[t].closest = souk__big_array(n, sizeof *w[t].closest);
    if (!w[t].labels || !w[t].best_labels || !w[t].closest)
      rc = SOUK_ENOMEM;
  }
  int started = 0;
  if (!rc) {
    for (int t = 1; t < nthreads; t++) {
      if (pthread_create(&w[t].thread, NULL, work, &w[t]) != 0)
        break; /* fewer threads: the others take the restarts */
      started = t;
    }
    work(&w[0]);
    for (int t = 1; t <= started; t++)
      pthread_join(w[t].thread, NULL);
  }
  if (!rc) {
    worker *best = NULL;
    for (int t = 0; t < nthreads; t++) {
      worker *c = &w[t];
      if (c->best_restart < 0)
        continue;
      if (!best || c->best_inertia < best->best_inertia ||
          (c->best_inertia == best->best_inertia && c->best_restart < best->best_restart))
        best = c;
    }
    /* Renumber the clusters by decreasing size (ties: the earlier number). */
    size_t sizes[K] = {0};
    for (size_t i = 0; i < n; i++)
      sizes[best->best_labels[i]]++;
    int order[K], newid[K];
    for (int c = 0; c < o->k; c++)
      order[c] = c;
    for (int a = 1; a < o->k; a++)
      for (int b = a; b > 0 && sizes[order[b]] > sizes[order[b - 1]]; b--) {
        int tmp = order[b];
        order[b] = order[b - 1];
        order[b - 1] = tmp;
      }
    for (int c = 0; c < o->k; c++) {
      newid[order[c]] = c;
      r->sizes[c] = sizes[order[c]];
      memcpy(r->centroids + (size_t)c * dims, best->best_centers + (size_t)order[c] * dims,
             (size_t)dims * sizeof(double));
    }
    for (size_t i = 0; i < n; i++)
      r->labels[i] = newid[best->best_labels[i]];
    r->inertia = best->best_inertia;
    r->n_iter = best->best_iter;
    r->best_restart = best->best_restart;
  }
  for (int t = 0; w && t < nthreads; t++) {
    free(w[t].labels);
    free(w[t].best_labels);
    free(w[t].closest);
  }
  free(w);
  if (rc) {
    souk_kmeans_result_free(r);
    return souk_errinfo_set(e, rc, "K-Means: out of memory for %zu rows", n);
  }
  return 0;
}

/* ---- silhouette ------------------------------------------------------------------------ */

double souk_silhouette(const double *const *cols, int dims, size_t n, const int32_t *labels,
                       int k, size_t sample, uint64_t seed) {
  if (n < 2 || k < 2 || k > K || dims < 1 || dims > D)
    return NAN;
  size_t s = n < sample ? n : sample;
  if (s < 2)
    return NAN;
  size_t *idx = malloc(s * sizeof *idx);
  double *pts = malloc(s * (size_t)dims * sizeof *pts);
  double *sumd = malloc((size_t)k * sizeof *sumd);
  size_t cnt[K] = {0};
  if (!idx || !pts || !sumd) {
    free(idx);
    free(pts);
    free(sumd);
    return NAN;
  }
  /* Selection sampling (Knuth's algorithm S): s rows, in order, each set equally likely. */
  souk__rng rng;
  souk__rng_seed(&rng, seed, 0x5157u);
  size_t got = 0;
  for (size_t i = 0; i < n && got < s; i++)
    if ((double)(n - i) * souk__rng_uniform(&rng) < (double)(s - got))
      idx[got++] = i;
  s = got;
  int present = 0;
  for (size_t a = 0; a < s; a++) {
    for (int j = 0; j < dims; j++)
      pts[a * dims + j] = cols[j][idx[a]];
    if (cnt[labels[idx[a]]]++ == 0)
      present++;
  }
  double total = NAN;
  if (present >= 2) {
    total = 0.0;
    for (size_t a = 0; a < s; a++) {
      int la = labels[idx[a]];
      for (int c = 0; c < k; c++)
        sumd[c] = 0.0;
      for (size_t b = 0; b < s; b++) {
        double q = 0.0;
        for (int j = 0; j < dims; j++) {
          double t = pts[a * dims + j] - pts[b * dims + j];
          q += t * t;
        }
        sumd[labels[idx[b]]] += sqrt(q);
      }
      if (cnt[la] < 2)
        continue; /* a cluster of one: silhouette 0 by definition */
      double ai = sumd[la] / (double)(cnt[la] - 1), bi = INFINITY;
      for (int c = 0; c < k; c++)
        if (c != la && cnt[c] > 0 && sumd[c] / (double)cnt[c] < bi)
          bi = sumd[c] / (double)cnt[c];
      double m = ai > bi ? ai : bi;
      total += m > 0 ? (bi - ai) / m : 0.0;
    }
    total /= (double)s;
  }
  free(idx);
  free(pts);
  free(sumd);
  return total;
}
