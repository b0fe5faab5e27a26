/* SPDX-License-Identifier: MIT */
/* Reading the MongoDB store: query filters, keyset-paginated queries with the cursors both
 * backends share, counts, aggregates with medians, change history, store summaries, crawls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "souk/error.h"
#include "store/mongo_int.h"

/* ---- filters ------------------------------------------------------------------------------ */

/* The sort field of a sort order (the SQLite backend's sort expression, stored without nulls)
 * or NULL for key order. */
static const char *sort_field(souk_sort sort) {
  switch (sort) {
  case SOUK_SORT_PRICE: return "sort_price";
  case SOUK_SORT_UPDATED: return "sort_updated";
  case SOUK_SORT_CHANGED: return "last_changed";
  case SOUK_SORT_TITLE: return "sort_title";
  default: return NULL;
  }
}

/* The cursor's value as the sort field holds it (hex for title and updated_at). */
static void append_cursor_value(bson_t *b, const char *key, const char *field, const json_t *v) {
  const char *text = json_is_string(v) ? json_string_value(v) : "";
  if (json_is_integer(v))
    BSON_APPEND_INT64(b, key, (int64_t)json_integer_value(v));
  else if (strcmp(field, "last_changed") == 0)
    souk__mongo_append_str(b, key, text);
  else
    souk__mongo_append_hex(b, key, text);
}

/* Rows after the cursor's: (value, store, id) > (v, s, i), or < when descending. */
static void append_keyset(bson_t *and, const char *idx, const char *field, const souk_cursor *cur,
                          bool descending) {
  const char *cmp = descending ? "$lt" : "$gt";
  bson_t cond, or, alt, op;
  BSON_APPEND_DOCUMENT_BEGIN(and, idx, &cond);
  BSON_APPEND_ARRAY_BEGIN(&cond, "$or", & or);
  int n = 0;
  char k[16];
  const char *kp;
  if (field) {
    bson_uint32_to_string((uint32_t)n++, &kp, k, sizeof k);
    BSON_APPEND_DOCUMENT_BEGIN(& or, kp, &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, field, &op);
    append_cursor_value(&op, cmp, field, cur->value);
    bson_append_document_end(&alt, &op);
    bson_append_document_end(& or, &alt);
  }
  bson_uint32_to_string((uint32_t)n++, &kp, k, sizeof k);
  BSON_APPEND_DOCUMENT_BEGIN(& or, kp, &alt);
  if (field)
    append_cursor_value(&alt, field, field, cur->value);
  BSON_APPEND_DOCUMENT_BEGIN(&alt, "store", &op);
  souk__mongo_append_str(&op, cmp, cur->store);
  bson_append_document_end(&alt, &op);
  bson_append_document_end(& or, &alt);
  bson_uint32_to_string((uint32_t)n++, &kp, k, sizeof k);
  BSON_APPEND_DOCUMENT_BEGIN(& or, kp, &alt);
  if (field)
    append_cursor_value(&alt, field, field, cur->value);
  souk__mongo_append_str(&alt, "store", cur->store);
  BSON_APPEND_DOCUMENT_BEGIN(&alt, "id", &op);
  BSON_APPEND_INT64(&op, cmp, cur->id);
  bson_append_document_end(&alt, &op);
  bson_append_document_end(& or, &alt);
  bson_append_array_end(&cond, & or);
  bson_append_document_end(and, &cond);
}

/* The filter of a query (and, for a page after the first, the keyset condition). */
static int build_filter(mongo_store *s, const souk_query *q, const souk_cursor *cur,
                        bson_t *filter) {
  bson_t doc;
  if (q->store)
    BSON_APPEND_UTF8(filter, "store", q->store);
  if (q->id)
    BSON_APPEND_INT64(filter, "id", q->id);
  if (q->vendor)
    souk__mongo_append_lower(filter, "vendor_lc", q->vendor);
  if (q->product_type)
    souk__mongo_append_lower(filter, "product_type_lc", q->product_type);
  if (q->tag)
    souk__mongo_append_lower(filter, "tags_lc", q->tag);
  if (q->price_min != SOUK_NO_PRICE || q->price_max != SOUK_NO_PRICE) {
    BSON_APPEND_DOCUMENT_BEGIN(filter, "price_min", &doc);
    if (q->price_min != SOUK_NO_PRICE)
      BSON_APPEND_INT64(&doc, "$gte", q->price_min);
    if (q->price_max != SOUK_NO_PRICE)
      BSON_APPEND_INT64(&doc, "$lte", q->price_max);
    bson_append_document_end(filter, &doc);
  }
  if (q->available == 1 || q->available == 0) {
    BSON_APPEND_DOCUMENT_BEGIN(filter, "navailable", &doc);
    BSON_APPEND_INT32(&doc, q->available ? "$gt" : "$lte", 0);
    bson_append_document_end(filter, &doc);
  }
  if (q->changed_since) {
    BSON_APPEND_DOCUMENT_BEGIN(filter, "last_changed", &doc);
    souk__mongo_append_str(&doc, "$gte", q->changed_since);
    bson_append_document_end(filter, &doc);
  }
  if (!(q->flags & SOUK_QUERY_DELISTED))
    BSON_APPEND_NULL(filter, "delisted_at");

  /* The rest go in one $and: a word's pattern each, the keyset condition. */
  bool text = q->text && *q->text;
  bool keyset = cur && !cur->is_offset && cur->value;
  if (!text && !keyset)
    return 0;
  souk_buf pats;
  souk_buf_init(&pats, 64 * 1024);
  size_t npats = 0;
  int rc = text ? souk__mongo_text_patterns(s, q->text, &pats, &npats) : 0;
  if (!rc) {
    bson_t and, cond, re;
    char k[16];
    const char *kp;
    uint32_t n = 0;
    BSON_APPEND_ARRAY_BEGIN(filter, "$and", &and);
    const char *p = pats.data;
    for (size_t i = 0; i < npats; i++, p += strlen(p) + 1) {
      bson_uint32_to_string(n++, &kp, k, sizeof k);
      BSON_APPEND_DOCUMENT_BEGIN(&and, kp, &cond);
      BSON_APPEND_DOCUMENT_BEGIN(&cond, "search", &re);
      souk__mongo_append_str(&re, "$regex", p);
      bson_append_document_end(&cond, &re);
      bson_append_document_end(&and, &cond);
    }
    if (text && npats == 0) {
      /* Words without any letter or digit: FTS5 finds nothing, and neither does this. */
      bson_uint32_to_string(n++, &kp, k, sizeof k);
      BSON_APPEND_DOCUMENT_BEGIN(&and, kp, &cond);
      BSON_APPEND_DOCUMENT_BEGIN(&cond, "id", &re);
      BSON_APPEND_ARRAY_BEGIN(&re, "$in", &doc);
      bson_append_array_end(&re, &doc);
      bson_append_document_end(&cond, &re);
      bson_append_document_end(&and, &cond);
    }
    if (keyset) {
      bson_uint32_to_string(n++, &kp, k, sizeof k);
      append_keyset(&and, kp, sort_field(q->sort), cur, q->descending);
    }
    bson_append_array_end(filter, &and);
  }
  souk_buf_free(&pats);
  return rc;
}

/* ---- reading a product ------------------------------------------------------------------ */

typedef struct currency {
  const char *store, *currency;
} currency;

typedef struct currencies {
  currency *v;
  size_t n;
  souk_arena arena;
} currencies;

static int by_store(const void *a, const void *b) {
  return strcmp(((const currency *)a)->store, ((const currency *)b)->store);
}

/* The stores' currencies (a handful of documents), for the products a query returns. */
static int load_currencies(mongo_store *s, const char *store, currencies *out) {
  memset(out, 0, sizeof *out);
  souk_arena_init(&out->arena, 4096);
  bson_t filter = BSON_INITIALIZER;
  if (store)
    BSON_APPEND_UTF8(&filter, "origin", store);
  bson_t *opts =
      BCON_NEW("projection", "{", "origin", BCON_INT32(1), "currency", BCON_INT32(1), "}");
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->stores, &filter, opts, NULL);
  bson_destroy(opts);
  bson_destroy(&filter);
  const bson_t *doc;
  size_t cap = 0;
  int rc = 0;
  while (!rc && mongoc_cursor_next(c, &doc)) {
    const char *origin = souk__mongo_str(doc, "origin"), *cur = souk__mongo_str(doc, "currency");
    if (!origin)
      continue;
    if (out->n == cap) {
      cap = cap ? cap * 2 : 16;
      currency *v = realloc(out->v, cap * sizeof *v);
      if (!v) {
        rc = souk__store_error(&s->base, SOUK_ENOMEM, "out of memory reading stores");
        break;
      }
      out->v = v;
    }
    out->v[out->n].store = souk_arena_strdup(&out->arena, origin);
    out->v[out->n].currency = cur ? souk_arena_strdup(&out->arena, cur) : NULL;
    out->n++;
  }
  bson_error_t err;
  if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "reading stores", &err);
  mongoc_cursor_destroy(c);
  if (!rc && out->n)
    qsort(out->v, out->n, sizeof *out->v, by_store);
  return rc;
}

static void free_currencies(currencies *c) {
  free(c->v);
  souk_arena_free(&c->arena);
}

static const char *currency_of(const currencies *c, const char *store) {
  currency key = {.store = store};
  const currency *found = store && c->n ? bsearch(&key, c->v, c->n, sizeof *c->v, by_store) : NULL;
  return found ? found->currency : NULL;
}

static const char *iter_str(const bson_iter_t *it) {
  return BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, NULL) : NULL;
}

static int64_t iter_int(const bson_iter_t *it) {
  return souk__mongo_is_number(it) ? bson_iter_as_int64(it) : 0;
}

/* An array of strings into the arena (null becomes "" in tags, NULL elsewhere). */
static const char **str_array(souk_arena *a, const bson_iter_t *it, size_t *n, bool empty_for_null,
                              size_t min) {
  bson_iter_t arr;
  size_t count = 0;
  if (BSON_ITER_HOLDS_ARRAY(it) && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr))
      count++;
  const char **v = souk_arena_calloc(a, (count > min ? count : min) + 1, sizeof *v);
  if (!v)
    return NULL;
  size_t i = 0;
  if (count && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr) && i < count) {
      const char *s = iter_str(&arr);
      v[i++] = s ? s : empty_for_null ? "" : NULL;
    }
  *n = count;
  return v;
}

static souk_image *images_of(souk_arena *a, const bson_iter_t *it, size_t *n) {
  bson_iter_t arr, f;
  size_t count = 0;
  if (BSON_ITER_HOLDS_ARRAY(it) && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr))
      count++;
  souk_image *v = souk_arena_calloc(a, count + 1, sizeof *v);
  size_t i = 0;
  if (v && count && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr) && i < count) {
      if (BSON_ITER_HOLDS_DOCUMENT(&arr) && bson_iter_recurse(&arr, &f))
        while (bson_iter_next(&f)) {
          const char *k = bson_iter_key(&f);
          if (strcmp(k, "src") == 0)
            v[i].src = iter_str(&f);
          else if (strcmp(k, "width") == 0)
            v[i].width = (int)iter_int(&f);
          else if (strcmp(k, "height") == 0)
            v[i].height = (int)iter_int(&f);
        }
      i++;
    }
  *n = count;
  return v;
}

static souk_variant *variants_of(souk_arena *a, const bson_iter_t *it, size_t *n) {
  bson_iter_t arr, f;
  size_t count = 0;
  if (BSON_ITER_HOLDS_ARRAY(it) && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr))
      count++;
  souk_variant *v = souk_arena_calloc(a, count + 1, sizeof *v);
  size_t i = 0;
  if (v && count && bson_iter_recurse(it, &arr))
    while (bson_iter_next(&arr) && i < count) {
      v[i] = (souk_variant){
          .price = SOUK_NO_PRICE, .compare_at_price = SOUK_NO_PRICE, .available = -1};
      if (BSON_ITER_HOLDS_DOCUMENT(&arr) && bson_iter_recurse(&arr, &f))
        while (bson_iter_next(&f)) {
          const char *k = bson_iter_key(&f);
          if (strcmp(k, "id") == 0)
            v[i].id = iter_int(&f);
          else if (strcmp(k, "title") == 0)
            v[i].title = iter_str(&f);
          else if (strcmp(k, "sku") == 0)
            v[i].sku = iter_str(&f);
          else if (strcmp(k, "options") == 0) {
            size_t no = 0;
            const char **o = str_array(a, &f, &no, false, 3);
            for (size_t j = 0; o && j < 3; j++)
              v[i].options[j] = o[j];
          } else if (strcmp(k, "price") == 0)
            v[i].price = souk__mongo_price_iter(&f);
          else if (strcmp(k, "compare_at_price") == 0)
            v[i].compare_at_price = souk__mongo_price_iter(&f);
          else if (strcmp(k, "available") == 0 && !BSON_ITER_HOLDS_NULL(&f))
            v[i].available = (int)iter_int(&f);
        }
      i++;
    }
  *n = count;
  return v;
}

/* One document as the API's product; strings point into doc or the arena. */
static int read_product(const bson_t *doc, souk_arena *a, bool full, bool lean,
                        souk_stored_product *sp, souk_product *fp) {
  memset(sp, 0, sizeof *sp);
  memset(fp, 0, sizeof *fp);
  sp->price_min = sp->price_max = sp->price_sum = SOUK_NO_PRICE;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc))
    return SOUK_EPARSE;
  bool has_tags = false;
  while (bson_iter_next(&it)) {
    const char *k = bson_iter_key(&it);
    switch (k[0]) {
    case 'b':
      if (strcmp(k, "body_html") == 0)
        fp->body_html = iter_str(&it);
      else if (strcmp(k, "body_text") == 0)
        sp->body_text = iter_str(&it);
      break;
    case 'c':
      if (strcmp(k, "created_at") == 0)
        sp->created_at = iter_str(&it);
      break;
    case 'd':
      if (strcmp(k, "description_length") == 0)
        sp->description_length = (size_t)iter_int(&it);
      else if (strcmp(k, "delisted_at") == 0)
        sp->delisted_at = iter_str(&it);
      break;
    case 'f':
      if (strcmp(k, "first_seen") == 0)
        sp->first_seen = iter_str(&it);
      break;
    case 'h':
      if (strcmp(k, "handle") == 0)
        sp->handle = iter_str(&it);
      break;
    case 'i':
      if (strcmp(k, "id") == 0)
        sp->id = iter_int(&it);
      else if (full && strcmp(k, "images") == 0)
        fp->images = images_of(a, &it, &fp->nimages);
      break;
    case 'l':
      if (strcmp(k, "last_seen") == 0)
        sp->last_seen = iter_str(&it);
      else if (strcmp(k, "last_changed") == 0)
        sp->last_changed = iter_str(&it);
      break;
    case 'n':
      if (strcmp(k, "ntags") == 0)
        sp->ntags = (size_t)iter_int(&it);
      else if (strcmp(k, "nimages") == 0)
        sp->nimages = (size_t)iter_int(&it);
      else if (strcmp(k, "nvariants") == 0)
        sp->nvariants = (size_t)iter_int(&it);
      else if (strcmp(k, "navailable") == 0)
        sp->navailable = (size_t)iter_int(&it);
      break;
    case 'o':
      if (full && strcmp(k, "options") == 0)
        fp->option_names = str_array(a, &it, &fp->noption_names, false, 0);
      break;
    case 'p':
      if (strcmp(k, "platform") == 0)
        sp->platform = iter_str(&it);
      else if (strcmp(k, "product_type") == 0)
        sp->product_type = iter_str(&it);
      else if (strcmp(k, "price_decimals") == 0)
        sp->price_decimals = (int)iter_int(&it);
      else if (strcmp(k, "price_min") == 0)
        sp->price_min = souk__mongo_price_iter(&it);
      else if (strcmp(k, "price_max") == 0)
        sp->price_max = souk__mongo_price_iter(&it);
      else if (strcmp(k, "price_sum") == 0)
        sp->price_sum = souk__mongo_price_iter(&it);
      else if (strcmp(k, "priced") == 0)
        sp->priced_variants = (size_t)iter_int(&it);
      else if (strcmp(k, "published_at") == 0)
        sp->published_at = iter_str(&it);
      break;
    case 's':
      if (strcmp(k, "store") == 0)
        sp->store = iter_str(&it);
      break;
    case 't':
      if (strcmp(k, "title") == 0) {
        sp->title = iter_str(&it);
      } else if (strcmp(k, "tags") == 0) {
        size_t n = 0;
        sp->tags = str_array(a, &it, &n, true, 0);
        has_tags = sp->tags != NULL;
      }
      break;
    case 'u':
      if (strcmp(k, "url") == 0)
        sp->url = iter_str(&it);
      else if (strcmp(k, "updated_at") == 0)
        sp->updated_at = iter_str(&it);
      break;
    case 'v':
      if (strcmp(k, "vendor") == 0)
        sp->vendor = iter_str(&it);
      else if (full && strcmp(k, "variants") == 0)
        fp->variants = variants_of(a, &it, &fp->nvariants);
      break;
    default: break;
    }
  }
  if (!has_tags && !lean)
    sp->tags = souk_arena_calloc(a, 1, sizeof *sp->tags);
  if ((!sp->tags && !lean) || !sp->store)
    return SOUK_EPARSE;
  if (full) {
    if (!fp->option_names)
      fp->option_names = souk_arena_calloc(a, 1, sizeof *fp->option_names);
    if (!fp->images)
      fp->images = souk_arena_calloc(a, 1, sizeof *fp->images);
    if (!fp->variants)
      fp->variants = souk_arena_calloc(a, 1, sizeof *fp->variants);
    if (!fp->option_names || !fp->images || !fp->variants)
      return SOUK_ENOMEM;
    fp->id = sp->id;
    fp->handle = sp->handle;
    fp->url = sp->url;
    fp->title = sp->title;
    fp->vendor = sp->vendor;
    fp->product_type = sp->product_type;
    fp->tags = sp->tags;
    fp->ntags = sp->ntags;
    fp->created_at = sp->created_at;
    fp->updated_at = sp->updated_at;
    fp->published_at = sp->published_at;
    fp->price_decimals = sp->price_decimals;
    sp->full = fp;
  } else {
    sp->body_text = NULL;
  }
  return 0;
}

/* The value of the sort for the next page's cursor: what SQLite's cursor holds (the price
 * or -1, the title or updated_at or "", last_changed). */
static json_t *sort_value(const bson_t *doc, const souk_stored_product *p, souk_sort sort) {
  bson_iter_t it;
  switch (sort) {
  case SOUK_SORT_PRICE:
    return json_integer(bson_iter_init_find(&it, doc, "sort_price") ? (json_int_t)iter_int(&it)
                                                                    : -1);
  case SOUK_SORT_UPDATED: return json_string(p->updated_at ? p->updated_at : "");
  case SOUK_SORT_TITLE: return json_string(p->title ? p->title : "");
  case SOUK_SORT_CHANGED: return p->last_changed ? json_string(p->last_changed) : json_null();
  default: return json_null();
  }
}

/* ---- queries ------------------------------------------------------------------------------ */

static bson_t *sort_spec(const souk_query *q) {
  int dir = q->descending ? -1 : 1;
  bson_t *sort = bson_new();
  const char *field = sort_field(q->sort);
  if (field)
    BSON_APPEND_INT32(sort, field, dir);
  BSON_APPEND_INT32(sort, "store", dir);
  BSON_APPEND_INT32(sort, "id", dir);
  return sort;
}

int souk__mongo_query(souk_store *base, const souk_query *q, souk_product_cb cb, void *ud,
                      char **next) {
  mongo_store *s = (mongo_store *)base;
  bool full = q->flags & SOUK_QUERY_FULL;
  bool lean = (q->flags & SOUK_QUERY_LEAN) && !full; /* no tag list */
  /* Relevance: MongoDB ranks nothing here, so search results come in key order, in pages by
   * offset like the SQLite backend's relevance pages. */
  bool relevance = q->sort == SOUK_SORT_RELEVANCE;
  souk_cursor cur = {0};
  if (q->cursor) {
    bool ok = souk__cursor_decode(q->cursor, &cur) == 0 && cur.is_offset == relevance;
    /* The value must be of the sort's kind: a number for price, text for the others. */
    if (ok && !relevance && sort_field(q->sort))
      ok = q->sort == SOUK_SORT_PRICE ? json_is_integer(cur.value) : json_is_string(cur.value);
    if (!ok) {
      souk__cursor_clear(&cur);
      return souk__store_error(base, SOUK_EINVAL, "the cursor is not one this query handed out");
    }
    if (!relevance && !sort_field(q->sort) && !cur.value)
      cur.value = json_null();
  }
  bson_t filter = BSON_INITIALIZER;
  int rc = build_filter(s, q, q->cursor && !relevance ? &cur : NULL, &filter);
  currencies cs = {0};
  if (!rc)
    rc = load_currencies(s, q->store, &cs);
  if (rc) {
    bson_destroy(&filter);
    souk__cursor_clear(&cur);
    free_currencies(&cs);
    return rc;
  }
  bson_t opts = BSON_INITIALIZER, proj;
  bson_t *sort = sort_spec(q);
  BSON_APPEND_DOCUMENT(&opts, "sort", sort);
  bson_destroy(sort);
  /* Only what the API returns (and sort_price, for cursors). */
  BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
  const char *internal[] = {
      "_id",     "search",     "text_hash",    "vendor_lc",     "product_type_lc",
      "tags_lc", "sort_title", "sort_updated", "last_crawl_id", "missed_crawls"};
  for (size_t i = 0; i < sizeof internal / sizeof *internal; i++)
    BSON_APPEND_INT32(&proj, internal[i], 0);
  if (!full) {
    const char *heavy[] = {"body_html", "body_text", "options", "images", "variants"};
    for (size_t i = 0; i < sizeof heavy / sizeof *heavy; i++)
      BSON_APPEND_INT32(&proj, heavy[i], 0);
    if (lean)
      BSON_APPEND_INT32(&proj, "tags", 0);
  }
  bson_append_document_end(&opts, &proj);
  if (q->limit) {
    BSON_APPEND_INT64(&opts, "limit", (int64_t)q->limit + 1);
    if (relevance && cur.is_offset && cur.offset)
      BSON_APPEND_INT64(&opts, "skip", (int64_t)cur.offset);
  }
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->products, &filter, &opts, NULL);
  bson_destroy(&opts);
  bson_destroy(&filter);

  souk_arena arena;
  souk_arena_init(&arena, 16 * 1024);
  size_t rows = 0;
  bool more = false;
  const bson_t *doc;
  while (mongoc_cursor_next(c, &doc)) {
    if (q->limit && rows == q->limit) {
      more = true; /* one more row exists: the page ends here, with a cursor */
      break;
    }
    rows++;
    souk_stored_product sp;
    souk_product fp;
    rc = read_product(doc, &arena, full, lean, &sp, &fp);
    if (rc) {
      souk__store_error(base, SOUK_ESTORE, "a product document of the store is unreadable");
      break;
    }
    sp.currency = currency_of(&cs, sp.store);
    souk__cursor_clear(&cur);
    cur.is_offset = relevance;
    if (!relevance) {
      cur.value = sort_value(doc, &sp, q->sort);
      snprintf(cur.store, sizeof cur.store, "%s", sp.store);
      cur.id = sp.id;
    }
    int stop = cb(&sp, ud);
    souk_arena_free(&arena);
    souk_arena_init(&arena, 16 * 1024);
    if (stop)
      break;
  }
  bson_error_t err;
  if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "running a query", &err);
  if (!rc && more && next) {
    if (relevance) {
      souk_cursor nc = {.is_offset = true};
      souk_cursor old = {0};
      if (q->cursor && souk__cursor_decode(q->cursor, &old) == 0 && old.is_offset)
        nc.offset = old.offset;
      souk__cursor_clear(&old);
      nc.offset += rows;
      *next = souk__cursor_encode(&nc);
    } else {
      *next = souk__cursor_encode(&cur);
    }
  }
  mongoc_cursor_destroy(c);
  souk_arena_free(&arena);
  souk__cursor_clear(&cur);
  free_currencies(&cs);
  return rc;
}

int souk__mongo_count(souk_store *base, const souk_query *q, uint64_t *count) {
  mongo_store *s = (mongo_store *)base;
  bson_t filter = BSON_INITIALIZER;
  int rc = build_filter(s, q, NULL, &filter);
  if (!rc) {
    bson_error_t err;
    int64_t n = mongoc_collection_count_documents(s->products, &filter, NULL, NULL, NULL, &err);
    if (n < 0)
      rc = souk__mongo_error(s, "counting", &err);
    else
      *count = (uint64_t)n;
  }
  bson_destroy(&filter);
  return rc;
}

/* ---- aggregates --------------------------------------------------------------------------- */

typedef struct group_acc {
  souk_group_stats g;
  char *key;
  int64_t *prices;
  size_t nprices, cap;
  double sum;
} group_acc;

typedef struct group_table {
  group_acc *v;
  size_t n, cap;
  size_t *slots; /* open addressing: index + 1, 0 empty */
  size_t nslots;
} group_table;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int table_grow(group_table *t) {
  size_t nslots = t->nslots ? t->nslots * 2 : 64;
  size_t *slots = calloc(nslots, sizeof *slots);
  if (!slots)
    return SOUK_ENOMEM;
  for (size_t i = 0; i < t->n; i++) {
    size_t h = (size_t)hash_str(t->v[i].key) & (nslots - 1);
    while (slots[h])
      h = (h + 1) & (nslots - 1);
    slots[h] = i + 1;
  }
  free(t->slots);
  t->slots = slots;
  t->nslots = nslots;
  return 0;
}

static group_acc *group_of(group_table *t, const char *key) {
  if ((t->n + 1) * 2 > t->nslots && table_grow(t) != 0)
    return NULL;
  size_t h = (size_t)hash_str(key) & (t->nslots - 1);
  while (t->slots[h]) {
    group_acc *g = &t->v[t->slots[h] - 1];
    if (strcmp(g->key, key) == 0)
      return g;
    h = (h + 1) & (t->nslots - 1);
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    group_acc *v = realloc(t->v, cap * sizeof *v);
    if (!v)
      return NULL;
    t->v = v;
    t->cap = cap;
  }
  group_acc *g = &t->v[t->n];
  memset(g, 0, sizeof *g);
  g->key = strdup(key);
  if (!g->key)
    return NULL;
  g->g.price_min = g->g.price_max = SOUK_NO_PRICE;
  t->slots[h] = ++t->n;
  return g;
}

static int by_count(const void *a, const void *b) {
  const group_acc *x = a, *y = b;
  if (x->g.products != y->g.products)
    return x->g.products < y->g.products ? 1 : -1;
  return strcmp(x->key, y->key);
}

static int by_price(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

int souk__mongo_aggregate(souk_store *base, const souk_query *q, souk_group_by by,
                          int (*cb)(const souk_group_stats *, void *), void *ud) {
  mongo_store *s = (mongo_store *)base;
  const char *key = by == SOUK_GROUP_STORE    ? "store"
                    : by == SOUK_GROUP_VENDOR ? "vendor"
                                              : "product_type";
  bson_t filter = BSON_INITIALIZER;
  int rc = build_filter(s, q, NULL, &filter);
  if (rc) {
    bson_destroy(&filter);
    return rc;
  }
  /* The medians need every price: the products' few fields stream through, grouped here. */
  bson_t *opts =
      BCON_NEW("projection", "{", "_id", BCON_INT32(0), key, BCON_INT32(1), "navailable",
               BCON_INT32(1), "nvariants", BCON_INT32(1), "price_min", BCON_INT32(1), "}");
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->products, &filter, opts, NULL);
  bson_destroy(opts);
  bson_destroy(&filter);
  group_table t = {0};
  const bson_t *doc;
  while (!rc && mongoc_cursor_next(c, &doc)) {
    const char *k = souk__mongo_str(doc, key);
    group_acc *g = group_of(&t, k ? k : "");
    if (!g) {
      rc = SOUK_ENOMEM;
      break;
    }
    g->g.products++;
    g->g.available_products += souk__mongo_int(doc, "navailable", 0) > 0;
    g->g.variants += (uint64_t)souk__mongo_int(doc, "nvariants", 0);
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, "price_min") &&
        souk__mongo_price_iter(&it) != SOUK_NO_PRICE) {
      if (g->nprices == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        int64_t *pp = realloc(g->prices, g->cap * sizeof *pp);
        if (!pp) {
          rc = SOUK_ENOMEM;
          break;
        }
        g->prices = pp;
      }
      int64_t price = souk__mongo_price_iter(&it);
      g->prices[g->nprices++] = price;
      g->sum += (double)price;
    }
  }
  bson_error_t err;
  if (rc == SOUK_ENOMEM)
    souk__store_error(base, rc, "out of memory aggregating");
  else if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "aggregating", &err);
  mongoc_cursor_destroy(c);
  if (!rc) {
    for (size_t i = 0; i < t.n; i++) {
      group_acc *g = &t.v[i];
      g->g.key = g->key;
      g->g.priced = g->nprices;
      if (g->nprices) {
        qsort(g->prices, g->nprices, sizeof *g->prices, by_price);
        g->g.price_min = g->prices[0];
        g->g.price_max = g->prices[g->nprices - 1];
        g->g.price_mean = g->sum / (double)g->nprices;
        size_t m = g->nprices / 2;
        g->g.price_median = g->nprices % 2 ? (double)g->prices[m]
                                           : ((double)g->prices[m - 1] + (double)g->prices[m]) / 2;
      }
    }
    if (t.n)
      qsort(t.v, t.n, sizeof *t.v, by_count);
    for (size_t i = 0; i < t.n; i++)
      if (cb(&t.v[i].g, ud))
        break;
  }
  for (size_t i = 0; i < t.n; i++) {
    free(t.v[i].key);
    free(t.v[i].prices);
  }
  free(t.v);
  free(t.slots);
  return rc;
}

/* ---- history, stores, crawls -------------------------------------------------------------- */

int souk__mongo_history(souk_store *base, const char *store, int64_t product_id, const char *since,
                        size_t limit, int (*cb)(const souk_change *, void *), void *ud) {
  mongo_store *s = (mongo_store *)base;
  bson_t filter = BSON_INITIALIZER, doc;
  BSON_APPEND_UTF8(&filter, "store", store);
  if (product_id)
    BSON_APPEND_INT64(&filter, "product_id", product_id);
  if (since) {
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "at", &doc);
    souk__mongo_append_str(&doc, "$gte", since);
    bson_append_document_end(&filter, &doc);
  }
  /* One product's changes oldest first; a store's newest first. Ties in time keep the order
   * they were recorded in (seq). */
  int dir = product_id ? 1 : -1;
  bson_t *opts = BCON_NEW("sort", "{", "at", BCON_INT32(dir), "seq", BCON_INT32(dir), "}");
  if (limit)
    BSON_APPEND_INT64(opts, "limit", (int64_t)limit);
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->history, &filter, opts, NULL);
  bson_destroy(opts);
  bson_destroy(&filter);
  const bson_t *d;
  while (mongoc_cursor_next(c, &d)) {
    bson_iter_t it;
    souk_change ch = {
        .at = souk__mongo_str(d, "at"),
        .product_id = souk__mongo_int(d, "product_id", 0),
        .variant_id = souk__mongo_int(d, "variant_id", 0),
        .field = souk__mongo_str(d, "field"),
        .old_value =
            bson_iter_init_find(&it, d, "old_value") ? souk__mongo_price_iter(&it) : SOUK_NO_PRICE,
        .new_value =
            bson_iter_init_find(&it, d, "new_value") ? souk__mongo_price_iter(&it) : SOUK_NO_PRICE,
    };
    if (cb(&ch, ud))
      break;
  }
  bson_error_t err;
  int rc = mongoc_cursor_error(c, &err) ? souk__mongo_error(s, "reading history", &err) : 0;
  mongoc_cursor_destroy(c);
  return rc;
}

typedef struct store_count {
  char *store;
  uint64_t products, delisted;
} store_count;

/* Products per store ({$group} on the server), listed or delisted. */
static int count_by_store(mongo_store *s, bool delisted, store_count **v, size_t *n, size_t *cap) {
  bson_t *pipeline =
      delisted ? BCON_NEW("pipeline", "[", "{", "$match", "{", "delisted_at", "{", "$ne", BCON_NULL,
                          "}", "}", "}", "{", "$group", "{", "_id", BCON_UTF8("$store"), "n", "{",
                          "$sum", BCON_INT32(1), "}", "}", "}", "]")
               : BCON_NEW("pipeline", "[", "{", "$group", "{", "_id", BCON_UTF8("$store"), "n", "{",
                          "$sum", BCON_INT32(1), "}", "}", "}", "]");
  mongoc_cursor_t *c =
      mongoc_collection_aggregate(s->products, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
  bson_destroy(pipeline);
  const bson_t *doc;
  int rc = 0;
  while (!rc && mongoc_cursor_next(c, &doc)) {
    const char *store = souk__mongo_str(doc, "_id");
    if (!store)
      continue;
    store_count *sc = NULL;
    for (size_t i = 0; i < *n && !sc; i++)
      if (strcmp((*v)[i].store, store) == 0)
        sc = &(*v)[i];
    if (!sc) {
      if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        store_count *p = realloc(*v, nc * sizeof *p);
        if (!p) {
          rc = souk__store_error(&s->base, SOUK_ENOMEM, "out of memory listing stores");
          break;
        }
        *v = p;
        *cap = nc;
      }
      sc = &(*v)[(*n)++];
      *sc = (store_count){.store = strdup(store)};
      if (!sc->store) {
        (*n)--;
        rc = souk__store_error(&s->base, SOUK_ENOMEM, "out of memory listing stores");
        break;
      }
    }
    if (delisted)
      sc->delisted = (uint64_t)souk__mongo_int(doc, "n", 0);
    else
      sc->products = (uint64_t)souk__mongo_int(doc, "n", 0);
  }
  bson_error_t err;
  if (!rc && mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "listing stores", &err);
  mongoc_cursor_destroy(c);
  return rc;
}

int souk__mongo_stores(souk_store *base, int (*cb)(const souk_store_summary *, void *), void *ud) {
  mongo_store *s = (mongo_store *)base;
  store_count *counts = NULL;
  size_t n = 0, cap = 0;
  int rc = count_by_store(s, false, &counts, &n, &cap);
  rc = rc ? rc : count_by_store(s, true, &counts, &n, &cap);
  if (!rc) {
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts = BCON_NEW("sort", "{", "origin", BCON_INT32(1), "}");
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->stores, &filter, opts, NULL);
    bson_destroy(opts);
    const bson_t *doc;
    while (mongoc_cursor_next(c, &doc)) {
      souk_store_summary sum = {
          .store = souk__mongo_str(doc, "origin"),
          .platform = souk__mongo_str(doc, "platform"),
          .name = souk__mongo_str(doc, "name"),
          .currency = souk__mongo_str(doc, "currency"),
          .announced = souk__mongo_int(doc, "announced", -1),
          .first_seen = souk__mongo_str(doc, "first_seen"),
          .last_crawl_at = souk__mongo_str(doc, "last_crawl_at"),
      };
      if (!sum.store)
        continue;
      for (size_t i = 0; i < n; i++)
        if (strcmp(counts[i].store, sum.store) == 0) {
          sum.products = counts[i].products;
          sum.delisted = counts[i].delisted;
          sum.listed = counts[i].products - counts[i].delisted;
        }
      if (cb(&sum, ud))
        break;
    }
    bson_error_t err;
    if (mongoc_cursor_error(c, &err))
      rc = souk__mongo_error(s, "listing stores", &err);
    mongoc_cursor_destroy(c);
  }
  for (size_t i = 0; i < n; i++)
    free(counts[i].store);
  free(counts);
  return rc;
}

int souk__mongo_crawls(souk_store *base, const char *store, size_t limit,
                       int (*cb)(const souk_crawl_record *, void *), void *ud) {
  mongo_store *s = (mongo_store *)base;
  bson_t filter = BSON_INITIALIZER;
  if (store)
    BSON_APPEND_UTF8(&filter, "store", store);
  bson_t *opts = BCON_NEW("sort", "{", "id", BCON_INT32(-1), "}");
  if (limit)
    BSON_APPEND_INT64(opts, "limit", (int64_t)limit);
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->crawls, &filter, opts, NULL);
  bson_destroy(opts);
  bson_destroy(&filter);
  const bson_t *d;
  while (mongoc_cursor_next(c, &d)) {
    bson_iter_t it;
    souk_crawl_record r = {
        .id = souk__mongo_int(d, "id", 0),
        .store = souk__mongo_str(d, "store"),
        .platform = souk__mongo_str(d, "platform"),
        .started_at = souk__mongo_str(d, "started_at"),
        .ended_at = souk__mongo_str(d, "ended_at"),
        .state = souk__mongo_str(d, "state"),
        .status = (int)souk__mongo_int(d, "status", 0),
        .complete = bson_iter_init_find(&it, d, "complete") && bson_iter_as_bool(&it),
        .pages = (uint64_t)souk__mongo_int(d, "pages", 0),
        .bytes = (uint64_t)souk__mongo_int(d, "bytes", 0),
        .products = (uint64_t)souk__mongo_int(d, "products", 0),
        .new_products = (uint64_t)souk__mongo_int(d, "new_products", 0),
        .changed = (uint64_t)souk__mongo_int(d, "changed", 0),
        .http_errors = (uint64_t)souk__mongo_int(d, "http_errors", 0),
        .message = souk__mongo_str(d, "message"),
    };
    if (cb(&r, ud))
      break;
  }
  bson_error_t err;
  int rc = mongoc_cursor_error(c, &err) ? souk__mongo_error(s, "listing crawls", &err) : 0;
  mongoc_cursor_destroy(c);
  return rc;
}
