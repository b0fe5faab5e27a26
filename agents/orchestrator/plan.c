/* SPDX-License-Identifier: MIT */
/* The fixed plan of the offline and sampling providers: make sure the named stores are in
 * souk (a presence check, then scrape_store when one is missing), then top-K, clusters and
 * price statistics. Arguments are fitted to each tool's inputSchema, so the plan follows the
 * registry it is given. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch_int.h"

static const json_t *schema_props(const souk_orchestrator *o, const char *tool) {
  size_t i;
  const json_t *t;
  json_array_foreach(o->tools, i, t) {
    const char *name = json_string_value(json_object_get(t, "name"));
    if (name && strcmp(name, tool) == 0)
      return json_object_get(json_object_get(t, "input_schema"), "properties");
  }
  return NULL;
}

static bool has_tool(const souk_orchestrator *o, const char *tool) {
  size_t i;
  const json_t *t;
  json_array_foreach(o->tools, i, t) {
    const char *name = json_string_value(json_object_get(t, "name"));
    if (name && strcmp(name, tool) == 0)
      return true;
  }
  return false;
}

static bool accepts(const json_t *props, const char *key) {
  return json_object_get(props, key) != NULL;
}

/* What a tool may call an argument instead: the first name its schema accepts. */
static const char *alias(const json_t *props, const char *key) {
  static const char *const names[][5] = {
      {"k", "top_k", "limit", "n", NULL},
      {"url", "store", "store_url", NULL, NULL},
      {"store", "store_url", "origin", NULL, NULL},
      {"clusters", "k", "n_clusters", NULL, NULL},
  };
  if (accepts(props, key))
    return key;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(names[i][0], key) == 0)
      for (int j = 1; j < 5 && names[i][j]; j++)
        if (accepts(props, names[i][j]))
          return names[i][j];
  return NULL;
}

static bool wants_array(const json_t *props, const char *key) {
  const json_t *type = json_object_get(json_object_get(props, key), "type");
  return json_is_string(type) && strcmp(json_string_value(type), "array") == 0;
}

json_t *souk__args_for(const souk_orchestrator *o, const char *tool, json_t *base_new) {
  const json_t *props = schema_props(o, tool);
  json_t *args = json_object();
  const char *key;
  json_t *v;
  json_object_foreach(base_new, key, v) {
    if (strcmp(key, "stores") == 0) {
      /* Many stores: "stores" when the tool takes a list, else "store" when there is one. */
      if (accepts(props, "stores"))
        json_object_set(args, "stores", v);
      else if (json_array_size(v) == 1 && alias(props, "store"))
        json_object_set(args, alias(props, "store"), json_array_get(v, 0));
      continue;
    }
    const char *k = alias(props, key);
    if (!k && strcmp(key, "url") == 0 && accepts(props, "urls"))
      k = "urls";
    if (!k)
      continue;
    if (wants_array(props, k) && !json_is_array(v))
      json_object_set_new(args, k, json_pack("[O]", v));
    else
      json_object_set(args, k, v);
  }
  if (o->filter)
    json_object_foreach(o->filter, key, v) {
      if (accepts(props, key) && !json_object_get(args, key))
        json_object_set(args, key, v);
    }
  json_decref(base_new);
  return args;
}

static json_t *entry(const char *name, json_t *input_new, const char *why) {
  return json_pack("{s:s,s:o,s:s}", "name", name, "input", input_new, "why", why);
}

static json_t *stores_arg(const souk_orchestrator *o) {
  json_t *base = json_object();
  if (o->nstores) {
    json_t *a = json_array();
    for (size_t i = 0; i < o->nstores; i++)
      json_array_append_new(a, json_string(o->stores[i]));
    json_object_set_new(base, "stores", a);
  }
  return base;
}

json_t *souk__fixed_plan(const souk_orchestrator *o) {
  json_t *q = json_array();
  char why[600];
  for (size_t i = 0; i < o->nstores; i++) {
    const char *s = o->stores[i];
    if (has_tool(o, "query_products")) {
      snprintf(why, sizeof why, "is %s in souk yet?", s);
      json_t *e = entry("query_products",
                        souk__args_for(o, "query_products",
                                       json_pack("{s:s,s:i}", "store", s, "k", 1)),
                        why);
      json_object_set_new(e, "check_store", json_string(s));
      json_array_append_new(q, e);
    } else if (has_tool(o, "scrape_store")) {
      snprintf(why, sizeof why, "bring %s into souk", s);
      json_array_append_new(q, entry("scrape_store",
                                     souk__args_for(o, "scrape_store", json_pack("{s:s}", "url", s)),
                                     why));
    }
  }
  size_t k = o->k ? o->k : 10;
  if (has_tool(o, "top_k_products")) {
    json_t *base = stores_arg(o);
    json_object_set_new(base, "k", json_integer((json_int_t)k));
    json_array_append_new(q, entry("top_k_products", souk__args_for(o, "top_k_products", base),
                                   "the best products by score, with what makes each score"));
  }
  if (has_tool(o, "cluster_products"))
    json_array_append_new(q, entry("cluster_products",
                                   souk__args_for(o, "cluster_products", stores_arg(o)),
                                   "groups of similar products and their sizes"));
  if (has_tool(o, "store_stats")) {
    if (o->nstores == 0 || !schema_props(o, "store_stats") ||
        !alias(schema_props(o, "store_stats"), "store")) {
      json_array_append_new(q, entry("store_stats", souk__args_for(o, "store_stats", json_object()),
                                     "product counts and price statistics"));
    } else {
      for (size_t i = 0; i < o->nstores; i++)
        json_array_append_new(q, entry("store_stats",
                                       souk__args_for(o, "store_stats",
                                                      json_pack("{s:s}", "store", o->stores[i])),
                                       "product counts and price statistics"));
    }
  }
  return q;
}

/* Whether a query's data lists at least one product. */
static bool has_products(const json_t *data) {
  static const char *const lists[] = {"products", "items", "results", NULL};
  static const char *const counts[] = {"count", "total", "matched", "products_total", NULL};
  for (const char *const *n = lists; *n; n++) {
    const json_t *a = json_object_get(data, *n);
    if (json_is_array(a))
      return json_array_size(a) > 0;
  }
  for (const char *const *n = counts; *n; n++) {
    const json_t *c = json_object_get(data, *n);
    if (json_is_integer(c))
      return json_integer_value(c) > 0;
  }
  return false;
}

json_t *souk__after_check(const souk_orchestrator *o, const json_t *e, const json_t *data,
                          bool ok) {
  const char *store = json_string_value(json_object_get(e, "check_store"));
  if (!store || (ok && has_products(data)) || !has_tool(o, "scrape_store"))
    return NULL;
  char why[600];
  snprintf(why, sizeof why, "%s is not in souk yet", store);
  return entry("scrape_store", souk__args_for(o, "scrape_store", json_pack("{s:s}", "url", store)),
               why);
}

size_t souk__k_from_goal(const char *goal) {
  static const char *const before[] = {"top ", "best ", "top-", NULL};
  static const char *const after[] = {" products", " items", " best", " bestsellers", NULL};
  size_t n = strlen(goal);
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)goal[i]) || (i > 0 && isalnum((unsigned char)goal[i - 1])))
      continue;
    size_t j = i;
    unsigned long v = 0;
    while (j < n && isdigit((unsigned char)goal[j]) && v < 100000)
      v = v * 10 + (unsigned long)(goal[j++] - '0');
    if (v == 0 || v > 1000)
      continue;
    for (const char *const *b = before; *b; b++) {
      size_t bl = strlen(*b);
      if (i >= bl && strncasecmp(goal + i - bl, *b, bl) == 0)
        return v;
    }
    for (const char *const *a = after; *a; a++)
      if (strncasecmp(goal + j, *a, strlen(*a)) == 0)
        return v;
    i = j;
  }
  return 0;
}
