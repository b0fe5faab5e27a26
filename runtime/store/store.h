/* SPDX-License-Identifier: MIT */
/* The product store: one API over two backends, the embedded SQLite file (the default) and
 * MongoDB (when store.mongodb_uri is set). It keeps products keyed on (store, product id),
 * their variants, the history of real changes, crawl records and store information, and
 * answers the queries of the data tools (docs/data-model.md).
 *
 * A store handle is used from one thread at a time (the loop thread). Writes of one page of
 * products are one transaction: a crawl killed at any point loses nothing it reported and a
 * restarted crawl duplicates nothing.
 */
#ifndef SOUK_STORE_H
#define SOUK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/errinfo.h"
#include "souk/agent.h"
#include "souk/product.h"

typedef struct souk_store souk_store;

/* Opens the store the configuration names: MongoDB when store.mongodb_uri is set, else
 * SQLite at <data_dir>/souk.db (created, migrated to the current schema). NULL on failure,
 * with e saying why. */
souk_store *souk_store_open(const souk_config *cfg, souk_errinfo *e);
/* Opens an SQLite store at an explicit path (":memory:" for tests). */
souk_store *souk_store_open_sqlite(const char *path, const souk_config *cfg, souk_errinfo *e);
/* Opens a MongoDB store at uri (database from the URI path, default "souk"). */
souk_store *souk_store_open_mongo(const char *uri, const souk_config *cfg, souk_errinfo *e);
/* A second handle on the same store (another SQLite connection, another MongoDB client),
 * for another thread: each handle is used by one thread at a time. ":memory:" cannot be
 * reopened (it would be another, empty database). */
souk_store *souk_store_reopen(const souk_store *s, souk_errinfo *e);
void souk_store_close(souk_store *s);
const char *souk_store_backend(const souk_store *s); /* "sqlite" or "mongodb" */
/* The last error's sentence (after a call returned SOUK_ESTORE). */
const char *souk_store_errmsg(const souk_store *s);

/* "https://shop.example" from any URL of the store: scheme and host in lower case, the port
 * only when not the default, no path. Returns 0 or SOUK_EINVAL. */
int souk_store_origin(const char *url, char *out, size_t len);

/* ---- writing: one crawl ------------------------------------------------------------- */

typedef struct souk_put_result {
  uint64_t products;       /* products written */
  uint64_t new_products;   /* seen for the first time */
  uint64_t changed;        /* products with at least one real change */
  uint64_t events;         /* change-history records written */
} souk_put_result;

/* Starts a crawl record. Crawls of the store left running by a killed process are closed
 * as interrupted first. */
int souk_store_crawl_begin(souk_store *s, const char *origin, const char *platform,
                           int64_t *crawl_id);
/* Upserts one page of products seen by the crawl, recording real changes (price,
 * compare_at_price, available, variant listed/delisted) with the time. One transaction. */
int souk_store_put_products(souk_store *s, int64_t crawl_id, const char *origin,
                            const souk_product *products, size_t n, souk_put_result *res);
int souk_store_set_info(souk_store *s, const char *origin, const souk_store_info *info);

typedef struct souk_crawl_end {
  int status;              /* 0 or SOUK_E* */
  bool complete;           /* every product of the store was seen */
  const char *message;     /* NULL or a sentence */
  uint64_t pages, bytes, http_errors;
} souk_crawl_end;

/* Closes the crawl record. After a complete crawl, products of the store that it did not
 * see count one more missed crawl; after store.delist_after of them in a row they are
 * marked delisted (never deleted). Products seen again are listed again. */
int souk_store_crawl_end(souk_store *s, int64_t crawl_id, const souk_crawl_end *end);

/* ---- reading ------------------------------------------------------------------------ */

/* What every query returns about a product; strings valid during the callback. */
typedef struct souk_stored_product {
  const char *store;       /* origin */
  const char *platform;
  const char *currency;    /* NULL when the store never said */
  int64_t id;
  const char *handle, *url, *title, *vendor, *product_type;
  const char *const *tags;
  size_t ntags, nimages, nvariants, navailable;
  int price_decimals;
  int64_t price_min, price_max, price_sum; /* minor units over variants with a price;
                                              SOUK_NO_PRICE when none has one */
  size_t priced_variants;
  size_t description_length; /* code points of the visible text of body_html */
  const char *created_at, *updated_at, *published_at; /* as the platform said; may be NULL */
  const char *first_seen, *last_seen, *last_changed;  /* souk's own times, ISO 8601 UTC */
  const char *delisted_at;   /* NULL while listed */
  /* Only with SOUK_QUERY_FULL: */
  const souk_product *full;  /* variants, images, options, body_html */
  const char *body_text;     /* visible text of body_html */
} souk_stored_product;

typedef enum souk_sort {
  SOUK_SORT_KEY = 0,       /* store, id */
  SOUK_SORT_PRICE,         /* price_min */
  SOUK_SORT_UPDATED,       /* updated_at */
  SOUK_SORT_CHANGED,       /* last_changed */
  SOUK_SORT_TITLE,
  SOUK_SORT_RELEVANCE      /* text search rank; only with `text` */
} souk_sort;

enum {
  SOUK_QUERY_FULL = 1u << 0,     /* variants, images, options, body_html, body_text */
  SOUK_QUERY_DELISTED = 1u << 1, /* delisted products too */
  SOUK_QUERY_LEAN = 1u << 2      /* no tag list (ntags stays): scans of millions of rows */
};

typedef struct souk_query {
  const char *store;       /* origin or any URL of it; NULL: every store */
  int64_t id;              /* one product id; 0: any */
  const char *vendor, *product_type, *tag; /* exact match (case-insensitive); NULL: any */
  const char *text;        /* full-text search over title, vendor, type, tags, text */
  int64_t price_min, price_max; /* minor units on price_min; SOUK_NO_PRICE: no bound */
  int available;           /* 1 in stock, 0 sold out, -1 any */
  const char *changed_since; /* ISO 8601; NULL: any */
  souk_sort sort;
  bool descending;
  size_t limit;            /* 0: no limit */
  const char *cursor;      /* from a previous page's next_cursor, or NULL */
  unsigned flags;          /* SOUK_QUERY_* */
} souk_query;

/* Initialises a query that matches everything. */
void souk_query_init(souk_query *q);

/* Return non-zero from the callback to stop early (the query then returns 0). */
typedef int (*souk_product_cb)(const souk_stored_product *p, void *ud);

/* Runs a query. With a limit, *next_cursor (may be NULL) receives a malloc'd cursor for the
 * next page, or NULL when this was the last. Returns 0, SOUK_EINVAL (bad filter or cursor,
 * with a sentence in souk_store_errmsg) or SOUK_ESTORE. */
int souk_store_query(souk_store *s, const souk_query *q, souk_product_cb cb, void *ud,
                     char **next_cursor);
/* Counts what a query would return (limit and cursor ignored). */
int souk_store_count(souk_store *s, const souk_query *q, uint64_t *count);

/* One product with everything (SOUK_QUERY_FULL implied); SOUK_ENOENT when unknown. */
int souk_store_get_product(souk_store *s, const char *store, int64_t id, souk_product_cb cb,
                           void *ud);

typedef struct souk_change {
  const char *at;          /* ISO 8601 UTC */
  int64_t product_id, variant_id; /* variant_id 0 for product-level events */
  const char *field;       /* price, compare_at_price, available, listed, delisted */
  int64_t old_value, new_value; /* minor units, or 0/1; SOUK_NO_PRICE for none */
} souk_change;

/* Changes of one product (variant_id 0: all variants), oldest first; or of a whole store
 * (product_id 0) since a time (may be NULL), newest first, at most limit (0: all). */
int souk_store_history(souk_store *s, const char *store, int64_t product_id, const char *since,
                       size_t limit, int (*cb)(const souk_change *c, void *ud), void *ud);

typedef enum souk_group_by { SOUK_GROUP_STORE, SOUK_GROUP_VENDOR, SOUK_GROUP_TYPE } souk_group_by;

typedef struct souk_group_stats {
  const char *key;         /* store, vendor or product type ("" when missing) */
  uint64_t products, available_products, variants;
  /* Over products with a price, in minor units of price_min; currency from the store. */
  int64_t price_min, price_max;
  double price_mean, price_median;
  uint64_t priced;
} souk_group_stats;

/* Counts and price statistics by store, vendor or product type, over the products a query's
 * filters select (sort, limit, cursor ignored), largest groups first. */
int souk_store_aggregate(souk_store *s, const souk_query *q, souk_group_by by,
                         int (*cb)(const souk_group_stats *g, void *ud), void *ud);

typedef struct souk_store_summary {
  const char *store, *platform, *name, *currency;
  uint64_t products, listed, delisted;
  int64_t announced;       /* product count the store announces, -1 unknown */
  const char *first_seen, *last_crawl_at;
} souk_store_summary;

int souk_store_stores(souk_store *s, int (*cb)(const souk_store_summary *st, void *ud), void *ud);

typedef struct souk_crawl_record {
  int64_t id;
  const char *store, *platform, *started_at, *ended_at; /* ended_at NULL while running */
  const char *state;       /* running, succeeded, failed, canceled, interrupted */
  int status;              /* 0 or SOUK_E* */
  bool complete;
  uint64_t pages, bytes, products, new_products, changed, http_errors;
  const char *message;
} souk_crawl_record;

/* Crawl records, newest first; store NULL for all; limit 0 for all. */
int souk_store_crawls(souk_store *s, const char *store, size_t limit,
                      int (*cb)(const souk_crawl_record *r, void *ud), void *ud);

/* The current time as the store writes it: "2026-11-25T06:00:00.123Z". Tests may set a
 * fixed clock (NULL restores the real one). */
void souk_store_now(char out[32]);
void souk_store_set_clock(const char *fixed_now);

#endif /* SOUK_STORE_H */
