/* SPDX-License-Identifier: MIT */
/* Popularity from a CSV file of the user's sales data: parse, check, then apply at once. */
#include "analytics/popularity.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "souk/error.h"

#define FIELD_MAX 256 /* longest id or popularity field */

typedef struct entry {
  int64_t id;
  double value;
  size_t line;
} entry;

/* A reader of RFC 4180 records. */
typedef struct reader {
  const char *p, *end;
  size_t line;     /* line of the current position */
  const char *name;
  souk_errinfo *e;
} reader;

/* Reads one field into out (truncated to FIELD_MAX-1 bytes, flagging *long_field) and
 * reports in *eor whether it ended its record. Returns 0 or SOUK_EPARSE. */
static int read_field(reader *r, char *out, size_t *outlen, int *eor, int *long_field) {
  size_t n = 0;
  *long_field = 0;
  if (r->p < r->end && *r->p == '"') {
    size_t start_line = r->line;
    r->p++;
    for (;;) {
      if (r->p >= r->end)
        return souk_errinfo_set(r->e, SOUK_EPARSE, "%s:%zu: a quoted field is not closed",
                                r->name, start_line);
      char c = *r->p++;
      if (c == '"') {
        if (r->p < r->end && *r->p == '"') {
          r->p++;
        } else {
          break;
        }
      } else if (c == '\n') {
        r->line++;
      }
      if (n < FIELD_MAX - 1)
        out[n++] = c;
      else
        *long_field = 1;
    }
    if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
      return souk_errinfo_set(r->e, SOUK_EPARSE, "%s:%zu: text after a closing quote",
                              r->name, r->line);
  } else {
    while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
      if (n < FIELD_MAX - 1)
        out[n++] = *r->p;
      else
        *long_field = 1;
      r->p++;
    }
  }
  out[n] = '\0';
  *outlen = n;
  if (r->p < r->end && *r->p == ',') {
    r->p++;
    *eor = 0;
    return 0;
  }
  if (r->p < r->end && *r->p == '\r')
    r->p++;
  if (r->p < r->end && *r->p == '\n') {
    r->p++;
    r->line++;
  }
  *eor = 1;
  return 0;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

static const entry *find(const entry *v, size_t n, int64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && v[lo].id == id ? &v[lo] : NULL;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int souk_popularity_parse_csv(souk_metrics *t, const char *name, const char *data, size_t len,
                              unsigned flags, souk_popularity_stats *st, souk_errinfo *e) {
  souk_popularity_stats stats = {0, 0, 0, 0};
  if (st)
    *st = stats;
  if (!name)
    name = "popularity csv";
  reader r = {data, data + len, 1, name, e};
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    r.p += 3;
  while (r.p < r.end && (*r.p == '\n' || *r.p == '\r')) {
    if (*r.p == '\n')
      r.line++;
    r.p++;
  }
  if (r.p >= r.end)
    return souk_errinfo_set(e, SOUK_EEMPTY, "%s: the file is empty; expected a header "
                            "'id,popularity' and one row per product", name);

  /* The header. */
  int col_id = -1, col_pop = -1, ncols = 0, eor = 0, lf;
  char field[FIELD_MAX], header[160] = "";
  size_t flen, header_line = r.line;
  while (!eor) {
    int rc = read_field(&r, field, &flen, &eor, &lf);
    if (rc)
      return rc;
    char *f = trim(field);
    if (strcasecmp(f, "id") == 0 && col_id < 0)
      col_id = ncols;
    else if (strcasecmp(f, "popularity") == 0 && col_pop < 0)
      col_pop = ncols;
    if (strlen(header) + strlen(f) + 2 < sizeof header) {
      if (ncols)
        strcat(header, ",");
      strcat(header, f);
    }
    ncols++;
  }
  if (col_id < 0 || col_pop < 0)
    return souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: the header must name the columns 'id' and "
                            "'popularity' (found '%s')", name, header_line, header);

  /* The rows. */
  entry *v = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  while (r.p < r.end) {
    if (*r.p == '\n' || *r.p == '\r') { /* blank line */
      if (*r.p == '\n')
        r.line++;
      r.p++;
      continue;
    }
    size_t line = r.line;
    char idf[FIELD_MAX] = "", popf[FIELD_MAX] = "";
    int got = 0, col = 0, too_long = 0;
    eor = 0;
    while (!eor) {
      if ((rc = read_field(&r, field, &flen, &eor, &lf)) != 0)
        goto out;
      if (col == col_id || col == col_pop) {
        too_long |= lf;
        strcpy(col == col_id ? idf : popf, field);
        got++;
      }
      col++;
    }
    if (got < 2) {
      rc = souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: the row has %d field%s; the header has %d "
                            "(id and popularity are columns %d and %d)", name, line, col,
                            col == 1 ? "" : "s", ncols, col_id + 1, col_pop + 1);
      goto out;
    }
    char *ids = trim(idf), *pops = trim(popf), *endp;
    if (too_long) {
      rc = souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: the id or popularity field is longer than "
                            "%d bytes", name, line, FIELD_MAX - 1);
      goto out;
    }
    errno = 0;
    long long id = strtoll(ids, &endp, 10);
    if (!*ids || *endp || errno == ERANGE || isspace((unsigned char)*ids)) {
      rc = souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: id '%s' is not a whole number", name, line,
                            ids);
      goto out;
    }
    errno = 0;
    double val = strtod(pops, &endp);
    if (!*pops || *endp) {
      rc = souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: popularity '%s' of id %lld is not a "
                            "number", name, line, pops, id);
      goto out;
    }
    if (!isfinite(val)) {
      rc = souk_errinfo_set(e, SOUK_EPARSE, "%s:%zu: popularity '%s' of id %lld is not a finite "
                            "number", name, line, pops, id);
      goto out;
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 1024;
      entry *p = realloc(v, nc * sizeof *p);
      if (!p) {
        rc = souk_errinfo_set(e, SOUK_ENOMEM, "%s: out of memory reading row %zu", name, n + 1);
        goto out;
      }
      v = p;
      cap = nc;
    }
    v[n].id = id;
    v[n].value = val;
    v[n].line = line;
    n++;
  }
  stats.rows = n;
  if (n == 0) {
    rc = souk_errinfo_set(e, SOUK_EEMPTY, "%s: the file has a header but no rows", name);
    goto out;
  }

  qsort(v, n, sizeof *v, cmp_entry);
  for (size_t i = 1; i < n; i++)
    if (v[i].id == v[i - 1].id) {
      rc = souk_errinfo_set(e, SOUK_EDUPLICATE, "%s: id %lld is listed twice (lines %zu and %zu)",
                            name, (long long)v[i].id, v[i - 1].line, v[i].line);
      goto out;
    }

  /* Match every table row, then refuse unknown ids before changing anything. */
  size_t rows = souk_metrics_count(t);
  const int64_t *ids_col = souk_metrics_ids(t);
  unsigned char *used = calloc(n, 1);
  if (!used) {
    rc = souk_errinfo_set(e, SOUK_ENOMEM, "%s: out of memory matching ids", name);
    goto out;
  }
  for (size_t i = 0; i < rows; i++) {
    const entry *f = find(v, n, ids_col[i]);
    if (f) {
      used[f - v] = 1;
      stats.matched++;
    } else {
      stats.missing++;
    }
  }
  const entry *first_unknown = NULL;
  for (size_t i = 0; i < n; i++)
    if (!used[i]) {
      stats.unknown++;
      if (!first_unknown || v[i].line < first_unknown->line)
        first_unknown = &v[i];
    }
  free(used);
  if (stats.unknown && !(flags & SOUK_POPULARITY_IGNORE_UNKNOWN)) {
    rc = souk_errinfo_set(e, SOUK_ENOENT, "%s:%zu: id %lld is not a product being analysed "
                          "(%zu of the file's %zu ids are unknown)", name, first_unknown->line,
                          (long long)first_unknown->id, stats.unknown, n);
    goto out;
  }
  char signal[256];
  snprintf(signal, sizeof signal, "csv:%s", base_name(name));
  if ((rc = souk_metrics_set_popularity_signal(t, signal, e)) != 0)
    goto out;
  for (size_t i = 0; i < rows; i++) {
    const entry *f = find(v, n, ids_col[i]);
    souk_metrics_set_popularity(t, i, f ? f->value : 0.0, NULL);
  }
  if (st)
    *st = stats;
out:
  free(v);
  return rc;
}

int souk_popularity_load_csv(souk_metrics *t, const char *path, unsigned flags,
                             souk_popularity_stats *st, souk_errinfo *e) {
  if (st)
    memset(st, 0, sizeof *st);
  FILE *f = fopen(path, "rb");
  if (!f)
    return souk_errinfo_set(e, errno == ENOENT ? SOUK_ENOENT : SOUK_EIO,
                            "cannot open popularity file %s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return souk_errinfo_set(e, SOUK_EIO, "popularity file %s is not a regular file", path);
  }
  if ((unsigned long long)sb.st_size > SOUK_POPULARITY_CSV_MAX) {
    fclose(f);
    return souk_errinfo_set(e, SOUK_ETOOBIG, "popularity file %s is %lld bytes; the most read "
                            "is %zu", path, (long long)sb.st_size, SOUK_POPULARITY_CSV_MAX);
  }
  size_t size = (size_t)sb.st_size;
  char *data = malloc(size ? size : 1);
  if (!data) {
    fclose(f);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory reading %s", path);
  }
  size_t got = fread(data, 1, size, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != size) {
    free(data);
    return souk_errinfo_set(e, SOUK_EIO, "cannot read popularity file %s", path);
  }
  int rc = souk_popularity_parse_csv(t, path, data, size, flags, st, e);
  free(data);
  return rc;
}
