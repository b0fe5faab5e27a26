/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard maximum size (curl's dynbuf): input from the network
 * never decides how much memory souk uses.
 *
 * The contents are always NUL-terminated (the NUL is not counted in len), so a buffer that
 * holds text can be used as a C string. Not thread-safe; owned by whoever initialised it.
 */
#ifndef SOUK_CORE_BUF_H
#define SOUK_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct souk_buf {
  char *data;   /* NULL until something is added */
  size_t len;   /* bytes held, excluding the terminating NUL */
  size_t cap;   /* bytes allocated */
  size_t max;   /* the most len may ever be */
} souk_buf;

#define SOUK_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

void souk_buf_init(souk_buf *b, size_t max);
void souk_buf_free(souk_buf *b);
void souk_buf_reset(souk_buf *b); /* len = 0, keeps the memory */

/* Each returns 0, SOUK_ETOOBIG when the result would exceed max (the buffer is unchanged)
 * or SOUK_ENOMEM. */
int souk_buf_add(souk_buf *b, const void *data, size_t len);
int souk_buf_addc(souk_buf *b, char c);
int souk_buf_adds(souk_buf *b, const char *s);
int souk_buf_printf(souk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int souk_buf_vprintf(souk_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Makes room for `extra` more bytes (plus the NUL) without adding anything: a writer that
 * knows its size can then write data + len directly. 0, SOUK_ETOOBIG or SOUK_ENOMEM. */
int souk_buf_reserve(souk_buf *b, size_t extra);

/* Hands the contents to the caller (free() them) and leaves the buffer empty. Returns an
 * empty allocated string when nothing was added; NULL only when out of memory. */
char *souk_buf_steal(souk_buf *b, size_t *len);

#endif /* SOUK_CORE_BUF_H */
