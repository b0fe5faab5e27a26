/* SPDX-License-Identifier: MIT */
/* An error code with a sentence for the user, filled by constructors and loaders (jansson's
 * json_error_t): "config file souk.json: unknown key 'http.rat' (did you mean 'http.rate'?)". */
#ifndef SOUK_CORE_ERRINFO_H
#define SOUK_CORE_ERRINFO_H

typedef struct souk_errinfo {
  int code;        /* a SOUK_E* code, 0 when nothing went wrong */
  char text[512];  /* one sentence, no trailing newline */
} souk_errinfo;

/* Fills `e` (which may be NULL) and returns `code`, so callers can write
 *     return souk_errinfo_set(e, SOUK_EINVAL, "bad value '%s'", v); */
int souk_errinfo_set(souk_errinfo *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears `e` (which may be NULL). */
void souk_errinfo_clear(souk_errinfo *e);

#endif /* SOUK_CORE_ERRINFO_H */
