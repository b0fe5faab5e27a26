/* SPDX-License-Identifier: MIT */
/* Metrics from the product store, and popularity from the change history: sell-outs per day. */
#include "analytics/store_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/popularity.h"
#include "souk/error.h"

typedef struct load_ctx {
  souk_metrics *t;
  souk_errinfo *e;
  int rc;
  char stores[64][512];        /* distinct stores seen (for history), up to 64 */
  size_t nstores;
  size_t more_stores;
} load_ctx;

static int add_product(const souk_stored_product *p, void *ud) {
  load_ctx *x = ud;
  double v[SOUK_METRIC_COUNT] = {0};
  double unit = 1.0;
  for (int i = 0; i < p->price_decimals && i < 18; i++)
    unit *= 10.0;
  /* The sum of integer minor units is exact; one division gives the mean price. */
  v[SOUK_METRIC_AVG_PRICE] =
      p->priced_variants ? (double)p->price_sum / unit / (double)p->priced_variants : 0.0;
  v[SOUK_METRIC_AVAILABLE_RATIO] = p->nvariants ? (double)p->navailable / (double)p->nvariants : 0.0;
  v[SOUK_METRIC_NUM_TAGS] = (double)p->ntags;
  v[SOUK_METRIC_NUM_IMAGES] = (double)p->nimages;
  v[SOUK_METRIC_DESCRIPTION_LENGTH] = (double)p->description_length;
  x->rc = souk_metrics_add_row(x->t, p->store, p->id, p->title ? p->title : "", v, x->e);
  if (x->rc)
    return 1;
  bool known = false;
  for (size_t i = 0; i < x->nstores && !known; i++)
    known = strcmp(x->stores[i], p->store) == 0;
  if (!known) {
    if (x->nstores < 64)
      snprintf(x->stores[x->nstores++], sizeof x->stores[0], "%s", p->store);
    else
      x->more_stores++;
  }
  return 0;
}

/* ---- history: sell-outs per day ------------------------------------------------------ */

typedef struct sellout_map {
  int64_t *keys;               /* product ids; 0 empty */
  uint32_t *counts;
  size_t cap, n;
} sellout_map;

static uint64_t mix(int64_t k) {
  uint64_t x = (uint64_t)k;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  return x ^ (x >> 33);
}

static int map_add(sellout_map *m, int64_t id) {
  if (id == 0)
    return 0;
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    int64_t *k = calloc(cap, sizeof *k);
    uint32_t *c = calloc(cap, sizeof *c);
    if (!k || !c) {
      free(k);
      free(c);
      return SOUK_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i])
        continue;
      size_t j = mix(m->keys[i]) & (cap - 1);
      while (k[j])
        j = (j + 1) & (cap - 1);
      k[j] = m->keys[i];
      c[j] = m->counts[i];
    }
    free(m->keys);
    free(m->counts);
    m->keys = k;
    m->counts = c;
    m->cap = cap;
  }
  size_t j = mix(id) & (m->cap - 1);
  while (m->keys[j] && m->keys[j] != id)
    j = (j + 1) & (m->cap - 1);
  if (!m->keys[j]) {
    m->keys[j] = id;
    m->n++;
  }
  m->counts[j]++;
  return 0;
}

static uint32_t map_get(const sellout_map *m, int64_t id) {
  if (!m->cap || id == 0)
    return 0;
  size_t j = mix(id) & (m->cap - 1);
  while (m->keys[j]) {
    if (m->keys[j] == id)
      return m->counts[j];
    j = (j + 1) & (m->cap - 1);
  }
  return 0;
}

typedef struct history_ctx {
  sellout_map *map;
  size_t sellouts;
  int rc;
} history_ctx;

static int count_sellout(const souk_change *c, void *ud) {
  history_ctx *h = ud;
  if (strcmp(c->field, "available") == 0 && c->old_value == 1 && c->new_value == 0) {
    h->sellouts++;
    h->rc = map_add(h->map, c->product_id);
  }
  return h->rc != 0;
}

typedef struct window_ctx {
  char first[40], last[40];
  int complete;
} window_ctx;

static int crawl_window(const souk_crawl_record *r, void *ud) {
  window_ctx *w = ud;
  if (!r->complete || !r->ended_at)
    return 0;
  w->complete++;
  if (!w->last[0] || strcmp(r->ended_at, w->last) > 0)
    snprintf(w->last, sizeof w->last, "%s", r->ended_at);
  if (!w->first[0] || strcmp(r->started_at, w->first) < 0)
    snprintf(w->first, sizeof w->first, "%s", r->started_at);
  return 0;
}

static double iso_days(const char *a, const char *b) {
  struct tm ta = {0}, tb = {0};
  if (!strptime(a, "%Y-%m-%dT%H:%M:%S", &ta) || !strptime(b, "%Y-%m-%dT%H:%M:%S", &tb))
    return 0;
  return difftime(timegm(&tb), timegm(&ta)) / 86400.0;
}

/* Sell-outs per day of each product over its store's tracked window (first to last complete
 * crawl, at least one day). Returns 1 when the history had a signal, 0 when not, <0 on error. */
static int history_popularity(souk_store *s, load_ctx *x, souk_store_load_info *info,
                              souk_errinfo *e) {
  sellout_map map = {0};
  history_ctx h = {.map = &map};
  double window = 0;
  int stores_with_window = 0;
  double store_window[64] = {0};
  for (size_t i = 0; i < x->nstores; i++) {
    window_ctx w = {0};
    if (souk_store_crawls(s, x->stores[i], 0, crawl_window, &w) != 0)
      return souk_errinfo_set(e, SOUK_ESTORE, "reading crawl records: %s", souk_store_errmsg(s));
    if (w.complete >= 2) {
      store_window[i] = iso_days(w.first, w.last);
      stores_with_window++;
      if (store_window[i] > window)
        window = store_window[i];
    }
    if (souk_store_history(s, x->stores[i], 0, NULL, 0, count_sellout, &h) != 0 || h.rc) {
      free(map.keys);
      free(map.counts);
      return souk_errinfo_set(e, h.rc ? h.rc : SOUK_ESTORE, "reading change history: %s",
                              souk_store_errmsg(s));
    }
  }
  info->sellouts = h.sellouts;
  info->window_days = window;
  if (h.sellouts == 0 || stores_with_window == 0) {
    free(map.keys);
    free(map.counts);
    return 0;
  }
  const int64_t *ids = souk_metrics_ids(x->t);
  size_t n = souk_metrics_count(x->t);
  int rc = 0;
  for (size_t row = 0; row < n && !rc; row++) {
    uint32_t count = map_get(&map, ids[row]);
    /* The row's store window: a product of a store tracked for 3 days and one tracked for 30
     * are compared per day. */
    double days = window;
    const char *st = souk_metrics_store(x->t, row);
    for (size_t i = 0; i < x->nstores; i++)
      if (strcmp(x->stores[i], st) == 0)
        days = store_window[i];
    if (days < 1.0)
      days = 1.0;
    rc = souk_metrics_set_popularity(x->t, row, (double)count / days, e);
  }
  free(map.keys);
  free(map.counts);
  return rc ? rc : 1;
}

souk_metrics *souk_metrics_from_store(souk_store *s, const souk_store_load_options *o,
                                      souk_store_load_info *info, souk_errinfo *e) {
  souk_store_load_info local;
  info = info ? info : &local;
  memset(info, 0, sizeof *info);
  souk_query q;
  if (o && o->filter)
    q = *o->filter;
  else
    souk_query_init(&q);
  q.flags &= ~SOUK_QUERY_FULL;
  q.flags |= SOUK_QUERY_LEAN; /* counts and prices only: no tag lists to decode */
  q.limit = 0;
  q.cursor = NULL;
  size_t passes = o && o->nstores ? o->nstores : 1;
  uint64_t count = 0;
  for (size_t i = 0; i < passes; i++) {
    uint64_t c = 0;
    if (o && o->nstores)
      q.store = o->stores[i];
    if (souk_store_count(s, &q, &c) != 0) {
      souk_errinfo_set(e, SOUK_ESTORE, "reading the store: %s", souk_store_errmsg(s));
      return NULL;
    }
    count += c;
  }
  if (count == 0) {
    souk_errinfo_set(e, SOUK_EEMPTY, "no product matches: crawl a store first (souk scrape URL) "
                                     "or widen the filters");
    return NULL;
  }
  load_ctx x = {.e = e};
  x.t = souk_metrics_new((size_t)count, 0, 0, e);
  if (!x.t)
    return NULL;
  int rc = 0;
  for (size_t i = 0; i < passes && !rc && !x.rc; i++) {
    if (o && o->nstores)
      q.store = o->stores[i];
    rc = souk_store_query(s, &q, add_product, &x, NULL);
  }
  if (rc || x.rc) {
    if (!x.rc)
      souk_errinfo_set(e, rc, "reading the store: %s", souk_store_errmsg(s));
    souk_metrics_free(x.t);
    return NULL;
  }
  info->products = souk_metrics_count(x.t);
  info->stores = x.nstores + x.more_stores;

  souk_popularity_source src = o ? o->popularity : SOUK_POPULARITY_AUTO;
  const char *csv = o ? o->popularity_csv : NULL;
  if (src == SOUK_POPULARITY_CSV || (src == SOUK_POPULARITY_AUTO && csv)) {
    souk_popularity_stats st;
    if (!csv) {
      souk_errinfo_set(e, SOUK_EINVAL, "the CSV popularity signal needs a file");
      souk_metrics_free(x.t);
      return NULL;
    }
    if (souk_popularity_load_csv(x.t, csv, SOUK_POPULARITY_IGNORE_UNKNOWN, &st, e) != 0) {
      souk_metrics_free(x.t);
      return NULL;
    }
    snprintf(info->popularity, sizeof info->popularity,
             "csv:%s (%zu of %zu products matched)", csv, st.matched, info->products);
  } else if (src == SOUK_POPULARITY_HISTORY || src == SOUK_POPULARITY_AUTO) {
    int got = history_popularity(s, &x, info, e);
    if (got < 0) {
      souk_metrics_free(x.t);
      return NULL;
    }
    if (got == 1) {
      souk_metrics_set_popularity_signal(x.t, "history", NULL);
      snprintf(info->popularity, sizeof info->popularity,
               "history (%zu sell-outs over %.1f days of crawls)", info->sellouts, info->window_days);
    } else {
      snprintf(info->popularity, sizeof info->popularity,
               "none (no sell-outs in the change history yet: crawl again later, or pass "
               "--popularity-csv)");
    }
  } else {
    snprintf(info->popularity, sizeof info->popularity, "none");
  }
  return x.t;
}
