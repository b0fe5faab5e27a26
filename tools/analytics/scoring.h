/* SPDX-License-Identifier: MIT */
/* The weighted score: min-max normalisation of the metric columns, the weights and their
 * validation, the score of every product and each term's contribution to it.
 *
 *   score = w1*available_ratio + w2*num_tags + w3*(1 - avg_price) + w4*num_images
 *         + w5*description_length + w6*popularity_score        (on the scaled columns)
 *
 * The terms are added in that order, so results are bit-for-bit those of the same formula
 * evaluated left to right (the reference in tests/tools/reference_pipeline.py). Pure
 * functions; safe on any thread.
 */
#ifndef SOUK_ANALYTICS_SCORING_H
#define SOUK_ANALYTICS_SCORING_H

#include <stddef.h>

#include "analytics/metrics.h"
#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* w1..w6 in souk_metric order: 0.25, 0.10, 0.20, 0.15, 0.10, 0.20. */
extern const double souk_default_weights[SOUK_METRIC_COUNT];

/* Weights are accepted when each is a finite number >= 0 and their sum is finite and > 0;
 * they are used as given (not renormalised). Returns 0 or SOUK_EINVAL with a sentence. */
int souk_weights_validate(const double w[SOUK_METRIC_COUNT], souk_errinfo *e);

/* Parses the command line's --weights: six numbers w1..w6 separated by commas
 * ("0.25,0.1,0.2,0.15,0.1,0.2"), or `metric=value` pairs that override the defaults
 * ("avg_price=0.4,popularity_score=0"). Validates the result. Returns 0 or SOUK_EINVAL with a
 * sentence; w is unchanged on failure. */
int souk_weights_parse(const char *text, double w[SOUK_METRIC_COUNT], souk_errinfo *e);

/* Min-max normalisation per column to [0, 1] with scikit-learn's MinMaxScaler arithmetic:
 * scaled = x * scale + offset, scale = 1 / (max - min), offset = -(min * scale). A constant
 * column (max - min below 10 * DBL_EPSILON, scikit-learn's threshold) scales to 0. */
typedef struct souk_scaler {
  double data_min[SOUK_METRIC_COUNT];
  double data_max[SOUK_METRIC_COUNT];
  double scale[SOUK_METRIC_COUNT];
  double offset[SOUK_METRIC_COUNT];
  int constant[SOUK_METRIC_COUNT];
} souk_scaler;

/* Learns min and max of each column of the table. Returns 0, SOUK_EEMPTY for an empty table,
 * or SOUK_EINVAL if a value is not finite (only rows added unchecked can hold one). */
int souk_scaler_fit(souk_scaler *s, const souk_metrics *t, souk_errinfo *e);

/* out[i] = scaled in[i] for column m (in and out may be the same array). */
void souk_scaler_transform(const souk_scaler *s, souk_metric m, const double *in, double *out,
                           size_t n);

/* The score term of metric m for a scaled value: 1 - v for avg_price (cheaper scores higher),
 * v for the others. */
static inline double souk_score_term(int m, double scaled) {
  return m == SOUK_METRIC_AVG_PRICE ? 1.0 - scaled : scaled;
}

/* What metric m adds to a product's score: w[m] * term. The six add up to the score. */
static inline double souk_score_contribution(const double w[SOUK_METRIC_COUNT], int m,
                                             double scaled) {
  return w[m] * souk_score_term(m, scaled);
}

/* score[i] for n products from the scaled columns (weights already validated). */
void souk_score_compute(const double *const scaled[SOUK_METRIC_COUNT], size_t n,
                        const double w[SOUK_METRIC_COUNT], double *score);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_SCORING_H */
