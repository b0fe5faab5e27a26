/* SPDX-License-Identifier: MIT */
/* Internals of the MongoDB backend shared by its files: the handle (one mongoc client, used by
 * one thread at a time, like every store handle), BSON helpers, the text-search words.
 *
 * mongo.c opens the store and keeps crawl records; mongo_write.c writes pages and delists;
 * mongo_query.c reads (queries, counts, aggregates, history, summaries); mongo_text.c turns
 * text into the stored search field and a user's words into patterns; mongo_bson.c holds the
 * BSON helpers. The documents are described in docs/data-model.md. */
#ifndef SOUK_STORE_MONGO_INT_H
#define SOUK_STORE_MONGO_INT_H

#include <mongoc/mongoc.h>

#include "store/store_int.h"

/* The text index's tokenizer: SQLite's FTS5 unicode61 (remove_diacritics 2), the very one the
 * SQLite backend indexes with, reached through an in-memory SQLite connection of the handle's
 * own, so that both backends split, fold and strip diacritics identically. */
typedef struct souk__mongo_text {
  void *db;        /* sqlite3 * */
  void *tokenizer; /* Fts5Tokenizer * */
  const void *api; /* fts5_tokenizer * (its functions) */
} souk__mongo_text;

typedef struct mongo_store {
  souk_store base;
  mongoc_uri_t *uri;
  mongoc_client_t *client;
  mongoc_collection_t *products, *history, *crawls, *stores, *meta;
  souk__mongo_text text;
  souk_product_facts facts; /* scratch for a product's facts */
  souk_buf url, search;     /* scratch: product URL, search field */
  int64_t platform_crawl;   /* the crawl whose platform is cached */
  char platform[64];
} mongo_store;

/* Sets the store's error from a driver error ("MongoDB: <what>: <driver's sentence>") and
 * returns SOUK_ESTORE. */
int souk__mongo_error(mongo_store *s, const char *what, const bson_error_t *err);

/* The ASCII lower case of s into out (SQLite's NOCASE folds ASCII only). */
void souk__mongo_lower(const char *s, char *out, size_t len);

/* Appends s, or null when s is NULL. Bytes that are not UTF-8 (which a server refuses, failing
 * the whole write) are stored as U+FFFD. */
void souk__mongo_append_str(bson_t *b, const char *key, const char *s);
void souk__mongo_append_text(bson_t *b, const char *key, const char *s, size_t n);
bool souk__mongo_utf8_ok(const char *s, size_t n);
/* Appends s (NULL as "") as the hex digits of its UTF-8 bytes: a sort key that every server
 * orders byte by byte like SQLite (some wire-compatible servers sort plain strings by locale,
 * while their $gt compares code units: keyset pages would skip and repeat). */
void souk__mongo_append_hex(bson_t *b, const char *key, const char *s);
/* Appends a price, or null for SOUK_NO_PRICE. */
void souk__mongo_append_price(bson_t *b, const char *key, int64_t v);

/* Appends the ASCII lower case of s (or null), for the case-insensitive filters. */
void souk__mongo_append_lower(bson_t *b, const char *key, const char *s);

/* Numbers come back as int32, int64 or double (a wire-compatible server may not keep the
 * type): these read any of them. A missing field or null gives dflt / SOUK_NO_PRICE. */
bool souk__mongo_is_number(const bson_iter_t *it);
int64_t souk__mongo_int(const bson_t *doc, const char *key, int64_t dflt);
int64_t souk__mongo_price_iter(const bson_iter_t *it);
/* A string field, or NULL when missing, null or not a string. Points into doc. */
const char *souk__mongo_str(const bson_t *doc, const char *key);

/* The next value of a counter in the `meta` collection (crawl ids, history order), reserving
 * n values at once: *last is the last of them. */
int souk__mongo_next_counter(mongo_store *s, const char *name, int64_t n, int64_t *last);

/* ---- writing (mongo_write.c) ---------------------------------------------------------- */

int souk__mongo_put_products(souk_store *base, int64_t crawl_id, const char *origin,
                             const souk_product *p, const souk_facts_view *views, size_t n,
                             souk_put_result *res);
/* After a complete crawl: one more miss for the store's listed products it did not see, and
 * those missing from delist_after crawls in a row delisted (their history first). */
int souk__mongo_delist_missing(mongo_store *s, const char *store, int64_t crawl_id,
                               const char *now);

/* ---- text search (mongo_text.c) ------------------------------------------------------ */

int souk__mongo_text_init(souk__mongo_text *t, char *err, size_t errlen);
void souk__mongo_text_free(souk__mongo_text *t);

/* The stored search field: each column's words folded to lower case without diacritics,
 * one space before each word, a newline between columns (a phrase never spans two). */
int souk__mongo_text_field(souk__mongo_text *t, const char *title, const char *vendor,
                           const char *product_type, const char *tags_json, const char *body_text,
                           souk_buf *out);

/* A user's search as one regular expression per word, each matching the word's tokens as a
 * phrase whose last token is a prefix (FTS5's "word"*). Words without any token are dropped,
 * as FTS5 does; *npatterns 0 then means "matches nothing". SOUK_EINVAL (with a sentence in
 * the store's error) when the text is empty or too long, with the SQLite backend's limits.
 * The patterns live in out (NUL-separated). */
int souk__mongo_text_patterns(mongo_store *s, const char *text, souk_buf *out, size_t *npatterns);

/* ---- reading (mongo_query.c) --------------------------------------------------------- */

int souk__mongo_query(souk_store *base, const souk_query *q, souk_product_cb cb, void *ud,
                      char **next);
int souk__mongo_count(souk_store *base, const souk_query *q, uint64_t *count);
int souk__mongo_aggregate(souk_store *base, const souk_query *q, souk_group_by by,
                          int (*cb)(const souk_group_stats *, void *), void *ud);
int souk__mongo_history(souk_store *base, const char *store, int64_t product_id, const char *since,
                        size_t limit, int (*cb)(const souk_change *, void *), void *ud);
int souk__mongo_stores(souk_store *base, int (*cb)(const souk_store_summary *, void *), void *ud);
int souk__mongo_crawls(souk_store *base, const char *store, size_t limit,
                       int (*cb)(const souk_crawl_record *, void *), void *ud);

#endif /* SOUK_STORE_MONGO_INT_H */
