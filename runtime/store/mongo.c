/* SPDX-License-Identifier: MIT */
/* The MongoDB backend of the store (mongo-c-driver): opening a database (schema version,
 * indexes), crawl records and store information, and the backend's operations table. Pages
 * are written by mongo_write.c, read by mongo_query.c; docs/data-model.md has the documents. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/error.h"
#include "store/mongo_int.h"

enum { SCHEMA_VERSION = 1 };

/* ---- the driver, once per process ------------------------------------------------------- */

/* mongoc's own handler writes its informational lines to stdout, which belongs to the MCP
 * stdio transport: its messages go to souk's log instead. */
static void mongoc_to_log(mongoc_log_level_t level, const char *domain, const char *message,
                          void *ud) {
  (void)ud;
  switch (level) {
  case MONGOC_LOG_LEVEL_ERROR:
  case MONGOC_LOG_LEVEL_CRITICAL: SOUK_ERROR(STORE, "mongoc %s: %s", domain, message); break;
  case MONGOC_LOG_LEVEL_WARNING: SOUK_WARN(STORE, "mongoc %s: %s", domain, message); break;
  case MONGOC_LOG_LEVEL_MESSAGE:
  case MONGOC_LOG_LEVEL_INFO: SOUK_DEBUG(STORE, "mongoc %s: %s", domain, message); break;
  default: SOUK_TRACE(STORE, "mongoc %s: %s", domain, message); break;
  }
}

static pthread_once_t driver_once = PTHREAD_ONCE_INIT;

static void driver_init(void) {
  mongoc_log_set_handler(mongoc_to_log, NULL);
  mongoc_log_trace_disable();
  mongoc_init();
}

/* ---- opening ---------------------------------------------------------------------------- */

static const souk_store_ops mongo_ops;

static void mongo_close(souk_store *base) {
  mongo_store *s = (mongo_store *)base;
  mongoc_collection_t **colls[] = {&s->products, &s->history, &s->crawls, &s->stores, &s->meta};
  for (size_t i = 0; i < sizeof colls / sizeof *colls; i++)
    if (*colls[i])
      mongoc_collection_destroy(*colls[i]);
  if (s->client)
    mongoc_client_destroy(s->client);
  if (s->uri)
    mongoc_uri_destroy(s->uri);
  souk__mongo_text_free(&s->text);
  souk__facts_free(&s->facts);
  souk_buf_free(&s->url);
  souk_buf_free(&s->search);
  free(s);
}

/* One createIndexes command per collection: index specs as {name: {field: 1, ...}} and the
 * names of the unique ones. Creating an index that exists is a no-op for the server. */
typedef struct index_spec {
  const char *name;
  const char *fields[4];
  bool unique;
} index_spec;

static int create_indexes(mongo_store *s, mongoc_collection_t *coll, const index_spec *specs,
                          size_t n) {
  bson_t cmd = BSON_INITIALIZER, arr, idx, key;
  BSON_APPEND_UTF8(&cmd, "createIndexes", mongoc_collection_get_name(coll));
  BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
  for (size_t i = 0; i < n; i++) {
    char k[16];
    const char *kp;
    bson_uint32_to_string((uint32_t)i, &kp, k, sizeof k);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, kp, &idx);
    BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &key);
    for (size_t f = 0; f < 4 && specs[i].fields[f]; f++)
      BSON_APPEND_INT32(&key, specs[i].fields[f], 1);
    bson_append_document_end(&idx, &key);
    BSON_APPEND_UTF8(&idx, "name", specs[i].name);
    if (specs[i].unique)
      BSON_APPEND_BOOL(&idx, "unique", true);
    bson_append_document_end(&arr, &idx);
  }
  bson_append_array_end(&cmd, &arr);
  bson_error_t err;
  bool ok = mongoc_collection_write_command_with_opts(coll, &cmd, NULL, NULL, &err);
  bson_destroy(&cmd);
  return ok ? 0 : souk__mongo_error(s, "creating indexes", &err);
}

static int prepare_database(mongo_store *s) {
  /* The schema version: a database written by a newer souk is refused, like SQLite's. */
  bson_error_t err;
  bson_t *filter = BCON_NEW("name", "schema");
  bson_t *update = BCON_NEW("$setOnInsert", "{", "value", BCON_INT32(SCHEMA_VERSION), "}");
  bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
  bool ok = mongoc_collection_update_one(s->meta, filter, update, opts, NULL, &err);
  bson_destroy(update);
  bson_destroy(opts);
  int rc = ok ? 0 : souk__mongo_error(s, "reading the schema version", &err);
  if (!rc) {
    mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->meta, filter, NULL, NULL);
    const bson_t *doc;
    int64_t version = mongoc_cursor_next(c, &doc) ? souk__mongo_int(doc, "value", 0) : 0;
    if (mongoc_cursor_error(c, &err))
      rc = souk__mongo_error(s, "reading the schema version", &err);
    else if (version > SCHEMA_VERSION)
      rc = souk__store_error(&s->base, SOUK_ESTORE,
                             "the database has schema version %lld, newer than this souk's %d: "
                             "upgrade souk",
                             (long long)version, SCHEMA_VERSION);
    mongoc_cursor_destroy(c);
  }
  bson_destroy(filter);

  static const index_spec products[] = {
      {"key", {"store", "id"}, true},
      {"vendor", {"store", "vendor_lc"}, false},
      {"type", {"store", "product_type_lc"}, false},
      {"price", {"store", "sort_price"}, false},
      {"updated", {"store", "sort_updated"}, false},
      {"changed", {"store", "last_changed"}, false},
  };
  static const index_spec history[] = {
      {"key", {"key"}, true},
      {"product", {"store", "product_id", "at"}, false},
      {"at", {"store", "at"}, false},
  };
  static const index_spec crawls[] = {{"id", {"id"}, true}, {"store", {"store", "id"}, false}};
  static const index_spec stores[] = {{"origin", {"origin"}, true}};
  static const index_spec meta[] = {{"name", {"name"}, true}};
  rc = rc ? rc : create_indexes(s, s->products, products, sizeof products / sizeof *products);
  rc = rc ? rc : create_indexes(s, s->history, history, sizeof history / sizeof *history);
  rc = rc ? rc : create_indexes(s, s->crawls, crawls, sizeof crawls / sizeof *crawls);
  rc = rc ? rc : create_indexes(s, s->stores, stores, 1);
  rc = rc ? rc : create_indexes(s, s->meta, meta, 1);
  return rc;
}

souk_store *souk__mongo_open(const char *uri_text, const souk_config *cfg, souk_errinfo *e) {
  pthread_once(&driver_once, driver_init);
  mongo_store *s = calloc(1, sizeof *s);
  if (!s) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  s->base.ops = &mongo_ops;
  s->base.delist_after = cfg ? (int)souk_config_int(cfg, SOUK_CFG_STORE_DELIST_AFTER) : 3;
  souk__facts_init(&s->facts);
  souk_buf_init(&s->url, 64 * 1024);
  souk_buf_init(&s->search, 64 * 1024 * 1024);

  /* The URI is a secret (it may hold a password): messages never repeat it. */
  bson_error_t err;
  s->uri = mongoc_uri_new_with_error(uri_text ? uri_text : "", &err);
  if (!s->uri) {
    souk_errinfo_set(e, SOUK_ECONFIG, "store.mongodb_uri is not a MongoDB URI: %s", err.message);
    mongo_close(&s->base);
    return NULL;
  }
  /* Fail in seconds, not the driver's 30 s, when the server is not there (unless the URI
   * says otherwise). */
  if (!mongoc_uri_has_option(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(s->uri, MONGOC_URI_CONNECTTIMEOUTMS))
    mongoc_uri_set_option_as_int32(s->uri, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  const char *dbname = mongoc_uri_get_database(s->uri);
  if (!dbname || !*dbname)
    dbname = "souk";
  char texterr[256];
  s->client = mongoc_client_new_from_uri_with_error(s->uri, &err);
  if (!s->client) {
    souk_errinfo_set(e, SOUK_ECONFIG, "store.mongodb_uri: %s", err.message);
    mongo_close(&s->base);
    return NULL;
  }
  mongoc_client_set_error_api(s->client, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_set_appname(s->client, "souk");
  s->products = mongoc_client_get_collection(s->client, dbname, "products");
  s->history = mongoc_client_get_collection(s->client, dbname, "history");
  s->crawls = mongoc_client_get_collection(s->client, dbname, "crawls");
  s->stores = mongoc_client_get_collection(s->client, dbname, "stores");
  s->meta = mongoc_client_get_collection(s->client, dbname, "meta");

  bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
  bool up = mongoc_client_command_simple(s->client, dbname, ping, NULL, NULL, &err);
  bson_destroy(ping);
  int rc = 0;
  if (!up)
    rc = souk_errinfo_set(e, SOUK_ESTORE, "cannot reach the MongoDB server: %s", err.message);
  else if ((rc = prepare_database(s)) != 0)
    souk_errinfo_set(e, rc, "MongoDB store: %s", s->base.errmsg);
  else if ((rc = souk__mongo_text_init(&s->text, texterr, sizeof texterr)) != 0)
    souk_errinfo_set(e, rc, "MongoDB store: %s", texterr);
  if (rc) {
    mongo_close(&s->base);
    return NULL;
  }
  SOUK_DEBUG(STORE, "MongoDB store open (database %s, mongoc %s)", dbname, mongoc_get_version());
  return &s->base;
}

/* ---- crawls ------------------------------------------------------------------------------ */

/* The next value of a counter in `meta` (crawl ids, history order), reserving n at once. */
int souk__mongo_next_counter(mongo_store *s, const char *name, int64_t n, int64_t *last) {
  bson_t *query = BCON_NEW("name", BCON_UTF8(name));
  bson_t *update = BCON_NEW("$inc", "{", "value", BCON_INT64(n), "}");
  mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new();
  mongoc_find_and_modify_opts_set_update(opts, update);
  mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_UPSERT |
                                                  MONGOC_FIND_AND_MODIFY_RETURN_NEW);
  bson_t reply;
  bson_error_t err;
  bool ok = mongoc_collection_find_and_modify_with_opts(s->meta, query, opts, &reply, &err);
  int rc = ok ? 0 : souk__mongo_error(s, "counting", &err);
  bson_iter_t it, child;
  if (!rc) {
    if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
        bson_iter_recurse(&it, &child) && bson_iter_find(&child, "value") &&
        souk__mongo_is_number(&child))
      *last = bson_iter_as_int64(&child);
    else
      rc = souk__store_error(&s->base, SOUK_ESTORE, "MongoDB: counting: no value in the reply");
  }
  bson_destroy(&reply);
  mongoc_find_and_modify_opts_destroy(opts);
  bson_destroy(update);
  bson_destroy(query);
  return rc;
}

static int mongo_crawl_begin(souk_store *base, const char *origin, const char *platform,
                             int64_t *id) {
  mongo_store *s = (mongo_store *)base;
  char now[32];
  souk_store_now(now);
  bson_error_t err;
  bson_t reply;

  bson_t *filter = BCON_NEW("origin", BCON_UTF8(origin));
  bson_t *update = BCON_NEW("$set", "{", "platform", BCON_UTF8(platform), "}", "$setOnInsert", "{",
                            "first_seen", BCON_UTF8(now), "name", BCON_NULL, "currency", BCON_NULL,
                            "announced", BCON_INT64(-1), "last_crawl_at", BCON_NULL, "}");
  bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
  bool ok = mongoc_collection_update_one(s->stores, filter, update, opts, NULL, &err);
  bson_destroy(filter);
  bson_destroy(update);
  bson_destroy(opts);
  if (!ok)
    return souk__mongo_error(s, "starting a crawl", &err);

  /* Crawls of this store left running by a killed process. */
  filter = BCON_NEW("store", BCON_UTF8(origin), "state", "running");
  update = BCON_NEW("$set", "{", "state", "interrupted", "ended_at", BCON_UTF8(now), "status",
                    BCON_INT32(SOUK_EINTERRUPTED), "message",
                    "the process ended before the crawl did", "}");
  ok = mongoc_collection_update_many(s->crawls, filter, update, NULL, &reply, &err);
  bson_destroy(filter);
  bson_destroy(update);
  if (ok) {
    int64_t n = souk__mongo_int(&reply, "modifiedCount", 0);
    if (n > 0)
      SOUK_WARN(STORE,
                "%s: %lld earlier crawl(s) did not finish (the process was killed); closed "
                "as interrupted",
                origin, (long long)n);
  }
  bson_destroy(&reply);
  if (!ok)
    return souk__mongo_error(s, "starting a crawl", &err);

  int64_t cid = 0;
  int rc = souk__mongo_next_counter(s, "crawl_id", 1, &cid);
  if (rc)
    return rc;
  bson_t *doc =
      BCON_NEW("id", BCON_INT64(cid), "store", BCON_UTF8(origin), "platform", BCON_UTF8(platform),
               "started_at", BCON_UTF8(now), "ended_at", BCON_NULL, "state", "running", "status",
               BCON_INT32(0), "complete", BCON_BOOL(false), "pages", BCON_INT64(0), "bytes",
               BCON_INT64(0), "products", BCON_INT64(0), "new_products", BCON_INT64(0), "changed",
               BCON_INT64(0), "http_errors", BCON_INT64(0), "message", BCON_NULL);
  ok = mongoc_collection_insert_one(s->crawls, doc, NULL, NULL, &err);
  bson_destroy(doc);
  if (!ok)
    return souk__mongo_error(s, "starting a crawl", &err);
  *id = cid;
  return 0;
}

static int mongo_set_info(souk_store *base, const char *origin, const souk_store_info *info) {
  mongo_store *s = (mongo_store *)base;
  bson_t update = BSON_INITIALIZER, set;
  BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
  int fields = 0;
  if (info->name && ++fields)
    souk__mongo_append_str(&set, "name", info->name);
  if (info->currency && ++fields)
    souk__mongo_append_str(&set, "currency", info->currency);
  if (info->product_count >= 0 && ++fields)
    BSON_APPEND_INT64(&set, "announced", info->product_count);
  bson_append_document_end(&update, &set);
  bool ok = true;
  bson_error_t err;
  if (fields) {
    bson_t *filter = BCON_NEW("origin", BCON_UTF8(origin));
    ok = mongoc_collection_update_one(s->stores, filter, &update, NULL, NULL, &err);
    bson_destroy(filter);
  }
  bson_destroy(&update);
  return ok ? 0 : souk__mongo_error(s, "saving store information", &err);
}

/* ---- ending a crawl ---------------------------------------------------------------------- */

static int mongo_crawl_end(souk_store *base, int64_t crawl_id, const souk_crawl_end *end) {
  mongo_store *s = (mongo_store *)base;
  char now[32];
  souk_store_now(now);
  const char *state = end->status == 0 ? "succeeded"
                      : end->status == SOUK_ECANCELED || end->status == SOUK_EINTERRUPTED
                          ? "canceled"
                          : "failed";
  bson_error_t err;
  bson_t *filter = BCON_NEW("id", BCON_INT64(crawl_id));
  bson_t *opts = BCON_NEW("projection", "{", "store", BCON_INT32(1), "}", "limit", BCON_INT64(1));
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(s->crawls, filter, opts, NULL);
  bson_destroy(opts);
  const bson_t *doc;
  char store[512] = "";
  if (mongoc_cursor_next(c, &doc) && souk__mongo_str(doc, "store"))
    snprintf(store, sizeof store, "%s", souk__mongo_str(doc, "store"));
  int rc = 0;
  if (mongoc_cursor_error(c, &err))
    rc = souk__mongo_error(s, "ending a crawl", &err);
  else if (!store[0])
    rc = souk__store_error(base, SOUK_ENOENT, "no crawl %lld", (long long)crawl_id);
  mongoc_cursor_destroy(c);

  if (!rc && end->status == 0 && end->complete)
    rc = souk__mongo_delist_missing(s, store, crawl_id, now);
  if (!rc) {
    bson_t update = BSON_INITIALIZER, set;
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_UTF8(&set, "ended_at", now);
    BSON_APPEND_UTF8(&set, "state", state);
    BSON_APPEND_INT32(&set, "status", end->status);
    BSON_APPEND_BOOL(&set, "complete", end->complete);
    BSON_APPEND_INT64(&set, "pages", (int64_t)end->pages);
    BSON_APPEND_INT64(&set, "bytes", (int64_t)end->bytes);
    BSON_APPEND_INT64(&set, "http_errors", (int64_t)end->http_errors);
    souk__mongo_append_str(&set, "message", end->message);
    bson_append_document_end(&update, &set);
    if (!mongoc_collection_update_one(s->crawls, filter, &update, NULL, NULL, &err))
      rc = souk__mongo_error(s, "ending a crawl", &err);
    bson_destroy(&update);
  }
  bson_destroy(filter);
  if (!rc) {
    filter = BCON_NEW("origin", BCON_UTF8(store));
    bson_t *update = BCON_NEW("$set", "{", "last_crawl_at", BCON_UTF8(now), "}");
    if (!mongoc_collection_update_one(s->stores, filter, update, NULL, NULL, &err))
      rc = souk__mongo_error(s, "ending a crawl", &err);
    bson_destroy(filter);
    bson_destroy(update);
  }
  return rc;
}

static const souk_store_ops mongo_ops = {
    .name = "mongodb",
    .close = mongo_close,
    .crawl_begin = mongo_crawl_begin,
    .put_products = souk__mongo_put_products,
    .set_info = mongo_set_info,
    .crawl_end = mongo_crawl_end,
    .query = souk__mongo_query,
    .count = souk__mongo_count,
    .history = souk__mongo_history,
    .aggregate = souk__mongo_aggregate,
    .stores = souk__mongo_stores,
    .crawls = souk__mongo_crawls,
};
