/* SPDX-License-Identifier: MIT */
/* Weights, min-max normalisation and the weighted score. */
#include "analytics/scoring.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "souk/error.h"

const double souk_default_weights[SOUK_METRIC_COUNT] = {0.25, 0.10, 0.20, 0.15, 0.10, 0.20};

int souk_weights_validate(const double w[SOUK_METRIC_COUNT], souk_errinfo *e) {
  double sum = 0.0;
  for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
    if (!isfinite(w[m]))
      return souk_errinfo_set(e, SOUK_EINVAL, "the weight of %s (w%d) is %s; weights must be "
                              "finite numbers", souk_metric_name(m), m + 1,
                              isnan(w[m]) ? "NaN" : "infinite");
    if (w[m] < 0)
      return souk_errinfo_set(e, SOUK_EINVAL, "the weight of %s (w%d) is %g; weights must not "
                              "be negative", souk_metric_name(m), m + 1, w[m]);
    sum += w[m];
  }
  if (!(sum > 0))
    return souk_errinfo_set(e, SOUK_EINVAL, "the weights sum to 0; at least one must be "
                            "positive");
  if (!isfinite(sum))
    return souk_errinfo_set(e, SOUK_EINVAL, "the weights are too large: their sum is not a "
                            "finite number");
  return 0;
}

int souk_weights_parse(const char *text, double w[SOUK_METRIC_COUNT], souk_errinfo *e) {
  if (!text || !*text)
    return souk_errinfo_set(e, SOUK_EINVAL, "empty weights; give six numbers w1..w6 like "
                            "0.25,0.1,0.2,0.15,0.1,0.2 or metric=value pairs");
  double out[SOUK_METRIC_COUNT];
  memcpy(out, souk_default_weights, sizeof out);
  int named = strchr(text, '=') != NULL, count = 0;
  const char *p = text;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char item[128];
    if (len >= sizeof item)
      return souk_errinfo_set(e, SOUK_EINVAL, "weights: item '%.40s...' is too long", p);
    memcpy(item, p, len);
    item[len] = '\0';
    char *val = item;
    int m = count;
    if (named) {
      char *eq = strchr(item, '=');
      if (!eq)
        return souk_errinfo_set(e, SOUK_EINVAL, "weights: '%s' is not metric=value (do not mix "
                                "pairs and plain numbers)", item);
      *eq = '\0';
      m = souk_metric_find(item);
      if (m < 0)
        return souk_errinfo_set(e, SOUK_EINVAL, "weights: unknown metric '%s' (known: "
                                "available_ratio, num_tags, avg_price, num_images, "
                                "description_length, popularity_score)", item);
      val = eq + 1;
    } else if (count >= SOUK_METRIC_COUNT) {
      return souk_errinfo_set(e, SOUK_EINVAL, "weights: more than six numbers in '%s'", text);
    }
    char *endp;
    errno = 0;
    double v = strtod(val, &endp);
    if (!*val || *endp || errno == ERANGE)
      return souk_errinfo_set(e, SOUK_EINVAL, "weights: '%s' is not a number", val);
    out[m] = v;
    count++;
    if (!end)
      break;
    p = end + 1;
  }
  if (!named && count != SOUK_METRIC_COUNT)
    return souk_errinfo_set(e, SOUK_EINVAL, "weights: %d number%s given; give all six, w1..w6 "
                            "(available_ratio, num_tags, avg_price, num_images, "
                            "description_length, popularity_score)", count,
                            count == 1 ? "" : "s");
  int rc = souk_weights_validate(out, e);
  if (rc == 0)
    memcpy(w, out, sizeof out);
  return rc;
}

int souk_scaler_fit(souk_scaler *s, const souk_metrics *t, souk_errinfo *e) {
  size_t n = souk_metrics_count(t);
  if (n == 0)
    return souk_errinfo_set(e, SOUK_EEMPTY, "no products to analyse");
  for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
    const double *c = souk_metrics_column(t, (souk_metric)m);
    double lo = c[0], hi = c[0];
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
      double v = c[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      finite &= isfinite(v) != 0;
    }
    if (!finite)
      return souk_errinfo_set(e, SOUK_EINVAL, "column %s holds a value that is not a finite "
                              "number", souk_metric_name(m));
    double range = hi - lo;
    s->data_min[m] = lo;
    s->data_max[m] = hi;
    s->constant[m] = !(range >= 10 * DBL_EPSILON);
    if (s->constant[m]) {
      s->scale[m] = 0.0;
    } else if (isinf(range)) { /* max - min overflows: the same ratio through halves */
      s->scale[m] = 0.5 / (hi / 2 - lo / 2);
    } else {
      s->scale[m] = 1.0 / range;
    }
    s->offset[m] = s->constant[m] ? 0.0 : -(lo * s->scale[m]);
  }
  return 0;
}

void souk_scaler_transform(const souk_scaler *s, souk_metric m, const double *in, double *out,
                           size_t n) {
  const double a = s->scale[m], b = s->offset[m];
  if (s->constant[m]) {
    memset(out, 0, n * sizeof *out); /* 0.0 is all-zero bits */
    return;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = in[i] * a + b;
}

void souk_score_compute(const double *const scaled[SOUK_METRIC_COUNT], size_t n,
                        const double w[SOUK_METRIC_COUNT], double *score) {
  /* Column by column, each element summed in term order: vectorises, and stays exactly
   * w1*t1 + w2*t2 + ... evaluated left to right. */
  const double *c0 = scaled[0];
  for (size_t i = 0; i < n; i++)
    score[i] = w[0] * souk_score_term(0, c0[i]);
  for (int m = 1; m < SOUK_METRIC_COUNT; m++) {
    const double *c = scaled[m];
    const double wm = w[m];
    if (m == SOUK_METRIC_AVG_PRICE) {
      for (size_t i = 0; i < n; i++)
        score[i] += wm * (1.0 - c[i]);
    } else {
      for (size_t i = 0; i < n; i++)
        score[i] += wm * c[i];
    }
  }
}
