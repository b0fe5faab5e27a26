/* SPDX-License-Identifier: MIT */
/* completion/complete for souk's prompts and resource templates: store URLs and store keys
 * from the store list, vendors and product types read from the store (on the quick lane,
 * remembered until a crawl changes the data), k values, exported file names. Matching is a
 * case-insensitive prefix, also of the URL without its scheme. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve/serve_int.h"
#include "souk/error.h"

enum { MAX_GROUP_VALUES = 5000 };

static bool prefix(const char *value, const char *typed) {
  size_t n = strlen(typed);
  if (strncasecmp(value, typed, n) == 0)
    return true;
  const char *p = strstr(value, "://"); /* "shop" matches https://shop.example */
  return p && strncasecmp(p + 3, typed, n) == 0;
}

/* Ends the call with the values of `list` (strings) that match `typed`, except `skip`. */
static void answer(souk_mcp_call *call, const json_t *list, const char *typed, const char *skip) {
  size_t n = json_array_size(list), m = 0;
  const char **vals = calloc(n ? n : 1, sizeof *vals);
  if (!vals) {
    souk_mcp_call_complete(call, NULL, 0, 0, false);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const char *v = json_string_value(json_array_get(list, i));
    if (v && prefix(v, typed) && !(skip && strcmp(v, skip) == 0))
      vals[m++] = v;
  }
  souk_mcp_call_complete(call, vals, m, (int64_t)m, false);
  free(vals);
}

static json_t *store_values(const souk_serve *sv, const char *field) {
  json_t *out = json_array();
  size_t i;
  json_t *st;
  json_array_foreach(sv->stores, i, st) {
    json_array_append(out, json_object_get(st, field));
  }
  return out;
}

/* ---- vendors and product types, from the store ----------------------------------------- */

typedef struct group_job {
  souk__job base;
  souk_mcp_call *call;
  souk_group_by by;
  char origin[512];            /* "" for every store */
  char cache_key[600];
  char *typed;
  json_t *values;
} group_job;

static int group_cb(const souk_group_stats *g, void *ud) {
  group_job *j = ud;
  if (json_array_size(j->values) >= MAX_GROUP_VALUES)
    return 1;
  if (g->key && *g->key)
    json_array_append_new(j->values, souk__serve_str(g->key));
  return 0;
}

static int group_run(souk__job *j, souk_store *s) {
  group_job *g = (group_job *)j;
  g->values = json_array();
  souk_query q;
  souk_query_init(&q);
  q.store = g->origin[0] ? g->origin : NULL;
  int rc = g->values ? souk_store_aggregate(s, &q, g->by, group_cb, g) : SOUK_ENOMEM;
  return rc ? souk__job_fail(j, rc, "%s", souk_store_errmsg(s)) : 0;
}

static void group_done(souk__job *j) {
  group_job *g = (group_job *)j;
  souk_serve *sv = j->sv;
  if (j->status == 0 && !sv->freed)
    json_object_set_new(sv->completions, g->cache_key,
                        json_pack("{s:I,s:O}", "generation", (json_int_t)sv->generation,
                                  "values", g->values));
  answer(g->call, j->status == 0 ? g->values : NULL, g->typed, NULL);
  json_decref(g->values);
  free(g->typed);
  free(g);
}

static void complete_group(souk_serve *sv, souk_mcp_call *call, souk_group_by by,
                           const char *store, const char *typed) {
  char origin[512] = "";
  if (store && souk__serve_resolve_store(sv, store, origin, sizeof origin) != 0) {
    souk_mcp_call_complete(call, NULL, 0, 0, false);
    return;
  }
  char key[600];
  snprintf(key, sizeof key, "%s %s", by == SOUK_GROUP_VENDOR ? "vendor" : "type", origin);
  json_t *hit = json_object_get(sv->completions, key);
  if (hit && (uint64_t)json_integer_value(json_object_get(hit, "generation")) == sv->generation) {
    answer(call, json_object_get(hit, "values"), typed, NULL);
    return;
  }
  group_job *g = calloc(1, sizeof *g);
  if (!g || !(g->typed = strdup(typed))) {
    free(g);
    souk_mcp_call_complete(call, NULL, 0, 0, false);
    return;
  }
  g->base.run = group_run;
  g->base.done = group_done;
  g->call = call;
  g->by = by;
  snprintf(g->origin, sizeof g->origin, "%s", origin);
  snprintf(g->cache_key, sizeof g->cache_key, "%s", key);
  if (souk__serve_submit(sv, SOUK__LANE_QUICK, &g->base) != 0) {
    souk_mcp_call_complete(call, NULL, 0, 0, false);
    free(g->typed);
    free(g);
  }
}

/* ---- the provider -------------------------------------------------------------------------- */

static const char *ctx(const souk_mcp_completion *req, const char *name) {
  return req->context ? json_string_value(json_object_get(req->context, name)) : NULL;
}

static void complete(souk_mcp_call *call, const souk_mcp_completion *req, void *data) {
  souk_serve *sv = data;
  const char *arg = req->argument;
  if (req->prompt) {
    if (strcmp(arg, "k") == 0) {
      json_t *ks = json_pack("[s,s,s,s,s]", "5", "10", "20", "50", "100");
      answer(call, ks, req->value, NULL);
      json_decref(ks);
      return;
    }
    /* url, a, b: store URLs; b is not a again */
    json_t *urls = store_values(sv, "store");
    answer(call, urls, req->value, strcmp(arg, "b") == 0 ? ctx(req, "a") : NULL);
    json_decref(urls);
    return;
  }
  if (strcmp(arg, "store") == 0) {
    json_t *keys = store_values(sv, "key");
    answer(call, keys, req->value, NULL);
    json_decref(keys);
  } else if (strcmp(arg, "vendor") == 0 || strcmp(arg, "product_type") == 0) {
    complete_group(sv, call, strcmp(arg, "vendor") == 0 ? SOUK_GROUP_VENDOR : SOUK_GROUP_TYPE,
                   ctx(req, "store"), req->value);
  } else if (strcmp(arg, "file") == 0) {
    json_t *files = json_array();
    const char *name;
    json_t *path;
    json_object_foreach(sv->exports, name, path) {
      json_array_append_new(files, json_string(name));
    }
    answer(call, files, req->value, NULL);
    json_decref(files);
  } else {
    souk_mcp_call_complete(call, NULL, 0, 0, false); /* cursors: nothing to suggest */
  }
}

int souk__serve_completion(souk_serve *sv, souk_errinfo *e) {
  (void)e;
  souk_mcp_server_set_completion(sv->server, complete, sv);
  return 0;
}
