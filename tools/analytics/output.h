/* SPDX-License-Identifier: MIT */
/* Internal helpers of the analytics' output files: creating the output directory, writing a
 * file atomically (a temporary file renamed into place, so a failure never leaves half a file
 * behind), numbers in their shortest exact form, and CSV fields. */
#ifndef SOUK_ANALYTICS_OUTPUT_H
#define SOUK_ANALYTICS_OUTPUT_H

#include <stdio.h>

#include "core/errinfo.h"

/* Creates dir and its missing parents. Returns 0 or SOUK_EIO with a sentence. */
int souk__mkdirs(const char *dir, souk_errinfo *e);

typedef struct souk__outfile {
  FILE *f;
  char path[4096], tmp[4096];
} souk__outfile;

/* Opens dir/name for writing through a temporary file. Returns 0 or SOUK_EIO. */
int souk__outfile_open(souk__outfile *o, const char *dir, const char *name, souk_errinfo *e);
/* Closes and renames into place; on an earlier write error removes the temporary file.
 * Returns 0 or SOUK_EIO. */
int souk__outfile_commit(souk__outfile *o, souk_errinfo *e);
/* Abandons the file. */
void souk__outfile_abort(souk__outfile *o);

/* The shortest decimal that reads back as exactly v ("0.1", "465", "0.29000000000000004",
 * "1e-07"): C++17's std::to_chars (fmt_double.cpp). "nan", "inf", "-inf" for the others,
 * which outputs never hold (callers print null or an empty field). Returns buf. */
#ifdef __cplusplus
extern "C"
#endif
char *souk__fmt_double(char buf[32], double v);

/* Writes s as one CSV field, quoted when it holds a comma, quote, CR or LF. */
void souk__csv_field(FILE *f, const char *s);

#endif /* SOUK_ANALYTICS_OUTPUT_H */
