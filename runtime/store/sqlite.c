/* SPDX-License-Identifier: MIT */
/* The embedded store on SQLite: schema and migrations, page-at-a-time upserts with change
 * detection, delisting, FTS5 text search, keyset-paginated queries and aggregates. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/html_text.h"
#include "core/log.h"
#include "souk/error.h"
#include "store/store_int.h"

/* Schema versions, applied in order; each runs in one transaction. Never edit a released
 * step: add a new one. */
static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE stores("
    "  origin TEXT PRIMARY KEY, platform TEXT NOT NULL, name TEXT, currency TEXT,"
    "  announced INTEGER, first_seen TEXT NOT NULL, last_crawl_at TEXT) STRICT;"
    "CREATE TABLE products("
    "  store TEXT NOT NULL, id INTEGER NOT NULL, platform TEXT NOT NULL,"
    "  handle TEXT, url TEXT, title TEXT, vendor TEXT, product_type TEXT,"
    "  tags TEXT NOT NULL, description_length INTEGER NOT NULL,"
    "  created_at TEXT, updated_at TEXT, published_at TEXT,"
    "  ntags INTEGER NOT NULL, nimages INTEGER NOT NULL, nvariants INTEGER NOT NULL,"
    "  navailable INTEGER NOT NULL, price_decimals INTEGER NOT NULL,"
    "  price_min INTEGER, price_max INTEGER, price_sum INTEGER, priced INTEGER NOT NULL,"
    "  text_hash INTEGER NOT NULL,"
    "  first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_changed TEXT NOT NULL,"
    "  last_crawl_id INTEGER, missed_crawls INTEGER NOT NULL DEFAULT 0, delisted_at TEXT,"
    "  fts_dirty INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE(store, id)) STRICT;"
    "CREATE INDEX products_fts_dirty ON products(fts_dirty) WHERE fts_dirty = 1;"
    /* The bulky columns live apart: scans of products (analytics, aggregates, filters) read
     * a few hundred bytes a row instead of a few KiB. */
    "CREATE TABLE product_details("
    "  product INTEGER PRIMARY KEY, options TEXT NOT NULL, images TEXT NOT NULL,"
    "  variants TEXT NOT NULL, body_html TEXT, body_text TEXT) STRICT;"
    "CREATE INDEX products_vendor ON products(store, vendor COLLATE NOCASE);"
    "CREATE INDEX products_type ON products(store, product_type COLLATE NOCASE);"
    "CREATE INDEX products_price ON products(store, price_min);"
    "CREATE INDEX products_updated ON products(store, updated_at);"
    "CREATE INDEX products_changed ON products(store, last_changed);"
    "CREATE TABLE history("
    "  store TEXT NOT NULL, product_id INTEGER NOT NULL, variant_id INTEGER NOT NULL,"
    "  at TEXT NOT NULL, field TEXT NOT NULL, old_value INTEGER, new_value INTEGER,"
    "  crawl_id INTEGER) STRICT;"
    "CREATE INDEX history_product ON history(store, product_id, at);"
    "CREATE INDEX history_at ON history(store, at);"
    "CREATE TABLE crawls("
    "  id INTEGER PRIMARY KEY, store TEXT NOT NULL, platform TEXT NOT NULL,"
    "  started_at TEXT NOT NULL, ended_at TEXT, state TEXT NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
    "  complete INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL DEFAULT 0, products INTEGER NOT NULL DEFAULT 0,"
    "  new_products INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,"
    "  http_errors INTEGER NOT NULL DEFAULT 0, message TEXT) STRICT;"
    "CREATE INDEX crawls_store ON crawls(store, id);"
    "CREATE VIRTUAL TABLE products_fts USING fts5(title, vendor, product_type, tags, body_text,"
    "  tokenize = 'unicode61 remove_diacritics 2');",
    /* 2: the five secondary indexes of products lead with a small integer per store instead
     * of its origin: each product writes five index entries, and comparing a one-byte
     * integer instead of a URL made a first crawl 12% faster. The origin stays in the row. */
    "ALTER TABLE stores ADD COLUMN key INTEGER;"
    "UPDATE stores SET key = rowid;"
    "CREATE UNIQUE INDEX stores_key ON stores(key);"
    "ALTER TABLE products ADD COLUMN store_key INTEGER NOT NULL DEFAULT 0;"
    "UPDATE products SET store_key = IFNULL((SELECT key FROM stores WHERE origin = products.store), 0);"
    "DROP INDEX products_vendor;"
    "DROP INDEX products_type;"
    "DROP INDEX products_price;"
    "DROP INDEX products_updated;"
    "DROP INDEX products_changed;"
    "CREATE INDEX products_vendor ON products(store_key, vendor COLLATE NOCASE);"
    "CREATE INDEX products_type ON products(store_key, product_type COLLATE NOCASE);"
    "CREATE INDEX products_price ON products(store_key, price_min);"
    "CREATE INDEX products_updated ON products(store_key, updated_at);"
    "CREATE INDEX products_changed ON products(store_key, last_changed);",
};

/* A store's origin as the products' store_key, in SQL (-1 for an unknown store: no row). */
#define STORE_KEY_OF(param) "IFNULL((SELECT key FROM stores WHERE origin = " param "), -1)"

/* The visible text of a product's description is not stored (a fifth of the bytes a crawl
 * writes): SQL computes it from body_html with visible_text(), which every connection
 * registers. Rows written before hold it in body_text, which wins. */
#define BODY_TEXT "COALESCE(d.body_text, visible_text(d.body_html))"

enum {
  ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_FIND, ST_INSERT, ST_UPDATE, ST_DETAILS_INSERT,
  ST_DETAILS_UPDATE,
  ST_HISTORY, ST_FTS_DIRTY, ST_FTS_DELETE, ST_FTS_INSERT, ST_FTS_CLEAN, ST_CRAWL_ADD, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_FIND] = "SELECT p.rowid, p.delisted_at, d.variants FROM products p"
                " LEFT JOIN product_details d ON d.product = p.rowid WHERE p.store = ?1 AND p.id = ?2",
    /* A product is written by an INSERT when it is new and an UPDATE of its row when it is
     * known: the FIND before already tells which and gives the rowid, so an upsert's second
     * probe of the (store, id) index is not needed. A failure undoes the page (or batch). */
    [ST_INSERT] =
        "INSERT OR FAIL INTO products(store, id, platform, handle, url, title, vendor,"
        " product_type, tags, description_length, created_at, updated_at, published_at, ntags,"
        " nimages, nvariants, navailable, price_decimals, price_min, price_max, price_sum, priced,"
        " text_hash, first_seen, last_seen, last_changed, last_crawl_id, missed_crawls,"
        " delisted_at, fts_dirty, store_key)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?15, ?16, ?17, ?18,"
        " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?29, ?29, ?30, 0, NULL, 1, ?33)",
    [ST_UPDATE] =
        "UPDATE OR FAIL products SET platform = ?3, handle = ?4, url = ?5, title = ?6,"
        " vendor = ?7, product_type = ?8, tags = ?9, description_length = ?15,"
        " created_at = ?16, updated_at = ?17, published_at = ?18, ntags = ?19, nimages = ?20,"
        " nvariants = ?21, navailable = ?22, price_decimals = ?23, price_min = ?24,"
        " price_max = ?25, price_sum = ?26, priced = ?27, text_hash = ?28, last_seen = ?29,"
        " last_changed = CASE WHEN ?31 THEN ?29 ELSE last_changed END, last_crawl_id = ?30,"
        " missed_crawls = 0, delisted_at = NULL,"
        " fts_dirty = fts_dirty OR text_hash IS NOT ?28"
        " WHERE rowid = ?32 AND store = ?1 AND id = ?2",
    [ST_DETAILS_INSERT] =
        "INSERT OR FAIL INTO product_details(product, options, images, variants, body_html)"
        " VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_DETAILS_UPDATE] =
        "UPDATE OR FAIL product_details SET options = ?2, images = ?3, variants = ?4,"
        " body_html = ?5, body_text = NULL WHERE product = ?1",
    [ST_HISTORY] = "INSERT INTO history(store, product_id, variant_id, at, field, old_value,"
                   " new_value, crawl_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_FTS_DIRTY] = "SELECT 1 FROM products WHERE fts_dirty = 1 LIMIT 1",
    /* A batch: the first FTS_BATCH products (in rowid order) whose text changed. */
    [ST_FTS_DELETE] = "DELETE FROM products_fts WHERE rowid IN (SELECT rowid FROM products"
                      " WHERE fts_dirty = 1 ORDER BY rowid LIMIT ?1)",
    [ST_FTS_INSERT] = "INSERT INTO products_fts(rowid, title, vendor, product_type, tags, body_text)"
                      " SELECT p.rowid, p.title, p.vendor, p.product_type, p.tags,"
                      " " BODY_TEXT
                      " FROM products p LEFT JOIN product_details d ON d.product = p.rowid"
                      " WHERE p.fts_dirty = 1 ORDER BY p.rowid LIMIT ?1",
    [ST_FTS_CLEAN] = "UPDATE products SET fts_dirty = 0 WHERE rowid IN (SELECT rowid FROM products"
                     " WHERE fts_dirty = 1 ORDER BY rowid LIMIT ?1)",
    [ST_CRAWL_ADD] = "UPDATE crawls SET products = products + ?2, new_products = new_products + ?3,"
                     " changed = changed + ?4 WHERE id = ?1",
};

typedef struct sqlite_store {
  souk_store base;
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  souk_product_facts facts;
  souk_buf url;
  bool in_batch;               /* a batch's transaction is open: pages join it */
  struct checkpointer *ckpt;   /* a handle that writes batches checkpoints on a thread */
  /* The crawl and origin whose pages came last: the crawl's platform and the origin's store
   * key, read once a crawl. */
  int64_t page_crawl;
  char *page_origin;
  char page_platform[64];
  int64_t page_store_key;
} sqlite_store;

/* ---- the checkpointer ------------------------------------------------------------------ */
/* A handle that writes batches (the store writer's) does not checkpoint in its own commits:
 * a thread with a connection of its own copies the WAL back into the database (a PASSIVE
 * checkpoint, which never blocks the writer) whenever a commit leaves more than
 * CHECKPOINT_BYTES in the WAL. The writer goes on writing pages meanwhile, on the other core.
 * The WAL only starts over when a transaction begins after a checkpoint caught up with every
 * commit, which a writer that never pauses does not wait for: so when a commit leaves more
 * than WAL_CAP_BYTES, the writer finishes the checkpoint itself right there (FULL: the thread
 * did most of it), and its next transaction starts the WAL over. Fewer, larger passes copy a
 * page that several commits rewrote once: 256 MiB and 1 GiB made a crawl of 100,000 products
 * (a WAL of about 500 MiB) 7% faster, the whole command too, than 64 and 256 MiB. */
#define CHECKPOINT_BYTES (256 << 20)
#define WAL_CAP_BYTES (1 << 30)
/* Other handles: SQLite's own checkpoint in a commit that leaves this much. */
#define AUTOCHECKPOINT_BYTES (160 << 20)

typedef struct checkpointer {
  sqlite3 *db;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool due, stop;
  int passive_pages, cap_pages; /* CHECKPOINT_BYTES and WAL_CAP_BYTES in this file's pages */
} checkpointer;

/* `bytes` of WAL in pages of the database (a database keeps the page size it was made with). */
static int pages_of(sqlite_store *s, int bytes) {
  int size = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW)
      size = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  return bytes / (size > 0 ? size : 4096);
}

static void *checkpointer_main(void *arg) {
  checkpointer *c = arg;
  pthread_mutex_lock(&c->lock);
  for (;;) {
    while (!c->due && !c->stop)
      pthread_cond_wait(&c->wake, &c->lock);
    if (c->stop)
      break;
    c->due = false;
    pthread_mutex_unlock(&c->lock);
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
      SOUK_DEBUG(STORE, "background checkpoint: %s", sqlite3_errmsg(c->db));
    pthread_mutex_lock(&c->lock);
  }
  pthread_mutex_unlock(&c->lock);
  return NULL;
}

/* sqlite3_wal_hook: after each commit of the writing handle, outside its transaction. */
static int wal_committed(void *ud, sqlite3 *db, const char *name, int pages) {
  checkpointer *c = ud;
  if (pages > c->cap_pages) {
    if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_FULL, NULL, NULL) != SQLITE_OK)
      SOUK_DEBUG(STORE, "checkpoint of a long WAL: %s", sqlite3_errmsg(db));
  } else if (pages >= c->passive_pages) {
    pthread_mutex_lock(&c->lock);
    c->due = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
  }
  return SQLITE_OK;
}

static void checkpointer_stop(sqlite_store *s) {
  checkpointer *c = s->ckpt;
  if (!c)
    return;
  sqlite3_wal_hook(s->db, NULL, NULL);
  sqlite3_wal_autocheckpoint(s->db, pages_of(s, AUTOCHECKPOINT_BYTES));
  pthread_mutex_lock(&c->lock);
  c->stop = true;
  pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&c->lock);
  pthread_join(c->thread, NULL);
  sqlite3_close(c->db);
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->wake);
  free(c);
  s->ckpt = NULL;
}

/* Without a thread (a file it cannot open again, no memory), commits checkpoint as before. */
static void checkpointer_start(sqlite_store *s) {
  const char *path = sqlite3_db_filename(s->db, "main");
  if (s->ckpt || !path || !*path || !sqlite3_get_autocommit(s->db))
    return;
  checkpointer *c = calloc(1, sizeof *c);
  if (!c)
    return;
  /* A new connection knows the database is in WAL mode (and checkpoints) once it read it. */
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
    sqlite3_close(c->db);
    free(c);
    return;
  }
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->wake, NULL);
  if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(c);
    return;
  }
  c->passive_pages = pages_of(s, CHECKPOINT_BYTES);
  c->cap_pages = pages_of(s, WAL_CAP_BYTES);
  s->ckpt = c;
  sqlite3_wal_hook(s->db, wal_committed, c); /* replaces the automatic checkpoints */
}

static int db_error(sqlite_store *s, const char *what) {
  return souk__store_error(&s->base, SOUK_ESTORE, "SQLite: %s: %s", what, sqlite3_errmsg(s->db));
}

static int exec(sqlite_store *s, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
    int rc = souk__store_error(&s->base, SOUK_ESTORE, "SQLite: %s", err ? err : "error");
    sqlite3_free(err);
    return rc;
  }
  return 0;
}

/* Runs a prepared statement that returns no rows (or whose rows are ignored) and resets it. */
static int step_done(sqlite_store *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  while (rc == SQLITE_ROW)
    rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : db_error(s, what);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

/* A string whose length is known: SQLite does not measure it again. */
static void bind_text_len(sqlite3_stmt *st, int i, const char *v, size_t len) {
  if (v)
    sqlite3_bind_text64(st, i, v, len, SQLITE_STATIC, SQLITE_UTF8);
  else
    sqlite3_bind_null(st, i);
}

static void bind_price(sqlite3_stmt *st, int i, int64_t v) {
  if (v == SOUK_NO_PRICE)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int64(st, i, v);
}

static int64_t column_price(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? SOUK_NO_PRICE : sqlite3_column_int64(st, i);
}

static const char *column_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

static int migrate(sqlite_store *s) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return db_error(s, "reading the schema version");
  int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  int latest = (int)(sizeof migrations / sizeof *migrations);
  if (version > latest)
    return souk__store_error(&s->base, SOUK_ESTORE,
                             "the database has schema version %d, newer than this souk's %d: "
                             "upgrade souk",
                             version, latest);
  for (int v = version; v < latest; v++) {
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
    int rc = exec(s, "BEGIN IMMEDIATE");
    rc = rc ? rc : exec(s, migrations[v]);
    rc = rc ? rc : exec(s, bump);
    if (rc) {
      char keep[512];
      snprintf(keep, sizeof keep, "%s", s->base.errmsg);
      exec(s, "ROLLBACK");
      return souk__store_error(&s->base, SOUK_ESTORE, "migrating to schema %d: %s", v + 1, keep);
    }
    rc = exec(s, "COMMIT");
    if (rc)
      return rc;
    SOUK_DEBUG(STORE, "SQLite schema migrated to version %d", v + 1);
  }
  return 0;
}

static const souk_store_ops sqlite_ops;

static void sqlite_close(souk_store *base) {
  sqlite_store *s = (sqlite_store *)base;
  checkpointer_stop(s);
  for (int i = 0; i < ST_COUNT; i++)
    sqlite3_finalize(s->st[i]);
  if (s->db)
    sqlite3_close(s->db);
  souk__facts_free(&s->facts);
  souk_buf_free(&s->url);
  free(s->page_origin);
  free(s);
}

/* SQL visible_text(html): souk_html_text; "" for NULL, as the facts say. */
static void sql_visible_text(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *html = (const char *)sqlite3_value_text(argv[0]);
  if (!html) {
    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
    return;
  }
  souk_buf out;
  souk_buf_init(&out, (size_t)sqlite3_value_bytes(argv[0]) * 4 + 16);
  if (souk_html_text(html, (size_t)sqlite3_value_bytes(argv[0]), &out) != 0)
    sqlite3_result_error_nomem(ctx);
  else
    sqlite3_result_text(ctx, out.data ? out.data : "", (int)out.len, SQLITE_TRANSIENT);
  souk_buf_free(&out);
}

/* mkdir -p for the directory part of path. */
static int make_parent_dirs(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    return 0;
  *slash = '\0';
  for (char *p = dir + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  if (*dir && mkdir(dir, 0777) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

souk_store *souk__sqlite_open(const char *path, const souk_config *cfg, souk_errinfo *e) {
  sqlite_store *s = calloc(1, sizeof *s);
  if (!s) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  s->base.ops = &sqlite_ops;
  s->base.delist_after = cfg ? (int)souk_config_int(cfg, SOUK_CFG_STORE_DELIST_AFTER) : 3;
  souk__facts_init(&s->facts);
  souk_buf_init(&s->url, 64 * 1024);
  bool memory = strcmp(path, ":memory:") == 0;
  if (!memory && make_parent_dirs(path) != 0) {
    souk_errinfo_set(e, SOUK_ESTORE, "cannot create the directory of %s: %s", path, strerror(errno));
    sqlite_close(&s->base);
    return NULL;
  }
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    souk_errinfo_set(e, SOUK_ESTORE, "cannot open the SQLite store %s: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite_close(&s->base);
    return NULL;
  }
  sqlite3_busy_timeout(s->db, 10000);
  sqlite3_create_function_v2(s->db, "visible_text", 1,
                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                             sql_visible_text, NULL, NULL, NULL);
  /* 64 KiB pages (the largest): a sixteenth of the WAL frames, system calls and b-tree
   * splits of the default 4 KiB for rows of a few KiB; a first crawl ran 4% faster and its
   * whole command 15% faster than with 16 KiB. A new database only: one made before keeps
   * its size (VACUUM would change it). */
  int rc = exec(s, "PRAGMA page_size = 65536");
  rc = rc ? rc : exec(s, memory ? "PRAGMA journal_mode = MEMORY" : "PRAGMA journal_mode = WAL");
  char cache[64];
  snprintf(cache, sizeof cache, "PRAGMA cache_size = -%lld",
           cfg ? (long long)(souk_config_int(cfg, SOUK_CFG_STORE_SQLITE_CACHE) / 1024) : 8192LL);
  rc = rc ? rc : exec(s, cache);
  rc = rc ? rc : exec(s, "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;"
                         "PRAGMA foreign_keys = OFF;"
                         /* A WAL that grew during a crawl shrinks back when it starts over. */
                         "PRAGMA journal_size_limit = 67108864");
  rc = rc ? rc : migrate(s);
  /* Fewer, larger checkpoints: a page rewritten by several transactions is copied back to
   * the database once. */
  if (!rc)
    sqlite3_wal_autocheckpoint(s->db, pages_of(s, AUTOCHECKPOINT_BYTES));
  for (int i = 0; i < ST_COUNT && !rc; i++)
    if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK)
      rc = db_error(s, "preparing statements");
  if (rc) {
    souk_errinfo_set(e, rc, "SQLite store %s: %s", path, s->base.errmsg);
    sqlite_close(&s->base);
    return NULL;
  }
  SOUK_DEBUG(STORE, "SQLite store %s open (SQLite %s)", path, sqlite3_libversion());
  return &s->base;
}

/* ---- the text index ------------------------------------------------------------------- */

/* Brings products_fts up to date with the products whose text changed. Indexing in batches
 * of a few thousand rows per transaction is more than ten times faster than row by row in
 * each page's transaction (FTS5 writes one segment per transaction), and the batch bounds the
 * memory FTS5 holds pending. So pages only mark their products (fts_dirty), and this runs at
 * the end of a crawl, after its last product is committed, and before a text search (a crawl
 * that was killed leaves marks behind). */
#define FTS_BATCH 4000

static int fts_sync(sqlite_store *s) {
  for (;;) {
    sqlite3_stmt *st = s->st[ST_FTS_DIRTY];
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_DONE)
      return 0;
    if (step != SQLITE_ROW)
      return db_error(s, "reading the text index state");
    int rc = step_done(s, s->st[ST_BEGIN], "starting a transaction");
    for (int i = ST_FTS_DELETE; i <= ST_FTS_CLEAN && !rc; i++) {
      sqlite3_bind_int(s->st[i], 1, FTS_BATCH);
      rc = step_done(s, s->st[i], "updating the text index");
    }
    if (rc) {
      step_done(s, s->st[ST_ROLLBACK], "rolling back");
      return rc;
    }
    rc = step_done(s, s->st[ST_COMMIT], "committing the text index");
    if (rc)
      return rc;
  }
}

/* ---- crawls ------------------------------------------------------------------------ */

static int sqlite_crawl_begin(souk_store *base, const char *origin, const char *platform,
                              int64_t *id) {
  sqlite_store *s = (sqlite_store *)base;
  char now[32];
  souk_store_now(now);
  sqlite3_stmt *st = NULL;
  int rc = exec(s, "BEGIN IMMEDIATE");
  if (rc)
    return rc;
  const char *sql[] = {
      "INSERT INTO stores(origin, platform, first_seen, key)"
      " VALUES(?1, ?2, ?3, (SELECT IFNULL(MAX(key), 0) + 1 FROM stores))"
      " ON CONFLICT(origin) DO UPDATE SET platform = excluded.platform",
      "UPDATE crawls SET state = 'interrupted', ended_at = ?3, status = -30,"
      " message = 'the process ended before the crawl did' WHERE store = ?1 AND state = 'running'",
      "INSERT INTO crawls(store, platform, started_at, state) VALUES(?1, ?2, ?3, 'running')",
  };
  for (size_t i = 0; i < 3 && !rc; i++) {
    if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
      rc = db_error(s, "starting a crawl");
      break;
    }
    int n = sqlite3_bind_parameter_count(st);
    bind_text(st, 1, origin);
    if (n >= 2)
      bind_text(st, 2, platform);
    if (n >= 3)
      bind_text(st, 3, now);
    if (sqlite3_step(st) != SQLITE_DONE)
      rc = db_error(s, "starting a crawl");
    if (i == 1 && sqlite3_changes(s->db) > 0)
      SOUK_WARN(STORE, "%s: %d earlier crawl(s) did not finish (the process was killed); closed as "
                "interrupted", origin, sqlite3_changes(s->db));
    sqlite3_finalize(st);
  }
  if (rc) {
    exec(s, "ROLLBACK");
    return rc;
  }
  *id = sqlite3_last_insert_rowid(s->db);
  return exec(s, "COMMIT");
}

static int sqlite_set_info(souk_store *base, const char *origin, const souk_store_info *info) {
  sqlite_store *s = (sqlite_store *)base;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE stores SET name = IFNULL(?2, name), currency = IFNULL(?3, currency),"
                         " announced = CASE WHEN ?4 >= 0 THEN ?4 ELSE announced END WHERE origin = ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(s, "saving store information");
  bind_text(st, 1, origin);
  bind_text(st, 2, info->name);
  bind_text(st, 3, info->currency);
  sqlite3_bind_int64(st, 4, info->product_count);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, "saving store information");
  sqlite3_finalize(st);
  return rc;
}

static int sqlite_crawl_end(souk_store *base, int64_t crawl_id, const souk_crawl_end *end) {
  sqlite_store *s = (sqlite_store *)base;
  char now[32];
  souk_store_now(now);
  const char *state = end->status == 0 ? "succeeded"
                      : end->status == SOUK_ECANCELED || end->status == SOUK_EINTERRUPTED
                          ? "canceled"
                          : "failed";
  int rc = exec(s, "BEGIN IMMEDIATE");
  if (rc)
    return rc;
  sqlite3_stmt *st;
  const char *store = NULL;
  char origin[512] = "";
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE crawls SET ended_at = ?2, state = ?3, status = ?4, complete = ?5,"
                         " pages = ?6, bytes = ?7, http_errors = ?8, message = ?9 WHERE id = ?1"
                         " RETURNING store",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = db_error(s, "ending a crawl");
  } else {
    sqlite3_bind_int64(st, 1, crawl_id);
    bind_text(st, 2, now);
    bind_text(st, 3, state);
    sqlite3_bind_int(st, 4, end->status);
    sqlite3_bind_int(st, 5, end->complete);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)end->pages);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)end->bytes);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)end->http_errors);
    bind_text(st, 9, end->message);
    if (sqlite3_step(st) == SQLITE_ROW) {
      snprintf(origin, sizeof origin, "%s", column_text(st, 0));
      store = origin;
    } else {
      rc = souk__store_error(base, SOUK_ENOENT, "no crawl %lld", (long long)crawl_id);
    }
    sqlite3_finalize(st);
  }
  if (!rc && end->status == 0 && end->complete) {
    /* Products this complete crawl did not see: one more miss; delisted after enough. */
    const char *sql[] = {
        "UPDATE products SET missed_crawls = missed_crawls + 1"
        " WHERE store = ?1 AND last_crawl_id IS NOT ?2 AND delisted_at IS NULL",
        "INSERT INTO history(store, product_id, variant_id, at, field, old_value, new_value, crawl_id)"
        " SELECT store, id, 0, ?3, 'delisted', 1, 0, ?2 FROM products"
        " WHERE store = ?1 AND delisted_at IS NULL AND missed_crawls >= ?4 ORDER BY rowid",
        "UPDATE products SET delisted_at = ?3"
        " WHERE store = ?1 AND delisted_at IS NULL AND missed_crawls >= ?4",
    };
    for (size_t i = 0; i < 3 && !rc; i++) {
      if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
        rc = db_error(s, "marking missing products");
        break;
      }
      int n = sqlite3_bind_parameter_count(st);
      bind_text(st, 1, store);
      sqlite3_bind_int64(st, 2, crawl_id);
      if (n >= 3)
        bind_text(st, 3, now);
      if (n >= 4)
        sqlite3_bind_int(st, 4, base->delist_after);
      if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, "marking missing products");
      if (i == 2 && sqlite3_changes(s->db) > 0)
        SOUK_INFO(STORE, "%s: %d product(s) missing from %d complete crawls in a row: delisted",
                  store, sqlite3_changes(s->db), base->delist_after);
      sqlite3_finalize(st);
    }
  }
  if (!rc && store) {
    if (sqlite3_prepare_v2(s->db, "UPDATE stores SET last_crawl_at = ?2 WHERE origin = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
      bind_text(st, 1, store);
      bind_text(st, 2, now);
      if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(s, "ending a crawl");
      sqlite3_finalize(st);
    }
  }
  if (rc) {
    exec(s, "ROLLBACK");
    return rc;
  }
  rc = exec(s, "COMMIT");
  return rc ? rc : fts_sync(s);
}

/* ---- writing products ------------------------------------------------------------------ */

typedef struct old_variant {
  int64_t id, price, compare_at;
  int available;
  bool seen;
} old_variant;

static int history(sqlite_store *s, const char *origin, int64_t pid, int64_t vid, const char *at,
                   const char *field, int64_t old_v, int64_t new_v, int64_t crawl_id) {
  sqlite3_stmt *st = s->st[ST_HISTORY];
  bind_text(st, 1, origin);
  sqlite3_bind_int64(st, 2, pid);
  sqlite3_bind_int64(st, 3, vid);
  bind_text(st, 4, at);
  bind_text(st, 5, field);
  bind_price(st, 6, old_v);
  bind_price(st, 7, new_v);
  sqlite3_bind_int64(st, 8, crawl_id);
  return step_done(s, st, "recording a change");
}

/* Writes one product inside the page's transaction. */
static int put_one(sqlite_store *s, int64_t crawl_id, const char *origin, int64_t store_key,
                   const char *platform, const souk_product *p, const souk_facts_view *given,
                   const char *now, souk_put_result *res) {
  souk_facts_view computed;
  const souk_facts_view *f = given;
  int rc = 0;
  if (!f) {
    rc = souk__facts_compute(&s->facts, p);
    if (rc)
      return souk__store_error(&s->base, rc, "product %lld is too large to store", (long long)p->id);
    souk__facts_view(&s->facts, &computed);
    f = &computed;
  }

  /* What the store had: listed or not, and the variants as last written. */
  sqlite3_stmt *st = s->st[ST_FIND];
  bind_text(st, 1, origin);
  sqlite3_bind_int64(st, 2, p->id);
  bool existed = false, was_delisted = false, same_variants = false;
  sqlite3_int64 rowid = 0;
  json_t *old_json = NULL;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    existed = true;
    rowid = sqlite3_column_int64(st, 0);
    was_delisted = sqlite3_column_type(st, 1) != SQLITE_NULL;
    const char *vj = column_text(st, 2);
    size_t vlen = (size_t)sqlite3_column_bytes(st, 2);
    /* The usual recrawl: byte for byte the same variants, nothing to compare. */
    same_variants = vj && vlen == f->variants_json_len && memcmp(vj, f->variants_json, vlen) == 0;
    if (!same_variants && vj)
      old_json = json_loadb(vj, vlen, 0, NULL);
  }
  sqlite3_reset(st);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return db_error(s, "reading a product");

  old_variant olds_small[16], *olds = olds_small;
  size_t nold = json_array_size(old_json);
  if (nold > 16 && !(olds = malloc(sizeof *olds * nold))) {
    json_decref(old_json);
    return SOUK_ENOMEM;
  }
  for (size_t k = 0; k < nold; k++) {
    json_t *v = json_array_get(old_json, k);
    json_t *price = json_object_get(v, "price"), *cmp = json_object_get(v, "compare_at_price");
    olds[k] = (old_variant){
        .id = (int64_t)json_integer_value(json_object_get(v, "id")),
        .price = json_is_integer(price) ? (int64_t)json_integer_value(price) : SOUK_NO_PRICE,
        .compare_at = json_is_integer(cmp) ? (int64_t)json_integer_value(cmp) : SOUK_NO_PRICE,
        .available = json_integer_value(json_object_get(v, "available")) == 1,
    };
  }
  json_decref(old_json);

  /* Real changes: price, compare_at_price, availability, variants listed and delisted. */
  uint64_t events = 0;
  rc = 0;
  if (was_delisted) {
    /* A return is a change; a first sighting is not (first_seen records it). */
    rc = history(s, origin, p->id, 0, now, "listed", 0, 1, crawl_id);
    events++;
  }
  for (size_t i = 0; i < p->nvariants && !rc && !same_variants; i++) {
    const souk_variant *v = &p->variants[i];
    old_variant *o = NULL;
    for (size_t k = 0; k < nold; k++)
      if (olds[k].id == v->id) {
        o = &olds[k];
        break;
      }
    int avail = v->available == 1;
    if (!o) {
      if (existed) {
        rc = history(s, origin, p->id, v->id, now, "listed", 0, 1, crawl_id);
        events++;
      }
    } else {
      if (o->seen)
        continue; /* the same variant twice in one product */
      o->seen = true;
      if (!rc && o->price != v->price) {
        rc = history(s, origin, p->id, v->id, now, "price", o->price, v->price, crawl_id);
        events++;
      }
      if (!rc && o->compare_at != v->compare_at_price) {
        rc = history(s, origin, p->id, v->id, now, "compare_at_price", o->compare_at,
                     v->compare_at_price, crawl_id);
        events++;
      }
      if (!rc && o->available != avail) {
        rc = history(s, origin, p->id, v->id, now, "available", o->available, avail, crawl_id);
        events++;
      }
    }
  }
  for (size_t k = 0; k < nold && !rc; k++) {
    if (olds[k].seen)
      continue;
    rc = history(s, origin, p->id, olds[k].id, now, "delisted", 1, 0, crawl_id);
    events++;
  }
  if (olds != olds_small)
    free(olds);
  if (rc)
    return rc;

  souk__product_url(origin, p, &s->url);
  st = s->st[existed ? ST_UPDATE : ST_INSERT];
  bind_text(st, 1, origin);
  sqlite3_bind_int64(st, 2, p->id);
  bind_text(st, 3, platform);
  bind_text(st, 4, p->handle);
  bind_text(st, 5, s->url.len ? s->url.data : NULL);
  bind_text(st, 6, p->title);
  bind_text(st, 7, p->vendor);
  bind_text(st, 8, p->product_type);
  bind_text_len(st, 9, f->tags_json, f->tags_json_len);
  sqlite3_bind_int64(st, 15, (sqlite3_int64)f->description_length);
  bind_text(st, 16, p->created_at);
  bind_text(st, 17, p->updated_at);
  bind_text(st, 18, p->published_at);
  sqlite3_bind_int64(st, 19, (sqlite3_int64)p->ntags);
  sqlite3_bind_int64(st, 20, (sqlite3_int64)p->nimages);
  sqlite3_bind_int64(st, 21, (sqlite3_int64)f->nvariants);
  sqlite3_bind_int64(st, 22, (sqlite3_int64)f->navailable);
  sqlite3_bind_int(st, 23, p->price_decimals);
  bind_price(st, 24, f->price_min);
  bind_price(st, 25, f->price_max);
  bind_price(st, 26, f->price_sum);
  sqlite3_bind_int64(st, 27, (sqlite3_int64)f->priced);
  sqlite3_bind_int64(st, 28, (sqlite3_int64)f->text_hash);
  bind_text(st, 29, now);
  sqlite3_bind_int64(st, 30, crawl_id);
  if (existed) {
    sqlite3_bind_int(st, 31, events > 0);
    sqlite3_bind_int64(st, 32, rowid);
  } else {
    sqlite3_bind_int64(st, 33, store_key);
  }
  rc = step_done(s, st, "writing a product");
  if (rc)
    return rc;
  if (!existed)
    rowid = sqlite3_last_insert_rowid(s->db);
  else if (sqlite3_changes(s->db) != 1)
    return souk__store_error(&s->base, SOUK_ESTORE, "SQLite: product %lld changed under the writer",
                             (long long)p->id);
  /* The details row goes with its product; a known product without one (never written so)
   * gets one. */
  for (int pass = existed ? 0 : 1; pass < 2; pass++) {
    st = s->st[pass == 0 ? ST_DETAILS_UPDATE : ST_DETAILS_INSERT];
    sqlite3_bind_int64(st, 1, rowid);
    bind_text_len(st, 2, f->options_json, f->options_json_len);
    bind_text_len(st, 3, f->images_json, f->images_json_len);
    bind_text_len(st, 4, f->variants_json, f->variants_json_len);
    bind_text_len(st, 5, p->body_html, f->body_html_len);
    rc = step_done(s, st, "writing a product's details");
    if (rc || (pass == 0 && sqlite3_changes(s->db) == 1))
      break;
  }
  if (rc)
    return rc;
  res->products++;
  if (!existed)
    res->new_products++;
  else if (events)
    res->changed++;
  res->events += events;
  return 0;
}

static int sqlite_put_products(souk_store *base, int64_t crawl_id, const char *origin,
                               const souk_product *p, const souk_facts_view *views, size_t n,
                               souk_put_result *res) {
  sqlite_store *s = (sqlite_store *)base;
  char now[32];
  souk_store_now(now);
  /* The platform is the crawl's; the store's key leads its products' indexes. */
  if (s->page_crawl != crawl_id || !s->page_origin || strcmp(s->page_origin, origin) != 0) {
    snprintf(s->page_platform, sizeof s->page_platform, "unknown");
    s->page_store_key = 0;
    s->page_crawl = 0;
    free(s->page_origin);
    s->page_origin = NULL;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT platform, " STORE_KEY_OF("?2") " FROM crawls WHERE id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(q, 1, crawl_id);
      bind_text(q, 2, origin);
      if (sqlite3_step(q) == SQLITE_ROW) {
        snprintf(s->page_platform, sizeof s->page_platform, "%s", column_text(q, 0));
        s->page_store_key = sqlite3_column_int64(q, 1);
        s->page_origin = strdup(origin);
        s->page_crawl = s->page_origin ? crawl_id : 0;
      }
      sqlite3_finalize(q);
    }
  }
  const char *platform = s->page_platform;
  int64_t store_key = s->page_store_key;
  if (store_key <= 0)
    return souk__store_error(base, SOUK_EINVAL, "products for %s, a store no crawl began", origin);
  /* A page is one transaction, or joins the batch's. (Not a savepoint: a savepoint copies
   * every page it touches a second time, a fifth of the writer's time; a failed page undoes
   * its whole batch instead, which the restarted crawl writes again.) */
  int rc = s->in_batch ? 0 : step_done(s, s->st[ST_BEGIN], "starting a transaction");
  if (rc)
    return rc;
  souk_put_result page = {0};
  for (size_t i = 0; i < n && !rc; i++)
    rc = put_one(s, crawl_id, origin, store_key, platform, &p[i], views ? &views[i] : NULL, now,
                 &page);
  if (!rc) {
    sqlite3_stmt *st = s->st[ST_CRAWL_ADD];
    sqlite3_bind_int64(st, 1, crawl_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)page.products);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)page.new_products);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)page.changed);
    rc = step_done(s, st, "counting products");
  }
  if (rc) {
    char keep[512];
    snprintf(keep, sizeof keep, "%s", s->base.errmsg);
    if (!sqlite3_get_autocommit(s->db))
      step_done(s, s->st[ST_ROLLBACK], "rolling back");
    s->in_batch = false;
    souk__store_error(base, rc, "%s", keep);
    return rc;
  }
  rc = s->in_batch ? 0 : step_done(s, s->st[ST_COMMIT], "committing products");
  if (!rc) {
    res->products += page.products;
    res->new_products += page.new_products;
    res->changed += page.changed;
    res->events += page.events;
  }
  return rc;
}

static int sqlite_batch_begin(souk_store *base) {
  sqlite_store *s = (sqlite_store *)base;
  if (s->in_batch)
    return souk__store_error(base, SOUK_ESTATE, "a batch is already open");
  checkpointer_start(s);
  int rc = step_done(s, s->st[ST_BEGIN], "starting a transaction");
  s->in_batch = rc == 0;
  return rc;
}

static int sqlite_batch_end(souk_store *base, bool commit) {
  sqlite_store *s = (sqlite_store *)base;
  if (!s->in_batch)
    return 0;
  s->in_batch = false;
  int rc = commit ? step_done(s, s->st[ST_COMMIT], "committing products") : 0;
  if (!commit || rc) {
    char keep[512];
    snprintf(keep, sizeof keep, "%s", s->base.errmsg);
    if (!sqlite3_get_autocommit(s->db))
      step_done(s, s->st[ST_ROLLBACK], "rolling back");
    if (rc)
      souk__store_error(base, rc, "%s", keep);
  }
  return rc;
}

/* ---- queries --------------------------------------------------------------------------- */

#define MAX_BINDS 16

typedef struct sql_builder {
  souk_buf sql;
  struct {
    bool is_int;
    int64_t i;
    const char *s;
  } binds[MAX_BINDS];
  int nbinds;
  char fts[1024];
} sql_builder;

static void bind_add_text(sql_builder *b, const char *v) {
  if (b->nbinds < MAX_BINDS) {
    b->binds[b->nbinds].is_int = false;
    b->binds[b->nbinds++].s = v;
  }
}

static void bind_add_int(sql_builder *b, int64_t v) {
  if (b->nbinds < MAX_BINDS) {
    b->binds[b->nbinds].is_int = true;
    b->binds[b->nbinds++].i = v;
  }
}

/* A user's words as an FTS5 query: each word a quoted prefix, all required. */
static int fts_query(const char *text, char *out, size_t len) {
  size_t o = 0;
  const char *p = text;
  int words = 0;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n')
      p++;
    if (!*p)
      break;
    if (o + 4 >= len)
      return SOUK_EINVAL;
    if (words++)
      out[o++] = ' ';
    out[o++] = '"';
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
      if (o + 4 >= len)
        return SOUK_EINVAL;
      if (*p == '"')
        out[o++] = '"';
      out[o++] = *p++;
    }
    out[o++] = '"';
    out[o++] = '*';
  }
  out[o] = '\0';
  return words ? 0 : SOUK_EINVAL;
}

static const char *sort_expr(souk_sort sort) {
  switch (sort) {
  case SOUK_SORT_PRICE: return "IFNULL(p.price_min, -1)";
  case SOUK_SORT_UPDATED: return "IFNULL(p.updated_at, '')";
  case SOUK_SORT_CHANGED: return "p.last_changed";
  case SOUK_SORT_TITLE: return "IFNULL(p.title, '')";
  default: return NULL;
  }
}

/* FROM and WHERE of a query's filters. */
static int build_filters(sqlite_store *s, const souk_query *q, sql_builder *b, bool details) {
  souk_buf *sql = &b->sql;
  if (q->text && *q->text) {
    int rc = fts_sync(s); /* products of an interrupted crawl are not indexed yet */
    if (rc)
      return rc;
  }
  souk_buf_adds(sql, " FROM products p LEFT JOIN stores st ON st.origin = p.store");
  if (details)
    souk_buf_adds(sql, " LEFT JOIN product_details d ON d.product = p.rowid");
  if (q->text && *q->text) {
    if (fts_query(q->text, b->fts, sizeof b->fts) != 0)
      return souk__store_error(&s->base, SOUK_EINVAL, "the search text is empty or too long");
    souk_buf_adds(sql, " JOIN products_fts f ON f.rowid = p.rowid AND products_fts MATCH ?");
    bind_add_text(b, b->fts);
  }
  souk_buf_adds(sql, " WHERE 1");
  if (q->store) {
    /* The key leads the secondary indexes; the origin checks it. */
    souk_buf_adds(sql, " AND p.store_key = " STORE_KEY_OF("?") " AND p.store = ?");
    bind_add_text(b, q->store);
    bind_add_text(b, q->store);
  }
  if (q->id) {
    souk_buf_adds(sql, " AND p.id = ?");
    bind_add_int(b, q->id);
  }
  if (q->vendor) {
    souk_buf_adds(sql, " AND p.vendor = ? COLLATE NOCASE");
    bind_add_text(b, q->vendor);
  }
  if (q->product_type) {
    souk_buf_adds(sql, " AND p.product_type = ? COLLATE NOCASE");
    bind_add_text(b, q->product_type);
  }
  if (q->tag) {
    souk_buf_adds(sql, " AND EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ? COLLATE NOCASE)");
    bind_add_text(b, q->tag);
  }
  if (q->price_min != SOUK_NO_PRICE) {
    souk_buf_adds(sql, " AND p.price_min >= ?");
    bind_add_int(b, q->price_min);
  }
  if (q->price_max != SOUK_NO_PRICE) {
    souk_buf_adds(sql, " AND p.price_min <= ?");
    bind_add_int(b, q->price_max);
  }
  if (q->available == 1)
    souk_buf_adds(sql, " AND p.navailable > 0");
  else if (q->available == 0)
    souk_buf_adds(sql, " AND p.navailable = 0");
  if (q->changed_since) {
    souk_buf_adds(sql, " AND p.last_changed >= ?");
    bind_add_text(b, q->changed_since);
  }
  if (!(q->flags & SOUK_QUERY_DELISTED))
    souk_buf_adds(sql, " AND p.delisted_at IS NULL");
  return 0;
}

static int prepare_built(sqlite_store *s, sql_builder *b, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(s->db, b->sql.data, -1, st, NULL) != SQLITE_OK)
    return db_error(s, "preparing a query");
  for (int i = 0; i < b->nbinds; i++) {
    if (b->binds[i].is_int)
      sqlite3_bind_int64(*st, i + 1, b->binds[i].i);
    else
      bind_text(*st, i + 1, b->binds[i].s);
  }
  return 0;
}

enum {
  C_STORE, C_PLATFORM, C_CURRENCY, C_ID, C_HANDLE, C_URL, C_TITLE, C_VENDOR, C_TYPE, C_TAGS,
  C_NTAGS, C_NIMAGES, C_NVARIANTS, C_NAVAILABLE, C_DECIMALS, C_PMIN, C_PMAX, C_PSUM, C_PRICED,
  C_DESCLEN, C_CREATED, C_UPDATED, C_PUBLISHED, C_FIRST, C_LAST, C_CHANGED, C_DELISTED,
  C_SORTVAL, C_BODY_HTML, C_BODY_TEXT, C_OPTIONS, C_IMAGES, C_VARIANTS
};

static int sqlite_query(souk_store *base, const souk_query *q, souk_product_cb cb, void *ud,
                        char **next) {
  sqlite_store *s = (sqlite_store *)base;
  bool full = q->flags & SOUK_QUERY_FULL;
  bool relevance = q->sort == SOUK_SORT_RELEVANCE;
  const char *sexpr = relevance ? "bm25(products_fts)" : sort_expr(q->sort);
  /* `start` is bound into the statement and must not change while it runs; `cur` follows the
   * last row returned, for the next page's cursor. */
  souk_cursor start = {0}, cur = {0};
  if (q->cursor && (souk__cursor_decode(q->cursor, &start) != 0 || start.is_offset != relevance))
    return souk__store_error(base, SOUK_EINVAL, "the cursor is not one this query handed out");

  sql_builder b = {.nbinds = 0};
  souk_buf_init(&b.sql, 64 * 1024);
  souk_buf_adds(&b.sql,
                "SELECT p.store, p.platform, st.currency, p.id, p.handle, p.url, p.title, p.vendor,"
                " p.product_type, p.tags, p.ntags, p.nimages, p.nvariants, p.navailable,"
                " p.price_decimals, p.price_min, p.price_max, p.price_sum, p.priced,"
                " p.description_length, p.created_at, p.updated_at, p.published_at, p.first_seen,"
                " p.last_seen, p.last_changed, p.delisted_at, ");
  souk_buf_adds(&b.sql, sexpr ? sexpr : "NULL");
  if (full)
    souk_buf_adds(&b.sql, ", d.body_html, " BODY_TEXT ", d.options, d.images, d.variants");
  int rc = build_filters(s, q, &b, full);
  const char *dir = q->descending ? "DESC" : "ASC";
  if (!rc && start.value && !relevance) {
    const char *cmp = q->descending ? "<" : ">";
    if (sexpr) {
      souk_buf_printf(&b.sql, " AND (%s, p.store, p.id) %s (?, ?, ?)", sexpr, cmp);
      if (json_is_integer(start.value))
        bind_add_int(&b, (int64_t)json_integer_value(start.value));
      else
        bind_add_text(&b, json_is_string(start.value) ? json_string_value(start.value) : "");
    } else {
      souk_buf_printf(&b.sql, " AND (p.store, p.id) %s (?, ?)", cmp);
    }
    bind_add_text(&b, start.store);
    bind_add_int(&b, start.id);
  }
  if (!rc) {
    if (relevance)
      souk_buf_printf(&b.sql, " ORDER BY %s %s, p.store, p.id", sexpr, dir);
    else if (sexpr)
      souk_buf_printf(&b.sql, " ORDER BY %s %s, p.store %s, p.id %s", sexpr, dir, dir, dir);
    else
      souk_buf_printf(&b.sql, " ORDER BY p.store %s, p.id %s", dir, dir);
    if (q->limit) {
      souk_buf_printf(&b.sql, " LIMIT %zu", q->limit + 1);
      if (relevance && start.is_offset)
        souk_buf_printf(&b.sql, " OFFSET %llu", (unsigned long long)start.offset);
    }
  }
  sqlite3_stmt *st = NULL;
  if (!rc)
    rc = prepare_built(s, &b, &st);
  souk_arena arena;
  souk_arena_init(&arena, 16 * 1024);
  size_t rows = 0;
  int step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (q->limit && rows == q->limit)
      break; /* one more row exists: the page ends here, with a cursor */
    rows++;
    souk_stored_product sp = {0};
    sp.store = column_text(st, C_STORE);
    sp.platform = column_text(st, C_PLATFORM);
    sp.currency = column_text(st, C_CURRENCY);
    sp.id = sqlite3_column_int64(st, C_ID);
    sp.handle = column_text(st, C_HANDLE);
    sp.url = column_text(st, C_URL);
    sp.title = column_text(st, C_TITLE);
    sp.vendor = column_text(st, C_VENDOR);
    sp.product_type = column_text(st, C_TYPE);
    sp.ntags = (size_t)sqlite3_column_int64(st, C_NTAGS);
    sp.nimages = (size_t)sqlite3_column_int64(st, C_NIMAGES);
    sp.nvariants = (size_t)sqlite3_column_int64(st, C_NVARIANTS);
    sp.navailable = (size_t)sqlite3_column_int64(st, C_NAVAILABLE);
    sp.price_decimals = sqlite3_column_int(st, C_DECIMALS);
    sp.price_min = column_price(st, C_PMIN);
    sp.price_max = column_price(st, C_PMAX);
    sp.price_sum = column_price(st, C_PSUM);
    sp.priced_variants = (size_t)sqlite3_column_int64(st, C_PRICED);
    sp.description_length = (size_t)sqlite3_column_int64(st, C_DESCLEN);
    sp.created_at = column_text(st, C_CREATED);
    sp.updated_at = column_text(st, C_UPDATED);
    sp.published_at = column_text(st, C_PUBLISHED);
    sp.first_seen = column_text(st, C_FIRST);
    sp.last_seen = column_text(st, C_LAST);
    sp.last_changed = column_text(st, C_CHANGED);
    sp.delisted_at = column_text(st, C_DELISTED);
    souk_product full_p = {0};
    const char *tags_json = column_text(st, C_TAGS);
    /* Tags are cheap and most callers want them; the rest only when asked. */
    if (!(q->flags & SOUK_QUERY_LEAN) || full) {
      json_t *jt = json_loads(tags_json ? tags_json : "[]", 0, NULL);
      const char **tags = souk_arena_calloc(&arena, json_array_size(jt) + 1, sizeof *tags);
      size_t ti;
      json_t *tv;
      json_array_foreach(jt, ti, tv) tags[ti] = souk_arena_strdup(&arena, json_string_value(tv) ? json_string_value(tv) : "");
      json_decref(jt);
      sp.tags = tags;
    }
    if (full) {
      rc = souk__product_from_json(&arena, &full_p, tags_json, column_text(st, C_OPTIONS),
                                   column_text(st, C_IMAGES), column_text(st, C_VARIANTS));
      if (rc) {
        souk__store_error(base, SOUK_ESTORE, "product %lld has unreadable JSON columns", (long long)sp.id);
        break;
      }
      full_p.id = sp.id;
      full_p.handle = sp.handle;
      full_p.url = sp.url;
      full_p.title = sp.title;
      full_p.vendor = sp.vendor;
      full_p.product_type = sp.product_type;
      full_p.body_html = column_text(st, C_BODY_HTML);
      full_p.created_at = sp.created_at;
      full_p.updated_at = sp.updated_at;
      full_p.published_at = sp.published_at;
      full_p.price_decimals = sp.price_decimals;
      sp.full = &full_p;
      sp.body_text = column_text(st, C_BODY_TEXT);
    }
    /* The last row's key, for the next page's cursor. */
    souk__cursor_clear(&cur);
    cur.is_offset = relevance;
    if (!relevance) {
      int t = sqlite3_column_type(st, C_SORTVAL);
      cur.value = t == SQLITE_INTEGER ? json_integer(sqlite3_column_int64(st, C_SORTVAL))
                  : t == SQLITE_TEXT  ? json_string(column_text(st, C_SORTVAL))
                                      : json_null();
      snprintf(cur.store, sizeof cur.store, "%s", sp.store);
      cur.id = sp.id;
    }
    int stop = cb(&sp, ud);
    souk_arena_free(&arena);
    souk_arena_init(&arena, 16 * 1024);
    if (stop) {
      step = SQLITE_DONE;
      break;
    }
  }
  if (!rc && step == SQLITE_ROW && q->limit && rows == q->limit && next) {
    if (relevance) {
      souk_cursor nc = {.is_offset = true, .offset = start.offset + rows};
      *next = souk__cursor_encode(&nc);
    } else {
      *next = souk__cursor_encode(&cur);
    }
  } else if (!rc && step != SQLITE_ROW && step != SQLITE_DONE) {
    rc = db_error(s, "running a query");
  }
  sqlite3_finalize(st);
  souk_arena_free(&arena);
  souk__cursor_clear(&cur);
  souk__cursor_clear(&start);
  souk_buf_free(&b.sql);
  return rc;
}

static int sqlite_count(souk_store *base, const souk_query *q, uint64_t *count) {
  sqlite_store *s = (sqlite_store *)base;
  sql_builder b = {.nbinds = 0};
  souk_buf_init(&b.sql, 16 * 1024);
  souk_buf_adds(&b.sql, "SELECT COUNT(*)");
  int rc = build_filters(s, q, &b, false);
  sqlite3_stmt *st = NULL;
  if (!rc)
    rc = prepare_built(s, &b, &st);
  if (!rc) {
    if (sqlite3_step(st) == SQLITE_ROW)
      *count = (uint64_t)sqlite3_column_int64(st, 0);
    else
      rc = db_error(s, "counting");
  }
  sqlite3_finalize(st);
  souk_buf_free(&b.sql);
  return rc;
}

static int sqlite_history(souk_store *base, const char *store, int64_t product_id,
                          const char *since, size_t limit,
                          int (*cb)(const souk_change *, void *), void *ud) {
  sqlite_store *s = (sqlite_store *)base;
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT at, product_id, variant_id, field, old_value, new_value FROM history"
           " WHERE store = ?1 %s AND (?3 IS NULL OR at >= ?3) ORDER BY at %s, rowid %s%s",
           product_id ? "AND product_id = ?2" : "AND ?2 = 0", product_id ? "ASC" : "DESC",
           product_id ? "ASC" : "DESC", limit ? " LIMIT ?4" : "");
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_error(s, "reading history");
  bind_text(st, 1, store);
  sqlite3_bind_int64(st, 2, product_id);
  bind_text(st, 3, since);
  if (limit)
    sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    souk_change c = {
        .at = column_text(st, 0),
        .product_id = sqlite3_column_int64(st, 1),
        .variant_id = sqlite3_column_int64(st, 2),
        .field = column_text(st, 3),
        .old_value = column_price(st, 4),
        .new_value = column_price(st, 5),
    };
    if (cb(&c, ud)) {
      step = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return step == SQLITE_DONE ? 0 : db_error(s, "reading history");
}

typedef struct group_acc {
  souk_group_stats g;
  char *key;
  int64_t *prices;
  size_t nprices, cap;
  double sum;
} group_acc;

static int by_count(const void *a, const void *b) {
  const group_acc *x = a, *y = b;
  if (x->g.products != y->g.products)
    return x->g.products < y->g.products ? 1 : -1;
  return strcmp(x->key, y->key);
}

static int sqlite_aggregate(souk_store *base, const souk_query *q, souk_group_by by,
                            int (*cb)(const souk_group_stats *, void *), void *ud) {
  sqlite_store *s = (sqlite_store *)base;
  const char *key = by == SOUK_GROUP_STORE    ? "p.store"
                    : by == SOUK_GROUP_VENDOR ? "IFNULL(p.vendor, '')"
                                              : "IFNULL(p.product_type, '')";
  sql_builder b = {.nbinds = 0};
  souk_buf_init(&b.sql, 16 * 1024);
  souk_buf_printf(&b.sql, "SELECT %s, p.navailable, p.nvariants, p.price_min", key);
  int rc = build_filters(s, q, &b, false);
  souk_buf_printf(&b.sql, " ORDER BY 1, p.price_min");
  sqlite3_stmt *st = NULL;
  if (!rc)
    rc = prepare_built(s, &b, &st);
  group_acc *groups = NULL;
  size_t ngroups = 0, cap = 0;
  int step = SQLITE_DONE;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = column_text(st, 0);
    k = k ? k : "";
    if (ngroups == 0 || strcmp(groups[ngroups - 1].key, k) != 0) {
      if (ngroups == cap) {
        cap = cap ? cap * 2 : 16;
        group_acc *g = realloc(groups, cap * sizeof *g);
        if (!g) {
          rc = SOUK_ENOMEM;
          break;
        }
        groups = g;
      }
      memset(&groups[ngroups], 0, sizeof *groups);
      groups[ngroups].key = strdup(k);
      groups[ngroups].g.price_min = groups[ngroups].g.price_max = SOUK_NO_PRICE;
      ngroups++;
    }
    group_acc *g = &groups[ngroups - 1];
    g->g.products++;
    g->g.available_products += sqlite3_column_int64(st, 1) > 0;
    g->g.variants += (uint64_t)sqlite3_column_int64(st, 2);
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
      int64_t price = sqlite3_column_int64(st, 3);
      if (g->nprices == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        int64_t *pp = realloc(g->prices, g->cap * sizeof *pp);
        if (!pp) {
          rc = SOUK_ENOMEM;
          break;
        }
        g->prices = pp;
      }
      g->prices[g->nprices++] = price; /* ascending: the query sorts them */
      g->sum += (double)price;
    }
  }
  if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
    rc = db_error(s, "aggregating");
  sqlite3_finalize(st);
  souk_buf_free(&b.sql);
  if (!rc) {
    for (size_t i = 0; i < ngroups; i++) {
      group_acc *g = &groups[i];
      g->g.key = g->key;
      g->g.priced = g->nprices;
      if (g->nprices) {
        g->g.price_min = g->prices[0];
        g->g.price_max = g->prices[g->nprices - 1];
        g->g.price_mean = g->sum / (double)g->nprices;
        size_t m = g->nprices / 2;
        g->g.price_median = g->nprices % 2 ? (double)g->prices[m]
                                           : ((double)g->prices[m - 1] + (double)g->prices[m]) / 2;
      }
    }
    qsort(groups, ngroups, sizeof *groups, by_count);
    for (size_t i = 0; i < ngroups; i++)
      if (cb(&groups[i].g, ud))
        break;
  }
  for (size_t i = 0; i < ngroups; i++) {
    free(groups[i].key);
    free(groups[i].prices);
  }
  free(groups);
  return rc;
}

static int sqlite_stores(souk_store *base, int (*cb)(const souk_store_summary *, void *), void *ud) {
  sqlite_store *s = (sqlite_store *)base;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT s.origin, s.platform, s.name, s.currency, IFNULL(s.announced, -1),"
                         " s.first_seen, s.last_crawl_at, COUNT(p.id),"
                         " IFNULL(SUM(p.delisted_at IS NULL), 0), IFNULL(SUM(p.delisted_at IS NOT NULL), 0)"
                         " FROM stores s LEFT JOIN products p ON p.store = s.origin"
                         " GROUP BY s.origin ORDER BY s.origin",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(s, "listing stores");
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    souk_store_summary sum = {
        .store = column_text(st, 0),
        .platform = column_text(st, 1),
        .name = column_text(st, 2),
        .currency = column_text(st, 3),
        .announced = sqlite3_column_int64(st, 4),
        .first_seen = column_text(st, 5),
        .last_crawl_at = column_text(st, 6),
        .products = (uint64_t)sqlite3_column_int64(st, 7),
        .listed = (uint64_t)sqlite3_column_int64(st, 8),
        .delisted = (uint64_t)sqlite3_column_int64(st, 9),
    };
    if (cb(&sum, ud)) {
      step = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return step == SQLITE_DONE ? 0 : db_error(s, "listing stores");
}

static int sqlite_crawls(souk_store *base, const char *store, size_t limit,
                         int (*cb)(const souk_crawl_record *, void *), void *ud) {
  sqlite_store *s = (sqlite_store *)base;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT id, store, platform, started_at, ended_at, state, status, complete,"
                         " pages, bytes, products, new_products, changed, http_errors, message"
                         " FROM crawls WHERE (?1 IS NULL OR store = ?1) ORDER BY id DESC LIMIT ?2",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(s, "listing crawls");
  bind_text(st, 1, store);
  sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    souk_crawl_record r = {
        .id = sqlite3_column_int64(st, 0),
        .store = column_text(st, 1),
        .platform = column_text(st, 2),
        .started_at = column_text(st, 3),
        .ended_at = column_text(st, 4),
        .state = column_text(st, 5),
        .status = sqlite3_column_int(st, 6),
        .complete = sqlite3_column_int(st, 7) != 0,
        .pages = (uint64_t)sqlite3_column_int64(st, 8),
        .bytes = (uint64_t)sqlite3_column_int64(st, 9),
        .products = (uint64_t)sqlite3_column_int64(st, 10),
        .new_products = (uint64_t)sqlite3_column_int64(st, 11),
        .changed = (uint64_t)sqlite3_column_int64(st, 12),
        .http_errors = (uint64_t)sqlite3_column_int64(st, 13),
        .message = column_text(st, 14),
    };
    if (cb(&r, ud)) {
      step = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return step == SQLITE_DONE ? 0 : db_error(s, "listing crawls");
}

static const souk_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .crawl_begin = sqlite_crawl_begin,
    .put_products = sqlite_put_products,
    .batch_begin = sqlite_batch_begin,
    .batch_end = sqlite_batch_end,
    .set_info = sqlite_set_info,
    .crawl_end = sqlite_crawl_end,
    .query = sqlite_query,
    .count = sqlite_count,
    .history = sqlite_history,
    .aggregate = sqlite_aggregate,
    .stores = sqlite_stores,
    .crawls = sqlite_crawls,
};
