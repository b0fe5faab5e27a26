/* SPDX-License-Identifier: MIT */
/* BSON for the MongoDB backend: strings kept UTF-8, prices and nulls, numbers read whatever
 * their type, lower-case and hex keys for filters and sorts, driver errors as sentences. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "souk/error.h"
#include "store/mongo_int.h"

int souk__mongo_error(mongo_store *s, const char *what, const bson_error_t *err) {
  return souk__store_error(&s->base, SOUK_ESTORE, "MongoDB: %s: %s", what,
                           err && err->message[0] ? err->message : "unknown error");
}

void souk__mongo_lower(const char *s, char *out, size_t len) {
  size_t i = 0;
  for (; s && s[i] && i + 1 < len; i++)
    out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
  if (len)
    out[i] = '\0';
}

/* The length of the well-formed UTF-8 sequence at p (at most n bytes), 0 if there is none. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

bool souk__mongo_utf8_ok(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0, k; i < n; i += k)
    if ((k = utf8_seq(p + i, n - i)) == 0)
      return false;
  return true;
}

void souk__mongo_append_text(bson_t *b, const char *key, const char *s, size_t n) {
  if (souk__mongo_utf8_ok(s, n)) {
    bson_append_utf8(b, key, -1, s, (int)n);
    return;
  }
  /* A server refuses the whole write for one bad byte: each becomes U+FFFD. */
  char *fixed = malloc(3 * n + 1);
  if (!fixed) {
    bson_append_utf8(b, key, -1, "", 0);
    return;
  }
  const unsigned char *p = (const unsigned char *)s;
  size_t o = 0;
  for (size_t i = 0, k; i < n; i += k) {
    if ((k = utf8_seq(p + i, n - i)) != 0) {
      memcpy(fixed + o, s + i, k);
      o += k;
    } else {
      memcpy(fixed + o, "\xEF\xBF\xBD", 3);
      o += 3;
      k = 1;
    }
  }
  bson_append_utf8(b, key, -1, fixed, (int)o);
  free(fixed);
}

void souk__mongo_append_str(bson_t *b, const char *key, const char *s) {
  if (s)
    souk__mongo_append_text(b, key, s, strlen(s));
  else
    bson_append_null(b, key, -1);
}

void souk__mongo_append_hex(bson_t *b, const char *key, const char *s) {
  static const char digits[] = "0123456789abcdef";
  size_t n = s ? strlen(s) : 0;
  char small[512], *tmp = 2 * n < sizeof small ? small : malloc(2 * n + 1);
  if (!tmp || !n) {
    bson_append_utf8(b, key, -1, "", 0);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    tmp[2 * i] = digits[(unsigned char)s[i] >> 4];
    tmp[2 * i + 1] = digits[(unsigned char)s[i] & 15];
  }
  bson_append_utf8(b, key, -1, tmp, (int)(2 * n));
  if (tmp != small)
    free(tmp);
}

void souk__mongo_append_price(bson_t *b, const char *key, int64_t v) {
  if (v == SOUK_NO_PRICE)
    bson_append_null(b, key, -1);
  else
    bson_append_int64(b, key, -1, v);
}

bool souk__mongo_is_number(const bson_iter_t *it) {
  bson_type_t t = bson_iter_type(it);
  return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_DOUBLE ||
         t == BSON_TYPE_BOOL;
}

int64_t souk__mongo_int(const bson_t *doc, const char *key, int64_t dflt) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, key) && souk__mongo_is_number(&it) ? bson_iter_as_int64(&it)
                                                                          : dflt;
}

int64_t souk__mongo_price_iter(const bson_iter_t *it) {
  return souk__mongo_is_number(it) ? bson_iter_as_int64(it) : SOUK_NO_PRICE;
}

const char *souk__mongo_str(const bson_t *doc, const char *key) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, NULL)
                                                                         : NULL;
}

void souk__mongo_append_lower(bson_t *b, const char *key, const char *s) {
  if (!s) {
    bson_append_null(b, key, -1);
    return;
  }
  size_t n = strlen(s);
  char small[256], *tmp = n < sizeof small ? small : malloc(n + 1);
  if (!tmp) {
    bson_append_utf8(b, key, -1, s, -1);
    return;
  }
  souk__mongo_lower(s, tmp, n + 1);
  souk__mongo_append_text(b, key, tmp, n);
  if (tmp != small)
    free(tmp);
}
