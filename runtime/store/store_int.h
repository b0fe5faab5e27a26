/* SPDX-License-Identifier: MIT */
/* Internals of the store: the backend operations table both backends fill, and helpers they
 * share (cursors, product summaries, JSON text). */
#ifndef SOUK_STORE_INT_H
#define SOUK_STORE_INT_H

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/store.h"

typedef struct souk_facts_view souk_facts_view;

typedef struct souk_store_ops {
  const char *name;
  void (*close)(souk_store *s);
  int (*crawl_begin)(souk_store *s, const char *origin, const char *platform, int64_t *id);
  /* views: each product's facts computed beforehand (by the writer, on the loop thread), or
   * NULL to compute them here. */
  int (*put_products)(souk_store *s, int64_t crawl_id, const char *origin,
                      const souk_product *p, const souk_facts_view *views, size_t n,
                      souk_put_result *res);
  /* Optional: one transaction around several put_products calls, ended by batch_end with
   * commit or rollback; a put_products that fails inside it rolls the whole batch back. */
  int (*batch_begin)(souk_store *s);
  int (*batch_end)(souk_store *s, bool commit);
  int (*set_info)(souk_store *s, const char *origin, const souk_store_info *info);
  int (*crawl_end)(souk_store *s, int64_t crawl_id, const souk_crawl_end *end);
  int (*query)(souk_store *s, const souk_query *q, souk_product_cb cb, void *ud, char **next);
  int (*count)(souk_store *s, const souk_query *q, uint64_t *count);
  int (*history)(souk_store *s, const char *store, int64_t product_id, const char *since,
                 size_t limit, int (*cb)(const souk_change *, void *), void *ud);
  int (*aggregate)(souk_store *s, const souk_query *q, souk_group_by by,
                   int (*cb)(const souk_group_stats *, void *), void *ud);
  int (*stores)(souk_store *s, int (*cb)(const souk_store_summary *, void *), void *ud);
  int (*crawls)(souk_store *s, const char *store, size_t limit,
                int (*cb)(const souk_crawl_record *, void *), void *ud);
} souk_store_ops;

struct souk_store {
  const souk_store_ops *ops;
  char errmsg[512];
  int delist_after;            /* store.delist_after */
  /* Set by store.c after a backend opened: what souk_store_reopen needs. */
  char *location;              /* the SQLite path or the MongoDB URI */
  bool mongo;
  const souk_config *cfg;
};

/* Sets the store's error sentence and returns code. */
int souk__store_error(souk_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Cursors: an opaque base64url text holding the sort value and key of the last row of a page
 * (keyset pagination), or an offset for relevance order. */
typedef struct souk_cursor {
  bool is_offset;
  uint64_t offset;
  json_t *value;               /* integer, string or null; owned */
  char store[512];
  int64_t id;
} souk_cursor;

char *souk__cursor_encode(const souk_cursor *c);
int souk__cursor_decode(const char *text, souk_cursor *c); /* 0 or SOUK_EINVAL */
void souk__cursor_clear(souk_cursor *c);

/* What the writers compute once per product, whatever the backend. */
typedef struct souk_product_facts {
  size_t nvariants, navailable, priced;
  int64_t price_min, price_max, price_sum;
  size_t description_length;
  size_t body_html_len;        /* bytes of the product's body_html (0 when none) */
  souk_buf body_text;          /* visible text */
  souk_buf tags_json, options_json, images_json, variants_json; /* JSON arrays */
  uint64_t text_hash;          /* of title, vendor, type, tags, body text: FTS refresh */
} souk_product_facts;

/* The same facts as plain strings: pointing into a souk_product_facts, or copied into an
 * arena to travel with a page to the writer's thread. */
struct souk_facts_view {
  size_t nvariants, navailable, priced, description_length;
  int64_t price_min, price_max, price_sum;
  uint64_t text_hash;
  const char *body_text, *tags_json, *options_json, *images_json, *variants_json;
  /* Lengths in bytes, known on the loop's thread: the writer's thread binds them as they are. */
  size_t tags_json_len, options_json_len, images_json_len, variants_json_len, body_html_len;
};

void souk__facts_view(const souk_product_facts *f, souk_facts_view *v);
int souk__facts_view_copy(souk_arena *a, const souk_product_facts *f, souk_facts_view *v);

/* souk_store_put_products with the facts already computed (views[i] for products[i]). */
int souk__store_put_prepared(souk_store *s, int64_t crawl_id, const char *url,
                             const souk_product *products, const souk_facts_view *views,
                             size_t n, souk_put_result *res);

/* Group commit: pages put between souk__store_batch_begin and souk__store_batch_end(commit)
 * become durable together; a page that fails inside a batch undoes the batch (every page put
 * since souk__store_batch_begin) and ends it, and batch_end then does nothing. A backend
 * without batches (MongoDB) commits each page itself: souk__store_can_batch says which. */
bool souk__store_can_batch(const souk_store *s);
int souk__store_batch_begin(souk_store *s);
int souk__store_batch_end(souk_store *s, bool commit);

void souk__facts_init(souk_product_facts *f);
void souk__facts_free(souk_product_facts *f);
int souk__facts_compute(souk_product_facts *f, const souk_product *p);

/* The product URL when the agent left it NULL: <origin>/products/<handle>. */
void souk__product_url(const char *origin, const souk_product *p, souk_buf *out);

/* Appends s as a JSON string (quoted, escaped); NULL becomes null. */
int souk__json_str(souk_buf *b, const char *s);

/* Turns the JSON columns back into a souk_product (for SOUK_QUERY_FULL); strings live in
 * the arena. */
int souk__product_from_json(souk_arena *a, souk_product *p, const char *tags,
                            const char *options, const char *images, const char *variants);

/* Backends. */
souk_store *souk__sqlite_open(const char *path, const souk_config *cfg, souk_errinfo *e);
souk_store *souk__mongo_open(const char *uri, const souk_config *cfg, souk_errinfo *e);

#endif /* SOUK_STORE_INT_H */
