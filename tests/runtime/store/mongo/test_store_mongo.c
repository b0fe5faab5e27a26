/* SPDX-License-Identifier: MIT */
/* The MongoDB backend's own cases: the same real catalogs crawled into SQLite and MongoDB side
 * by side give the same answers to every query; the documents and indexes it keeps; pages
 * replayed after a crash; clear errors for bad URIs, unreachable servers and bad input.
 *
 * Cases with a server read its URI from SOUK_TEST_MONGODB_URI (CTest's store_mongo fixture
 * sets it through run-case.sh) and use the database souk_test_<pid>, dropped afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "check.h"
#include "core/buf.h"
#include "shopify/decode.h"
#include "souk/error.h"
#include "store/store.h"
#include "store/store_int.h"

#define ANNIE "https://annie.example"
#define SOUL "https://soulandmore.example"
#define MISC "https://misc.example"

static souk_config *cfg;

static const char *server_uri(void) {
  const char *u = getenv("SOUK_TEST_MONGODB_URI");
  if (!u || !*u)
    SKIP("SOUK_TEST_MONGODB_URI is not set: run the store_mongo.* CTests, which start a "
         "MongoDB-compatible server");
  return u;
}

/* The case's database URI, souk_test_<pid>. */
static void db_uri(char *out, size_t len) {
  const char *base = server_uri();
  const char *q = strchr(base, '?');
  snprintf(out, len, "%.*s/souk_test_%d%s", (int)(q ? q - base : (long)strlen(base)), base,
           (int)getpid(), q ? q : "");
}

static souk_store *open_mongo(void) {
  if (!cfg)
    cfg = souk_config_new();
  char uri[1024];
  db_uri(uri, sizeof uri);
  souk_errinfo e = {0};
  souk_store *s = souk_store_open_mongo(uri, cfg, &e);
  CHECK_MSG(s != NULL, "MongoDB store did not open: %s", e.text);
  CHECK_STR(souk_store_backend(s), "mongodb");
  return s;
}

static souk_store *open_sqlite(void) {
  if (!cfg)
    cfg = souk_config_new();
  char path[4096];
  snprintf(path, sizeof path, "%s/data/souk.db", souk_test_tmpdir());
  souk_errinfo e = {0};
  souk_store *s = souk_store_open_sqlite(path, cfg, &e);
  CHECK_MSG(s != NULL, "SQLite store did not open: %s", e.text);
  return s;
}

/* A raw driver handle on the case's database, to look at what the backend wrote. */
typedef struct raw {
  mongoc_client_t *client;
  mongoc_database_t *db;
} raw;

static void raw_open(raw *r) {
  char uri[1024];
  db_uri(uri, sizeof uri);
  bson_error_t err;
  r->client = mongoc_client_new(uri);
  CHECK(r->client != NULL);
  mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &err);
  CHECK(u != NULL);
  r->db = mongoc_client_get_database(r->client, mongoc_uri_get_database(u));
  mongoc_uri_destroy(u);
}

static void raw_close(raw *r) {
  mongoc_database_destroy(r->db);
  mongoc_client_destroy(r->client);
}

/* ---- catalogs ------------------------------------------------------------------------------ */

static char *read_file(const char *rel, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", souk_test_source_dir(), rel);
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + SOUK_DECODE_PADDING);
  CHECK(buf != NULL);
  CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void load_page(const char *rel, souk_catalog_page *pg) {
  size_t len;
  char *json = read_file(rel, &len);
  souk_errinfo e = {0};
  CHECK_MSG(souk_shopify_decode_products(json, len, len + SOUK_DECODE_PADDING, 2, pg, &e) == 0,
            "%s: %s", rel, e.text);
  free(json);
}

/* Products that exercise the text search beyond English: diacritics, Arabic, CJK, hyphens,
 * null fields, and a product with no price at all. */
static const char *misc_tags[][3] = {{"Été", "Crème"}, {"عطر"}, {"香水"}, {"T-Shirt"}, {NULL}};
static souk_variant misc_variants[5][2];
static souk_product misc[5];

static void make_misc(void) {
  const char *titles[] = {"Café Crème Brûlée candle", "عطر الورد", "香水セット gift", "Red T-Shirt",
                          NULL};
  const char *bodies[] = {"<p>Smells like a Parisian <b>café</b></p>", "<p>ماء ورد</p>",
                          "<p>ギフト</p>", "<p>100% cotton &amp; organic</p>", NULL};
  for (int i = 0; i < 5; i++) {
    misc_variants[i][0] = (souk_variant){.id = 900000 + i * 10,
                                         .title = "Default",
                                         .price = i == 4 ? SOUK_NO_PRICE : 1000 + i * 250,
                                         .compare_at_price = SOUK_NO_PRICE,
                                         .available = i % 2};
    misc[i] = (souk_product){.id = 70000 + i,
                             .title = titles[i],
                             .handle = i == 4 ? NULL : "misc",
                             .vendor = i == 4 ? NULL : "Misc Co",
                             .body_html = bodies[i],
                             .product_type = i < 2 ? "Home" : NULL,
                             .tags = misc_tags[i],
                             .ntags = i == 4 ? 0 : (i == 0 ? 2 : 1),
                             .variants = misc_variants[i],
                             .nvariants = 1,
                             .price_decimals = 2};
  }
}

/* ---- both backends in step ----------------------------------------------------------------- */

typedef struct pair {
  souk_store *s[2]; /* SQLite, MongoDB */
} pair;

static void clock_at(int step) {
  char t[32];
  snprintf(t, sizeof t, "2026-03-%02dT10:00:00.000Z", step);
  souk_store_set_clock(t);
}

static void same_put(const souk_put_result *a, const souk_put_result *b) {
  CHECK_INT(a->products, ==, b->products);
  CHECK_INT(a->new_products, ==, b->new_products);
  CHECK_INT(a->changed, ==, b->changed);
  CHECK_INT(a->events, ==, b->events);
}

/* One crawl of `origin` on both: pages of `page` products; the put results must agree. */
static void crawl_both(pair *p, const char *origin, const souk_product *prods, size_t n,
                       size_t page, int status, bool complete, souk_put_result *total) {
  int64_t id[2];
  souk_put_result sum[2] = {{0}};
  for (int b = 0; b < 2; b++) {
    CHECK_INT(souk_store_crawl_begin(p->s[b], origin, "shopify", &id[b]), ==, 0);
    for (size_t i = 0; i < n; i += page) {
      souk_put_result r = {0};
      size_t k = n - i < page ? n - i : page;
      CHECK_INT(souk_store_put_products(p->s[b], id[b], origin, prods + i, k, &r), ==, 0);
      sum[b].products += r.products;
      sum[b].new_products += r.new_products;
      sum[b].changed += r.changed;
      sum[b].events += r.events;
    }
    souk_crawl_end end = {.status = status,
                          .complete = complete,
                          .pages = (n + page - 1) / page,
                          .bytes = 1000 * n,
                          .message = status ? "it failed" : NULL};
    CHECK_INT(souk_store_crawl_end(p->s[b], id[b], &end), ==, 0);
  }
  CHECK_INT(id[0], ==, id[1]);
  same_put(&sum[0], &sum[1]);
  if (total)
    *total = sum[1];
}

/* Everything a query returns, one canonical line per product. */
static int dump_cb(const souk_stored_product *p, void *ud) {
  souk_buf *b = ud;
  size_t start = b->len;
#define S(x) ((x) ? (x) : "(null)")
  souk_buf_printf(b, "%s|%s|%s|%lld|%s|%s|%s|%s|%s|", S(p->store), S(p->platform), S(p->currency),
                  (long long)p->id, S(p->handle), S(p->url), S(p->title), S(p->vendor),
                  S(p->product_type));
  if (!p->tags)
    souk_buf_adds(b, "(no tag list)");
  for (size_t i = 0; p->tags && i < p->ntags; i++)
    souk_buf_printf(b, "t=%s,", S(p->tags[i]));
  souk_buf_printf(b, "|%zu|%zu|%zu|%zu|%d|%lld|%lld|%lld|%zu|%zu|%s|%s|%s|%s|%s|%s|%s", p->ntags,
                  p->nimages, p->nvariants, p->navailable, p->price_decimals,
                  (long long)p->price_min, (long long)p->price_max, (long long)p->price_sum,
                  p->priced_variants, p->description_length, S(p->created_at), S(p->updated_at),
                  S(p->published_at), S(p->first_seen), S(p->last_seen), S(p->last_changed),
                  S(p->delisted_at));
  if (p->full) {
    const souk_product *f = p->full;
    souk_buf_printf(b, "|body=%s|text=%s|", S(f->body_html), S(p->body_text));
    for (size_t i = 0; i < f->noption_names; i++)
      souk_buf_printf(b, "o=%s,", S(f->option_names[i]));
    for (size_t i = 0; i < f->nimages; i++)
      souk_buf_printf(b, "i=%s %dx%d,", S(f->images[i].src), f->images[i].width,
                      f->images[i].height);
    for (size_t i = 0; i < f->nvariants; i++) {
      const souk_variant *v = &f->variants[i];
      souk_buf_printf(b, "v=%lld %s %s [%s %s %s] %lld %lld %d,", (long long)v->id, S(v->title),
                      S(v->sku), S(v->options[0]), S(v->options[1]), S(v->options[2]),
                      (long long)v->price, (long long)v->compare_at_price, v->available);
    }
  }
#undef S
  for (size_t i = start; i < b->len; i++)
    if (b->data[i] == '\n')
      b->data[i] = '~'; /* one line per product */
  souk_buf_addc(b, '\n');
  return 0;
}

/* Runs a query to its last page (following cursors) and returns everything it produced. */
static char *walk(souk_store *s, const souk_query *q0, int *pages) {
  souk_query q = *q0;
  souk_buf b;
  souk_buf_init(&b, 64 * 1024 * 1024);
  char *cursor = NULL;
  int n = 0;
  do {
    q.cursor = cursor;
    char *next = NULL;
    CHECK_MSG(souk_store_query(s, &q, dump_cb, &b, &next) == 0, "%s query failed: %s",
              souk_store_backend(s), souk_store_errmsg(s));
    free(cursor);
    cursor = next;
    n++;
  } while (cursor && n < 10000);
  if (pages)
    *pages = n;
  return souk_buf_steal(&b, NULL);
}

static int cmp_lines(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text in sorted order (for relevance, which MongoDB returns in key order). */
static char *sorted_lines(const char *text) {
  char *copy = strdup(text);
  size_t n = 0, cap = 64;
  char **lines = malloc(cap * sizeof *lines);
  for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    if (n == cap)
      lines = realloc(lines, (cap *= 2) * sizeof *lines);
    lines[n++] = l;
  }
  qsort(lines, n, sizeof *lines, cmp_lines);
  souk_buf b;
  souk_buf_init(&b, 64 * 1024 * 1024);
  souk_buf_adds(&b, "");
  for (size_t i = 0; i < n; i++) {
    souk_buf_adds(&b, lines[i]);
    souk_buf_addc(&b, '\n');
  }
  free(lines);
  free(copy);
  return souk_buf_steal(&b, NULL);
}

static size_t count_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* The first line where two dumps differ, for a readable failure. */
static void check_same(const char *what, const char *a, const char *b) {
  if (strcmp(a, b) == 0)
    return;
  size_t line = 1;
  const char *pa = a, *pb = b;
  while (*pa && *pa == *pb) {
    if (*pa == '\n') {
      line++;
      a = pa + 1;
      b = pb + 1;
    }
    pa++, pb++;
  }
  souk_test_fail(__FILE__, __LINE__,
                 "%s: SQLite and MongoDB differ at line %zu:\n  sqlite: %.300s\n  mongodb: %.300s",
                 what, line, a, b);
}

static int queries_compared;

/* MongoDB, page by page, against SQLite in one piece (the reference: SQLite's own keyset pages
 * across several stores skip products, see the backend's report), and the counts. */
static void same_query(pair *p, const char *what, const souk_query *q) {
  int pages = 0;
  souk_query whole = *q;
  whole.limit = 0;
  char *a = walk(p->s[0], &whole, NULL);
  char *b = walk(p->s[1], q, &pages);
  size_t rows = count_lines(a);
  size_t want = rows && q->limit ? (rows + q->limit - 1) / q->limit : 1;
  CHECK_MSG((size_t)pages == want, "%s: %d pages of %zu for %zu products", what, pages, q->limit,
            rows);
  if (q->sort == SOUK_SORT_RELEVANCE && q->text) {
    char *sa = sorted_lines(a), *sb = sorted_lines(b);
    check_same(what, sa, sb);
    free(sa);
    free(sb);
  } else {
    check_same(what, a, b);
  }
  uint64_t c[2];
  for (int i = 0; i < 2; i++)
    CHECK_INT(souk_store_count(p->s[i], q, &c[i]), ==, 0);
  CHECK_INT(c[0], ==, c[1]);
  CHECK_INT(c[0], ==, rows);
  queries_compared++;
  free(a);
  free(b);
}

static int group_dump(const souk_group_stats *g, void *ud) {
  souk_buf_printf(ud, "%s|%llu|%llu|%llu|%lld|%lld|%.6f|%.6f|%llu\n", g->key,
                  (unsigned long long)g->products, (unsigned long long)g->available_products,
                  (unsigned long long)g->variants, (long long)g->price_min, (long long)g->price_max,
                  g->price_mean, g->price_median, (unsigned long long)g->priced);
  return 0;
}

static void same_aggregate(pair *p, const char *what, const souk_query *q, souk_group_by by) {
  souk_buf b[2];
  for (int i = 0; i < 2; i++) {
    souk_buf_init(&b[i], 1 << 20);
    souk_buf_adds(&b[i], "");
    CHECK_INT(souk_store_aggregate(p->s[i], q, by, group_dump, &b[i]), ==, 0);
  }
  check_same(what, b[0].data, b[1].data);
  CHECK(b[0].len > 0);
  souk_buf_free(&b[0]);
  souk_buf_free(&b[1]);
}

static int change_dump(const souk_change *c, void *ud) {
  souk_buf_printf(ud, "%s|%lld|%lld|%s|%lld|%lld\n", c->at, (long long)c->product_id,
                  (long long)c->variant_id, c->field, (long long)c->old_value,
                  (long long)c->new_value);
  return 0;
}

static size_t same_history(pair *p, const char *store, int64_t product, const char *since,
                           size_t limit) {
  souk_buf b[2];
  for (int i = 0; i < 2; i++) {
    souk_buf_init(&b[i], 1 << 22);
    souk_buf_adds(&b[i], "");
    CHECK_INT(souk_store_history(p->s[i], store, product, since, limit, change_dump, &b[i]), ==, 0);
  }
  check_same("history", b[0].data, b[1].data);
  size_t n = count_lines(b[0].data);
  souk_buf_free(&b[0]);
  souk_buf_free(&b[1]);
  return n;
}

static int crawl_dump(const souk_crawl_record *r, void *ud) {
  souk_buf_printf(ud, "%lld|%s|%s|%s|%s|%s|%d|%d|%llu|%llu|%llu|%llu|%llu|%llu|%s\n",
                  (long long)r->id, r->store, r->platform, r->started_at,
                  r->ended_at ? r->ended_at : "(null)", r->state, r->status, r->complete,
                  (unsigned long long)r->pages, (unsigned long long)r->bytes,
                  (unsigned long long)r->products, (unsigned long long)r->new_products,
                  (unsigned long long)r->changed, (unsigned long long)r->http_errors,
                  r->message ? r->message : "(null)");
  return 0;
}

static int store_dump(const souk_store_summary *st, void *ud) {
  souk_buf_printf(ud, "%s|%s|%s|%s|%llu|%llu|%llu|%lld|%s|%s\n", st->store, st->platform,
                  st->name ? st->name : "(null)", st->currency ? st->currency : "(null)",
                  (unsigned long long)st->products, (unsigned long long)st->listed,
                  (unsigned long long)st->delisted, (long long)st->announced, st->first_seen,
                  st->last_crawl_at ? st->last_crawl_at : "(null)");
  return 0;
}

/* A copy of a catalog whose variants can be edited. */
typedef struct editable {
  souk_product *p;
  souk_variant **v;
  size_t n;
} editable;

static void editable_copy(editable *e, const souk_product *src, size_t n) {
  e->n = n;
  e->p = calloc(n, sizeof *e->p);
  e->v = calloc(n, sizeof *e->v);
  for (size_t i = 0; i < n; i++) {
    e->p[i] = src[i];
    e->v[i] = calloc(src[i].nvariants + 1, sizeof **e->v);
    if (src[i].nvariants)
      memcpy(e->v[i], src[i].variants, src[i].nvariants * sizeof **e->v);
    e->p[i].variants = e->v[i];
  }
}

static void editable_free(editable *e) {
  for (size_t i = 0; i < e->n; i++)
    free(e->v[i]);
  free(e->v);
  free(e->p);
}

TEST(same_answers_as_sqlite) {
  server_uri();
  pair p = {{open_sqlite(), open_mongo()}};
  souk_catalog_page annie_a = {0}, annie_b = {0}, soul = {0};
  load_page("fixtures/shopify/annie-thompson_products_snapshot-a.json", &annie_a);
  load_page("fixtures/shopify/annie-thompson_products_snapshot-b.json", &annie_b);
  load_page("fixtures/shopify/soulandmore-eg_products_page1.json", &soul);
  make_misc();
  CHECK(annie_a.nproducts == 184 && soul.nproducts == 183);

  /* Day 1: three stores, pages of 50. */
  souk_put_result r;
  clock_at(1);
  crawl_both(&p, ANNIE, annie_a.products, annie_a.nproducts, 50, 0, true, &r);
  CHECK_INT(r.new_products, ==, 184);
  crawl_both(&p, SOUL "/collections/all", soul.products, soul.nproducts, 250, 0, true, &r);
  crawl_both(&p, MISC, misc, 5, 2, 0, true, NULL);
  souk_store_info annie_info = {.name = "Annie Thompson", .currency = "CAD", .product_count = 184};
  souk_store_info soul_info = {.currency = "EGP", .product_count = -1};
  for (int i = 0; i < 2; i++) {
    CHECK_INT(souk_store_set_info(p.s[i], ANNIE, &annie_info), ==, 0);
    CHECK_INT(souk_store_set_info(p.s[i], SOUL, &soul_info), ==, 0);
  }

  /* Day 2: snapshot b differs only in updated_at. */
  clock_at(2);
  crawl_both(&p, ANNIE, annie_b.products, annie_b.nproducts, 50, 0, true, &r);
  CHECK_INT(r.events, ==, 0);

  /* Day 3: real changes, two products gone, one product twice in the page. */
  editable e;
  editable_copy(&e, annie_b.products, annie_b.nproducts);
  for (int i = 0; i < 5; i++)
    e.v[i][0].price += 500;
  for (size_t k = 0; k < e.p[5].nvariants; k++)
    e.v[5][k].available = 0;
  e.v[6][0].compare_at_price = SOUK_NO_PRICE;
  if (e.p[7].nvariants > 1)
    e.p[7].nvariants--;
  e.v[9][0].id = 424242;
  souk_product *day3 = calloc(e.n + 1, sizeof *day3);
  size_t n3 = 0;
  for (size_t i = 0; i < e.n; i++)
    if (i != 10 && i != 11)
      day3[n3++] = e.p[i];
  souk_variant twice[1] = {e.v[12][0]};
  twice[0].price = 1;
  day3[n3] = e.p[12];
  day3[n3].variants = twice;
  day3[n3++].nvariants = 1;
  clock_at(3);
  crawl_both(&p, ANNIE, day3, n3, 60, 0, true, &r);
  SAY("day 3: %llu products changed, %llu events, the same on both", (unsigned long long)r.changed,
      (unsigned long long)r.events);
  CHECK(r.changed >= 7 && r.events >= 10);

  /* An incomplete and a failed crawl count no miss; a killed one is closed as interrupted. */
  clock_at(4);
  crawl_both(&p, ANNIE, day3, n3, 100, 0, false, NULL);
  crawl_both(&p, ANNIE, day3, n3, 100, SOUK_ENETWORK, true, NULL);
  for (int i = 0; i < 2; i++) {
    int64_t id;
    CHECK_INT(souk_store_crawl_begin(p.s[i], ANNIE, "shopify", &id), ==, 0);
    CHECK_INT(souk_store_put_products(p.s[i], id, ANNIE, day3, 20, NULL), ==, 0);
  }
  clock_at(5);
  crawl_both(&p, ANNIE, day3, n3, 100, 0, true, NULL);
  clock_at(6);
  crawl_both(&p, ANNIE, day3, n3, 100, 0, true, NULL); /* third miss: 10 and 11 delisted */
  clock_at(7);
  crawl_both(&p, ANNIE, e.p, 11, 100, 0, false, &r); /* product 10 is back */
  CHECK_INT(r.events, >=, 1);

  /* History, crawls, stores. */
  size_t events = same_history(&p, ANNIE, 0, NULL, 0);
  CHECK(events >= 15);
  same_history(&p, ANNIE, 0, "2026-03-06T00:00:00.000Z", 0);
  same_history(&p, ANNIE, 0, NULL, 7);
  for (int i = 0; i < 13; i++)
    same_history(&p, ANNIE, e.p[i].id, NULL, 0);
  CHECK_INT(same_history(&p, ANNIE, e.p[11].id, NULL, 0), ==, 1); /* delisted */
  CHECK_INT(same_history(&p, ANNIE, e.p[10].id, NULL, 0), ==, 2); /* delisted, listed */
  souk_buf b[2];
  for (int i = 0; i < 2; i++) {
    souk_buf_init(&b[i], 1 << 20);
    souk_buf_adds(&b[i], "");
    CHECK_INT(souk_store_crawls(p.s[i], NULL, 0, crawl_dump, &b[i]), ==, 0);
    CHECK_INT(souk_store_crawls(p.s[i], ANNIE, 3, crawl_dump, &b[i]), ==, 0);
    CHECK_INT(souk_store_stores(p.s[i], store_dump, &b[i]), ==, 0);
  }
  check_same("crawls and stores", b[0].data, b[1].data);
  CHECK_HAS(b[1].data, "|interrupted|-30|");
  CHECK_HAS(b[1].data, "|failed|");
  souk_buf_free(&b[0]);
  souk_buf_free(&b[1]);

  /* Queries: every sort both ways in pages of 7, filters, searches, with and without FULL. */
  clock_at(8);
  souk_query q;
  for (int sort = SOUK_SORT_KEY; sort <= SOUK_SORT_TITLE; sort++)
    for (int desc = 0; desc < 2; desc++)
      for (int kind = 0; kind < 3; kind++) { /* plain, full with delisted, lean */
        souk_query_init(&q);
        q.sort = (souk_sort)sort;
        q.descending = desc;
        q.limit = kind == 1 ? 50 : 7;
        q.flags = kind == 1   ? SOUK_QUERY_FULL | SOUK_QUERY_DELISTED
                  : kind == 2 ? SOUK_QUERY_LEAN
                              : 0;
        char what[64];
        snprintf(what, sizeof what, "sort %d%s%s", sort, desc ? " descending" : "",
                 kind == 1   ? " full"
                 : kind == 2 ? " lean"
                             : "");
        same_query(&p, what, &q);
      }
  const char *vendors[] = {"annie thompson", "SOULANDMORE", "misc co", "nobody"};
  for (size_t i = 0; i < 4; i++) {
    souk_query_init(&q);
    q.vendor = vendors[i];
    q.sort = SOUK_SORT_PRICE;
    q.limit = 25;
    same_query(&p, "vendor", &q);
  }
  const char *types[] = {"pants", "Body Splash", "home", "bundle"};
  for (size_t i = 0; i < 4; i++) {
    souk_query_init(&q);
    q.product_type = types[i];
    same_query(&p, "type", &q);
  }
  const char *tags[] = {"MADE IN CANADA", "250 egp", "été", "ÉTÉ", "sustainable", "t-shirt"};
  for (size_t i = 0; i < 6; i++) {
    souk_query_init(&q);
    q.tag = tags[i];
    q.sort = SOUK_SORT_TITLE;
    q.limit = 10;
    same_query(&p, "tag", &q);
  }
  const int64_t ranges[][2] = {
      {0, 5000}, {10000, 20000}, {SOUK_NO_PRICE, 3000}, {50000, SOUK_NO_PRICE}};
  for (size_t i = 0; i < 4; i++)
    for (int avail = -1; avail <= 1; avail++) {
      souk_query_init(&q);
      q.price_min = ranges[i][0];
      q.price_max = ranges[i][1];
      q.available = avail;
      q.sort = SOUK_SORT_UPDATED;
      q.descending = true;
      q.limit = 9;
      same_query(&p, "price and availability", &q);
    }
  souk_query_init(&q);
  q.changed_since = "2026-03-03T00:00:00.000Z";
  q.sort = SOUK_SORT_CHANGED;
  q.limit = 4;
  same_query(&p, "changed since", &q);
  q.flags = SOUK_QUERY_DELISTED;
  same_query(&p, "changed since, delisted too", &q);
  souk_query_init(&q);
  q.store = "HTTPS://SoulAndMore.example/products.json";
  q.flags = SOUK_QUERY_FULL;
  q.limit = 30;
  same_query(&p, "store", &q);
  q.id = soul.products[17].id;
  same_query(&p, "store and id", &q);

  const char *searches[] = {
      "dress",
      "DRESS",
      "dre",
      "black dress",
      "body spl",
      "lotion red",
      "cola",
      "cafe",
      "CAFÉ",
      "creme brulee",
      "brûl",
      "t-shirt",
      "t-sh",
      "shirt",
      "-",
      "\"unbalanced",
      "été",
      "made in canada",
      "canad",
      "250 egp",
      "x-body",
      "cross-body/shoulder",
      "عطر",
      "الورد",
      "香水",
      "gift",
      "parisian",
      "100",
      "organic cotton",
      "linen olive",
      "zzzzqx",
      "a",
      "bag - black",
      "o'neill",
      "%",
      "l(ow)",
  };
  for (size_t i = 0; i < sizeof searches / sizeof *searches; i++) {
    souk_query_init(&q);
    q.text = searches[i];
    q.limit = 11;
    same_query(&p, searches[i], &q);
    q.sort = SOUK_SORT_RELEVANCE;
    same_query(&p, searches[i], &q);
    q.sort = SOUK_SORT_PRICE;
    q.vendor = "annie thompson";
    q.flags = SOUK_QUERY_DELISTED;
    same_query(&p, searches[i], &q);
  }
  souk_query_init(&q);
  q.text = "dress";
  uint64_t dresses = 0;
  CHECK_INT(souk_store_count(p.s[1], &q, &dresses), ==, 0);
  CHECK(dresses > 5);
  q.text = "cafe";
  CHECK_INT(souk_store_count(p.s[1], &q, &dresses), ==, 0);
  CHECK_INT(dresses, ==, 1);
  SAY("%d queries (every sort both ways, filters, %zu searches in 3 orders) give the same "
      "products, "
      "pages and counts on SQLite and MongoDB",
      queries_compared, sizeof searches / sizeof *searches);

  /* Cursors are one format: a page from SQLite continues on MongoDB where SQLite's order
   * goes on. */
  for (int sort = SOUK_SORT_KEY; sort <= SOUK_SORT_TITLE; sort++) {
    souk_query_init(&q);
    q.sort = (souk_sort)sort;
    char *all = walk(p.s[0], &q, NULL);
    q.limit = 13;
    souk_buf first, rest;
    souk_buf_init(&first, 1 << 20);
    souk_buf_init(&rest, 1 << 20);
    souk_buf_adds(&rest, "");
    char *next = NULL;
    CHECK_INT(souk_store_query(p.s[0], &q, dump_cb, &first, &next), ==, 0);
    CHECK(next != NULL);
    q.cursor = next;
    q.limit = 0;
    CHECK_INT(souk_store_query(p.s[1], &q, dump_cb, &rest, NULL), ==, 0);
    CHECK_INT(strncmp(all, first.data, first.len), ==, 0);
    check_same("a SQLite cursor on MongoDB", all + first.len, rest.data);
    free(all);
    free(next);
    souk_buf_free(&first);
    souk_buf_free(&rest);
  }

  /* Aggregates. */
  for (int by = SOUK_GROUP_STORE; by <= SOUK_GROUP_TYPE; by++) {
    souk_query_init(&q);
    same_aggregate(&p, "aggregate", &q, (souk_group_by)by);
    q.available = 1;
    q.flags = SOUK_QUERY_DELISTED;
    same_aggregate(&p, "aggregate in stock", &q, (souk_group_by)by);
    souk_query_init(&q);
    q.text = "body";
    same_aggregate(&p, "aggregate of a search", &q, (souk_group_by)by);
  }
  SAY("history (%zu events), crawl records, store summaries, cursors and aggregates agree", events);

  souk_store_set_clock(NULL);
  free(day3);
  editable_free(&e);
  souk_catalog_page_free(&annie_a);
  souk_catalog_page_free(&annie_b);
  souk_catalog_page_free(&soul);
  souk_store_close(p.s[0]);
  souk_store_close(p.s[1]);
}

TEST(documents_and_indexes) {
  souk_store *s = open_mongo();
  make_misc();
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, MISC, misc, 5, NULL), ==, 0);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);

  raw r;
  raw_open(&r);
  mongoc_collection_t *products = mongoc_database_get_collection(r.db, "products");
  bson_t *filter = BCON_NEW("store", MISC, "id", BCON_INT64(70000));
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(products, filter, NULL, NULL);
  const bson_t *doc;
  CHECK(mongoc_cursor_next(c, &doc));
  bson_iter_t it;
  CHECK(bson_iter_init_find(&it, doc, "variants") && BSON_ITER_HOLDS_ARRAY(&it));
  CHECK(bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, "variants.0.price", &it) &&
        bson_iter_as_int64(&it) == 1000);
  CHECK(bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, "tags.1", &it) &&
        strcmp(bson_iter_utf8(&it, NULL), "Crème") == 0);
  CHECK(bson_iter_init_find(&it, doc, "first_seen") && BSON_ITER_HOLDS_UTF8(&it));
  CHECK(bson_iter_init_find(&it, doc, "search") && BSON_ITER_HOLDS_UTF8(&it));
  CHECK_HAS(bson_iter_utf8(&it, NULL), " cafe creme brulee candle");
  CHECK(bson_iter_init_find(&it, doc, "delisted_at") && BSON_ITER_HOLDS_NULL(&it));
  mongoc_cursor_destroy(c);
  bson_destroy(filter);

  /* The unique key and the query indexes (createIndexes, so a real server enforces them). */
  const char *wanted[] = {"key", "vendor", "type", "price", "updated", "changed"};
  c = mongoc_collection_find_indexes_with_opts(products, NULL);
  int found = 0;
  bool unique_key = false;
  while (mongoc_cursor_next(c, &doc)) {
    bson_iter_t name;
    if (!bson_iter_init_find(&name, doc, "name"))
      continue;
    for (size_t i = 0; i < 6; i++)
      if (strcmp(bson_iter_utf8(&name, NULL), wanted[i]) == 0) {
        found++;
        if (i == 0)
          unique_key = bson_iter_init_find(&it, doc, "unique") && bson_iter_as_bool(&it);
      }
  }
  CHECK(!mongoc_cursor_error(c, NULL));
  mongoc_cursor_destroy(c);
  CHECK_INT(found, ==, 6);
  CHECK(unique_key);
  mongoc_collection_destroy(products);
  raw_close(&r);
  souk_store_close(s);
  SAY("products are documents with native arrays, string times, a folded search field; "
      "6 indexes on products, the key unique");
}

/* A crash after a page's history was written but before its products were: the restarted
 * crawl writes the page again and the history keeps each change once. */
TEST(replayed_page_keeps_history_once) {
  souk_store *s = open_mongo();
  make_misc();
  clock_at(1);
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, MISC, misc, 4, NULL), ==, 0);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);

  raw r;
  raw_open(&r);
  mongoc_collection_t *products = mongoc_database_get_collection(r.db, "products");
  bson_t empty = BSON_INITIALIZER;
  bson_t *saved[8];
  size_t nsaved = 0;
  mongoc_cursor_t *c = mongoc_collection_find_with_opts(products, &empty, NULL, NULL);
  const bson_t *doc;
  while (nsaved < 8 && mongoc_cursor_next(c, &doc))
    saved[nsaved++] = bson_copy(doc);
  mongoc_cursor_destroy(c);
  CHECK_INT(nsaved, ==, 4);

  /* Prices change; the page is written; then the products go back to what they were, as if
   * the process had died between the two writes. */
  for (int i = 0; i < 4; i++)
    misc_variants[i][0].price += 1;
  clock_at(2);
  souk_put_result r1 = {0}, r2 = {0};
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, MISC, misc, 4, &r1), ==, 0);
  CHECK_INT(r1.events, ==, 4);
  bson_error_t err;
  CHECK(mongoc_collection_delete_many(products, &empty, NULL, NULL, &err));
  for (size_t i = 0; i < nsaved; i++) {
    CHECK(mongoc_collection_insert_one(products, saved[i], NULL, NULL, &err));
    bson_destroy(saved[i]);
  }
  clock_at(3);
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, MISC, misc, 4, &r2), ==, 0);
  CHECK_INT(r2.events, ==, 4);
  souk_buf hist;
  souk_buf_init(&hist, 1 << 20);
  souk_buf_adds(&hist, "");
  CHECK_INT(souk_store_history(s, MISC, 0, NULL, 0, change_dump, &hist), ==, 0);
  CHECK_INT(count_lines(hist.data), ==, 4);
  CHECK_HAS(hist.data, "2026-03-02T10:00:00.000Z|70000|900000|price|1000|1001");
  souk_buf_free(&hist);
  souk_store_set_clock(NULL);
  mongoc_collection_destroy(products);
  raw_close(&r);
  souk_store_close(s);
  SAY("a page replayed after a crash between its two writes: 4 changes recorded once, not twice");
}

TEST(bad_input_gets_clear_errors) {
  souk_store *s = open_mongo();
  make_misc();
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, MISC, misc, 5, NULL), ==, 0);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);

  souk_query q;
  souk_query_init(&q);
  q.text = "  \t ";
  souk_buf b;
  souk_buf_init(&b, 1 << 20);
  CHECK_INT(souk_store_query(s, &q, dump_cb, &b, NULL), ==, SOUK_EINVAL);
  CHECK_HAS(souk_store_errmsg(s), "search text is empty");
  char *longtext = malloc(3000);
  memset(longtext, 'a', 2999);
  longtext[2999] = '\0';
  q.text = longtext;
  uint64_t count = 0;
  CHECK_INT(souk_store_count(s, &q, &count), ==, SOUK_EINVAL);
  CHECK_HAS(souk_store_errmsg(s), "too long");
  free(longtext);

  /* A cursor of another sort (a title where a price belongs) or of another kind. */
  souk_query_init(&q);
  q.sort = SOUK_SORT_TITLE;
  q.limit = 2;
  char *next = NULL;
  CHECK_INT(souk_store_query(s, &q, dump_cb, &b, &next), ==, 0);
  CHECK(next != NULL);
  q.sort = SOUK_SORT_PRICE;
  q.cursor = next;
  CHECK_INT(souk_store_query(s, &q, dump_cb, &b, NULL), ==, SOUK_EINVAL);
  CHECK_HAS(souk_store_errmsg(s), "cursor");
  q.sort = SOUK_SORT_RELEVANCE;
  q.text = "candle";
  CHECK_INT(souk_store_query(s, &q, dump_cb, &b, NULL), ==, SOUK_EINVAL);
  free(next);

  CHECK_INT(souk_store_crawl_end(s, 987654, &end), ==, SOUK_ENOENT);
  CHECK_HAS(souk_store_errmsg(s), "no crawl 987654");
  CHECK_INT(souk_store_put_products(s, id, "not a store", misc, 5, NULL), ==, SOUK_EINVAL);

  /* Text that is not UTF-8 (a server refuses a write holding it): stored with U+FFFD, the
   * rest of the page written. */
  souk_product latin1[2] = {misc[0], misc[3]};
  latin1[0].id = 71000;
  latin1[0].title = "Cr\xe8"
                    "me br\xfb"
                    "l\xe9"
                    "e";
  CHECK_INT(souk_store_put_products(s, id, MISC, latin1, 2, NULL), ==, 0);
  souk_buf_reset(&b);
  CHECK_INT(souk_store_get_product(s, MISC, 71000, dump_cb, &b), ==, 0);
  CHECK_HAS(b.data, "|Cr\xef\xbf\xbd"
                    "me br\xef\xbf\xbd"
                    "l\xef\xbf\xbd"
                    "e|");

  /* Nothing was lost on the way. */
  souk_query_init(&q);
  CHECK_INT(souk_store_count(s, &q, &count), ==, 0);
  CHECK_INT(count, ==, 6);
  q.text = "- / ()";
  CHECK_INT(souk_store_count(s, &q, &count), ==, 0);
  CHECK_INT(count, ==, 0);
  q.text = "cr\xe8"
           "me"; /* a search that is not UTF-8 is a search, not a server error */
  CHECK_INT(souk_store_count(s, &q, &count), ==, 0);
  souk_buf_free(&b);
  souk_store_close(s);
  SAY("empty and oversized searches, foreign cursors, unknown crawls, bad store URLs: clear "
      "errors; text not in UTF-8 kept with U+FFFD; every product intact");
}

/* A database written by a newer souk is refused, not misread. */
TEST(newer_schema_refused) {
  souk_store *s = open_mongo();
  souk_store_close(s);
  raw r;
  raw_open(&r);
  mongoc_collection_t *meta = mongoc_database_get_collection(r.db, "meta");
  bson_t *filter = BCON_NEW("name", "schema");
  bson_t *update = BCON_NEW("$set", "{", "value", BCON_INT32(99), "}");
  bson_error_t err;
  CHECK(mongoc_collection_update_one(meta, filter, update, NULL, NULL, &err));
  char uri[1024];
  db_uri(uri, sizeof uri);
  souk_errinfo e = {0};
  CHECK(souk_store_open_mongo(uri, cfg, &e) == NULL);
  CHECK_INT(e.code, ==, SOUK_ESTORE);
  CHECK_HAS(e.text, "schema version 99, newer than this souk's 1");
  bson_destroy(filter);
  bson_destroy(update);
  mongoc_collection_destroy(meta);
  raw_close(&r);
  SAY("a database with schema version 99 is refused: %s", e.text);
}

/* A second handle (the store writer's thread has one) and pages written with facts computed
 * beforehand, as the writer hands them over. */
TEST(second_handle_and_prepared_pages) {
  souk_store *s = open_mongo();
  souk_errinfo e = {0};
  souk_store *w = souk_store_reopen(s, &e);
  CHECK_MSG(w != NULL, "reopen: %s", e.text);
  make_misc();
  souk_product_facts f;
  souk__facts_init(&f);
  souk_facts_view views[5];
  souk_arena a;
  souk_arena_init(&a, 0);
  for (int i = 0; i < 5; i++) {
    CHECK_INT(souk__facts_compute(&f, &misc[i]), ==, 0);
    CHECK_INT(souk__facts_view_copy(&a, &f, &views[i]), ==, 0);
  }
  souk__facts_free(&f);
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, MISC, "shopify", &id), ==, 0);
  souk_put_result r = {0};
  CHECK_INT(souk__store_put_prepared(w, id, MISC, misc, views, 5, &r), ==, 0);
  CHECK_INT(r.new_products, ==, 5);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);
  souk_arena_free(&a);
  souk_query q;
  souk_query_init(&q);
  q.text = "香水";
  uint64_t count = 0;
  CHECK_INT(souk_store_count(s, &q, &count), ==, 0);
  CHECK_INT(count, ==, 1);
  souk_store_close(w);
  souk_store_close(s);
  SAY("a second handle writes prepared pages; the first reads them (search included)");
}

/* Bad URIs fail at once with the reason, never echoing the password. */
TEST(bad_uri) /* no server */ {
  if (!cfg)
    cfg = souk_config_new();
  const char *bad[] = {"", "http://127.0.0.1:27017", "mongodb://user:s3cret@",
                       "mongodb://a:b:c:d/"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    souk_errinfo e = {0};
    CHECK(souk_store_open_mongo(bad[i], cfg, &e) == NULL);
    CHECK_INT(e.code, ==, SOUK_ECONFIG);
    CHECK_HAS(e.text, "MongoDB URI");
    CHECK(strstr(e.text, "s3cret") == NULL);
    SAY("'%s': %s", bad[i], e.text);
  }
}

/* No server there: a clear error within the URI's server selection time. */
TEST(unreachable_server) /* no server */ {
  if (!cfg)
    cfg = souk_config_new();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  souk_errinfo e = {0};
  CHECK(souk_store_open_mongo("mongodb://user:s3cret@127.0.0.1:1/souk?serverSelectionTimeoutMS=300",
                              cfg, &e) == NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK_INT(e.code, ==, SOUK_ESTORE);
  CHECK_HAS(e.text, "cannot reach the MongoDB server");
  CHECK(strstr(e.text, "s3cret") == NULL);
  CHECK(secs < 5);
  SAY("refused in %.1f s: %s", secs, e.text);
}
