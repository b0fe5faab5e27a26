/* SPDX-License-Identifier: MIT */
/* The metrics table: per-product metrics computed from souk_product and kept in columns. */
#include "analytics/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/bigmem.h"
#include "core/html_text.h"
#include "souk/error.h"

#define SIGNAL_MAX 256
#define POOL_CHUNK ((size_t)4 << 20)

/* Copied strings, packed end to end (no alignment) in large chunks. */
typedef struct pool_chunk {
  struct pool_chunk *next;
  size_t used, cap;
  char data[];
} pool_chunk;

struct souk_metrics {
  size_t n, cap, max_rows;
  unsigned flags;
  int64_t *id;
  uint32_t *store;
  const char **title;
  double *col[SOUK_METRIC_COUNT];
  const char **stores;   /* distinct store names */
  size_t nstores, capstores;
  uint32_t last_store;   /* the store of the last row added: rows come in runs */
  char signal[SIGNAL_MAX];
  pool_chunk *pool;      /* copied titles and store names */
};

static const char *const metric_names[SOUK_METRIC_COUNT] = {
    "available_ratio", "num_tags", "avg_price", "num_images", "description_length",
    "popularity_score"};

const char *souk_metric_name(int m) {
  return m >= 0 && m < SOUK_METRIC_COUNT ? metric_names[m] : NULL;
}

int souk_metric_find(const char *name) {
  for (int m = 0; name && m < SOUK_METRIC_COUNT; m++)
    if (strcmp(name, metric_names[m]) == 0)
      return m;
  return -1;
}

/* Moves column *col (n elements of `size` bytes) into a block of cap elements. */
static int regrow(void **col, size_t n, size_t cap, size_t size) {
  void *p = souk__big_array(cap, size);
  if (!p)
    return SOUK_ENOMEM;
  if (n)
    memcpy(p, *col, n * size);
  free(*col);
  *col = p;
  return 0;
}

static int grow(souk_metrics *t, size_t cap) {
  if (regrow((void **)&t->id, t->n, cap, sizeof *t->id) ||
      regrow((void **)&t->store, t->n, cap, sizeof *t->store) ||
      regrow((void **)&t->title, t->n, cap, sizeof *t->title))
    return SOUK_ENOMEM;
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    if (regrow((void **)&t->col[m], t->n, cap, sizeof *t->col[m]))
      return SOUK_ENOMEM;
  t->cap = cap;
  return 0;
}

souk_metrics *souk_metrics_new(size_t capacity, size_t max_rows, unsigned flags, souk_errinfo *e) {
  souk_metrics *t = calloc(1, sizeof *t);
  if (!t) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory creating a metrics table");
    return NULL;
  }
  t->max_rows = max_rows ? max_rows : SOUK_METRICS_DEFAULT_MAX_ROWS;
  t->flags = flags;
  strcpy(t->signal, "none");
  if (capacity > t->max_rows)
    capacity = t->max_rows;
  if (capacity && grow(t, capacity) != 0) {
    souk_metrics_free(t);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory reserving a metrics table of %zu rows",
                     capacity);
    return NULL;
  }
  return t;
}

void souk_metrics_free(souk_metrics *t) {
  if (!t)
    return;
  free(t->id);
  free(t->store);
  free(t->title);
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    free(t->col[m]);
  free(t->stores);
  while (t->pool) {
    pool_chunk *next = t->pool->next;
    free(t->pool);
    t->pool = next;
  }
  free(t);
}

int souk_product_metrics(const souk_product *p, double out[SOUK_METRIC_COUNT]) {
  if (p->price_decimals < 0 || p->price_decimals > 18)
    return SOUK_EINVAL;
  double unit = 1.0;
  for (int i = 0; i < p->price_decimals; i++)
    unit *= 10.0; /* exact up to 1e18 */
  double sum = 0.0;
  size_t priced = 0, available = 0;
  for (size_t i = 0; i < p->nvariants; i++) {
    const souk_variant *v = &p->variants[i];
    if (v->price != SOUK_NO_PRICE) {
      sum += (double)v->price / unit;
      priced++;
    }
    if (v->available == 1)
      available++;
  }
  out[SOUK_METRIC_AVG_PRICE] = priced ? sum / (double)priced : 0.0;
  out[SOUK_METRIC_AVAILABLE_RATIO] =
      p->nvariants ? (double)available / (double)p->nvariants : 0.0;
  out[SOUK_METRIC_NUM_TAGS] = p->tags ? (double)p->ntags : 0.0;
  out[SOUK_METRIC_NUM_IMAGES] = p->images ? (double)p->nimages : 0.0;
  out[SOUK_METRIC_DESCRIPTION_LENGTH] =
      p->body_html ? (double)souk_html_text_length(p->body_html, strlen(p->body_html)) : 0.0;
  out[SOUK_METRIC_POPULARITY] = 0.0;
  return 0;
}

static const char *keep(souk_metrics *t, const char *s) {
  if (t->flags & SOUK_METRICS_BORROW_STRINGS)
    return s;
  size_t len = strlen(s) + 1;
  pool_chunk *c = t->pool;
  if (!c || c->cap - c->used < len) {
    /* Chunks grow from 64 KiB to 4 MiB: small tables stay small. */
    size_t want = c ? (c->cap + sizeof *c) * 2 : (size_t)64 << 10;
    want = want > POOL_CHUNK ? POOL_CHUNK : want;
    size_t cap = len > want / 4 ? len : want - sizeof *c;
    pool_chunk *n = souk__big_alloc(sizeof *n + cap);
    if (!n)
      return NULL;
    n->used = 0;
    n->cap = cap;
    if (c && cap == len) { /* a huge string gets its own chunk behind the current one */
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      t->pool = n;
    }
    c = n;
  }
  char *p = c->data + c->used;
  memcpy(p, s, len);
  c->used += len;
  return p;
}

/* The index of store name `s`, added when new. */
static int store_index(souk_metrics *t, const char *s, uint32_t *out) {
  if (!s)
    s = "";
  if (t->nstores && strcmp(t->stores[t->last_store], s) == 0) {
    *out = t->last_store;
    return 0;
  }
  size_t i;
  for (i = 0; i < t->nstores; i++)
    if (strcmp(t->stores[i], s) == 0)
      break;
  if (i == t->nstores) {
    if (t->nstores >= UINT32_MAX)
      return SOUK_ELIMIT;
    if (t->nstores == t->capstores) {
      size_t cap = t->capstores ? t->capstores * 2 : 8;
      const char **p = realloc(t->stores, cap * sizeof *p);
      if (!p)
        return SOUK_ENOMEM;
      t->stores = p;
      t->capstores = cap;
    }
    const char *k = keep(t, s);
    if (!k)
      return SOUK_ENOMEM;
    t->stores[t->nstores++] = k;
  }
  t->last_store = (uint32_t)i;
  *out = (uint32_t)i;
  return 0;
}

/* Makes room for one more row. */
static int reserve_row(souk_metrics *t, souk_errinfo *e) {
  if (t->n >= t->max_rows)
    return souk_errinfo_set(e, SOUK_ELIMIT, "the metrics table is full: it holds at most %zu "
                            "products", t->max_rows);
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    if (cap > t->max_rows)
      cap = t->max_rows;
    if (grow(t, cap) != 0)
      return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory growing the metrics table to %zu "
                              "rows", cap);
  }
  return 0;
}

static int append(souk_metrics *t, const char *store, int64_t id, const char *title,
                  const double v[SOUK_METRIC_COUNT], souk_errinfo *e) {
  int rc = reserve_row(t, e);
  if (rc)
    return rc;
  uint32_t si;
  if ((rc = store_index(t, store, &si)) != 0)
    return souk_errinfo_set(e, rc, "cannot record store '%s': %s", store ? store : "",
                            souk_strerror(rc));
  const char *tt = keep(t, title ? title : "");
  if (!tt)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory copying the title of product %lld",
                            (long long)id);
  size_t r = t->n;
  t->id[r] = id;
  t->store[r] = si;
  t->title[r] = tt;
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    t->col[m][r] = v[m];
  t->n = r + 1;
  return 0;
}

int souk_metrics_add_product(souk_metrics *t, const char *store, const souk_product *p,
                             souk_errinfo *e) {
  double v[SOUK_METRIC_COUNT];
  if (souk_product_metrics(p, v) != 0)
    return souk_errinfo_set(e, SOUK_EINVAL, "product %lld: price_decimals %d is outside 0..18",
                            (long long)p->id, p->price_decimals);
  return append(t, store, p->id, p->title, v, e);
}

int souk_metrics_add_row(souk_metrics *t, const char *store, int64_t id, const char *title,
                         const double values[SOUK_METRIC_COUNT], souk_errinfo *e) {
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    if (!isfinite(values[m]))
      return souk_errinfo_set(e, SOUK_EINVAL, "product %lld: %s is %s; every metric must be a "
                              "finite number", (long long)id, metric_names[m],
                              isnan(values[m]) ? "NaN" : "infinite");
  return append(t, store, id, title, values, e);
}

size_t souk_metrics_count(const souk_metrics *t) {
  return t->n;
}

const double *souk_metrics_column(const souk_metrics *t, souk_metric m) {
  return (unsigned)m < SOUK_METRIC_COUNT ? t->col[m] : NULL;
}

const int64_t *souk_metrics_ids(const souk_metrics *t) {
  return t->id;
}

const char *souk_metrics_title(const souk_metrics *t, size_t row) {
  return row < t->n ? t->title[row] : "";
}

size_t souk_metrics_store_count(const souk_metrics *t) {
  return t->nstores;
}

const char *souk_metrics_store_name(const souk_metrics *t, size_t i) {
  return i < t->nstores ? t->stores[i] : "";
}

const uint32_t *souk_metrics_store_indexes(const souk_metrics *t) {
  return t->store;
}

const char *souk_metrics_store(const souk_metrics *t, size_t row) {
  return row < t->n ? t->stores[t->store[row]] : "";
}

int souk_metrics_set_popularity(souk_metrics *t, size_t row, double value, souk_errinfo *e) {
  if (row >= t->n)
    return souk_errinfo_set(e, SOUK_EINVAL, "row %zu is out of range: the table has %zu rows",
                            row, t->n);
  if (!isfinite(value))
    return souk_errinfo_set(e, SOUK_EINVAL, "product %lld: popularity %s is not a finite number",
                            (long long)t->id[row], isnan(value) ? "NaN" : "infinite");
  t->col[SOUK_METRIC_POPULARITY][row] = value;
  return 0;
}

int souk_metrics_set_popularity_signal(souk_metrics *t, const char *signal, souk_errinfo *e) {
  size_t len = signal ? strlen(signal) : 0;
  if (len == 0 || len >= SIGNAL_MAX)
    return souk_errinfo_set(e, SOUK_EINVAL, "a popularity signal name must be 1 to %d bytes",
                            SIGNAL_MAX - 1);
  memcpy(t->signal, signal, len + 1);
  return 0;
}

const char *souk_metrics_popularity_signal(const souk_metrics *t) {
  return t->signal;
}
