/* SPDX-License-Identifier: MIT */
/* The RFC 4180 CSV writer and exact money formatting. */
#include "core/csv.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "souk/product.h"

void souk_csv_init(souk_csv *w, FILE *f) {
  w->f = f;
  w->col = 0;
  w->error = 0;
}

static void sep(souk_csv *w) {
  if (w->col++ && fputc(',', w->f) == EOF)
    w->error = 1;
}

void souk_csv_str(souk_csv *w, const char *s) {
  sep(w);
  if (!s || !*s)
    return;
  size_t n = strlen(s);
  bool quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ';
  if (!quote) {
    if (fwrite(s, 1, n, w->f) != n)
      w->error = 1;
    return;
  }
  fputc('"', w->f);
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      fputc('"', w->f);
    fputc(*p, w->f);
  }
  if (fputc('"', w->f) == EOF)
    w->error = 1;
}

void souk_csv_int(souk_csv *w, long long v) {
  sep(w);
  if (fprintf(w->f, "%lld", v) < 0)
    w->error = 1;
}

void souk_csv_double(souk_csv *w, double v) {
  sep(w);
  if (fprintf(w->f, "%.17g", v) < 0)
    w->error = 1;
}

const char *souk_money_format(int64_t minor, int decimals, char *buf, size_t len) {
  if (minor == SOUK_NO_PRICE) {
    snprintf(buf, len, "%s", "");
    return buf;
  }
  uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
  uint64_t scale = 1;
  for (int i = 0; i < decimals && i < 18; i++)
    scale *= 10;
  if (decimals <= 0)
    snprintf(buf, len, "%s%" PRIu64, minor < 0 ? "-" : "", mag);
  else
    snprintf(buf, len, "%s%" PRIu64 ".%0*" PRIu64, minor < 0 ? "-" : "", mag / scale, decimals,
             mag % scale);
  return buf;
}

void souk_csv_money(souk_csv *w, int64_t minor, int decimals) {
  char buf[64];
  sep(w);
  souk_money_format(minor, decimals, buf, sizeof buf);
  if (fputs(buf, w->f) == EOF)
    w->error = 1;
}

void souk_csv_end_row(souk_csv *w) {
  if (fputs("\r\n", w->f) == EOF)
    w->error = 1;
  w->col = 0;
}
