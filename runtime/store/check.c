/* SPDX-License-Identifier: MIT */
/* The data check: per store, its crawls and every product's fields and prices. */
#include "store/check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "souk/error.h"

typedef struct issue_kind {
  const char *kind;
  souk_check_severity severity;
  const char *message;
} issue_kind;

enum {
  K_NO_CRAWL, K_CRAWL_FAILED, K_CRAWL_INCOMPLETE, K_CRAWL_RUNNING, K_STALE, K_EMPTY, K_NO_TITLE,
  K_NO_PRICE, K_ZERO_PRICE, K_NEGATIVE_PRICE, K_COMPARE_BELOW, K_DUP_HANDLE, K_NO_HANDLE,
  K_NO_IMAGES, K_NO_VARIANTS, K_COUNT_MISMATCH, K_KINDS
};

static const issue_kind kinds[K_KINDS] = {
    [K_NO_CRAWL] = {"no_crawl", SOUK_CHECK_ERROR, "the store was never crawled to the end"},
    [K_CRAWL_FAILED] = {"last_crawl_failed", SOUK_CHECK_ERROR, "the last crawl failed"},
    [K_CRAWL_INCOMPLETE] = {"last_crawl_partial", SOUK_CHECK_WARNING,
                            "the last crawl did not see the whole catalog"},
    [K_CRAWL_RUNNING] = {"crawl_running", SOUK_CHECK_WARNING, "a crawl is running"},
    [K_STALE] = {"stale", SOUK_CHECK_ERROR, "the last crawl is older than the staleness limit"},
    [K_EMPTY] = {"no_products", SOUK_CHECK_ERROR, "the store has no listed product"},
    [K_NO_TITLE] = {"missing_title", SOUK_CHECK_ERROR, "products without a title"},
    [K_NO_PRICE] = {"missing_price", SOUK_CHECK_ERROR, "products without any price"},
    [K_ZERO_PRICE] = {"zero_price", SOUK_CHECK_WARNING, "variants priced at zero"},
    [K_NEGATIVE_PRICE] = {"negative_price", SOUK_CHECK_ERROR, "variants with a negative price"},
    [K_COMPARE_BELOW] = {"compare_at_below_price", SOUK_CHECK_WARNING,
                         "variants whose compare-at price is below their price"},
    [K_DUP_HANDLE] = {"duplicate_handle", SOUK_CHECK_ERROR,
                      "products sharing a handle with another product id"},
    [K_NO_HANDLE] = {"missing_handle", SOUK_CHECK_WARNING, "products without a handle or URL"},
    [K_NO_IMAGES] = {"missing_images", SOUK_CHECK_WARNING, "products without an image"},
    [K_NO_VARIANTS] = {"no_variants", SOUK_CHECK_ERROR, "products without a variant"},
    [K_COUNT_MISMATCH] = {"count_mismatch", SOUK_CHECK_WARNING,
                          "listed products differ from the count the store announces"},
};

typedef struct store_check {
  const souk_check_options *o;
  json_t *issues[K_KINDS];     /* {kind, severity, count, message, examples} */
  char **handles;              /* open addressing set of "handle" -> first id */
  int64_t *handle_ids;
  size_t hcap, hn;
} store_check;

static json_t *issue(store_check *sc, int k) {
  if (!sc->issues[k])
    sc->issues[k] = json_pack("{s:s, s:s, s:I, s:s, s:[]}", "kind", kinds[k].kind, "severity",
                              kinds[k].severity == SOUK_CHECK_ERROR ? "error" : "warning", "count",
                              (json_int_t)0, "message", kinds[k].message, "examples");
  return sc->issues[k];
}

static void add(store_check *sc, int k, int64_t id, const char *title, const char *detail) {
  json_t *i = issue(sc, k);
  json_object_set_new(i, "count", json_integer(json_integer_value(json_object_get(i, "count")) + 1));
  json_t *ex = json_object_get(i, "examples");
  if (id && json_array_size(ex) < sc->o->examples) {
    json_t *e = json_pack("{s:I}", "id", (json_int_t)id);
    if (title)
      json_object_set_new(e, "title", json_string(title));
    if (detail)
      json_object_set_new(e, "detail", json_string(detail));
    json_array_append_new(ex, e);
  }
}

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* Records a handle; returns the id of another product that had it, or 0. */
static int64_t handle_seen(store_check *sc, const char *handle, int64_t id) {
  if ((sc->hn + 1) * 2 > sc->hcap) {
    size_t cap = sc->hcap ? sc->hcap * 2 : 256;
    char **h = calloc(cap, sizeof *h);
    int64_t *ids = calloc(cap, sizeof *ids);
    if (!h || !ids) {
      free(h);
      free(ids);
      return 0;
    }
    for (size_t i = 0; i < sc->hcap; i++) {
      if (!sc->handles[i])
        continue;
      size_t j = str_hash(sc->handles[i]) & (cap - 1);
      while (h[j])
        j = (j + 1) & (cap - 1);
      h[j] = sc->handles[i];
      ids[j] = sc->handle_ids[i];
    }
    free(sc->handles);
    free(sc->handle_ids);
    sc->handles = h;
    sc->handle_ids = ids;
    sc->hcap = cap;
  }
  size_t j = str_hash(handle) & (sc->hcap - 1);
  while (sc->handles[j]) {
    if (strcmp(sc->handles[j], handle) == 0)
      return sc->handle_ids[j] != id ? sc->handle_ids[j] : 0;
    j = (j + 1) & (sc->hcap - 1);
  }
  sc->handles[j] = strdup(handle);
  sc->handle_ids[j] = id;
  sc->hn++;
  return 0;
}

static int check_product(const souk_stored_product *p, void *ud) {
  store_check *sc = ud;
  char detail[256];
  if (!p->title || !*p->title)
    add(sc, K_NO_TITLE, p->id, NULL, NULL);
  if (p->nvariants == 0)
    add(sc, K_NO_VARIANTS, p->id, p->title, NULL);
  else if (p->priced_variants == 0)
    add(sc, K_NO_PRICE, p->id, p->title, NULL);
  if ((!p->handle || !*p->handle) && (!p->url || !*p->url))
    add(sc, K_NO_HANDLE, p->id, p->title, NULL);
  if (p->nimages == 0)
    add(sc, K_NO_IMAGES, p->id, p->title, NULL);
  if (p->handle && *p->handle) {
    int64_t other = handle_seen(sc, p->handle, p->id);
    if (other) {
      snprintf(detail, sizeof detail, "handle '%s' also used by product %lld", p->handle,
               (long long)other);
      add(sc, K_DUP_HANDLE, p->id, p->title, detail);
    }
  }
  for (size_t i = 0; p->full && i < p->full->nvariants; i++) {
    const souk_variant *v = &p->full->variants[i];
    char a[64], b[64];
    if (v->price == SOUK_NO_PRICE)
      continue;
    if (v->price == 0) {
      snprintf(detail, sizeof detail, "variant %lld", (long long)v->id);
      add(sc, K_ZERO_PRICE, p->id, p->title, detail);
    } else if (v->price < 0) {
      snprintf(detail, sizeof detail, "variant %lld: %s", (long long)v->id,
               souk_money_format(v->price, p->price_decimals, a, sizeof a));
      add(sc, K_NEGATIVE_PRICE, p->id, p->title, detail);
    }
    if (v->compare_at_price != SOUK_NO_PRICE && v->compare_at_price > 0 &&
        v->compare_at_price < v->price) {
      snprintf(detail, sizeof detail, "variant %lld: compare-at %s below price %s", (long long)v->id,
               souk_money_format(v->compare_at_price, p->price_decimals, a, sizeof a),
               souk_money_format(v->price, p->price_decimals, b, sizeof b));
      add(sc, K_COMPARE_BELOW, p->id, p->title, detail);
    }
  }
  return 0;
}

typedef struct last_crawl {
  json_t *json;
  const char *state;
  char state_buf[32];
  char ended[40];
  bool complete;
} last_crawl;

static int take_crawl(const souk_crawl_record *r, void *ud) {
  last_crawl *lc = ud;
  lc->json = json_pack("{s:I, s:s, s:s?, s:s, s:b, s:I, s:I, s:I, s:I, s:s?}", "id", (json_int_t)r->id,
                       "started_at", r->started_at, "ended_at", r->ended_at, "state", r->state,
                       "complete", r->complete, "pages", (json_int_t)r->pages, "products",
                       (json_int_t)r->products, "new", (json_int_t)r->new_products, "changed",
                       (json_int_t)r->changed, "message", r->message);
  snprintf(lc->state_buf, sizeof lc->state_buf, "%s", r->state);
  snprintf(lc->ended, sizeof lc->ended, "%s", r->ended_at ? r->ended_at : "");
  lc->complete = r->complete;
  return 1; /* the newest only */
}

/* Milliseconds since the Unix epoch of "2026-11-25T06:00:00.123Z"; -1 if unreadable. */
static int64_t iso_ms(const char *s) {
  struct tm tm = {0};
  const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (!rest)
    return -1;
  int64_t ms = (int64_t)timegm(&tm) * 1000;
  if (rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9')
    ms += strtol(rest + 1, NULL, 10) % 1000;
  return ms;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct check_ctx {
  souk_store *s;
  const souk_check_options *o;
  const char *only;
  json_t *stores;
  int rc;
} check_ctx;

static int check_store(const souk_store_summary *st, void *ud) {
  check_ctx *cx = ud;
  if (cx->only && strcmp(cx->only, st->store) != 0)
    return 0;
  store_check sc = {.o = cx->o};
  last_crawl lc = {0};
  int rc = souk_store_crawls(cx->s, st->store, 1, take_crawl, &lc);
  if (rc) {
    cx->rc = rc;
    return 1;
  }
  if (!lc.json) {
    add(&sc, K_NO_CRAWL, 0, NULL, NULL);
  } else {
    if (strcmp(lc.state_buf, "running") == 0)
      add(&sc, K_CRAWL_RUNNING, 0, NULL, NULL);
    else if (strcmp(lc.state_buf, "succeeded") != 0)
      add(&sc, K_CRAWL_FAILED, 0, NULL, json_string_value(json_object_get(lc.json, "message")));
    else if (!lc.complete)
      add(&sc, K_CRAWL_INCOMPLETE, 0, NULL, NULL);
    int64_t ended = iso_ms(lc.ended);
    if (cx->o->stale_after_ms > 0 && ended > 0 && now_ms() - ended > cx->o->stale_after_ms)
      add(&sc, K_STALE, 0, NULL, NULL);
  }
  if (st->listed == 0)
    add(&sc, K_EMPTY, 0, NULL, NULL);
  if (st->announced >= 0 && (uint64_t)st->announced != st->listed)
    add(&sc, K_COUNT_MISMATCH, 0, NULL, NULL);
  souk_query q;
  souk_query_init(&q);
  q.store = st->store;
  q.flags = SOUK_QUERY_FULL;
  rc = souk_store_query(cx->s, &q, check_product, &sc, NULL);
  for (size_t i = 0; i < sc.hcap; i++)
    free(sc.handles[i]);
  free(sc.handles);
  free(sc.handle_ids);
  if (rc) {
    cx->rc = rc;
    for (int k = 0; k < K_KINDS; k++)
      json_decref(sc.issues[k]);
    json_decref(lc.json);
    return 1;
  }
  json_t *issues = json_array();
  for (int k = 0; k < K_KINDS; k++)
    if (sc.issues[k])
      json_array_append_new(issues, sc.issues[k]);
  json_t *j = json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:I, s:I, s:I, s:o, s:o}", "store", st->store,
                        "platform", st->platform, "name", st->name, "currency", st->currency,
                        "products", (json_int_t)st->products, "listed", (json_int_t)st->listed,
                        "delisted", (json_int_t)st->delisted, "announced", (json_int_t)st->announced,
                        "last_crawl", lc.json ? lc.json : json_null(), "issues", issues);
  json_array_append_new(cx->stores, j);
  return 0;
}

int souk_check_run(souk_store *s, const souk_check_options *o, json_t **report) {
  *report = NULL;
  char origin[512];
  check_ctx cx = {.s = s, .o = o, .stores = json_array()};
  if (o->store) {
    if (souk_store_origin(o->store, origin, sizeof origin) != 0) {
      json_decref(cx.stores);
      return SOUK_EINVAL;
    }
    cx.only = origin;
  }
  int rc = souk_store_stores(s, check_store, &cx);
  if (rc || cx.rc) {
    json_decref(cx.stores);
    return rc ? rc : cx.rc;
  }
  json_int_t errors = 0, warnings = 0;
  size_t i, k;
  json_t *st, *is;
  json_array_foreach(cx.stores, i, st) {
    json_array_foreach(json_object_get(st, "issues"), k, is) {
      if (strcmp(json_string_value(json_object_get(is, "severity")), "error") == 0)
        errors++;
      else
        warnings++;
    }
  }
  if (o->store && json_array_size(cx.stores) == 0)
    errors++; /* asked about a store the data does not have */
  *report = json_pack("{s:o, s:I, s:I}", "stores", cx.stores, "errors", errors, "warnings", warnings);
  return 0;
}

void souk_check_print(const json_t *report, FILE *out) {
  size_t i, k, x;
  json_t *st, *is, *ex;
  json_t *stores = json_object_get(report, "stores");
  if (json_array_size(stores) == 0)
    fprintf(out, "No store in the data yet: run `souk scrape URL` first.\n");
  json_array_foreach(stores, i, st) {
    json_t *lc = json_object_get(st, "last_crawl");
    fprintf(out, "%s (%s%s%s)\n", json_string_value(json_object_get(st, "store")),
            json_string_value(json_object_get(st, "platform")),
            json_string_value(json_object_get(st, "currency")) ? ", " : "",
            json_string_value(json_object_get(st, "currency")) ? json_string_value(json_object_get(st, "currency")) : "");
    fprintf(out, "  products: %lld listed, %lld delisted", (long long)json_integer_value(json_object_get(st, "listed")),
            (long long)json_integer_value(json_object_get(st, "delisted")));
    if (json_integer_value(json_object_get(st, "announced")) >= 0)
      fprintf(out, ", %lld announced by the store", (long long)json_integer_value(json_object_get(st, "announced")));
    fprintf(out, "\n");
    if (json_is_object(lc))
      fprintf(out, "  last crawl: %s %s, %lld pages, %lld products (%lld new, %lld changed)%s%s\n",
              json_string_value(json_object_get(lc, "state")),
              json_string_value(json_object_get(lc, "ended_at")) ? json_string_value(json_object_get(lc, "ended_at")) : "(running)",
              (long long)json_integer_value(json_object_get(lc, "pages")),
              (long long)json_integer_value(json_object_get(lc, "products")),
              (long long)json_integer_value(json_object_get(lc, "new")),
              (long long)json_integer_value(json_object_get(lc, "changed")),
              json_string_value(json_object_get(lc, "message")) ? ": " : "",
              json_string_value(json_object_get(lc, "message")) ? json_string_value(json_object_get(lc, "message")) : "");
    json_t *issues = json_object_get(st, "issues");
    if (json_array_size(issues) == 0)
      fprintf(out, "  no problems found\n");
    json_array_foreach(issues, k, is) {
      fprintf(out, "  %-7s %s: %s", json_string_value(json_object_get(is, "severity")),
              json_string_value(json_object_get(is, "kind")), json_string_value(json_object_get(is, "message")));
      json_int_t n = json_integer_value(json_object_get(is, "count"));
      json_t *examples = json_object_get(is, "examples");
      if (json_array_size(examples))
        fprintf(out, " (%lld)", (long long)n);
      fprintf(out, "\n");
      json_array_foreach(examples, x, ex) {
        const char *title = json_string_value(json_object_get(ex, "title"));
        const char *detail = json_string_value(json_object_get(ex, "detail"));
        fprintf(out, "          product %lld%s%s%s%s\n", (long long)json_integer_value(json_object_get(ex, "id")),
                title ? " " : "", title ? title : "", detail ? ": " : "", detail ? detail : "");
      }
    }
  }
  fprintf(out, "%lld error%s, %lld warning%s\n", (long long)json_integer_value(json_object_get(report, "errors")),
          json_integer_value(json_object_get(report, "errors")) == 1 ? "" : "s",
          (long long)json_integer_value(json_object_get(report, "warnings")),
          json_integer_value(json_object_get(report, "warnings")) == 1 ? "" : "s");
}
