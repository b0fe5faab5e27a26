/* SPDX-License-Identifier: MIT */
/* The bounded growable buffer behind every network read and every formatted text. */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "souk/error.h"

void souk_buf_init(souk_buf *b, size_t max) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max ? max : SOUK_BUF_DEFAULT_MAX;
}

void souk_buf_free(souk_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void souk_buf_reset(souk_buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the NUL. */
static int buf_reserve(souk_buf *b, size_t extra) {
  if (extra > b->max - b->len)
    return SOUK_ETOOBIG;
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (cap > b->max + 1)
    cap = b->max + 1;
  char *p = realloc(b->data, cap);
  if (!p)
    return SOUK_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int souk_buf_reserve(souk_buf *b, size_t extra) { return buf_reserve(b, extra); }

int souk_buf_add(souk_buf *b, const void *data, size_t len) {
  int rc = buf_reserve(b, len);
  if (rc)
    return rc;
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int souk_buf_addc(souk_buf *b, char c) { return souk_buf_add(b, &c, 1); }

int souk_buf_adds(souk_buf *b, const char *s) { return souk_buf_add(b, s, strlen(s)); }

int souk_buf_vprintf(souk_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return SOUK_EINVAL;
  if ((size_t)n < sizeof small)
    return souk_buf_add(b, small, (size_t)n);
  int rc = buf_reserve(b, (size_t)n);
  if (rc)
    return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int souk_buf_printf(souk_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = souk_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *souk_buf_steal(souk_buf *b, size_t *len) {
  if (!b->data) {
    if (buf_reserve(b, 0))
      return NULL;
    b->data[0] = '\0';
  }
  char *p = b->data;
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
