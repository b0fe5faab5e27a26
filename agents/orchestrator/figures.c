/* SPDX-License-Identifier: MIT */
/* The figure checker: collecting the numbers tools returned and checking a summary's figures
 * against them (figures.h). */
#include "figures.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "souk/error.h"

#define MAX_NUMBERS ((size_t)4 * 1024 * 1024)
#define MAX_TEXT ((size_t)1 << 20)
#define MAX_DEPTH 64

struct souk_figures {
  double *v;       /* absolute values */
  size_t n, cap;
  bool sorted;
};

souk_figures *souk_figures_new(void) {
  souk_figures *f = calloc(1, sizeof *f);
  if (f)
    f->sorted = true;
  return f;
}

void souk_figures_free(souk_figures *f) {
  if (!f)
    return;
  free(f->v);
  free(f);
}

size_t souk_figures_count(const souk_figures *f) { return f->n; }

int souk_figures_add_number(souk_figures *f, double v) {
  if (!isfinite(v))
    return 0;
  if (f->n == f->cap) {
    if (f->cap >= MAX_NUMBERS)
      return SOUK_ELIMIT;
    size_t cap = f->cap ? f->cap * 2 : 256;
    double *nv = realloc(f->v, cap * sizeof *nv);
    if (!nv)
      return SOUK_ENOMEM;
    f->v = nv;
    f->cap = cap;
  }
  f->v[f->n++] = fabs(v);
  f->sorted = false;
  return 0;
}

/* ---- scanning ------------------------------------------------------------------------------ */

static bool starts_url(const char *s, size_t len, size_t i) {
  return (len - i >= 7 && strncasecmp(s + i, "http://", 7) == 0) ||
         (len - i >= 8 && strncasecmp(s + i, "https://", 8) == 0);
}

static bool url_end(char c) {
  return isspace((unsigned char)c) || c == ')' || c == ']' || c == '>' || c == '"' || c == '\'' ||
         c == '<' || c == '`';
}

/* Only spaces, tabs and '>' (a quote) since the start of the line. */
static bool at_line_start(const char *s, size_t i) {
  while (i > 0) {
    char c = s[i - 1];
    if (c == '\n')
      return true;
    if (c != ' ' && c != '\t' && c != '>')
      return false;
    i--;
  }
  return true;
}

void souk_figures_scan(const char *s, size_t len, int markdown,
                       void (*fn)(const souk_figure *fig, void *ud), void *ud) {
  size_t i = 0;
  while (i < len) {
    if (markdown && (s[i] == 'h' || s[i] == 'H') && starts_url(s, len, i)) {
      while (i < len && !url_end(s[i]))
        i++;
      continue;
    }
    if (!isdigit((unsigned char)s[i])) {
      i++;
      continue;
    }
    size_t start = i, j = i;
    char digits[128];
    size_t nd = 0;
    while (j < len && isdigit((unsigned char)s[j])) {
      if (nd < sizeof digits - 2)
        digits[nd++] = s[j];
      j++;
    }
    /* Thousands separators: ",ddd" groups after a first group of one to three digits. */
    if (j - start <= 3) {
      while (j + 3 < len && s[j] == ',' && isdigit((unsigned char)s[j + 1]) &&
             isdigit((unsigned char)s[j + 2]) && isdigit((unsigned char)s[j + 3]) &&
             (j + 4 >= len || !isdigit((unsigned char)s[j + 4]))) {
        for (int k = 1; k <= 3 && nd < sizeof digits - 2; k++)
          digits[nd++] = s[j + k];
        j += 4;
      }
    }
    int decimals = 0;
    if (j + 1 < len && s[j] == '.' && isdigit((unsigned char)s[j + 1])) {
      if (nd < sizeof digits - 2)
        digits[nd++] = '.';
      j++;
      while (j < len && isdigit((unsigned char)s[j])) {
        if (nd < sizeof digits - 2)
          digits[nd++] = s[j];
        decimals++;
        j++;
      }
      /* "1.2.3", "127.0.0.1": a version or an address, not a figure. */
      if (j + 1 < len && s[j] == '.' && isdigit((unsigned char)s[j + 1])) {
        while (j < len && (isdigit((unsigned char)s[j]) || s[j] == '.'))
          j++;
        i = j;
        continue;
      }
    }
    digits[nd] = '\0';
    /* An ordered-list marker: "1. " or "2) " at the start of a line. */
    if (markdown && decimals == 0 && j + 1 < len && (s[j] == '.' || s[j] == ')') &&
        (s[j + 1] == ' ' || s[j + 1] == '\t') && at_line_start(s, start)) {
      i = j + 1;
      continue;
    }
    souk_figure fig = {.offset = start, .decimals = decimals, .multiplier = 1};
    fig.value = strtod(digits, NULL);
    if (j < len && (s[j] == 'k' || s[j] == 'K' || s[j] == 'M' || s[j] == 'B') &&
        (j + 1 >= len || !isalpha((unsigned char)s[j + 1]))) {
      fig.multiplier = s[j] == 'M' ? 1e6 : s[j] == 'B' ? 1e9 : 1e3;
      j++;
    }
    if (j < len && s[j] == '%') {
      fig.percent = 1;
      j++;
    } else if (j + 1 < len && s[j] == ' ' && s[j + 1] == '%') {
      fig.percent = 1;
      j += 2;
    }
    fig.len = j - start;
    fn(&fig, ud);
    i = j;
  }
}

/* ---- collecting ---------------------------------------------------------------------------- */

typedef struct add_ctx {
  souk_figures *f;
  int err;
} add_ctx;

static void add_fig(const souk_figure *fig, void *ud) {
  add_ctx *c = ud;
  if (c->err)
    return;
  double v = fig->value * fig->multiplier;
  c->err = souk_figures_add_number(c->f, v);
  if (!c->err && fig->percent)
    c->err = souk_figures_add_number(c->f, v / 100.0);
}

int souk_figures_add_text(souk_figures *f, const char *text) {
  if (!text)
    return 0;
  add_ctx c = {f, 0};
  souk_figures_scan(text, strlen(text), 0, add_fig, &c);
  return c.err;
}

static int add_json(souk_figures *f, const json_t *v, int depth) {
  if (!v || depth > MAX_DEPTH)
    return 0;
  int rc = 0;
  switch (json_typeof(v)) {
  case JSON_INTEGER:
    return souk_figures_add_number(f, (double)json_integer_value(v));
  case JSON_REAL:
    return souk_figures_add_number(f, json_real_value(v));
  case JSON_STRING: {
    add_ctx c = {f, 0};
    souk_figures_scan(json_string_value(v), json_string_length(v), 0, add_fig, &c);
    return c.err;
  }
  case JSON_ARRAY: {
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) {
      if ((rc = add_json(f, x, depth + 1)) != 0)
        return rc;
    }
    return 0;
  }
  case JSON_OBJECT: {
    const json_t *dec = json_object_get(v, "price_decimals");
    if (!dec)
      dec = json_object_get(v, "decimals");
    double scale = 0;
    if (json_is_integer(dec) && json_integer_value(dec) >= 0 && json_integer_value(dec) <= 18)
      scale = pow(10.0, (double)json_integer_value(dec));
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)v, key, x) {
      if ((rc = add_json(f, x, depth + 1)) != 0)
        return rc;
      if (scale > 0 && json_is_number(x) && strstr(key, "price") &&
          (rc = souk_figures_add_number(f, json_number_value(x) / scale)) != 0)
        return rc;
    }
    return 0;
  }
  default:
    return 0;
  }
}

int souk_figures_add_json(souk_figures *f, const json_t *v) { return add_json(f, v, 0); }

/* ---- checking ------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void sort_set(souk_figures *f) {
  if (f->sorted)
    return;
  qsort(f->v, f->n, sizeof *f->v, cmp_double);
  size_t w = 0;
  for (size_t i = 0; i < f->n; i++)
    if (w == 0 || f->v[i] != f->v[w - 1])
      f->v[w++] = f->v[i];
  f->n = w;
  f->sorted = true;
}

/* The first index whose value is >= x. */
static size_t lower_bound(const souk_figures *f, double x) {
  size_t lo = 0, hi = f->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->v[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Is a known number within [x - tol, x + tol]? With `integer_figure`, a known integer must be
 * equal, and a known fraction must be at least 10 to be rounded to it ("45" for 44.8, never
 * "3" for 2.7). */
static bool known_near(const souk_figures *f, double x, double tol, bool integer_figure) {
  tol += 1e-9 * (fabs(x) > 1 ? fabs(x) : 1);
  for (size_t i = lower_bound(f, x - tol); i < f->n && f->v[i] <= x + tol; i++) {
    double v = f->v[i];
    if (!integer_figure)
      return true;
    if (v == floor(v)) {
      if (fabs(v - x) <= 1e-9 * (fabs(x) > 1 ? fabs(x) : 1))
        return true;
    } else if (v >= 10) {
      return true;
    }
  }
  return false;
}

static bool supported(const souk_figures *f, const souk_figure *fig) {
  double x = fig->value * fig->multiplier;
  double tol = 0.5 * pow(10.0, -fig->decimals) * fig->multiplier;
  bool integer_figure = fig->decimals == 0 && fig->multiplier == 1;
  if (known_near(f, x, integer_figure ? 0.5 : tol, integer_figure))
    return true;
  /* "43.5%" for a ratio of 0.435 (0.4349 rounds to it too). */
  if (fig->percent && known_near(f, x / 100.0, tol / 100.0, false))
    return true;
  return false;
}

typedef struct check_ctx {
  const souk_figures *f;
  const char *text;
  souk_figures_mode mode;
  souk_figures_report *r;
  souk_buf out;
  size_t copied;
  int err;
} check_ctx;

static void check_fig(const souk_figure *fig, void *ud) {
  check_ctx *c = ud;
  if (c->err)
    return;
  c->r->figures++;
  if (supported(c->f, fig)) {
    c->r->supported++;
    return;
  }
  json_t *s = json_stringn(c->text + fig->offset, fig->len);
  if (!s || json_array_append_new(c->r->unsupported, s) != 0) {
    c->err = SOUK_ENOMEM;
    return;
  }
  int rc = souk_buf_add(&c->out, c->text + c->copied, fig->offset - c->copied);
  if (!rc && c->mode == SOUK_FIGURES_STRIP) {
    rc = souk_buf_adds(&c->out, "[figure removed]");
  } else if (!rc) {
    rc = souk_buf_add(&c->out, c->text + fig->offset, fig->len);
    if (!rc)
      rc = souk_buf_adds(&c->out, " [unverified]");
  }
  c->copied = fig->offset + fig->len;
  c->err = rc;
}

int souk_figures_check(souk_figures *f, const char *markdown, souk_figures_mode mode,
                       souk_figures_report *r) {
  memset(r, 0, sizeof *r);
  size_t len = strlen(markdown);
  if (len > MAX_TEXT)
    return SOUK_ETOOBIG;
  sort_set(f);
  r->unsupported = json_array();
  if (!r->unsupported)
    return SOUK_ENOMEM;
  check_ctx c = {.f = f, .text = markdown, .mode = mode, .r = r};
  souk_buf_init(&c.out, MAX_TEXT * 2);
  souk_figures_scan(markdown, len, 1, check_fig, &c);
  if (!c.err)
    c.err = souk_buf_add(&c.out, markdown + c.copied, len - c.copied);
  if (!c.err)
    r->text = souk_buf_steal(&c.out, NULL);
  souk_buf_free(&c.out);
  if (c.err || !r->text) {
    souk_figures_report_free(r);
    return c.err ? c.err : SOUK_ENOMEM;
  }
  return 0;
}

void souk_figures_report_free(souk_figures_report *r) {
  json_decref(r->unsupported);
  free(r->text);
  memset(r, 0, sizeof *r);
}
