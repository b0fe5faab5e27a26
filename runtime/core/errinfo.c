/* SPDX-License-Identifier: MIT */
/* Filling souk_errinfo: an error code and the sentence that explains it. */
#include "core/errinfo.h"

#include <stdarg.h>
#include <stdio.h>

int souk_errinfo_set(souk_errinfo *e, int code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
  }
  return code;
}

void souk_errinfo_clear(souk_errinfo *e) {
  if (e) {
    e->code = 0;
    e->text[0] = '\0';
  }
}
