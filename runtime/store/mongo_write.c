/* SPDX-License-Identifier: MIT */
/* Writing pages of products to the MongoDB store: the page's stored state read in one query,
 * changes found exactly as the SQLite backend finds them, history and products written as two
 * ordered bulk operations; and the delisting after a complete crawl.
 *
 * MongoDB gives no transaction across documents on a standalone server, so a page is written
 * in an order that a restarted crawl repairs: the page's history events first, each upserted on
 * a key naming the change and the stored state it was found against (that state's crawl and
 * time: a replay of the page finds the same state, so the same keys, and adds nothing), then
 * the products (upserts on (store, id)), then the crawl's counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "souk/error.h"
#include "store/mongo_int.h"

/* ---- history events --------------------------------------------------------------------- */

typedef struct event {
  int64_t product_id, variant_id, old_value, new_value;
  const char *field;
  /* The key's part naming what the change was found against: the stored state (the crawl
   * that wrote it, its last_seen) and, for a product twice in a page, the earlier place. */
  int64_t basis_crawl;
  const char *basis_seen;
  int occurrence; /* -1 when compared with the stored state itself */
} event;

typedef struct events {
  event *v;
  size_t n, cap;
} events;

typedef struct basis {
  int64_t crawl;
  const char *seen;
  int occurrence;
} basis;

static int event_add(events *ev, int64_t pid, int64_t vid, const char *field, int64_t old_v,
                     int64_t new_v, const basis *b) {
  if (ev->n == ev->cap) {
    size_t cap = ev->cap ? ev->cap * 2 : 32;
    event *v = realloc(ev->v, cap * sizeof *v);
    if (!v)
      return SOUK_ENOMEM;
    ev->v = v;
    ev->cap = cap;
  }
  ev->v[ev->n++] =
      (event){pid, vid, old_v, new_v, field, b->crawl, b->seen ? b->seen : "", b->occurrence};
  return 0;
}

/* Upserts the events on their keys, in order (seq from a counter breaks ties of `at`). */
static int write_events(mongo_store *s, const char *origin, const char *now, int64_t crawl_id,
                        const events *ev) {
  if (!ev->n)
    return 0;
  int64_t last = 0;
  int rc = souk__mongo_next_counter(s, "history_seq", (int64_t)ev->n, &last);
  if (rc)
    return rc;
  int64_t seq = last - (int64_t)ev->n + 1;
  bson_t *opts = BCON_NEW("ordered", BCON_BOOL(true));
  mongoc_bulk_operation_t *bulk =
      mongoc_collection_create_bulk_operation_with_opts(s->history, opts);
  bson_destroy(opts);
  bson_t *upsert = BCON_NEW("upsert", BCON_BOOL(true));
  bson_error_t err;
  bool ok = true;
  for (size_t i = 0; i < ev->n && ok; i++) {
    const event *e = &ev->v[i];
    char key[1024];
    snprintf(key, sizeof key, "%s|%lld|%lld|%s|%lld@%s#%d|%lld|%lld", origin,
             (long long)e->product_id, (long long)e->variant_id, e->field,
             (long long)e->basis_crawl, e->basis_seen, e->occurrence, (long long)e->old_value,
             (long long)e->new_value);
    bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER, soi;
    BSON_APPEND_UTF8(&sel, "key", key);
    BSON_APPEND_DOCUMENT_BEGIN(&upd, "$setOnInsert", &soi);
    BSON_APPEND_UTF8(&soi, "store", origin);
    BSON_APPEND_INT64(&soi, "product_id", e->product_id);
    BSON_APPEND_INT64(&soi, "variant_id", e->variant_id);
    BSON_APPEND_UTF8(&soi, "at", now);
    BSON_APPEND_UTF8(&soi, "field", e->field);
    souk__mongo_append_price(&soi, "old_value", e->old_value);
    souk__mongo_append_price(&soi, "new_value", e->new_value);
    BSON_APPEND_INT64(&soi, "crawl_id", crawl_id);
    BSON_APPEND_INT64(&soi, "seq", seq + (int64_t)i);
    bson_append_document_end(&upd, &soi);
    ok = mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &upd, upsert, &err);
    bson_destroy(&sel);
    bson_destroy(&upd);
  }
  bson_destroy(upsert);
  bson_t reply;
  if (ok)
    ok = mongoc_bulk_operation_execute(bulk, &reply, &err) != 0;
  else
    bson_init(&reply);
  bson_destroy(&reply);
  mongoc_bulk_operation_destroy(bulk);
  return ok ? 0 : souk__mongo_error(s, "recording changes", &err);
}

/* ---- writing products ------------------------------------------------------------------- */

typedef struct old_variant {
  int64_t id, price, compare_at;
  int available;
  bool seen;
} old_variant;

/* What the store had for a product: from the database, or from an earlier occurrence of the
 * same product in this page. */
typedef struct prior {
  bool existed, was_delisted;
  basis basis; /* for the events' keys */
  const char *text_hash;
  old_variant *olds;
  size_t nold;
} prior;

static int olds_from_bson(const bson_t *doc, old_variant **out, size_t *n) {
  *out = NULL;
  *n = 0;
  bson_iter_t it, arr, v;
  if (!bson_iter_init_find(&it, doc, "variants") || !BSON_ITER_HOLDS_ARRAY(&it) ||
      !bson_iter_recurse(&it, &arr))
    return 0;
  size_t cap = 0;
  while (bson_iter_next(&arr)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &v))
      continue;
    old_variant o = {.price = SOUK_NO_PRICE, .compare_at = SOUK_NO_PRICE};
    while (bson_iter_next(&v)) {
      const char *k = bson_iter_key(&v);
      if (strcmp(k, "id") == 0 && souk__mongo_is_number(&v))
        o.id = bson_iter_as_int64(&v);
      else if (strcmp(k, "price") == 0)
        o.price = souk__mongo_price_iter(&v);
      else if (strcmp(k, "compare_at_price") == 0)
        o.compare_at = souk__mongo_price_iter(&v);
      else if (strcmp(k, "available") == 0 && souk__mongo_is_number(&v))
        o.available = bson_iter_as_int64(&v) == 1;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      old_variant *p = realloc(*out, cap * sizeof *p);
      if (!p) {
        free(*out);
        *out = NULL;
        return SOUK_ENOMEM;
      }
      *out = p;
    }
    (*out)[(*n)++] = o;
  }
  return 0;
}

static int olds_from_product(const souk_product *p, old_variant **out, size_t *n) {
  *n = 0;
  *out = p->nvariants ? malloc(p->nvariants * sizeof **out) : NULL;
  if (p->nvariants && !*out)
    return SOUK_ENOMEM;
  for (size_t i = 0; i < p->nvariants; i++)
    (*out)[i] = (old_variant){.id = p->variants[i].id,
                              .price = p->variants[i].price,
                              .compare_at = p->variants[i].compare_at_price,
                              .available = p->variants[i].available == 1};
  *n = p->nvariants;
  return 0;
}

/* Real changes, exactly as the SQLite backend finds them. */
static int find_changes(const souk_product *p, prior *pr, events *ev, size_t *count) {
  size_t before = ev->n;
  int rc = 0;
  const basis *occ = &pr->basis;
  if (pr->was_delisted)
    rc = event_add(ev, p->id, 0, "listed", 0, 1, occ);
  for (size_t i = 0; i < p->nvariants && !rc; i++) {
    const souk_variant *v = &p->variants[i];
    old_variant *o = NULL;
    for (size_t k = 0; k < pr->nold; k++)
      if (pr->olds[k].id == v->id) {
        o = &pr->olds[k];
        break;
      }
    int avail = v->available == 1;
    if (!o) {
      if (pr->existed)
        rc = event_add(ev, p->id, v->id, "listed", 0, 1, occ);
      continue;
    }
    if (o->seen)
      continue; /* the same variant twice in one product */
    o->seen = true;
    if (!rc && o->price != v->price)
      rc = event_add(ev, p->id, v->id, "price", o->price, v->price, occ);
    if (!rc && o->compare_at != v->compare_at_price)
      rc = event_add(ev, p->id, v->id, "compare_at_price", o->compare_at, v->compare_at_price, occ);
    if (!rc && o->available != avail)
      rc = event_add(ev, p->id, v->id, "available", o->available, avail, occ);
  }
  for (size_t k = 0; k < pr->nold && !rc; k++)
    if (!pr->olds[k].seen)
      rc = event_add(ev, p->id, pr->olds[k].id, "delisted", 1, 0, occ);
  *count = ev->n - before;
  return rc;
}

static void append_str_array(bson_t *b, const char *key, const char *const *v, size_t n,
                             bool lower) {
  bson_t arr;
  bson_append_array_begin(b, key, -1, &arr);
  for (size_t i = 0; i < n; i++) {
    char k[16];
    const char *kp;
    bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
    if (lower)
      souk__mongo_append_lower(&arr, kp, v[i]);
    else
      souk__mongo_append_str(&arr, kp, v[i]);
  }
  bson_append_array_end(b, &arr);
}

static void text_hash_hex(uint64_t h, char out[17]) {
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static bool str_ok(const char *s) { return !s || souk__mongo_utf8_ok(s, strlen(s)); }

/* Whether every text of the product is UTF-8 (what is not gets U+FFFD, with a warning). */
static bool product_text_ok(const souk_product *p) {
  bool ok = str_ok(p->handle) && str_ok(p->url) && str_ok(p->title) && str_ok(p->vendor) &&
            str_ok(p->product_type) && str_ok(p->body_html) && str_ok(p->created_at) &&
            str_ok(p->updated_at) && str_ok(p->published_at);
  for (size_t i = 0; ok && i < p->ntags; i++)
    ok = str_ok(p->tags[i]);
  for (size_t i = 0; ok && i < p->noption_names; i++)
    ok = str_ok(p->option_names[i]);
  for (size_t i = 0; ok && i < p->nimages; i++)
    ok = str_ok(p->images[i].src);
  for (size_t i = 0; ok && i < p->nvariants; i++) {
    const souk_variant *v = &p->variants[i];
    ok = str_ok(v->title) && str_ok(v->sku) && str_ok(v->options[0]) && str_ok(v->options[1]) &&
         str_ok(v->options[2]);
  }
  return ok;
}

/* The upsert of one product: $set of everything the crawl saw, first_seen on insert. */
static int product_update(mongo_store *s, bson_t *upd, const char *origin, const char *platform,
                          const souk_product *p, const souk_facts_view *f, const char *now,
                          int64_t crawl_id, bool changed_now, bool text_changed) {
  bson_t set, arr, doc, opts;
  char k[16];
  const char *kp;
  if (!product_text_ok(p))
    SOUK_WARN(STORE,
              "%s: product %lld has text that is not UTF-8: stored with U+FFFD in place of "
              "the bad bytes",
              origin, (long long)p->id);
  BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", &set);
  souk__mongo_append_str(&set, "platform", platform);
  souk__mongo_append_str(&set, "handle", p->handle);
  souk__product_url(origin, p, &s->url);
  souk__mongo_append_str(&set, "url", s->url.len ? s->url.data : NULL);
  souk__mongo_append_str(&set, "title", p->title);
  souk__mongo_append_str(&set, "vendor", p->vendor);
  souk__mongo_append_str(&set, "product_type", p->product_type);
  append_str_array(&set, "tags", p->tags, p->ntags, false);
  append_str_array(&set, "options", p->option_names, p->noption_names, false);
  BSON_APPEND_ARRAY_BEGIN(&set, "images", &arr);
  for (size_t i = 0; i < p->nimages; i++) {
    bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, kp, &doc);
    souk__mongo_append_str(&doc, "src", p->images[i].src);
    BSON_APPEND_INT32(&doc, "width", p->images[i].width);
    BSON_APPEND_INT32(&doc, "height", p->images[i].height);
    bson_append_document_end(&arr, &doc);
  }
  bson_append_array_end(&set, &arr);
  BSON_APPEND_ARRAY_BEGIN(&set, "variants", &arr);
  for (size_t i = 0; i < p->nvariants; i++) {
    const souk_variant *v = &p->variants[i];
    bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, kp, &doc);
    BSON_APPEND_INT64(&doc, "id", v->id);
    souk__mongo_append_str(&doc, "title", v->title);
    souk__mongo_append_str(&doc, "sku", v->sku);
    append_str_array(&doc, "options", v->options, 3, false);
    souk__mongo_append_price(&doc, "price", v->price);
    souk__mongo_append_price(&doc, "compare_at_price", v->compare_at_price);
    BSON_APPEND_INT32(&doc, "available", v->available);
    bson_append_document_end(&arr, &doc);
  }
  bson_append_array_end(&set, &arr);
  souk__mongo_append_str(&set, "body_html", p->body_html);
  souk__mongo_append_str(&set, "body_text", f->body_text ? f->body_text : "");
  BSON_APPEND_INT64(&set, "description_length", (int64_t)f->description_length);
  souk__mongo_append_str(&set, "created_at", p->created_at);
  souk__mongo_append_str(&set, "updated_at", p->updated_at);
  souk__mongo_append_str(&set, "published_at", p->published_at);
  BSON_APPEND_INT64(&set, "ntags", (int64_t)p->ntags);
  BSON_APPEND_INT64(&set, "nimages", (int64_t)p->nimages);
  BSON_APPEND_INT64(&set, "nvariants", (int64_t)f->nvariants);
  BSON_APPEND_INT64(&set, "navailable", (int64_t)f->navailable);
  BSON_APPEND_INT32(&set, "price_decimals", p->price_decimals);
  souk__mongo_append_price(&set, "price_min", f->price_min);
  souk__mongo_append_price(&set, "price_max", f->price_max);
  souk__mongo_append_price(&set, "price_sum", f->price_sum);
  BSON_APPEND_INT64(&set, "priced", (int64_t)f->priced);
  char hash[17];
  text_hash_hex(f->text_hash, hash);
  BSON_APPEND_UTF8(&set, "text_hash", hash);
  if (text_changed) {
    int rc = souk__mongo_text_field(&s->text, p->title, p->vendor, p->product_type, f->tags_json,
                                    f->body_text, &s->search);
    if (rc) {
      bson_append_document_end(upd, &set);
      return souk__store_error(&s->base, rc, "product %lld: its text could not be indexed",
                               (long long)p->id);
    }
    souk__mongo_append_text(&set, "search", s->search.data, s->search.len);
  }
  /* Case-insensitive filters (ASCII, like SQLite's NOCASE) and sort keys without nulls (like
   * the SQLite backend's IFNULL sort expressions), so that cursors mean the same on both. */
  souk__mongo_append_lower(&set, "vendor_lc", p->vendor);
  souk__mongo_append_lower(&set, "product_type_lc", p->product_type);
  append_str_array(&set, "tags_lc", p->tags, p->ntags, true);
  BSON_APPEND_INT64(&set, "sort_price", f->price_min == SOUK_NO_PRICE ? -1 : f->price_min);
  souk__mongo_append_hex(&set, "sort_title", p->title);
  souk__mongo_append_hex(&set, "sort_updated", p->updated_at);
  BSON_APPEND_UTF8(&set, "last_seen", now);
  if (changed_now)
    BSON_APPEND_UTF8(&set, "last_changed", now);
  BSON_APPEND_INT64(&set, "last_crawl_id", crawl_id);
  BSON_APPEND_INT32(&set, "missed_crawls", 0);
  BSON_APPEND_NULL(&set, "delisted_at");
  bson_append_document_end(upd, &set);
  BSON_APPEND_DOCUMENT_BEGIN(upd, "$setOnInsert", &opts);
  BSON_APPEND_UTF8(&opts, "first_seen", now);
  bson_append_document_end(upd, &opts);
  return 0;
}

typedef struct fetched {
  int64_t id;
  bson_t *doc;
} fetched;

static int by_id(const void *a, const void *b) {
  const fetched *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Positions of the page's products ordered by (id, position): finds earlier occurrences. */
typedef struct pos {
  int64_t id;
  size_t i;
} pos;

static int by_id_pos(const void *a, const void *b) {
  const pos *x = a, *y = b;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Reads what the store has for a page's products, in one query. */
static int fetch_page(mongo_store *s, const char *origin, const souk_product *p, size_t n,
                      fetched **out, size_t *nout) {
  *out = NULL;
  *nout = 0;
  bson_t filter = BSON_INITIALIZER, in, ids;
  BSON_APPEND_UTF8(&filter, "store", origin);
  BSON_APPEND_DOCUMENT_BEGIN(&filter, "id", &in);
  BSON_APPEND_ARRAY_BEGIN(&in, "$in", &ids);
  for (size_t i = 0; i < n; i++) {
    char k[16];
    const char *kp;
    bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
    BSON_APPEND_INT64(&ids, kp, p[i].id);
  }
  bson_append_array_end(&in, &ids);
  bson_append_document_end(&filter, &in);
  bson_t *opts =
      BCON_NEW("projection", "{", "_id", BCON_INT32(0), "id", BCON_INT32(1), "delisted_at",
               BCON_INT32(1), "variants", BCON_INT32(1), "text_hash", BCON_INT32(1), "last_seen",
               BCON_INT32(1), "last_crawl_id", BCON_INT32(1), "}");
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->products, &filter, opts, NULL);
  bson_destroy(opts);
  bson_destroy(&filter);
  const bson_t *doc;
  size_t cap = 0;
  int rc = 0;
  while (!rc && mongoc_cursor_next(c, &doc)) {
    if (*nout == cap) {
      cap = cap ? cap * 2 : 64;
      fetched *f = realloc(*out, cap * sizeof *f);
      if (!f) {
        rc = SOUK_ENOMEM;
        break;
      }
      *out = f;
    }
    (*out)[*nout].id = souk__mongo_int(doc, "id", 0);
    (*out)[*nout].doc = bson_copy(doc);
    (*nout)++;
  }
  bson_error_t err;
  if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "reading a page's products", &err);
  mongoc_cursor_destroy(c);
  if (!rc && *nout)
    qsort(*out, *nout, sizeof **out, by_id);
  return rc;
}

static const char *crawl_platform(mongo_store *s, int64_t crawl_id) {
  if (s->platform_crawl == crawl_id && s->platform[0])
    return s->platform;
  snprintf(s->platform, sizeof s->platform, "unknown"); /* the SQLite backend's default */
  bson_t *filter = BCON_NEW("id", BCON_INT64(crawl_id));
  bson_t *opts =
      BCON_NEW("projection", "{", "platform", BCON_INT32(1), "}", "limit", BCON_INT64(1));
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->crawls, filter, opts, NULL);
  const bson_t *doc;
  if (mongoc_cursor_next(c, &doc) && souk__mongo_str(doc, "platform")) {
    snprintf(s->platform, sizeof s->platform, "%s", souk__mongo_str(doc, "platform"));
    s->platform_crawl = crawl_id;
  }
  mongoc_cursor_destroy(c);
  bson_destroy(opts);
  bson_destroy(filter);
  return s->platform;
}

int souk__mongo_put_products(souk_store *base, int64_t crawl_id, const char *origin,
                             const souk_product *p, const souk_facts_view *views, size_t n,
                             souk_put_result *res) {
  mongo_store *s = (mongo_store *)base;
  if (n == 0)
    return 0;
  char now[32];
  souk_store_now(now);
  const char *platform = crawl_platform(s, crawl_id);

  fetched *olds = NULL;
  size_t nolds = 0;
  int rc = fetch_page(s, origin, p, n, &olds, &nolds);
  pos *order = rc ? NULL : malloc(n * sizeof *order);
  uint64_t *hashes = rc ? NULL : malloc(n * sizeof *hashes);
  if (!rc && (!order || !hashes))
    rc = SOUK_ENOMEM;
  for (size_t i = 0; i < n && !rc; i++)
    order[i] = (pos){p[i].id, i};
  if (!rc)
    qsort(order, n, sizeof *order, by_id_pos);

  events ev = {0};
  souk_put_result page = {0};
  bson_t *bopts = BCON_NEW("ordered", BCON_BOOL(true));
  mongoc_bulk_operation_t *bulk =
      mongoc_collection_create_bulk_operation_with_opts(s->products, bopts);
  bson_destroy(bopts);
  bson_t *upsert = BCON_NEW("upsert", BCON_BOOL(true));
  bson_error_t err;
  for (size_t i = 0; i < n && !rc; i++) {
    const souk_product *pp = &p[i];
    souk_facts_view computed;
    const souk_facts_view *f = views ? &views[i] : NULL;
    if (!f) {
      rc = souk__facts_compute(&s->facts, pp);
      if (rc) {
        souk__store_error(base, rc, "product %lld is too large to store", (long long)pp->id);
        break;
      }
      souk__facts_view(&s->facts, &computed);
      f = &computed;
    }
    hashes[i] = f->text_hash;

    /* The earlier occurrence in this page, if any; else what the database had. */
    prior pr = {.basis = {.occurrence = -1}};
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the position of (id, i) in order[] */
      size_t mid = (lo + hi) / 2;
      if (order[mid].id < pp->id || (order[mid].id == pp->id && order[mid].i < i))
        lo = mid + 1;
      else
        hi = mid;
    }
    char hash[17];
    fetched key = {.id = pp->id};
    fetched *found = nolds ? bsearch(&key, olds, nolds, sizeof *olds, by_id) : NULL;
    if (found) {
      pr.basis.crawl = souk__mongo_int(found->doc, "last_crawl_id", 0);
      pr.basis.seen = souk__mongo_str(found->doc, "last_seen");
    }
    if (lo > 0 && order[lo - 1].id == pp->id) {
      size_t j = order[lo - 1].i;
      pr.existed = true;
      pr.basis.occurrence = (int)j;
      text_hash_hex(hashes[j], hash);
      pr.text_hash = hash;
      rc = olds_from_product(&p[j], &pr.olds, &pr.nold);
    } else if (found) {
      bson_iter_t it;
      pr.existed = true;
      pr.was_delisted =
          bson_iter_init_find(&it, found->doc, "delisted_at") && !BSON_ITER_HOLDS_NULL(&it);
      pr.text_hash = souk__mongo_str(found->doc, "text_hash");
      rc = olds_from_bson(found->doc, &pr.olds, &pr.nold);
    }
    size_t nev = 0;
    if (!rc)
      rc = find_changes(pp, &pr, &ev, &nev);
    free(pr.olds);
    if (rc)
      break;
    char newhash[17];
    text_hash_hex(f->text_hash, newhash);
    bool text_changed = !pr.existed || !pr.text_hash || strcmp(pr.text_hash, newhash) != 0;
    bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&sel, "store", origin);
    BSON_APPEND_INT64(&sel, "id", pp->id);
    rc = product_update(s, &upd, origin, platform, pp, f, now, crawl_id, !pr.existed || nev > 0,
                        text_changed);
    if (!rc && !mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &upd, upsert, &err))
      rc = souk__mongo_error(s, "writing a product", &err);
    bson_destroy(&sel);
    bson_destroy(&upd);
    if (rc)
      break;
    page.products++;
    if (!pr.existed)
      page.new_products++;
    else if (nev)
      page.changed++;
    page.events += nev;
  }
  bson_destroy(upsert);
  /* Changes first (idempotent), then the products that carry the new state. */
  if (!rc)
    rc = write_events(s, origin, now, crawl_id, &ev);
  if (!rc) {
    bson_t reply;
    if (!mongoc_bulk_operation_execute(bulk, &reply, &err))
      rc = souk__mongo_error(s, "writing products", &err);
    bson_destroy(&reply);
  }
  mongoc_bulk_operation_destroy(bulk);
  if (!rc) {
    bson_t *filter = BCON_NEW("id", BCON_INT64(crawl_id));
    bson_t *update = BCON_NEW("$inc", "{", "products", BCON_INT64((int64_t)page.products),
                              "new_products", BCON_INT64((int64_t)page.new_products), "changed",
                              BCON_INT64((int64_t)page.changed), "}");
    if (!mongoc_collection_update_one(s->crawls, filter, update, NULL, NULL, &err))
      rc = souk__mongo_error(s, "counting products", &err);
    bson_destroy(filter);
    bson_destroy(update);
  }
  if (rc == SOUK_ENOMEM)
    souk__store_error(base, rc, "out of memory writing products");
  free(ev.v);
  for (size_t i = 0; i < nolds; i++)
    bson_destroy(olds[i].doc);
  free(olds);
  free(order);
  free(hashes);
  if (!rc) {
    res->products += page.products;
    res->new_products += page.new_products;
    res->changed += page.changed;
    res->events += page.events;
  }
  return rc;
}

/* ---- ending a crawl: delisting ------------------------------------------------------------ */

/* After a complete crawl: one more miss for the store's listed products it did not see, and
 * those missing from delist_after crawls in a row are marked delisted (their history first). */
int souk__mongo_delist_missing(mongo_store *s, const char *store, int64_t crawl_id,
                               const char *now) {
  bson_error_t err;
  bson_t *filter = BCON_NEW("store", BCON_UTF8(store), "last_crawl_id", "{", "$ne",
                            BCON_INT64(crawl_id), "}", "delisted_at", BCON_NULL);
  bson_t *update = BCON_NEW("$inc", "{", "missed_crawls", BCON_INT32(1), "}");
  bool ok = mongoc_collection_update_many(s->products, filter, update, NULL, NULL, &err);
  bson_destroy(filter);
  bson_destroy(update);
  if (!ok)
    return souk__mongo_error(s, "marking missing products", &err);

  /* In the order the products were first stored (_id: server-made ObjectIds grow), as the
   * SQLite backend records them (rowid order). */
  filter = BCON_NEW("store", BCON_UTF8(store), "delisted_at", BCON_NULL, "missed_crawls", "{",
                    "$gte", BCON_INT32(s->base.delist_after), "}");
  bson_t *opts =
      BCON_NEW("projection", "{", "id", BCON_INT32(1), "last_seen", BCON_INT32(1), "last_crawl_id",
               BCON_INT32(1), "}", "sort", "{", "_id", BCON_INT32(1), "}");
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->products, filter, opts, NULL);
  bson_destroy(opts);
  events ev = {0};
  souk_arena seen;
  souk_arena_init(&seen, 16 * 1024);
  const bson_t *doc;
  int rc = 0;
  while (!rc && mongoc_cursor_next(c, &doc)) {
    const char *last = souk__mongo_str(doc, "last_seen");
    basis b = {souk__mongo_int(doc, "last_crawl_id", 0), souk_arena_strdup(&seen, last ? last : ""),
               -1};
    rc = b.seen ? event_add(&ev, souk__mongo_int(doc, "id", 0), 0, "delisted", 1, 0, &b)
                : SOUK_ENOMEM;
  }
  if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "marking missing products", &err);
  mongoc_cursor_destroy(c);
  if (!rc)
    rc = write_events(s, store, now, crawl_id, &ev);
  if (!rc && ev.n) {
    update = BCON_NEW("$set", "{", "delisted_at", BCON_UTF8(now), "}");
    bson_t reply;
    ok = mongoc_collection_update_many(s->products, filter, update, NULL, &reply, &err);
    if (ok && souk__mongo_int(&reply, "modifiedCount", 0) > 0)
      SOUK_INFO(STORE, "%s: %lld product(s) missing from %d complete crawls in a row: delisted",
                store, (long long)souk__mongo_int(&reply, "modifiedCount", 0),
                s->base.delist_after);
    bson_destroy(&reply);
    bson_destroy(update);
    if (!ok)
      rc = souk__mongo_error(s, "marking missing products", &err);
  }
  if (rc == SOUK_ENOMEM)
    souk__store_error(&s->base, rc, "out of memory marking missing products");
  bson_destroy(filter);
  free(ev.v);
  souk_arena_free(&seen);
  return rc;
}
