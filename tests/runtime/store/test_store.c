/* SPDX-License-Identifier: MIT */
/* The store suite: the same cases run against every backend (SQLite by default; MongoDB when
 * SOUK_TEST_MONGODB_URI names a server, which the MongoDB CTests start on loopback). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include <sqlite3.h>

#include "souk/error.h"
#include "store/store.h"
#include "store/store_int.h"

#define SHOP "https://shop.example"

static souk_config *cfg;

static souk_store *open_store(void) {
  if (!cfg)
    cfg = souk_config_new();
  souk_errinfo e = {0};
  const char *mongo = getenv("SOUK_TEST_MONGODB_URI");
  souk_store *s;
  if (mongo && *mongo) {
    /* A database of its own per case. */
    char uri[1024];
    const char *q = strchr(mongo, '?');
    snprintf(uri, sizeof uri, "%.*s/souk_test_%d%s", (int)(q ? q - mongo : (long)strlen(mongo)), mongo,
             (int)getpid(), q ? q : "");
    s = souk_store_open_mongo(uri, cfg, &e);
  } else {
    char path[4096];
    snprintf(path, sizeof path, "%s/data/souk.db", souk_test_tmpdir());
    s = souk_store_open_sqlite(path, cfg, &e);
  }
  CHECK_MSG(s != NULL, "store did not open: %s", e.text);
  return s;
}

/* A small synthetic catalog: product i has i%3+1 variants, price (i+1)*100 + variant. */
typedef struct cat {
  souk_product p[64];
  souk_variant v[64][3];
  const char *tags[64][2];
  souk_image img[64][1];
  char title[64][64], handle[64][32], vendor[64][16], type[64][16];
  size_t n;
} cat;

static void make_catalog(cat *c, size_t n) {
  memset(c, 0, sizeof *c);
  c->n = n;
  for (size_t i = 0; i < n; i++) {
    souk_product *p = &c->p[i];
    snprintf(c->title[i], sizeof c->title[i], "%s widget %zu", i % 2 ? "Red" : "Blue", i);
    snprintf(c->handle[i], sizeof c->handle[i], "widget-%zu", i);
    snprintf(c->vendor[i], sizeof c->vendor[i], "Vendor%zu", i % 3);
    snprintf(c->type[i], sizeof c->type[i], "%s", i % 4 ? "Shirts" : "Hats");
    c->tags[i][0] = i % 2 ? "sale" : "new";
    c->tags[i][1] = "cotton";
    c->img[i][0] = (souk_image){"https://cdn.example/w.jpg", 800, 600};
    p->id = 1000 + (int64_t)i;
    p->title = c->title[i];
    p->handle = c->handle[i];
    p->vendor = c->vendor[i];
    p->product_type = c->type[i];
    p->tags = c->tags[i];
    p->ntags = 2;
    p->body_html = "<p>Soft &amp; warm</p>";
    p->updated_at = "2026-01-01T00:00:00Z";
    p->images = c->img[i];
    p->nimages = 1;
    p->price_decimals = 2;
    p->nvariants = i % 3 + 1;
    p->variants = c->v[i];
    for (size_t k = 0; k < p->nvariants; k++) {
      c->v[i][k] = (souk_variant){.id = (int64_t)(50000 + i * 10 + k),
                                  .title = "Default",
                                  .price = (int64_t)((i + 1) * 100 + k),
                                  .compare_at_price = k == 0 ? (int64_t)((i + 1) * 150) : SOUK_NO_PRICE,
                                  .available = (i + k) % 4 != 0};
    }
  }
}

static int64_t crawl(souk_store *s, cat *c, bool complete) {
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  souk_put_result r = {0};
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, c->n, &r), ==, 0);
  souk_crawl_end end = {.status = 0, .complete = complete, .pages = 1};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);
  return id;
}

static int count_cb(const souk_stored_product *p, void *ud) {
  (void)p;
  (*(int *)ud)++;
  return 0;
}

static int count_query(souk_store *s, const souk_query *q) {
  int n = 0;
  CHECK_INT(souk_store_query(s, q, count_cb, &n, NULL), ==, 0);
  return n;
}

typedef struct changes {
  int n;
  char fields[64][24];
  int64_t variant[64], oldv[64], newv[64], product[64];
} changes;

static int change_cb(const souk_change *c, void *ud) {
  changes *ch = ud;
  if (ch->n < 64) {
    snprintf(ch->fields[ch->n], sizeof ch->fields[0], "%s", c->field);
    ch->variant[ch->n] = c->variant_id;
    ch->product[ch->n] = c->product_id;
    ch->oldv[ch->n] = c->old_value;
    ch->newv[ch->n] = c->new_value;
  }
  ch->n++;
  return 0;
}

TEST(upsert_and_read_back) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 10);
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  souk_put_result r = {0};
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, c->n, &r), ==, 0);
  CHECK_INT(r.products, ==, 10);
  CHECK_INT(r.new_products, ==, 10);
  CHECK_INT(r.changed, ==, 0);
  souk_store_info info = {.name = "Shop", .currency = "EUR", .product_count = 10};
  CHECK_INT(souk_store_set_info(s, SHOP, &info), ==, 0);
  souk_crawl_end end = {.status = 0, .complete = true, .pages = 1, .bytes = 1234};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);

  souk_query q;
  souk_query_init(&q);
  CHECK_INT(count_query(s, &q), ==, 10);
  uint64_t count = 0;
  CHECK_INT(souk_store_count(s, &q, &count), ==, 0);
  CHECK_INT(count, ==, 10);
  free(c);
  souk_store_close(s);
  SAY("%s: 10 products written in one page, all new, counted back", "store");
}

static int check_full(const souk_stored_product *p, void *ud) {
  (void)ud;
  CHECK_STR(p->store, SHOP);
  CHECK_INT(p->id, ==, 1005);
  CHECK_STR(p->title, "Red widget 5");
  CHECK_STR(p->handle, "widget-5");
  CHECK_STR(p->url, SHOP "/products/widget-5");
  CHECK_STR(p->vendor, "Vendor2");
  CHECK_STR(p->currency, "EUR");
  CHECK_INT(p->ntags, ==, 2);
  CHECK_STR(p->tags[0], "sale");
  CHECK_INT(p->nvariants, ==, 3);
  CHECK_INT(p->price_min, ==, 600);
  CHECK_INT(p->price_max, ==, 602);
  CHECK_INT(p->price_sum, ==, 1803);
  CHECK_INT(p->description_length, ==, 11); /* "Soft & warm" */
  CHECK(p->full != NULL);
  CHECK_INT(p->full->nvariants, ==, 3);
  CHECK_INT(p->full->variants[0].compare_at_price, ==, 900);
  CHECK_INT(p->full->variants[1].compare_at_price, ==, SOUK_NO_PRICE);
  CHECK_INT(p->full->nimages, ==, 1);
  CHECK_INT(p->full->images[0].width, ==, 800);
  CHECK_STR(p->body_text, "Soft & warm");
  CHECK_STR(p->full->body_html, "<p>Soft &amp; warm</p>");
  CHECK(p->first_seen && p->last_seen && p->last_changed);
  CHECK(p->delisted_at == NULL);
  return 0;
}

TEST(get_product_full) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 10);
  crawl(s, c, true);
  souk_store_info info = {.currency = "EUR", .product_count = -1};
  CHECK_INT(souk_store_set_info(s, SHOP, &info), ==, 0);
  CHECK_INT(souk_store_get_product(s, SHOP "/collections/all", 1005, check_full, NULL), ==, 0);
  CHECK_INT(souk_store_get_product(s, SHOP, 999999, check_full, NULL), ==, SOUK_ENOENT);
  free(c);
  souk_store_close(s);
  SAY("one product read back with variants, images, prices in minor units, visible text");
}

TEST(no_change_no_history) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 20);
  crawl(s, c, true);
  /* Same catalog, only updated_at churns. */
  for (size_t i = 0; i < c->n; i++)
    c->p[i].updated_at = "2026-01-02T04:00:00Z";
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  souk_put_result r = {0};
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, c->n, &r), ==, 0);
  CHECK_INT(r.new_products, ==, 0);
  CHECK_INT(r.changed, ==, 0);
  CHECK_INT(r.events, ==, 0);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);
  changes ch = {0};
  CHECK_INT(souk_store_history(s, SHOP, 0, NULL, 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 0); /* first sightings are first_seen, not history */
  free(c);
  souk_store_close(s);
  SAY("a second crawl differing only in updated_at records no change");
}

TEST(real_changes_recorded) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 6);
  souk_store_set_clock("2026-01-01T00:00:00.000Z");
  crawl(s, c, true);
  /* product 1001: price change on its first variant; product 1002: a variant sells out and
   * the compare-at price goes; product 1004: a new variant, one removed. */
  c->v[1][0].price = 250;
  c->v[2][1].available = 0;
  c->v[2][0].compare_at_price = SOUK_NO_PRICE;
  c->v[4][1].id = 99999;
  souk_store_set_clock("2026-01-02T00:00:00.000Z");
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  souk_put_result r = {0};
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, c->n, &r), ==, 0);
  CHECK_INT(r.changed, ==, 3);
  CHECK_INT(r.events, ==, 5);
  souk_crawl_end end = {.complete = true};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);

  changes ch = {0};
  CHECK_INT(souk_store_history(s, SHOP, 1001, NULL, 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 1);
  CHECK_STR(ch.fields[0], "price");
  CHECK_INT(ch.oldv[0], ==, 200);
  CHECK_INT(ch.newv[0], ==, 250);
  memset(&ch, 0, sizeof ch);
  CHECK_INT(souk_store_history(s, SHOP, 1002, NULL, 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 2);
  bool sold_out = false, compare_gone = false;
  for (int i = 0; i < ch.n; i++) {
    sold_out |= strcmp(ch.fields[i], "available") == 0 && ch.oldv[i] == 1 && ch.newv[i] == 0;
    compare_gone |= strcmp(ch.fields[i], "compare_at_price") == 0 && ch.oldv[i] == 450 &&
                    ch.newv[i] == SOUK_NO_PRICE;
  }
  CHECK(sold_out && compare_gone);
  memset(&ch, 0, sizeof ch);
  CHECK_INT(souk_store_history(s, SHOP, 1004, NULL, 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 2);
  memset(&ch, 0, sizeof ch);
  CHECK_INT(souk_store_history(s, SHOP, 0, "2026-01-02T00:00:00.000Z", 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 5);
  /* changed_since selects the three products. */
  souk_query q;
  souk_query_init(&q);
  q.changed_since = "2026-01-02T00:00:00.000Z";
  CHECK_INT(count_query(s, &q), ==, 3);
  souk_store_set_clock(NULL);
  free(c);
  souk_store_close(s);
  SAY("price change, sell-out, compare-at removal, variant added and removed: 5 events on 3 products");
}

static int delisted_cb(const souk_stored_product *p, void *ud) {
  if (p->delisted_at)
    (*(int *)ud)++;
  return 0;
}

TEST(delisted_after_missed_crawls) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 8);
  crawl(s, c, true);
  c->n = 7; /* product 1007 disappears */
  crawl(s, c, true);
  crawl(s, c, false); /* an incomplete crawl does not count */
  crawl(s, c, true);
  souk_query q;
  souk_query_init(&q);
  CHECK_INT(count_query(s, &q), ==, 8); /* missed twice: still listed */
  crawl(s, c, true);
  CHECK_INT(count_query(s, &q), ==, 7);
  q.flags = SOUK_QUERY_DELISTED;
  int delisted = 0;
  CHECK_INT(souk_store_query(s, &q, delisted_cb, &delisted, NULL), ==, 0);
  CHECK_INT(delisted, ==, 1);
  CHECK_INT(count_query(s, &q), ==, 8); /* kept, not deleted */
  c->n = 8; /* it comes back */
  crawl(s, c, true);
  q.flags = 0;
  CHECK_INT(count_query(s, &q), ==, 8);
  changes ch = {0};
  CHECK_INT(souk_store_history(s, SHOP, 1007, NULL, 0, change_cb, &ch), ==, 0);
  CHECK_INT(ch.n, ==, 2);
  CHECK_STR(ch.fields[0], "delisted");
  CHECK_STR(ch.fields[1], "listed");
  free(c);
  souk_store_close(s);
  SAY("missing from 3 complete crawls (an incomplete one ignored): delisted, kept, relisted on return");
}

TEST(filters_and_search) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 24);
  crawl(s, c, true);
  souk_query q;
  souk_query_init(&q);
  q.vendor = "vendor1";
  CHECK_INT(count_query(s, &q), ==, 8);
  souk_query_init(&q);
  q.product_type = "hats";
  CHECK_INT(count_query(s, &q), ==, 6);
  souk_query_init(&q);
  q.tag = "SALE";
  CHECK_INT(count_query(s, &q), ==, 12);
  souk_query_init(&q);
  q.price_min = 500;
  q.price_max = 1000;
  CHECK_INT(count_query(s, &q), ==, 6); /* products 4..9 start at 500..1000 */
  souk_query_init(&q);
  q.available = 0; /* every variant sold out: products with one variant and i%4==0 */
  int sold_out = count_query(s, &q);
  souk_query_init(&q);
  q.available = 1;
  CHECK_INT(count_query(s, &q) + sold_out, ==, 24);
  CHECK(sold_out > 0);
  souk_query_init(&q);
  q.text = "red";
  CHECK_INT(count_query(s, &q), ==, 12);
  q.text = "red widg";
  CHECK_INT(count_query(s, &q), ==, 12);
  q.text = "warm";
  CHECK_INT(count_query(s, &q), ==, 24);
  q.text = "\"unbalanced quote";
  CHECK_INT(count_query(s, &q), ==, 0);
  souk_query_init(&q);
  q.store = "https://other.example";
  CHECK_INT(count_query(s, &q), ==, 0);
  q.store = "not a url at all";
  int n = 0;
  CHECK_INT(souk_store_query(s, &q, count_cb, &n, NULL), ==, SOUK_EINVAL);
  free(c);
  souk_store_close(s);
  SAY("vendor, type, tag (case-insensitive), price range, availability, text search and store filters");
}

static int collect_ids(const souk_stored_product *p, void *ud) {
  int64_t **out = ud;
  *(*out)++ = p->id;
  return 0;
}

static void paginate(souk_store *s, souk_sort sort, bool desc, int expect) {
  souk_query q;
  souk_query_init(&q);
  q.sort = sort;
  q.descending = desc;
  q.limit = 5;
  if (sort == SOUK_SORT_RELEVANCE)
    q.text = "widget";
  int64_t ids[128], *w = ids;
  char *cursor = NULL;
  int pages = 0;
  do {
    q.cursor = cursor;
    char *next = NULL;
    CHECK_INT(souk_store_query(s, &q, collect_ids, &w, &next), ==, 0);
    free(cursor);
    cursor = next;
    pages++;
  } while (cursor && pages < 100);
  int n = (int)(w - ids);
  CHECK_INT(n, ==, expect);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      CHECK(ids[i] != ids[j]);
  SAY("sort %d %s: %d products in %d pages of 5, each once", (int)sort, desc ? "desc" : "asc", n, pages);
}

TEST(cursor_pagination) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 23);
  crawl(s, c, true);
  for (int sort = SOUK_SORT_KEY; sort <= SOUK_SORT_RELEVANCE; sort++) {
    paginate(s, (souk_sort)sort, false, 23);
    paginate(s, (souk_sort)sort, true, 23);
  }
  souk_query q;
  souk_query_init(&q);
  q.cursor = "garbage!";
  int n = 0;
  CHECK_INT(souk_store_query(s, &q, count_cb, &n, NULL), ==, SOUK_EINVAL);
  CHECK_HAS(souk_store_errmsg(s), "cursor");
  free(c);
  souk_store_close(s);
}

TEST(cursor_across_stores) {
  /* Two stores with the same ids: a page that ends in the first store must continue with all
   * of the second (the cursor's values must outlive the rows that follow). */
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 23);
  crawl(s, c, true);
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, "https://other.example", "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, "https://other.example", c->p, c->n, NULL), ==, 0);
  for (int sort = SOUK_SORT_KEY; sort <= SOUK_SORT_TITLE; sort++) {
    souk_query q;
    souk_query_init(&q);
    q.sort = (souk_sort)sort;
    q.limit = 7;
    int64_t ids[128], *w = ids;
    char *cursor = NULL;
    int pages = 0;
    do {
      q.cursor = cursor;
      char *next = NULL;
      CHECK_INT(souk_store_query(s, &q, collect_ids, &w, &next), ==, 0);
      free(cursor);
      cursor = next;
    } while (cursor && ++pages < 100);
    CHECK_INT(w - ids, ==, 46);
  }
  free(c);
  souk_store_close(s);
  SAY("two stores with the same 23 ids, pages of 7 in every order: 46 products, none skipped");
}

typedef struct groups {
  int n;
  char key[16][32];
  uint64_t products[16];
  double median[16];
} groups;

static int group_cb(const souk_group_stats *g, void *ud) {
  groups *gs = ud;
  snprintf(gs->key[gs->n], sizeof gs->key[0], "%s", g->key);
  gs->products[gs->n] = g->products;
  gs->median[gs->n] = g->price_median;
  gs->n++;
  return 0;
}

TEST(aggregates) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 12);
  crawl(s, c, true);
  souk_query q;
  souk_query_init(&q);
  groups g = {0};
  CHECK_INT(souk_store_aggregate(s, &q, SOUK_GROUP_TYPE, group_cb, &g), ==, 0);
  CHECK_INT(g.n, ==, 2);
  CHECK_STR(g.key[0], "Shirts");
  CHECK_INT(g.products[0], ==, 9);
  CHECK_STR(g.key[1], "Hats");
  CHECK_INT(g.products[1], ==, 3);
  CHECK(g.median[1] == 500); /* hats: products 0, 4, 8 start at 100, 500, 900 */
  memset(&g, 0, sizeof g);
  CHECK_INT(souk_store_aggregate(s, &q, SOUK_GROUP_VENDOR, group_cb, &g), ==, 0);
  CHECK_INT(g.n, ==, 3);
  memset(&g, 0, sizeof g);
  CHECK_INT(souk_store_aggregate(s, &q, SOUK_GROUP_STORE, group_cb, &g), ==, 0);
  CHECK_INT(g.n, ==, 1);
  CHECK_INT(g.products[0], ==, 12);
  free(c);
  souk_store_close(s);
  SAY("counts and price median by type, vendor and store");
}

typedef struct crawl_list {
  int n;
  char state[8][16];
} crawl_list;

static int crawl_cb(const souk_crawl_record *r, void *ud) {
  crawl_list *l = ud;
  if (l->n < 8)
    snprintf(l->state[l->n], sizeof l->state[0], "%s", r->state);
  l->n++;
  return 0;
}

TEST(killed_crawl_resumes_without_loss_or_duplicates) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 20);
  /* The first crawl writes 12 products, then the process dies (no crawl_end). */
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, 12, NULL), ==, 0);
  souk_store_close(s);
  s = open_store();
  /* Restarted from the first page: everything again. */
  crawl(s, c, true);
  souk_query q;
  souk_query_init(&q);
  CHECK_INT(count_query(s, &q), ==, 20);
  crawl_list l = {0};
  CHECK_INT(souk_store_crawls(s, SHOP, 0, crawl_cb, &l), ==, 0);
  CHECK_INT(l.n, ==, 2);
  CHECK_STR(l.state[0], "succeeded");
  CHECK_STR(l.state[1], "interrupted");
  free(c);
  souk_store_close(s);
  SAY("12 of 20 written, process gone, restart: 20 products, no duplicate, old crawl interrupted");
}

static int title_cb(const souk_stored_product *p, void *ud) {
  snprintf(ud, 64, "%s", p->title);
  return 0;
}

/* Group commit (the store writer's): pages inside one batch become durable together; a page
 * that fails undoes its whole batch; a batch never ended is lost whole. */
TEST(batched_pages_commit_together_and_fail_together) {
  souk_store *s = open_store();
  bool sqlite = souk__store_can_batch(s);
  cat *c = malloc(sizeof *c);
  make_catalog(c, 30);
  souk_query q;
  souk_query_init(&q);

  /* Three pages in one batch; the batch is rolled back: nothing stays. */
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  CHECK_INT(souk__store_batch_begin(s), ==, 0);
  for (int page = 0; page < 3; page++)
    CHECK_INT(souk_store_put_products(s, id, SHOP, c->p + page * 10, 10, NULL), ==, 0);
  CHECK_INT(souk__store_batch_end(s, false), ==, 0);
  CHECK_INT(count_query(s, &q), ==, sqlite ? 0 : 30);

  if (sqlite) {
    /* Two pages committed in a batch. */
    CHECK_INT(souk__store_batch_begin(s), ==, 0);
    CHECK_INT(souk__store_batch_begin(s), ==, SOUK_ESTATE);
    souk_put_result r = {0}, r2 = {0};
    CHECK_INT(souk_store_put_products(s, id, SHOP, c->p, 10, &r), ==, 0);
    CHECK_INT(souk_store_put_products(s, id, SHOP, c->p + 20, 10, &r2), ==, 0);
    CHECK_INT(souk__store_batch_end(s, true), ==, 0);
    CHECK_INT(count_query(s, &q), ==, 20);
    CHECK_INT((long long)(r.new_products + r2.new_products), ==, 20);

    /* Another connection adds a trigger that refuses product 1015: the page holding it
     * fails, and with it the page before it in the same batch; the batch is over. */
    char path[4096];
    snprintf(path, sizeof path, "%s/data/souk.db", souk_test_tmpdir());
    sqlite3 *raw = NULL;
    CHECK_INT(sqlite3_open(path, &raw), ==, SQLITE_OK);
    CHECK_INT(sqlite3_exec(raw, "CREATE TRIGGER refuse BEFORE INSERT ON products WHEN NEW.id = 1015"
                                " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                           NULL, NULL, NULL), ==, SQLITE_OK);
    CHECK_INT(souk__store_batch_begin(s), ==, 0);
    make_catalog(c, 30);
    c->p[25].title = "Renamed in the failed batch";
    CHECK_INT(souk_store_put_products(s, id, SHOP, c->p + 20, 10, NULL), ==, 0);
    CHECK_INT(souk_store_put_products(s, id, SHOP, c->p + 10, 10, NULL), ==, SOUK_ESTORE);
    CHECK_MSG(strstr(souk_store_errmsg(s), "refused by the test") != NULL, "error: %s",
              souk_store_errmsg(s));
    CHECK_INT(souk__store_batch_end(s, true), ==, 0);
    CHECK_INT(sqlite3_exec(raw, "DROP TRIGGER refuse", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(raw);
    CHECK_INT(count_query(s, &q), ==, 20);
    char title[64] = "";
    CHECK_INT(souk_store_get_product(s, SHOP, 1025, title_cb, title), ==, 0);
    CHECK_STR(title, "Red widget 25");
    souk_crawl_end end = {.status = 0, .complete = false, .pages = 3};
    CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);
    CHECK_INT(souk_store_crawl_begin(s, SHOP, "shopify", &id), ==, 0);
  }

  /* A batch never ended (the process died): its pages are gone, the earlier ones stay. */
  CHECK_INT(souk__store_batch_begin(s), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, SHOP, c->p + 10, 10, NULL), ==, 0);
  souk_store_close(s);
  s = open_store();
  CHECK_INT(count_query(s, &q), ==, sqlite ? 20 : 30);
  crawl(s, c, true);
  CHECK_INT(count_query(s, &q), ==, 30);
  free(c);
  souk_store_close(s);
  SAY("%s", sqlite ? "SQLite batch: rollback keeps nothing; commit keeps both pages; a page refused"
                     " by a trigger undoes its batch (the page before it too) with the trigger's"
                     " message; an unended batch is lost whole; the next crawl completes the store"
                   : "MongoDB has no batches: each page commits on its own (batch calls do nothing)");
}

static int64_t raw_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  CHECK_MSG(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

/* The plan SQLite picks for `sql`, its lines joined. */
static void raw_plan(sqlite3 *db, const char *sql, char *out, size_t len) {
  char explain[1024];
  snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
  sqlite3_stmt *st = NULL;
  CHECK_MSG(sqlite3_prepare_v2(db, explain, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
  size_t o = 0;
  out[0] = '\0';
  while (sqlite3_step(st) == SQLITE_ROW && o < len)
    o += (size_t)snprintf(out + o, len - o, "%s; ", (const char *)sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
}

TEST(schema_1_database_migrates) {
  souk_store *s = open_store();
  if (!souk__store_can_batch(s)) {
    souk_store_close(s);
    SAY("SQLite's schema versions only: MongoDB has no migrations to test");
    return;
  }
  cat *c = malloc(sizeof *c);
  make_catalog(c, 12);
  crawl(s, c, true);
  souk_store_close(s);

  /* Back to the shape schema 1 wrote: indexes led by the origin, no integer keys. */
  char path[4096];
  snprintf(path, sizeof path, "%s/data/souk.db", souk_test_tmpdir());
  sqlite3 *raw = NULL;
  CHECK_INT(sqlite3_open(path, &raw), ==, SQLITE_OK);
  static const char *const to_v1 =
      "BEGIN;"
      "DROP INDEX products_vendor; DROP INDEX products_type; DROP INDEX products_price;"
      "DROP INDEX products_updated; DROP INDEX products_changed; DROP INDEX stores_key;"
      "ALTER TABLE products DROP COLUMN store_key; ALTER TABLE stores DROP COLUMN key;"
      "CREATE INDEX products_vendor ON products(store, vendor COLLATE NOCASE);"
      "CREATE INDEX products_type ON products(store, product_type COLLATE NOCASE);"
      "CREATE INDEX products_price ON products(store, price_min);"
      "CREATE INDEX products_updated ON products(store, updated_at);"
      "CREATE INDEX products_changed ON products(store, last_changed);"
      "INSERT INTO stores(origin, platform, first_seen) VALUES('https://other.example', 'shopify',"
      " '2026-01-01T00:00:00.000Z');"
      "PRAGMA user_version = 1;"
      "COMMIT;";
  char *err = NULL;
  CHECK_MSG(sqlite3_exec(raw, to_v1, NULL, NULL, &err) == SQLITE_OK, "%s", err ? err : "");
  sqlite3_close(raw);

  /* Opening migrates: every product gets its store's key, the indexes lead with it. */
  s = open_store();
  CHECK_INT(sqlite3_open(path, &raw), ==, SQLITE_OK);
  CHECK_INT(raw_int(raw, "PRAGMA user_version"), ==, 2);
  CHECK_INT(raw_int(raw, "PRAGMA page_size"), ==, 65536); /* a database souk made */
  CHECK_INT(raw_int(raw, "SELECT count(*) FROM products p JOIN stores st ON st.key = p.store_key"
                         " AND st.origin = p.store"), ==, 12);
  CHECK_INT(raw_int(raw, "SELECT count(DISTINCT key) FROM stores"), ==, 2);
  char plan[1024];
  raw_plan(raw, "SELECT id FROM products p WHERE p.store_key = IFNULL((SELECT key FROM stores"
                " WHERE origin = 'https://shop.example'), -1) AND p.store = 'https://shop.example'"
                " AND p.vendor = 'vendor1' COLLATE NOCASE", plan, sizeof plan);
  CHECK_HAS(plan, "USING INDEX products_vendor (store_key=? AND vendor=?)");
  souk_query q;
  souk_query_init(&q);
  q.store = SHOP;
  q.vendor = "VENDOR1";
  CHECK_INT(count_query(s, &q), ==, 4);

  /* A new store gets the next key; its products are found by it, the old ones still are. */
  int64_t id;
  CHECK_INT(souk_store_crawl_begin(s, "https://third.example", "shopify", &id), ==, 0);
  CHECK_INT(souk_store_put_products(s, id, "https://third.example", c->p, 5, NULL), ==, 0);
  souk_crawl_end end = {.status = 0, .complete = true, .pages = 1};
  CHECK_INT(souk_store_crawl_end(s, id, &end), ==, 0);
  CHECK_INT(raw_int(raw, "SELECT key FROM stores WHERE origin = 'https://third.example'"), ==, 3);
  q.store = "https://third.example";
  q.vendor = NULL;
  CHECK_INT(count_query(s, &q), ==, 5);
  q.store = SHOP;
  CHECK_INT(count_query(s, &q), ==, 12);
  /* Products for a store no crawl began are refused, not written where no query finds them. */
  CHECK_INT(souk_store_put_products(s, id, "https://nobody.example", c->p, 1, NULL), ==, SOUK_EINVAL);
  sqlite3_close(raw);
  free(c);
  souk_store_close(s);
  SAY("a schema 1 database opens as schema 2: 12 products keyed by their store, two stores "
      "keyed 1 and 2, a new one 3; store + vendor queries use (store_key, vendor): %s", plan);
}

static int summary_cb(const souk_store_summary *st, void *ud) {
  CHECK_STR(st->store, SHOP);
  CHECK_STR(st->currency, "EGP");
  CHECK_INT(st->products, ==, 5);
  CHECK_INT(st->announced, ==, 5);
  (*(int *)ud)++;
  return 0;
}

TEST(store_summaries) {
  souk_store *s = open_store();
  cat *c = malloc(sizeof *c);
  make_catalog(c, 5);
  crawl(s, c, true);
  souk_store_info info = {.currency = "EGP", .product_count = 5};
  CHECK_INT(souk_store_set_info(s, "https://SHOP.example:443/products.json", &info), ==, 0);
  int n = 0;
  CHECK_INT(souk_store_stores(s, summary_cb, &n), ==, 0);
  CHECK_INT(n, ==, 1);
  free(c);
  souk_store_close(s);
  SAY("store summary with currency and announced count; origins normalised");
}

TEST(origins) {
  char o[256];
  CHECK_INT(souk_store_origin("https://Shop.Example/collections/all?x=1", o, sizeof o), ==, 0);
  CHECK_STR(o, "https://shop.example");
  CHECK_INT(souk_store_origin("http://127.0.0.1:8080/products.json", o, sizeof o), ==, 0);
  CHECK_STR(o, "http://127.0.0.1:8080");
  CHECK_INT(souk_store_origin("https://shop.example:443", o, sizeof o), ==, 0);
  CHECK_STR(o, "https://shop.example");
  CHECK_INT(souk_store_origin("shop.example", o, sizeof o), ==, 0);
  CHECK_STR(o, "https://shop.example");
  CHECK_INT(souk_store_origin("ftp://shop.example", o, sizeof o), ==, SOUK_EINVAL);
  CHECK_INT(souk_store_origin("http://", o, sizeof o), ==, SOUK_EINVAL);
  SAY("store URLs normalise to scheme://host[:port]; other schemes refused");
}
