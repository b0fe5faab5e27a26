/* SPDX-License-Identifier: MIT */
/* RFC 6570 level-1 URI templates ("souk://stores/{store}/products"): checking and matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_private.h"

#define MAX_VARS 16
#define MAX_VAR_NAME 64

static bool varchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.';
}

int souk__uri_template_check(const char *t, char *why, size_t whylen) {
  int nvars = 0;
  if (!t || !*t) {
    snprintf(why, whylen, "empty URI template");
    return SOUK_EINVAL;
  }
  for (const char *p = t; *p; p++) {
    if (*p == '}') {
      snprintf(why, whylen, "unbalanced '}' at offset %zu", (size_t)(p - t));
      return SOUK_EINVAL;
    }
    if (*p != '{')
      continue;
    const char *q = p + 1;
    if (strchr("+#./;?&=,!@|", *q)) {
      snprintf(why, whylen, "operator '%c' at offset %zu: only level-1 templates ({var}) are "
               "supported", *q, (size_t)(q - t));
      return SOUK_EINVAL;
    }
    size_t n = 0;
    while (varchar(q[n]))
      n++;
    if (n == 0 || n > MAX_VAR_NAME || q[n] != '}') {
      snprintf(why, whylen, "bad expression at offset %zu: expected {name} with letters, digits, "
               "'_' or '.'", (size_t)(p - t));
      return SOUK_EINVAL;
    }
    if (p > t && p[-1] == '}') {
      snprintf(why, whylen, "two variables side by side at offset %zu cannot be told apart",
               (size_t)(p - t));
      return SOUK_EINVAL;
    }
    if (++nvars > MAX_VARS) {
      snprintf(why, whylen, "more than %d variables", MAX_VARS);
      return SOUK_EINVAL;
    }
    p = q + n;
  }
  return 0;
}

bool souk__uri_template_has_var(const char *t, const char *name) {
  size_t len = strlen(name);
  for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
    if (strncmp(p + 1, name, len) == 0 && p[1 + len] == '}')
      return true;
  return false;
}

typedef struct span {
  const char *name;
  size_t name_len;
  const char *val;
  size_t val_len;
} span;

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Matches template t against uri u; fills vars; backtracks over variable lengths, at most
 * *budget steps (an adversarial URI cannot make matching slow). */
static bool match(const char *t, const char *u, span *vars, int nv, long *budget) {
  if (--*budget < 0)
    return false;
  while (*t && *t != '{') {
    if (*t != *u)
      return false;
    t++;
    u++;
  }
  if (!*t)
    return *u == 0;
  const char *name = t + 1;
  const char *close = strchr(name, '}');
  if (!close)
    return false;
  size_t maxlen = strcspn(u, "/?#");
  for (size_t k = maxlen; k >= 1; k--) {
    vars[nv] = (span){name, (size_t)(close - name), u, k};
    if (match(close + 1, u + k, vars, nv + 1, budget))
      return true;
  }
  return false;
}

int souk__uri_template_match(const char *t, const char *uri, json_t **vars_out) {
  span vars[MAX_VARS + 1];
  *vars_out = NULL;
  if (!t || !uri || strlen(uri) > 8192)
    return 0;
  int nv = 0;
  for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
    nv++;
  if (nv > MAX_VARS)
    return 0;
  memset(vars, 0, sizeof vars);
  long budget = 100000;
  if (!match(t, uri, vars, 0, &budget))
    return 0;
  json_t *o = json_object();
  if (!o)
    return SOUK_ENOMEM;
  for (int i = 0; i < nv; i++) {
    char name[MAX_VAR_NAME + 1];
    snprintf(name, sizeof name, "%.*s", (int)vars[i].name_len, vars[i].name);
    char *val = malloc(vars[i].val_len + 1);
    if (!val) {
      json_decref(o);
      return SOUK_ENOMEM;
    }
    size_t n = 0;
    for (size_t j = 0; j < vars[i].val_len; j++) {
      const char *v = vars[i].val;
      int hi, lo;
      if (v[j] == '%' && j + 2 < vars[i].val_len && (hi = hexval(v[j + 1])) >= 0 &&
          (lo = hexval(v[j + 2])) >= 0) {
        val[n++] = (char)(hi << 4 | lo);
        j += 2;
      } else {
        val[n++] = v[j];
      }
    }
    json_t *s = memchr(val, 0, n) ? NULL : json_stringn(val, n);
    free(val);
    if (!s) { /* decoded to something that is not UTF-8 (or NUL): not a match */
      json_decref(o);
      return 0;
    }
    json_object_set_new(o, name, s);
  }
  *vars_out = o;
  return 1;
}
