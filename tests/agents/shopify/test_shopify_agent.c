/* SPDX-License-Identifier: MIT */
/* The Shopify agent end to end: real crawls through the runtime into a real SQLite store,
 * against the fixture store serving real captures with the real endpoint's behaviour. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "fixture_store.h"
#include "loop/runtime.h"
#include "plugins/registry.h"
#include "scrape/scrape.h"
#include "souk/error.h"
#include "store/store.h"

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);

#define ANNIE_A "annie-thompson_products_snapshot-a.json"
#define ANNIE_B "annie-thompson_products_snapshot-b.json"
#define SOUL "soulandmore-eg_products_page1.json"

typedef struct scrape_run {
  souk_scrape_result results[8];
  size_t n;
} scrape_run;

static void on_done(souk_scrape *sc, const souk_scrape_result *r, size_t n, void *ud) {
  (void)sc;
  scrape_run *run = ud;
  run->n = n;
  memcpy(run->results, r, n * sizeof *r);
}

static souk_config *test_config(void) {
  souk_config *cfg = souk_config_new();
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/data", souk_test_tmpdir());
  souk_errinfo e = {0};
  CHECK_INT(souk_config_set(cfg, "data_dir", dir, SOUK_SRC_CLI, &e), ==, 0);
  /* Local stores: no politeness delay, quick backoff. */
  CHECK_INT(souk_config_set(cfg, "http.rate", "0", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "http.backoff_base", "10ms", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(cfg, "http.backoff_max", "50ms", SOUK_SRC_CLI, &e), ==, 0);
  return cfg;
}

/* Crawls the URLs into the store of `cfg` and returns the results. */
static scrape_run crawl(souk_config *cfg, const char *const *urls, size_t n) {
  souk_agents_register_builtin(souk_agent_shopify_entry);
  souk_runtime rt;
  souk_errinfo e = {0};
  CHECK_INT(souk_runtime_init(&rt, cfg, SOUK_RT_NO_SIGNALS | SOUK_RT_NO_PLUGINS, &e), ==, 0);
  souk_store *store = souk_store_open(cfg, &e);
  CHECK_MSG(store != NULL, "%s", e.text);
  scrape_run run = {0};
  CHECK_INT(souk_scrape_start(&rt, store, "shopify", urls, n, on_done, &run, NULL, &e), ==, 0);
  CHECK_INT(souk_runtime_run(&rt), ==, 0);
  souk_store_close(store);
  CHECK_INT(souk_runtime_close(&rt), ==, 0); /* uv_loop_close() == 0 */
  CHECK_INT(run.n, ==, n);
  return run;
}

static uint64_t count_products(souk_config *cfg, const char *store_url) {
  souk_errinfo e = {0};
  souk_store *s = souk_store_open(cfg, &e);
  CHECK(s != NULL);
  souk_query q;
  souk_query_init(&q);
  q.store = store_url;
  uint64_t n = 0;
  CHECK_INT(souk_store_count(s, &q, &n), ==, 0);
  souk_store_close(s);
  return n;
}

static souk_fixture_store *store_of(const char *const *captures, size_t n, unsigned copies,
                                    souk_storefront_mode mode, unsigned burst, unsigned delay) {
  const char *paths[4];
  for (size_t i = 0; i < n; i++)
    paths[i] = souk_fixture_capture(captures[i]);
  souk_storefront_options o = {.captures = paths, .ncaptures = n, .copies = copies,
                               .name = "Fixture", .currency = "CAD", .mode = mode,
                               .burst_every = burst};
  return souk_fixture_store_start(&o, delay);
}

TEST(whole_catalog_one_page) {
  const char *caps[] = {ANNIE_A};
  souk_fixture_store *fs = store_of(caps, 1, 1, SOUK_STOREFRONT_OPEN, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].status, ==, 0);
  CHECK(run.results[0].complete);
  CHECK_INT(run.results[0].put.new_products, ==, 184);
  CHECK_INT(count_products(cfg, urls[0]), ==, 184);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(souk_fixture_store_server(fs), "/products.json", &ps);
  CHECK_INT(ps.requests, ==, 2); /* page 1 (184 < 250) and the empty page 2 */
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("annie-thompson: 184 products in 1 page + the empty page after it, complete");
}

TEST(many_pages_fewer_than_asked) {
  /* 2 captures x 4 copies = 1468 products: pages of 250 then a short one. */
  const char *caps[] = {ANNIE_A, SOUL};
  souk_fixture_store *fs = store_of(caps, 2, 4, SOUK_STOREFRONT_OPEN, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].status, ==, 0);
  CHECK(run.results[0].complete);
  CHECK_INT(count_products(cfg, urls[0]), ==, 1468);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(souk_fixture_store_server(fs), "/products.json", &ps);
  CHECK_INT(ps.requests, ==, 6); /* 250 x 5 = 1250, then 218 */
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("1468 products: 6 pages, the short last page ends the walk, all stored");
}

/* 1468 products in 6 pages from a store with the quirks of `o` (its catalog is set here),
 * even pages `slow_even_ms` late; returns /products.json's request stats. */
static souk_httpd_path_stats crawl_1468(souk_storefront_options o, unsigned slow_even_ms,
                                        scrape_run *out) {
  const char *caps[] = {souk_fixture_capture(ANNIE_A), souk_fixture_capture(SOUL)};
  o.captures = caps;
  o.ncaptures = 2;
  o.copies = 4;
  o.name = "Fixture";
  o.currency = "CAD";
  souk_fixture_store *fs = souk_fixture_store_start(&o, 0);
  souk_fixture_store_slow_even_pages(fs, slow_even_ms);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  *out = crawl(cfg, urls, 1);
  CHECK_MSG(out->results[0].status == 0, "status %s: %s", souk_err_name(out->results[0].status),
            out->results[0].message);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(souk_fixture_store_server(fs), "/products.json", &ps);
  out->results[0].put.new_products = count_products(cfg, urls[0]);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  return ps;
}

TEST(pages_in_flight_answered_out_of_order) {
  /* Even pages answer 150 ms late: page 3 arrives before page 2, 5 before 4. */
  scrape_run run;
  souk_httpd_path_stats ps = crawl_1468((souk_storefront_options){0}, 150, &run);
  CHECK(run.results[0].complete);
  CHECK_INT(run.results[0].put.new_products, ==, 1468);
  CHECK_INT(ps.peak, ==, 2);      /* two pages in flight once page 1 is known */
  CHECK_INT(ps.requests, ==, 6);  /* /meta.json announces 1468: no page past the short one */
  SAY("1468 products, pages answered out of order: 2 in flight, 6 requests, all stored once");
}

TEST(no_meta_at_most_one_page_past_the_end) {
  scrape_run run;
  souk_httpd_path_stats ps = crawl_1468((souk_storefront_options){.no_meta = true}, 0, &run);
  CHECK(run.results[0].complete);
  CHECK_INT(run.results[0].put.new_products, ==, 1468);
  CHECK(ps.requests >= 6 && ps.requests <= 7);
  CHECK(ps.peak <= 2);
  SAY("no /meta.json: 1468 products in %u requests (the 7th, if sent, is dropped)", ps.requests);
}

TEST(store_that_ignores_page_stops) {
  /* Every page is page 1: the walk stops at the first page with nothing new. */
  scrape_run run;
  souk_httpd_path_stats ps = crawl_1468((souk_storefront_options){.ignores_page = true}, 0, &run);
  CHECK(!run.results[0].complete);
  CHECK_HAS(run.results[0].message, "ignores ?page=");
  CHECK_INT(run.results[0].put.new_products, ==, 250);
  CHECK(ps.requests <= 3);
  SAY("a store that ignores ?page=: stopped after %u requests, 250 products, not complete: %s",
      ps.requests, run.results[0].message);
}

TEST(cap_25000_walks_collections) {
  /* 183 x 137 = 25071 products: /products.json stops at 25,000 with HTTP 400. */
  const char *caps[] = {SOUL};
  souk_fixture_store *fs = store_of(caps, 1, 137, SOUK_STOREFRONT_OPEN, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_MSG(run.results[0].status == 0, "status %s: %s", souk_err_name(run.results[0].status),
            run.results[0].message);
  CHECK_INT(count_products(cfg, urls[0]), ==, 25071);
  CHECK(run.results[0].complete); /* the count matches what /meta.json announces */
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(souk_fixture_store_server(fs), "/collections.json", &ps);
  CHECK(ps.requests >= 1);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("25,071 products: 400 past 25,000, then collections, de-duplicated: all 25,071 stored");
}

static void expect_failure(souk_storefront_mode mode, int status, const char *needle) {
  const char *caps[] = {ANNIE_A};
  souk_fixture_store *fs = store_of(caps, 1, 1, mode, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_MSG(run.results[0].status == status, "got %s: %s", souk_err_name(run.results[0].status),
            run.results[0].message);
  CHECK_HAS(run.results[0].message, needle);
  CHECK_INT(count_products(cfg, urls[0]), ==, 0);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("%s: %s", souk_err_name(status), run.results[0].message);
}

TEST(password_store) { expect_failure(SOUK_STOREFRONT_PASSWORD, SOUK_EPASSWORD, "password"); }
TEST(not_a_store) { expect_failure(SOUK_STOREFRONT_NOT_A_STORE, SOUK_ENOTSTORE, "does not look like a Shopify store"); }

static void sitemap_fallback(souk_storefront_mode mode) {
  const char *caps[] = {ANNIE_A};
  souk_fixture_store *fs = store_of(caps, 1, 1, mode, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_MSG(run.results[0].status == 0, "%s", run.results[0].message);
  CHECK(run.results[0].complete);
  CHECK_INT(count_products(cfg, urls[0]), ==, 184);
  souk_httpd_path_stats ps;
  souk_httpd_stats_path(souk_fixture_store_server(fs), "/sitemap.xml", &ps);
  CHECK_INT(ps.requests, ==, 1);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("/products.json %s: sitemap -> 184 product pages -> all 184 products",
      mode == SOUK_STOREFRONT_FEED_HTML ? "answers HTML with 200" : "answers 404");
}

TEST(feed_html_uses_sitemaps) { sitemap_fallback(SOUK_STOREFRONT_FEED_HTML); }
TEST(feed_404_uses_sitemaps) { sitemap_fallback(SOUK_STOREFRONT_FEED_404); }

TEST(bursts_of_429) {
  const char *caps[] = {ANNIE_A, SOUL};
  souk_fixture_store *fs = store_of(caps, 2, 2, SOUK_STOREFRONT_OPEN, 3, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_MSG(run.results[0].status == 0, "%s", run.results[0].message);
  CHECK_INT(count_products(cfg, urls[0]), ==, 734);
  souk_httpd_stats st;
  souk_httpd_stats_get(souk_fixture_store_server(fs), &st);
  SAY("every 3rd request answered 429 without Retry-After: %u requests, all 734 products",
      st.all.requests);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
}

TEST(slow_store) {
  const char *caps[] = {ANNIE_A};
  souk_fixture_store *fs = store_of(caps, 1, 1, SOUK_STOREFRONT_OPEN, 0, 300);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].status, ==, 0);
  CHECK_INT(count_products(cfg, urls[0]), ==, 184);
  /* Too slow for the configured timeout: a clear error, nothing invented. */
  souk_config *strict = test_config();
  souk_errinfo e = {0};
  CHECK_INT(souk_config_set(strict, "http.timeout", "100ms", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(strict, "http.retries", "1", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(strict, "data_dir", "", SOUK_SRC_CLI, &e), ==, 0);
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/strict", souk_test_tmpdir());
  CHECK_INT(souk_config_set(strict, "data_dir", dir, SOUK_SRC_CLI, &e), ==, 0);
  run = crawl(strict, urls, 1);
  CHECK_INT(run.results[0].status, ==, SOUK_ETIMEDOUT);
  SAY("300 ms per response: crawled in full; with a 100 ms timeout: %s", run.results[0].message);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  souk_config_free(strict);
}

TEST(many_stores_one_failure) {
  const char *a[] = {ANNIE_A}, *s[] = {SOUL};
  souk_fixture_store *fa = store_of(a, 1, 1, SOUK_STOREFRONT_OPEN, 0, 0);
  souk_fixture_store *fb = store_of(s, 1, 1, SOUK_STOREFRONT_OPEN, 0, 0);
  souk_fixture_store *fp = store_of(a, 1, 1, SOUK_STOREFRONT_PASSWORD, 0, 0);
  souk_config *cfg = test_config();
  const char *urls[] = {souk_fixture_store_url(fa), souk_fixture_store_url(fp),
                        souk_fixture_store_url(fb), "ftp://not-a-store"};
  scrape_run run = crawl(cfg, urls, 4);
  CHECK_INT(run.results[0].status, ==, 0);
  CHECK_INT(run.results[1].status, ==, SOUK_EPASSWORD);
  CHECK_INT(run.results[2].status, ==, 0);
  CHECK_INT(run.results[3].status, ==, SOUK_EINVAL);
  CHECK_INT(count_products(cfg, urls[0]), ==, 184);
  CHECK_INT(count_products(cfg, urls[2]), ==, 183);
  souk_fixture_store_stop(fa);
  souk_fixture_store_stop(fb);
  souk_fixture_store_stop(fp);
  souk_config_free(cfg);
  SAY("4 stores at once: 2 complete (184 + 183), a password store and a bad URL fail alone");
}

/* ---- change tracking over snapshots ------------------------------------------------------ */

typedef struct history {
  int n, price, available, listed, delisted, compare;
} history;

static int count_change(const souk_change *c, void *ud) {
  history *h = ud;
  h->n++;
  h->price += strcmp(c->field, "price") == 0;
  h->available += strcmp(c->field, "available") == 0;
  h->listed += strcmp(c->field, "listed") == 0;
  h->delisted += strcmp(c->field, "delisted") == 0;
  h->compare += strcmp(c->field, "compare_at_price") == 0;
  return 0;
}

static history changes_since(souk_config *cfg, const char *url, const char *since) {
  souk_errinfo e = {0};
  souk_store *s = souk_store_open(cfg, &e);
  history h = {0};
  CHECK_INT(souk_store_history(s, url, 0, since, 0, count_change, &h), ==, 0);
  souk_store_close(s);
  return h;
}

/* Writes an edited copy of snapshot b: one price changed, one variant sold out, one product
 * removed. Returns the path. */
static const char *edited_capture(int64_t *price_product, int64_t *removed_product) {
  json_error_t jerr;
  json_t *doc = json_load_file(souk_fixture_capture(ANNIE_B), 0, &jerr);
  CHECK(doc != NULL);
  json_t *products = json_object_get(doc, "products");
  json_t *p0 = json_array_get(products, 0);
  json_t *v0 = json_array_get(json_object_get(p0, "variants"), 0);
  *price_product = json_integer_value(json_object_get(p0, "id"));
  json_object_set_new(v0, "price", json_string("999.99"));
  /* The first available variant of the second product sells out. */
  json_t *p1 = json_array_get(products, 1);
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(p1, "variants"), i, v) {
    if (json_is_true(json_object_get(v, "available"))) {
      json_object_set_new(v, "available", json_false());
      break;
    }
  }
  json_t *last = json_array_get(products, json_array_size(products) - 1);
  *removed_product = json_integer_value(json_object_get(last, "id"));
  json_array_remove(products, json_array_size(products) - 1);
  static char path[4200];
  snprintf(path, sizeof path, "%s/edited.json", souk_test_tmpdir());
  CHECK_INT(json_dump_file(doc, path, JSON_INDENT(2)), ==, 0);
  json_decref(doc);
  return path;
}

TEST(change_tracking_snapshots) {
  souk_config *cfg = test_config();
  souk_errinfo e = {0};
  CHECK_INT(souk_config_set(cfg, "store.delist_after", "1", SOUK_SRC_CLI, &e), ==, 0);
  const char *a[] = {ANNIE_A};
  souk_fixture_store *fs = store_of(a, 1, 1, SOUK_STOREFRONT_OPEN, 0, 0);
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_run run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].put.new_products, ==, 184);

  /* Snapshot b, four hours later: only updated_at differs. */
  char t1[32];
  souk_store_now(t1);
  const char *pb[] = {souk_fixture_capture(ANNIE_B)};
  souk_storefront_options ob = {.captures = pb, .ncaptures = 1, .currency = "CAD"};
  souk_fixture_store_swap(fs, &ob);
  run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].put.products, ==, 184);
  CHECK_INT(run.results[0].put.new_products, ==, 0);
  CHECK_INT(run.results[0].put.changed, ==, 0);
  history h = changes_since(cfg, urls[0], t1);
  CHECK_INT(h.n, ==, 0);
  SAY("snapshot a then b (updated_at churn only): 0 changes recorded");

  /* An edited copy: a price change, a sold-out variant, a removed product. */
  char t2[32];
  souk_store_now(t2);
  int64_t priced, removed;
  const char *pe[] = {edited_capture(&priced, &removed)};
  souk_storefront_options oe = {.captures = pe, .ncaptures = 1, .currency = "CAD"};
  souk_fixture_store_swap(fs, &oe);
  run = crawl(cfg, urls, 1);
  CHECK_INT(run.results[0].put.products, ==, 183);
  CHECK_INT(run.results[0].put.changed, ==, 2);
  h = changes_since(cfg, urls[0], t2);
  CHECK_INT(h.price, ==, 1);
  CHECK_INT(h.available, ==, 1);
  CHECK_INT(h.delisted, ==, 1);
  CHECK_INT(h.compare, ==, 0);
  CHECK_INT(h.n, ==, 3);
  CHECK_INT(count_products(cfg, urls[0]), ==, 183);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("edited copy: exactly 1 price change (product %lld), 1 sell-out, 1 delisting (product %lld)",
      (long long)priced, (long long)removed);
}

/* ---- kill -9 in the middle of a crawl ------------------------------------------------------- */

static pid_t spawn_scrape(const char *data_dir, const char *url) {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(SOUK_TEST_SOUK_BIN, "souk", "scrape", "--rate", "0", "--data-dir", data_dir, url,
          (char *)NULL);
    _exit(127);
  }
  return pid;
}

typedef struct crawl_states {
  int n, interrupted, succeeded;
} crawl_states;

static int count_state(const souk_crawl_record *r, void *ud) {
  crawl_states *cs = ud;
  cs->n++;
  cs->interrupted += strcmp(r->state, "interrupted") == 0;
  cs->succeeded += strcmp(r->state, "succeeded") == 0;
  return 0;
}

TEST(kill_9_mid_crawl_then_resume) {
  /* 183 x 14 = 2562 products in 11 pages, served slowly enough to kill the crawler half-way. */
  const char *s[] = {SOUL};
  souk_fixture_store *fs = store_of(s, 1, 14, SOUK_STOREFRONT_OPEN, 0, 150);
  const char *url = souk_fixture_store_url(fs);
  char data[4200];
  snprintf(data, sizeof data, "%s/data", souk_test_tmpdir());
  pid_t pid = spawn_scrape(data, url);
  souk_httpd_path_stats ps = {0};
  for (int i = 0; i < 200 && ps.completed < 5; i++) {
    usleep(20000);
    souk_httpd_stats_path(souk_fixture_store_server(fs), "/products.json", &ps);
  }
  CHECK_MSG(ps.completed >= 5, "the crawler did not get 5 pages (%u)", ps.completed);
  kill(pid, SIGKILL);
  int wstatus;
  waitpid(pid, &wstatus, 0);
  CHECK(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);

  souk_config *cfg = test_config();
  uint64_t partial = count_products(cfg, url);
  CHECK(partial > 0 && partial < 2562);

  pid = spawn_scrape(data, url);
  waitpid(pid, &wstatus, 0);
  CHECK_MSG(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "restarted scrape failed (%d)", wstatus);
  CHECK_INT(count_products(cfg, url), ==, 2562);
  souk_errinfo e = {0};
  souk_store *st = souk_store_open(cfg, &e);
  crawl_states cs = {0};
  CHECK_INT(souk_store_crawls(st, url, 0, count_state, &cs), ==, 0);
  souk_store_close(st);
  CHECK_INT(cs.n, ==, 2);
  CHECK_INT(cs.interrupted, ==, 1);
  CHECK_INT(cs.succeeded, ==, 1);
  souk_fixture_store_stop(fs);
  souk_config_free(cfg);
  SAY("killed with SIGKILL after %u pages (%llu products kept); restarted: 2562 products, no "
      "duplicate, first crawl recorded as interrupted",
      ps.completed, (unsigned long long)partial);
}
