/* SPDX-License-Identifier: MIT */
/* Small helpers the protocol files share: pointer vectors, names, pagination cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_private.h"

int souk__vec_push(souk__vec *v, void *item) {
  if (v->len == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    void **items = realloc(v->items, cap * sizeof *items);
    if (!items)
      return SOUK_ENOMEM;
    v->items = items;
    v->cap = cap;
  }
  v->items[v->len++] = item;
  return 0;
}

void souk__vec_remove(souk__vec *v, size_t i) {
  if (i >= v->len)
    return;
  memmove(v->items + i, v->items + i + 1, (v->len - i - 1) * sizeof *v->items);
  v->len--;
}

void souk__vec_free(souk__vec *v) {
  free(v->items);
  v->items = NULL;
  v->len = v->cap = 0;
}

char *souk__strdup(const char *s) {
  return s ? strdup(s) : NULL;
}

bool souk__name_valid(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

/* Cursors are opaque to clients ("MUST NOT parse"): a prefix and an offset. */
#define CURSOR_PREFIX "souk-page-"

json_t *souk__paginate(const json_t *all, const char *key, const json_t *params,
                       size_t page_size, bool *bad_cursor) {
  size_t offset = 0, n = json_array_size(all);
  *bad_cursor = false;
  const json_t *cursor = json_object_get(params, "cursor");
  if (cursor && !json_is_null(cursor)) {
    const char *cs = json_string_value(cursor);
    char *end = NULL;
    unsigned long long off = 0;
    if (cs && strncmp(cs, CURSOR_PREFIX, strlen(CURSOR_PREFIX)) == 0) {
      const char *digits = cs + strlen(CURSOR_PREFIX);
      if (*digits >= '0' && *digits <= '9')
        off = strtoull(digits, &end, 10);
    }
    if (!end || *end || off == 0 || off > n) {
      *bad_cursor = true;
      return NULL;
    }
    offset = (size_t)off;
  }
  json_t *page = json_array();
  json_t *out = json_object();
  if (!page || !out) {
    json_decref(page);
    json_decref(out);
    return NULL;
  }
  size_t end = offset + page_size < n ? offset + page_size : n;
  for (size_t i = offset; i < end; i++)
    json_array_append(page, json_array_get(all, i));
  json_object_set_new(out, key, page);
  if (end < n) {
    char buf[64];
    snprintf(buf, sizeof buf, CURSOR_PREFIX "%zu", end);
    json_object_set_new(out, "nextCursor", json_string(buf));
  }
  return out;
}
