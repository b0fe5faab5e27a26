/* SPDX-License-Identifier: MIT */
/* Top-K with a bounded min-heap whose root is the worst of the K best seen so far. */
#include "analytics/topk.h"

#include <stdlib.h>

#include "souk/error.h"

typedef struct item {
  double score;
  int64_t id;
  size_t row;
} item;

/* 1 when a ranks before b: higher score, then lower id, then lower row. */
static inline int before(const item *a, const item *b) {
  if (a->score != b->score)
    return a->score > b->score;
  if (a->id != b->id)
    return a->id < b->id;
  return a->row < b->row;
}

/* Restores the heap below i: the root holds the item that ranks last. */
static void sift_down(item *h, size_t n, size_t i) {
  item x = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && before(&h[c], &h[c + 1]))
      c++; /* the child that ranks later */
    if (!before(&x, &h[c]))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

static void sift_up(item *h, size_t i) {
  item x = h[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&h[p], &x))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

int souk_topk(const double *score, const int64_t *id, size_t n, size_t k, size_t *rows,
              size_t *count) {
  *count = 0;
  if (k > n)
    k = n;
  if (k == 0)
    return 0;
  item *h = malloc(k * sizeof *h);
  if (!h)
    return SOUK_ENOMEM;
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    item x = {score[i], id[i], i};
    if (len < k) {
      h[len] = x;
      sift_up(h, len++);
    } else if (x.score >= h[0].score && before(&x, &h[0])) {
      h[0] = x;
      sift_down(h, len, 0);
    }
  }
  /* Pop the worst first: fills rows from the back. */
  for (size_t out = len; out > 0; out--) {
    rows[out - 1] = h[0].row;
    h[0] = h[out - 1];
    sift_down(h, out - 1, 0);
  }
  free(h);
  *count = len;
  return 0;
}
