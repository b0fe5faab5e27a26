/* SPDX-License-Identifier: MIT */
/* The summary from templates: the offline provider's summary, and the fallback when a run
 * stops early. Every figure is printed from a tool result (as given, or rounded), so the
 * figure checker finds each one; the words around them are souk's own and hold no numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch_int.h"

/* The data of the last successful call of `tool`, or NULL. */
static const json_t *last_data(const souk_orchestrator *o, const char *tool) {
  for (size_t i = json_array_size(o->results); i-- > 0;) {
    const json_t *r = json_array_get(o->results, i);
    const char *t = json_string_value(json_object_get(r, "tool"));
    if (t && strcmp(t, tool) == 0)
      return json_object_get(r, "data");
  }
  return NULL;
}

/* An array member `key` of data, or of one of its object members ("top_k": {"products"}). */
static const json_t *find_array(const json_t *data, const char *key) {
  const json_t *a = json_object_get(data, key);
  if (json_is_array(a))
    return a;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)data, k, v) {
    if (json_is_object(v) && json_is_array(json_object_get(v, key)))
      return json_object_get(v, key);
  }
  return NULL;
}

/* A number, or a string holding one ("19.99": money as souk's tools give it). */
static bool numeric(const json_t *v) {
  if (json_is_number(v))
    return true;
  const char *s = json_string_value(v);
  char *end;
  if (!s || !*s)
    return false;
  strtod(s, &end);
  return *end == '\0';
}

static const json_t *num_of(const json_t *obj, const char *const *keys) {
  for (const char *const *k = keys; *k; k++) {
    const json_t *v = json_object_get(obj, *k);
    if (numeric(v))
      return v;
  }
  return NULL;
}

/* A number as a tool gave it: integers whole, others with `decimals` digits, strings as they
 * are. */
static void fmt_num(const json_t *v, int decimals, char *out, size_t len) {
  if (json_is_string(v))
    souk__md_text(json_string_value(v), 30, out, len);
  else if (json_is_integer(v))
    snprintf(out, len, "%lld", (long long)json_integer_value(v));
  else
    snprintf(out, len, "%.*f", decimals, json_number_value(v));
}

/* A price member: in major units when the object says its decimals (minor units), else as
 * given with two decimals. */
static void fmt_price(const json_t *obj, const json_t *v, char *out, size_t len) {
  const json_t *d = json_object_get(obj, "price_decimals");
  if (json_is_integer(v) && json_is_integer(d) && json_integer_value(d) > 0 &&
      json_integer_value(d) <= 9) {
    int dec = (int)json_integer_value(d);
    snprintf(out, len, "%.*f", dec, (double)json_integer_value(v) / pow(10.0, dec));
  } else {
    fmt_num(v, 2, out, len);
  }
}

static void host_label(const char *store, char *out, size_t len) {
  char h[SOUK__HOST_MAX];
  if (store && souk__host_of(store, h, sizeof h) == 0)
    souk__md_text(h, 60, out, len);
  else
    souk__md_text(store ? store : "", 60, out, len);
}

static void stores_section(const souk_orchestrator *o, souk_buf *b) {
  bool heading = false;
  size_t i;
  const json_t *r;
  json_array_foreach(o->results, i, r) {
    const char *t = json_string_value(json_object_get(r, "tool"));
    if (!t || strcmp(t, "store_stats") != 0)
      continue;
    const json_t *stores = find_array(json_object_get(r, "data"), "stores");
    size_t j;
    const json_t *s;
    json_array_foreach(stores, j, s) {
      static const char *const products[] = {"products", "product_count", NULL};
      static const char *const listed[] = {"listed", NULL};
      static const char *const avail[] = {"available_products", "available", NULL};
      static const char *const pmin[] = {"price_min", "min_price", NULL};
      static const char *const pmax[] = {"price_max", "max_price", NULL};
      static const char *const pmed[] = {"price_median", "median_price", NULL};
      static const char *const pmean[] = {"price_mean", "mean_price", NULL};
      const json_t *stats = json_object_get(s, "prices");
      if (!json_is_object(stats))
        stats = s;
      char label[100], n[64];
      host_label(json_string_value(json_object_get(s, "store")), label, sizeof label);
      if (!heading) {
        souk_buf_adds(b, "\n## Stores (store_stats)\n\n");
        heading = true;
      }
      souk_buf_printf(b, "- **%s**:", label);
      const json_t *v;
      const char *sep = " ";
      if ((v = num_of(s, products))) {
        fmt_num(v, 0, n, sizeof n);
        souk_buf_printf(b, "%s%s products", sep, n);
        sep = ", ";
      }
      if ((v = num_of(s, listed))) {
        fmt_num(v, 0, n, sizeof n);
        souk_buf_printf(b, "%s%s listed", sep, n);
        sep = ", ";
      }
      if ((v = num_of(s, avail)) || (v = num_of(stats, avail))) {
        fmt_num(v, 0, n, sizeof n);
        souk_buf_printf(b, "%s%s in stock", sep, n);
        sep = ", ";
      }
      const json_t *lo = num_of(stats, pmin), *hi = num_of(stats, pmax);
      const char *cur = json_string_value(json_object_get(s, "currency"));
      char curtxt[24] = "";
      if (cur)
        souk__md_text(cur, 8, curtxt, sizeof curtxt);
      if (lo && hi) {
        char a[64], c[64];
        fmt_price(stats, lo, a, sizeof a);
        fmt_price(stats, hi, c, sizeof c);
        souk_buf_printf(b, "%sprices from %s to %s%s%s", sep, a, c, cur ? " " : "", curtxt);
        sep = ", ";
      }
      if ((v = num_of(stats, pmed))) {
        fmt_price(stats, v, n, sizeof n);
        souk_buf_printf(b, "%smedian price %s", sep, n);
        sep = ", ";
      }
      if ((v = num_of(stats, pmean))) {
        fmt_price(stats, v, n, sizeof n);
        souk_buf_printf(b, "%smean price %s", sep, n);
        sep = ", ";
      }
      const json_t *issues = json_object_get(s, "issues");
      if (json_array_size(issues)) {
        souk_buf_printf(b, "%sdata issues:", sep);
        size_t k;
        const json_t *is;
        json_array_foreach(issues, k, is) {
          char kind[80];
          souk__md_text(json_string_value(json_object_get(is, "kind")), 40, kind, sizeof kind);
          fmt_num(json_object_get(is, "count"), 0, n, sizeof n);
          souk_buf_printf(b, "%s %s (%s)", k ? "," : "", kind, n);
        }
      }
      souk_buf_adds(b, "\n");
    }
  }
}

typedef struct term {
  const char *name;
  double value;
  const json_t *v;
} term;

static int cmp_term(const void *a, const void *b) {
  double x = ((const term *)a)->value, y = ((const term *)b)->value;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The metrics that add most to scores across the list, by name, for the advice. */
static void strongest(const json_t *products, char *out, size_t len) {
  term sums[16];
  size_t n = 0;
  size_t i;
  const json_t *p;
  json_array_foreach(products, i, p) {
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(p, "contributions"), key, v) {
      size_t j = 0;
      while (j < n && strcmp(sums[j].name, key) != 0)
        j++;
      if (j == n && n < 16)
        sums[n++] = (term){key, 0, NULL};
      if (j < n)
        sums[j].value += json_number_value(v);
    }
  }
  qsort(sums, n, sizeof *sums, cmp_term);
  out[0] = '\0';
  for (size_t j = 0; j < n && j < 2; j++) {
    char name[64];
    souk__md_text(sums[j].name, 40, name, sizeof name);
    snprintf(out + strlen(out), len - strlen(out), "%s%s", j ? " and " : "", name);
  }
}

static void products_section(const souk_orchestrator *o, souk_buf *b, char *advice,
                             size_t alen) {
  const json_t *data = last_data(o, "top_k_products");
  const json_t *products = data ? find_array(data, "products") : NULL;
  if (!products)
    products = data ? find_array(data, "top") : NULL;
  if (!json_array_size(products))
    return;
  souk_buf_adds(b, "\n## Products to feature (top_k_products)\n\n");
  size_t i;
  const json_t *p;
  json_array_foreach(products, i, p) {
    char title[200], store[100], n[64];
    souk__md_text(json_string_value(json_object_get(p, "title")), 80, title, sizeof title);
    host_label(json_string_value(json_object_get(p, "store")), store, sizeof store);
    const json_t *rank = json_object_get(p, "rank");
    souk_buf_adds(b, "- ");
    if (json_is_integer(rank))
      souk_buf_printf(b, "**#%lld** ", (long long)json_integer_value(rank));
    souk_buf_printf(b, "**%s**", title[0] ? title : "(untitled)");
    const json_t *id = json_object_get(p, "id");
    if (json_is_integer(id))
      souk_buf_printf(b, " (id %lld%s%s)", (long long)json_integer_value(id),
                      store[0] ? ", " : "", store);
    const json_t *score = json_object_get(p, "score");
    if (json_is_number(score)) {
      fmt_num(score, 3, n, sizeof n);
      souk_buf_printf(b, ": score %s", n);
    }
    /* The two terms that add most to this product's score. */
    term t[16];
    size_t nt = 0;
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(p, "contributions"), key, v) {
      if (nt < 16 && json_is_number(v))
        t[nt++] = (term){key, json_number_value(v), v};
    }
    qsort(t, nt, sizeof *t, cmp_term);
    for (size_t j = 0; j < nt && j < 2; j++) {
      char name[64];
      souk__md_text(t[j].name, 40, name, sizeof name);
      fmt_num(t[j].v, 3, n, sizeof n);
      souk_buf_printf(b, "%s%s +%s", j ? ", " : " (", name, n);
      if (j + 1 == nt || j == 1)
        souk_buf_adds(b, ")");
    }
    const json_t *metrics = json_object_get(p, "metrics");
    const json_t *price = json_object_get(metrics, "avg_price");
    if (!json_is_number(price))
      price = json_object_get(p, "price");
    if (json_is_number(price)) {
      fmt_num(price, 2, n, sizeof n);
      souk_buf_printf(b, "; average price %s", n);
    }
    souk_buf_adds(b, "\n");
  }
  char terms[160];
  strongest(products, terms, sizeof terms);
  if (terms[0])
    snprintf(advice, alen,
             "- Feature the products above first: their scores come mostly from %s; products "
             "further down can climb by improving the same.\n",
             terms);
  else
    snprintf(advice, alen, "- Feature the products above first: they score highest.\n");
}

static void clusters_section(const souk_orchestrator *o, souk_buf *b, char *advice,
                             size_t alen) {
  const json_t *data = last_data(o, "cluster_products");
  const json_t *clusters = data ? find_array(data, "clusters") : NULL;
  if (!json_array_size(clusters))
    return;
  souk_buf_adds(b, "\n## Groups of similar products (cluster_products)\n\n");
  size_t i;
  const json_t *c;
  const json_t *best = NULL;
  json_array_foreach(clusters, i, c) {
    char n[64];
    const json_t *id = json_object_get(c, "cluster");
    if (json_is_integer(id))
      souk_buf_printf(b, "- Cluster %lld:", (long long)json_integer_value(id));
    else
      souk_buf_adds(b, "- A cluster:");
    const json_t *size = json_object_get(c, "size");
    if (json_is_number(size)) {
      fmt_num(size, 0, n, sizeof n);
      souk_buf_printf(b, " %s products", n);
    }
    const json_t *share = json_object_get(c, "share");
    if (json_is_real(share))
      souk_buf_printf(b, " (%.1f%% of those analysed)", json_real_value(share) * 100.0);
    const json_t *ms = json_object_get(c, "mean_score");
    if (json_is_number(ms)) {
      fmt_num(ms, 3, n, sizeof n);
      souk_buf_printf(b, ", mean score %s", n);
      const json_t *bs = best ? json_object_get(best, "mean_score") : NULL;
      if (!bs || json_number_value(ms) > json_number_value(bs))
        best = c;
    }
    const json_t *price = json_object_get(json_object_get(c, "centroid"), "avg_price");
    if (json_is_number(price)) {
      fmt_num(price, 2, n, sizeof n);
      souk_buf_printf(b, ", typical price %s", n);
    }
    souk_buf_adds(b, "\n");
  }
  const json_t *sil = json_object_get(data, "silhouette");
  if (json_is_object(sil))
    sil = json_object_get(sil, "value");
  if (json_is_real(sil))
    souk_buf_printf(b, "\nSilhouette %.3f: the closer to one, the better the groups are "
                       "separated.\n", json_real_value(sil));
  const json_t *bid = best ? json_object_get(best, "cluster") : NULL;
  if (json_is_integer(bid))
    snprintf(advice, alen,
             "- Cluster %lld has the best mean score: use its products as the model for the "
             "others (tags, images, descriptions).\n",
             (long long)json_integer_value(bid));
}

static void scraped_section(const souk_orchestrator *o, souk_buf *b) {
  bool heading = false;
  size_t i;
  const json_t *r;
  json_array_foreach(o->results, i, r) {
    const char *t = json_string_value(json_object_get(r, "tool"));
    if (!t || strcmp(t, "scrape_store") != 0)
      continue;
    const json_t *data = json_object_get(r, "data");
    const json_t *list = find_array(data, "results");
    json_t *one = NULL;
    if (!list) {
      one = json_pack("[O]", data);
      list = one;
    }
    size_t j;
    const json_t *s;
    json_array_foreach(list, j, s) {
      char label[100], n[64];
      const char *store = json_string_value(json_object_get(s, "origin"));
      if (!store)
        store = json_string_value(json_object_get(s, "url"));
      if (!store)
        store = json_string_value(json_object_get(s, "store"));
      host_label(store, label, sizeof label);
      if (!heading) {
        souk_buf_adds(b, "\n## Scraped for this question (scrape_store)\n\n");
        heading = true;
      }
      souk_buf_printf(b, "- **%s**", label[0] ? label : "a store");
      static const char *const prod[] = {"products", NULL};
      const json_t *put = json_object_get(s, "put");
      const json_t *v = num_of(json_is_object(put) ? put : s, prod);
      if (!v) {
        const json_t *stats = json_object_get(s, "stats");
        v = num_of(stats, prod);
      }
      if (v) {
        fmt_num(v, 0, n, sizeof n);
        souk_buf_printf(b, ": %s products", n);
      }
      souk_buf_adds(b, "\n");
    }
    json_decref(one);
  }
}

static void failures_section(const souk_orchestrator *o, souk_buf *b) {
  bool heading = false;
  size_t i;
  const json_t *p;
  json_array_foreach(o->plan, i, p) {
    if (json_is_true(json_object_get(p, "ok")))
      continue;
    if (!heading) {
      souk_buf_adds(b, "\n## What did not work\n\n");
      heading = true;
    }
    char tool[80], why[400];
    souk__md_text(json_string_value(json_object_get(p, "tool")), 60, tool, sizeof tool);
    souk__md_text(json_string_value(json_object_get(p, "result")), 300, why, sizeof why);
    souk_buf_printf(b, "- %s: %s\n", tool, why);
  }
}

char *souk__template_summary(const souk_orchestrator *o, const char *how, char *why,
                             size_t whylen) {
  const json_t *top = last_data(o, "top_k_products");
  const json_t *cl = last_data(o, "cluster_products");
  const json_t *st = last_data(o, "store_stats");
  bool any = (top && (json_array_size(find_array(top, "products")) ||
                      json_array_size(find_array(top, "top")))) ||
             (cl && json_array_size(find_array(cl, "clusters"))) ||
             (st && json_array_size(find_array(st, "stores")));
  if (!any) {
    const char *failed = NULL;
    size_t i;
    const json_t *p;
    json_array_foreach(o->plan, i, p) {
      const char *t = json_string_value(json_object_get(p, "tool"));
      if (t && strcmp(t, "top_k_products") == 0 && !json_is_true(json_object_get(p, "ok")))
        failed = json_string_value(json_object_get(p, "result"));
    }
    const char *what = failed ? failed : "no tool returned any analysis";
    size_t n = strlen(what);
    while (n > 0 && (what[n - 1] == '.' || what[n - 1] == ' '))
      n--;
    snprintf(why, whylen,
             "nothing to summarise: %.*s. Name a store (souk ask --store URL) or scrape one "
             "first (souk scrape URL)",
             (int)n, what);
    return NULL;
  }
  souk_buf b;
  souk_buf_init(&b, 256 * 1024);
  char goal[600];
  souk__md_text(o->goal, 300, goal, sizeof goal);
  souk_buf_printf(&b, "# Summary\n\n**Goal:** %s\n\n_%s_\n", goal, how);
  char advice_products[600] = "", advice_clusters[600] = "";
  scraped_section(o, &b);
  products_section(o, &b, advice_products, sizeof advice_products);
  clusters_section(o, &b, advice_clusters, sizeof advice_clusters);
  stores_section(o, &b);
  failures_section(o, &b);
  if (advice_products[0] || advice_clusters[0])
    souk_buf_printf(&b, "\n## What to do next\n\n%s%s", advice_products, advice_clusters);
  return souk_buf_steal(&b, NULL);
}
