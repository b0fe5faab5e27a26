/* SPDX-License-Identifier: MIT */
/* Top-K: the K best products by score, descending, ties broken by product id ascending (then
 * by row), found with a bounded heap in O(n log K) time and O(K) memory. Pure; any thread. */
#ifndef SOUK_ANALYTICS_TOPK_H
#define SOUK_ANALYTICS_TOPK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the rows of the min(k, n) best products into rows[] (room for k), best first, and
 * their number into *count. Returns 0 or SOUK_ENOMEM. Scores must not be NaN (scores of
 * validated inputs never are). */
int souk_topk(const double *score, const int64_t *id, size_t n, size_t k, size_t *rows,
              size_t *count);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_TOPK_H */
