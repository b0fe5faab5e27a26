/* SPDX-License-Identifier: MIT */
/* The analytics' random numbers: xoshiro256** seeded through splitmix64, so a seed gives the
 * same sequence on every machine. Internal to tools/analytics; not thread-safe (one generator
 * per thread). */
#ifndef SOUK_ANALYTICS_RNG_H
#define SOUK_ANALYTICS_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct souk__rng {
  uint64_t s[4];
} souk__rng;

static inline uint64_t souk__splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A generator for `seed` and `stream` (e.g. a restart number): different streams give
 * unrelated sequences. */
static inline void souk__rng_seed(souk__rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
  for (int i = 0; i < 4; i++)
    r->s[i] = souk__splitmix64(&x);
}

static inline uint64_t souk__rng_next(souk__rng *r) {
  uint64_t *s = r->s;
  uint64_t v = s[1] * 5;
  uint64_t result = ((v << 7) | (v >> 57)) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* Uniform in [0, 1). */
static inline double souk__rng_uniform(souk__rng *r) {
  return (double)(souk__rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's method). */
static inline uint64_t souk__rng_below(souk__rng *r, uint64_t n) {
  uint64_t x = souk__rng_next(r);
  unsigned __int128 m = (unsigned __int128)x * n;
  uint64_t lo = (uint64_t)m;
  if (lo < n) {
    uint64_t t = (0 - n) % n;
    while (lo < t) {
      x = souk__rng_next(r);
      m = (unsigned __int128)x * n;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

#endif /* SOUK_ANALYTICS_RNG_H */
