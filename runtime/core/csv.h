/* SPDX-License-Identifier: MIT */
/* Writing CSV as RFC 4180 says: fields separated by commas, rows ended by CRLF, a field
 * quoted (quotes doubled) when it holds a comma, a quote, CR or LF, or starts or ends with a
 * space. Money is written exactly from integer minor units. */
#ifndef SOUK_CORE_CSV_H
#define SOUK_CORE_CSV_H

#include <stdint.h>
#include <stdio.h>

typedef struct souk_csv {
  FILE *f;
  int col;                 /* fields written in the current row */
  int error;               /* set when a write failed */
} souk_csv;

void souk_csv_init(souk_csv *w, FILE *f);
void souk_csv_str(souk_csv *w, const char *s);         /* NULL writes an empty field */
void souk_csv_int(souk_csv *w, long long v);
void souk_csv_double(souk_csv *w, double v);           /* shortest exact form (%.17g) */
/* "19.99" from 1999 with 2 decimals; empty for SOUK_NO_PRICE. */
void souk_csv_money(souk_csv *w, int64_t minor, int decimals);
void souk_csv_end_row(souk_csv *w);

/* Formats minor units as a decimal string ("-0.05", "1200", "12.500"); returns buf. */
const char *souk_money_format(int64_t minor, int decimals, char *buf, size_t len);

#endif /* SOUK_CORE_CSV_H */
