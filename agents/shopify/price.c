/* SPDX-License-Identifier: MIT */
/* Exact decimal price strings ("19.99") to integer minor units, without floating point. */
#include "shopify/decode.h"

#include <stdint.h>

#include "souk/error.h"

#define PRICE_MAX_DECIMALS 18

/* v = v * 10 + d, refusing to pass INT64_MAX. */
static int push_digit(uint64_t *v, unsigned d) {
  if (*v > ((uint64_t)INT64_MAX - d) / 10)
    return SOUK_EPARSE;
  *v = *v * 10 + d;
  return 0;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

int souk_parse_price(const char *s, size_t len, int decimals, int64_t *minor) {
  if (!s || !minor || decimals < 0 || decimals > PRICE_MAX_DECIMALS)
    return SOUK_EINVAL;
  if (len == 0 || !is_digit(s[0]))
    return SOUK_EPARSE;

  uint64_t v = 0;
  size_t i = 0;
  while (i < len && is_digit(s[i])) {
    if (push_digit(&v, (unsigned)(s[i] - '0')) < 0)
      return SOUK_EPARSE;
    i++;
  }

  int frac = 0;
  if (i < len && s[i] == '.') {
    i++;
    if (i == len || !is_digit(s[i]))
      return SOUK_EPARSE;
    while (i < len && is_digit(s[i])) {
      unsigned d = (unsigned)(s[i] - '0');
      if (frac < decimals) {
        if (push_digit(&v, d) < 0)
          return SOUK_EPARSE;
        frac++;
      } else if (d != 0) {
        return SOUK_EPARSE; /* a digit the currency cannot hold */
      }
      i++;
    }
  }
  if (i != len)
    return SOUK_EPARSE;

  for (; frac < decimals; frac++)
    if (push_digit(&v, 0) < 0)
      return SOUK_EPARSE;
  *minor = (int64_t)v;
  return 0;
}
