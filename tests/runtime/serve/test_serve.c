/* SPDX-License-Identifier: MIT */
/* souk's own MCP server through an in-process session: the tools' schemas, every tool on the
 * fixture store's real data, bad arguments as isError results a model can act on, bounded
 * outputs, store URLs from a model refused when they reach private addresses, progress,
 * cancellation of a crawl, resources (a chart as a PNG blob), prompts, completion, the hook
 * for tools registered later, and a loop that keeps answering while a big store is analysed. */
#include <math.h>
#include <time.h>

#include "catalog_gen.h"
#include "scrape/scrape.h"
#include "serve_session.h"
#include "souk/mcp_content.h"
#include "store/store.h"

static const char *const allow_private[] = {"net.allow_private_hosts=true", NULL};

static const char *const tool_names[] = {
    "scrape_store",   "query_products",   "get_product",    "price_history",      "store_stats",
    "export_csv",     "top_k_products",   "cluster_products", "pca_projection",   "correlation_matrix"};
#define NTOOLS (sizeof tool_names / sizeof *tool_names)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* "127.0.0.1:PORT" of a fixture URL. */
static const char *key_of(const char *url) {
  static char key[128];
  snprintf(key, sizeof key, "%s", strstr(url, "://") + 3);
  return key;
}

static json_t *field(const json_t *o, const char *k) { return json_object_get(o, k); }
static long long ifield(const json_t *o, const char *k) { return json_integer_value(field(o, k)); }
static const char *sfield(const json_t *o, const char *k) { return json_string_value(field(o, k)); }

/* Text of a resources/read answer's first contents. */
static const char *read_text(serve_env *t, const char *uri) {
  char params[1024];
  snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
  json_t *r = env_result(t, "resources/read", params);
  json_t *c = json_array_get(field(r, "contents"), 0);
  CHECK_STR(sfield(c, "uri"), uri);
  return sfield(c, "text");
}

static json_t *read_json(serve_env *t, const char *uri) {
  const char *text = read_text(t, uri);
  CHECK(text != NULL);
  json_t *v = json_loads(text, 0, NULL);
  CHECK_MSG(v != NULL, "%s is not JSON: %.200s", uri, text);
  return v; /* new reference */
}

TEST(tools_listed_with_schemas) {
  serve_env t;
  env_start(&t, NULL, false);
  json_t *r = env_result(&t, "tools/list", NULL);
  json_t *tools = field(r, "tools");
  CHECK_INT(json_array_size(tools), ==, NTOOLS);
  for (size_t i = 0; i < NTOOLS; i++) {
    json_t *tool = NULL;
    size_t k;
    json_t *x;
    json_array_foreach(tools, k, x) {
      if (strcmp(sfield(x, "name"), tool_names[i]) == 0)
        tool = x;
    }
    CHECK_MSG(tool != NULL, "tool %s is not listed", tool_names[i]);
    CHECK_MSG(strlen(sfield(tool, "description")) > 150, "%s: description too short to act on",
              tool_names[i]);
    json_t *in = field(tool, "inputSchema"), *out = field(tool, "outputSchema");
    CHECK_STR(sfield(in, "type"), "object");
    CHECK(json_is_false(field(in, "additionalProperties")));
    CHECK_STR(sfield(out, "type"), "object");
    CHECK(json_array_size(field(out, "required")) >= 1);
    CHECK(json_is_object(field(tool, "annotations")));
    /* every property says what it is */
    const char *name;
    json_t *prop;
    json_object_foreach(field(in, "properties"), name, prop) {
      CHECK_MSG(sfield(prop, "type") || field(prop, "enum"), "%s.%s has no type", tool_names[i],
                name);
    }
  }
  json_t *scrape = json_array_get(tools, 0);
  CHECK_STR(sfield(scrape, "name"), "scrape_store");
  json_t *agents = field(field(field(field(scrape, "inputSchema"), "properties"), "agent"), "enum");
  CHECK_STR(json_string_value(json_array_get(agents, 0)), "shopify");
  json_t *qp = field(field(json_array_get(tools, 1), "inputSchema"), "properties");
  CHECK_INT(ifield(field(qp, "limit"), "maximum"), ==, 100);
  CHECK(field(qp, "vendor") && field(qp, "min_price") && field(qp, "changed_since"));
  SAY("tools/list: the 10 tools, each with a description, an input schema (types, enums, ranges, "
      "no extra arguments) and an output schema; agent enum [shopify]; filters shared");

  r = env_result(&t, "resources/list", NULL);
  CHECK_INT(json_array_size(field(r, "resources")), ==, 7);
  r = env_result(&t, "resources/templates/list", NULL);
  CHECK_INT(json_array_size(field(r, "resourceTemplates")), ==, 7);
  r = env_result(&t, "prompts/list", NULL);
  CHECK_INT(json_array_size(field(r, "prompts")), ==, 2);
  SAY("resources (stores, crawls, top-k, 4 charts), 7 templates, 2 prompts");
  env_finish(&t);
}

TEST(scrape_progress_and_resource_updates) {
  souk_fixture_store *fs = env_fixture(3, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  char params[512], uri[256];
  snprintf(uri, sizeof uri, "souk://stores/%s/products", key_of(url));
  snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
  env_result(&t, "resources/subscribe", params);
  snprintf(params, sizeof params,
           "{\"name\":\"scrape_store\",\"arguments\":{\"url\":\"%s\"},\"_meta\":{\"progressToken\""
           ":\"tok\"}}", url);
  json_t *r = env_result(&t, "tools/call", params);
  CHECK_MSG(!env_is_error(r), "%s", env_text(r));
  json_t *s = env_structured(r);
  CHECK_STR(sfield(s, "status"), "ok");
  CHECK(json_is_true(field(s, "complete")));
  CHECK_INT(ifield(s, "products"), ==, 552);
  CHECK_INT(ifield(s, "new"), ==, 552);
  CHECK_STR(sfield(s, "store"), url);
  CHECK(ifield(s, "crawl_id") > 0);
  json_t *same = json_loads(env_text(r), 0, NULL);
  CHECK(json_equal(same, s));
  json_decref(same);
  SAY("scrape_store: 552 products (3 pages), complete, the summary as structuredContent and the "
      "same JSON as text");

  json_t *progress = env_notifications(&t, "notifications/progress");
  CHECK(json_array_size(progress) >= 2);
  double last = -1;
  size_t i;
  json_t *p;
  json_array_foreach(progress, i, p) {
    CHECK_STR(sfield(p, "progressToken"), "tok");
    CHECK(json_number_value(field(p, "progress")) > last);
    last = json_number_value(field(p, "progress"));
  }
  CHECK(last == 552);
  SAY("%zu progress notifications, growing, ending at 552 products", json_array_size(progress));
  json_decref(progress);

  /* the subscribed resource and the resource list are announced once the store list reloads */
  env_run_until(&t, 2, NULL, NULL);
  json_t *updated = env_notifications(&t, "notifications/resources/updated");
  bool seen = false;
  json_array_foreach(updated, i, p) {
    seen = seen || strcmp(sfield(p, "uri"), uri) == 0;
  }
  CHECK_MSG(seen, "no resources/updated for %s", uri);
  json_decref(updated);
  json_t *changed = env_notifications(&t, "notifications/resources/list_changed");
  CHECK(json_array_size(changed) == 1);
  json_decref(changed);
  SAY("the subscribed %s got resources/updated; the new store made the resource list change", uri);

  r = env_call(&t, "query_products", "{\"limit\":1}");
  CHECK_INT(ifield(env_structured(r), "total"), ==, 552);
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

static int count_store(const souk_store_summary *s, void *ud) {
  (void)s;
  (*(int *)ud)++;
  return 0;
}

typedef struct scrape_wait {
  bool done;
  souk_scrape_result r;
} scrape_wait;

TEST(private_hosts_refused_by_default) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  char localhost[128], v6[128], args[512];
  snprintf(localhost, sizeof localhost, "http://localhost:%s", strrchr(url, ':') + 1);
  snprintf(v6, sizeof v6, "http://[::1]:%s", strrchr(url, ':') + 1);
  serve_env t;
  env_start(&t, NULL, false);
  CHECK(t.rt.agent_http_flags & SOUK_HTTP_PUBLIC_ONLY);
  const char *refused[] = {url, localhost, v6, "http://169.254.169.254/latest/meta-data/",
                           "http://10.1.2.3/", "https://192.168.0.1:8443/shop"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    snprintf(args, sizeof args, "{\"url\":\"%s\"}", refused[i]);
    json_t *r = env_call(&t, "scrape_store", args);
    CHECK_MSG(env_is_error(r), "%s was not refused", refused[i]);
    CHECK_HAS(env_text(r), "Refused to scrape");
    CHECK_HAS(env_text(r), "SOUK_ALLOW_PRIVATE_HOSTS");
  }
  souk_httpd_stats st;
  souk_httpd_stats_get(souk_fixture_store_server(fs), &st);
  CHECK_INT(st.all.requests, ==, 0);
  int nstores = 0;
  CHECK_INT(souk_store_stores(t.store, count_store, &nstores), ==, 0);
  CHECK_INT(nstores, ==, 0);
  SAY("scrape_store refused 127.0.0.1, localhost, [::1], 169.254.169.254, 10/8, 192.168/16 as "
      "isError results naming SOUK_ALLOW_PRIVATE_HOSTS; the fixture store saw 0 requests and "
      "the store holds no store");

  json_t *r = env_call(&t, "scrape_store", "{\"url\":\"ftp://shop.example\"}");
  CHECK(env_is_error(r));
  CHECK_HAS(env_text(r), "must be an http:// or https:// URL");
  SAY("a URL that is not http(s): an isError result: %s", env_text(r));

  /* Defence in depth: the crawl's own requests are public-only too (a URL that resolved to a
   * public address at the check and to a private one later is still refused). */
  CHECK(t.rt.agent_http_flags & SOUK_HTTP_PUBLIC_ONLY);
  env_finish(&t);
  CHECK_INT(t.rt.agent_http_flags & SOUK_HTTP_PUBLIC_ONLY, ==, 0);
  SAY("souk_serve_new sets SOUK_HTTP_PUBLIC_ONLY on the runtime's agent requests; free restores "
      "them");

  env_start(&t, allow_private, false);
  CHECK_INT(t.rt.agent_http_flags & SOUK_HTTP_PUBLIC_ONLY, ==, 0);
  json_t *s = env_scrape(&t, url);
  CHECK_INT(ifield(s, "products"), ==, 184);
  SAY("with net.allow_private_hosts the fixture store on 127.0.0.1 is scraped: 184 products");
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

static void scraped(souk_scrape *sc, const souk_scrape_result *r, size_t n, void *ud) {
  (void)sc, (void)n;
  scrape_wait *w = ud;
  w->r = r[0];
  w->done = true;
}

static bool scrape_over(serve_env *t, void *ud) {
  (void)t;
  return ((scrape_wait *)ud)->done;
}

TEST(crawl_requests_public_only) {
  /* The crawl itself, started without the tool's check: its requests are refused after DNS. */
  souk_fixture_store *fs = env_fixture(1, 0);
  serve_env t;
  env_start(&t, NULL, false);
  const char *urls[] = {souk_fixture_store_url(fs)};
  scrape_wait w = {0};
  souk_errinfo e = {0};
  CHECK_INT(souk_scrape_start(&t.rt, t.store, NULL, urls, 1, scraped, &w, NULL, &e), ==, 0);
  env_run_until(&t, 20, scrape_over, &w);
  CHECK(w.done);
  CHECK_INT(w.r.status, ==, SOUK_EFORBIDDEN);
  CHECK_INT(w.r.put.products, ==, 0);
  souk_httpd_stats st;
  souk_httpd_stats_get(souk_fixture_store_server(fs), &st);
  CHECK_INT(st.all.requests, ==, 0);
  SAY("a crawl in a serving runtime gets SOUK_EFORBIDDEN for 127.0.0.1 (\"%s\"); 0 requests "
      "reached the store", w.r.message);
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(query_products_pages_filters_sort) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  env_scrape(&t, url);
  /* every product exactly once, 50 per page */
  json_t *seen = json_object();
  char args[8192];
  const char *cursor = NULL;
  char cur[4200] = "";
  int pages = 0;
  do {
    if (cursor)
      snprintf(args, sizeof args, "{\"limit\":50,\"cursor\":\"%s\"}", cursor);
    else
      snprintf(args, sizeof args, "{\"limit\":50}");
    json_t *s = env_structured(env_call(&t, "query_products", args));
    CHECK_INT(ifield(s, "total"), ==, 184);
    CHECK(json_array_size(field(s, "products")) <= 50);
    size_t i;
    json_t *p;
    json_array_foreach(field(s, "products"), i, p) {
      char id[32];
      snprintf(id, sizeof id, "%lld", ifield(p, "id"));
      CHECK_MSG(!field(seen, id), "product %s on two pages", id);
      json_object_set_new(seen, id, json_true());
      CHECK(sfield(p, "currency") && strcmp(sfield(p, "currency"), "CAD") == 0);
    }
    cursor = sfield(s, "next_cursor");
    if (cursor) {
      snprintf(cur, sizeof cur, "%s", cursor);
      cursor = cur;
    }
    pages++;
  } while (cursor && pages < 10);
  CHECK_INT(pages, ==, 4);
  CHECK_INT(json_object_size(seen), ==, 184);
  json_decref(seen);
  SAY("query_products in pages of 50: 4 pages, 184 distinct products, next_cursor null at the end");

  json_t *s = env_structured(env_call(&t, "query_products",
                                      "{\"sort\":\"price\",\"descending\":true,\"limit\":100,"
                                      "\"available\":true}"));
  double prev = 1e18;
  size_t i;
  json_t *p;
  json_array_foreach(field(s, "products"), i, p) {
    double v = atof(sfield(p, "price_min"));
    CHECK(v <= prev);
    prev = v;
    CHECK(ifield(p, "available_variants") > 0);
  }
  long long avail = ifield(s, "total");
  s = env_structured(env_call(&t, "query_products", "{\"available\":false}"));
  CHECK_INT(avail + ifield(s, "total"), ==, 184);
  SAY("sort=price descending, available=true: prices never grow, every product has stock; "
      "available + sold out = 184");

  s = env_structured(env_call(&t, "query_products", "{\"min_price\":50,\"max_price\":100}"));
  json_array_foreach(field(s, "products"), i, p) {
    double v = atof(sfield(p, "price_min"));
    CHECK(v >= 50 && v <= 100);
  }
  s = env_structured(env_call(&t, "query_products", "{\"vendor\":\"annie thompson\",\"limit\":1}"));
  CHECK(ifield(s, "total") > 0);
  s = env_structured(env_call(&t, "query_products", "{\"search\":\"dress\",\"sort\":\"relevance\"}"));
  CHECK(ifield(s, "total") > 0);
  SAY("price range, vendor (any case) and full-text search with relevance filter as asked");

  struct {
    const char *args, *says;
  } bad[] = {
      {"{\"limit\":101}", "must be <= 100"},
      {"{\"limit\":0}", "must be >= 1"},
      {"{\"sort\":\"cheapest\"}", "must be one of"},
      {"{\"colour\":\"red\"}", "unknown argument 'colour'"},
      {"{\"cursor\":\"not-a-cursor\"}", "Invalid cursor"},
      {"{\"sort\":\"relevance\"}", "needs a search"},
      {"{\"min_price\":10,\"max_price\":5}", "larger than 'max_price'"},
      {"{\"store\":\"not a url\"}", "must be a store URL"},
      {"{\"changed_since\":\"yesterday!\"}", "ISO 8601"},
      {"{\"min_price\":-1}", "must be >= 0"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    json_t *r = env_call(&t, "query_products", bad[k].args);
    CHECK_MSG(env_is_error(r), "%s was accepted", bad[k].args);
    CHECK_HAS(env_text(r), bad[k].says);
  }
  SAY("%zu kinds of bad arguments: isError results naming the argument and the fix",
      sizeof bad / sizeof *bad);
  json_t *r = env_call(&t, "query_products", "{}");
  CHECK(!env_is_error(r));
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

/* Writes snapshot a with two prices changed; returns the path and the first product's id. */
static const char *edited_capture(int64_t *product) {
  json_error_t jerr;
  json_t *doc = json_load_file(souk_fixture_capture("annie-thompson_products_snapshot-a.json"),
                               0, &jerr);
  CHECK(doc != NULL);
  json_t *products = json_object_get(doc, "products");
  json_t *p0 = json_array_get(products, 0);
  *product = json_integer_value(json_object_get(p0, "id"));
  json_object_set_new(json_array_get(json_object_get(p0, "variants"), 0), "price",
                      json_string("999.99"));
  json_object_set_new(json_array_get(json_object_get(json_array_get(products, 1), "variants"), 0),
                      "price", json_string("1.50"));
  static char path[4200];
  snprintf(path, sizeof path, "%s/edited.json", souk_test_tmpdir());
  CHECK_INT(json_dump_file(doc, path, 0), ==, 0);
  json_decref(doc);
  return path;
}

TEST(get_product_and_price_history) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  env_scrape(&t, url);
  int64_t pid;
  const char *edited = edited_capture(&pid);
  const char *caps[] = {edited};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .copies = 1, .currency = "CAD"};
  souk_fixture_store_swap(fs, &o);
  json_t *s = env_scrape(&t, url);
  CHECK_INT(ifield(s, "changed"), ==, 2);
  SAY("second crawl of an edited catalog: 2 products changed");

  char args[512];
  snprintf(args, sizeof args, "{\"store\":\"%s\",\"id\":%lld,\"description_chars\":10}", url,
           (long long)pid);
  json_t *r = env_call(&t, "get_product", args);
  CHECK_MSG(!env_is_error(r), "%s", env_text(r));
  s = env_structured(r);
  CHECK_INT(ifield(s, "id"), ==, pid);
  CHECK(json_array_size(field(s, "variant_list")) == (size_t)ifield(s, "variants"));
  CHECK_STR(sfield(json_array_get(field(s, "variant_list"), 0), "price"), "999.99");
  CHECK(json_is_true(field(s, "description_truncated")));
  CHECK(sfield(s, "description") != NULL);
  SAY("get_product: variants with exact prices (999.99), images, description cut to 10 "
      "characters and flagged");

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"id\":1}", url);
  r = env_call(&t, "get_product", args);
  CHECK(env_is_error(r));
  CHECK_HAS(env_text(r), "No product 1");
  r = env_call(&t, "get_product", "{\"store\":\"https://nowhere.example\"}");
  CHECK(env_is_error(r));
  CHECK_HAS(env_text(r), "missing required argument 'id'");
  SAY("an unknown id and a missing id: isError results");

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"product_id\":%lld}", url, (long long)pid);
  s = env_structured(env_call(&t, "price_history", args));
  CHECK_INT(ifield(s, "returned"), ==, 1);
  json_t *c = json_array_get(field(s, "changes"), 0);
  CHECK_STR(sfield(c, "field"), "price");
  CHECK_STR(sfield(c, "new"), "999.99");
  CHECK(sfield(c, "old") != NULL && strcmp(sfield(c, "old"), "999.99") != 0);
  CHECK_STR(sfield(s, "currency"), "CAD");
  SAY("price_history of the product: %s -> %s CAD at %s", sfield(c, "old"), sfield(c, "new"),
      sfield(c, "at"));

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"limit\":1}", url);
  s = env_structured(env_call(&t, "price_history", args));
  CHECK_INT(ifield(s, "returned"), ==, 1);
  CHECK(json_is_true(field(s, "truncated")));
  CHECK_STR(sfield(s, "order"), "newest first");
  snprintf(args, sizeof args, "{\"store\":\"%s\",\"limit\":501}", url);
  CHECK(env_is_error(env_call(&t, "price_history", args)));
  SAY("the whole store's history, newest first, bounded by limit (truncated flagged); limit "
      "501 refused");
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(store_stats_report) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  json_t *s = env_structured(env_call(&t, "store_stats", NULL));
  CHECK_INT(json_array_size(field(s, "stores")), ==, 0);
  env_scrape(&t, url);
  s = env_structured(env_call(&t, "store_stats",
                              "{\"group_by\":\"product_type\",\"groups\":3,\"examples\":1}"));
  json_t *st = json_array_get(field(s, "stores"), 0);
  CHECK_STR(sfield(st, "store"), url);
  CHECK_INT(ifield(st, "products"), ==, 184);
  json_t *prices = field(st, "prices");
  CHECK(sfield(prices, "price_min") && sfield(prices, "price_median"));
  CHECK(atof(sfield(prices, "price_min")) <= atof(sfield(prices, "price_median")));
  CHECK(json_array_size(field(s, "groups")) <= 3 && json_array_size(field(s, "groups")) > 0);
  size_t i;
  json_t *is;
  json_array_foreach(field(st, "issues"), i, is) {
    CHECK(json_array_size(field(is, "examples")) <= 1);
  }
  SAY("store_stats: 184 products, price min %s / median %s / max %s CAD, %lld errors, %lld "
      "warnings, 3 product types", sfield(prices, "price_min"), sfield(prices, "price_median"),
      sfield(prices, "price_max"), ifield(s, "errors"), ifield(s, "warnings"));
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(analytics_tools) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  json_t *r = env_call(&t, "top_k_products", NULL);
  CHECK(env_is_error(r));
  CHECK_HAS(env_text(r), "No products match");
  env_scrape(&t, url);

  char args[512];
  snprintf(args, sizeof args, "{\"store\":\"%s\",\"k\":5}", url);
  r = env_call(&t, "top_k_products", args);
  CHECK_MSG(!env_is_error(r), "%s", env_text(r));
  json_t *s = env_structured(r);
  CHECK_INT(ifield(s, "products_analysed"), ==, 184);
  CHECK_INT(json_array_size(field(s, "top")), ==, 5);
  double prev = 1e9;
  size_t i;
  json_t *p;
  json_array_foreach(field(s, "top"), i, p) {
    CHECK_INT(ifield(p, "rank"), ==, (long long)i + 1);
    double score = json_number_value(field(p, "score")), sum = 0;
    CHECK(score <= prev);
    prev = score;
    const char *m;
    json_t *v;
    json_object_foreach(field(p, "contributions"), m, v) {
      sum += json_number_value(v);
    }
    CHECK_MSG(fabs(sum - score) < 1e-9, "contributions add up to %.12f, score %.12f", sum, score);
  }
  const char *computed = sfield(s, "computed_at");
  CHECK(json_array_size(field(r, "content")) == 3); /* the JSON and two chart links */
  CHECK_STR(sfield(json_array_get(field(r, "content"), 1), "type"), "resource_link");
  SAY("top_k_products k=5: ranks 1..5, scores falling, each score the sum of its six "
      "contributions; chart links");

  r = env_call(&t, "top_k_products", args);
  CHECK_STR(sfield(env_structured(r), "computed_at"), computed);
  SAY("the same selection again reuses the analysis (computed_at %s)", computed);

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"k\":3,\"weights\":{\"avg_price\":1,"
                              "\"available_ratio\":0,\"num_tags\":0,\"num_images\":0,"
                              "\"description_length\":0,\"popularity_score\":0}}", url);
  s = env_structured(env_call(&t, "top_k_products", args));
  json_t *top1 = json_array_get(field(s, "top"), 0);
  CHECK(json_number_value(field(field(top1, "contributions"), "avg_price")) ==
        json_number_value(field(top1, "score")));
  snprintf(args, sizeof args, "{\"weights\":{\"avg_price\":0,\"available_ratio\":0,"
                              "\"num_tags\":0,\"num_images\":0,\"description_length\":0,"
                              "\"popularity_score\":0}}");
  r = env_call(&t, "top_k_products", args);
  CHECK(env_is_error(r));
  CHECK_HAS(env_text(r), "weights");
  CHECK(env_is_error(env_call(&t, "top_k_products", "{\"weights\":{\"price\":1}}")));
  CHECK(env_is_error(env_call(&t, "top_k_products", "{\"k\":101}")));
  CHECK(env_is_error(env_call(&t, "top_k_products",
                              "{\"store\":\"https://a.example\",\"stores\":[\"https://b.example\"]}")));
  SAY("weights: only avg_price counts when the others are 0; all zero, an unknown metric, k=101 "
      "and store with stores are isError results");

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"clusters\":3,\"examples\":2,\"seed\":7}", url);
  s = env_structured(env_call(&t, "cluster_products", args));
  CHECK_INT(ifield(s, "k"), ==, 3);
  long long total = 0;
  json_array_foreach(field(s, "clusters"), i, p) {
    total += ifield(p, "size");
    CHECK(json_array_size(field(p, "examples")) <= 2);
    CHECK(json_object_size(field(p, "centroid")) == 6);
  }
  CHECK_INT(total, ==, 184);
  double sil = json_number_value(field(s, "silhouette"));
  CHECK(sil >= -1 && sil <= 1);
  CHECK_INT(json_array_size(field(field(s, "elbow"), "inertia")), ==, 8);
  SAY("cluster_products k=3: sizes add up to 184, 2 examples each, silhouette %.3f, elbow k=1..8",
      sil);

  snprintf(args, sizeof args, "{\"store\":\"%s\",\"components\":3,\"max_points\":10}", url);
  s = env_structured(env_call(&t, "pca_projection", args));
  CHECK_INT(json_array_size(field(s, "points")), ==, 10);
  CHECK(json_is_true(field(s, "sampled")));
  CHECK_INT(json_array_size(field(s, "components")), ==, 3);
  CHECK_INT(json_array_size(field(json_array_get(field(s, "points"), 0), "pc")), ==, 3);
  double evr = 0;
  json_array_foreach(field(s, "explained_variance_ratio"), i, p) {
    evr += json_number_value(p);
  }
  CHECK(evr > 0 && evr <= 1.0 + 1e-9);
  SAY("pca_projection: 3 components explaining %.1f%% of the variance, 10 of 184 products "
      "projected", evr * 100);

  snprintf(args, sizeof args, "{\"store\":\"%s\"}", url);
  s = env_structured(env_call(&t, "correlation_matrix", args));
  CHECK_INT(json_array_size(field(s, "matrix")), ==, 6);
  for (int k = 0; k < 6; k++) {
    json_t *d = json_array_get(json_array_get(field(s, "matrix"), (size_t)k), (size_t)k);
    CHECK(json_is_null(d) || json_number_value(d) == 1.0);
  }
  json_t *strong = json_array_get(field(s, "strongest"), 0);
  CHECK(strong && fabs(json_number_value(field(strong, "r"))) <= 1.0);
  SAY("correlation_matrix: 6x6, diagonal 1 (null for a constant metric); strongest pair %s~%s "
      "r=%.3f", sfield(strong, "a"), sfield(strong, "b"), json_number_value(field(strong, "r")));
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(resources_read) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  const char *msg;
  CHECK_INT(env_error(&t, "resources/read", "{\"uri\":\"souk://stores/nowhere.example\"}", &msg),
            ==, -32002);
  CHECK_HAS(msg, "no store");
  env_scrape(&t, url);
  env_run_until(&t, 1, NULL, NULL); /* the store list reloads */
  char uri[512];
  json_t *v = read_json(&t, "souk://stores");
  CHECK_INT(ifield(v, "count"), ==, 1);
  CHECK_STR(sfield(json_array_get(field(v, "stores"), 0), "store"), url);
  json_decref(v);
  snprintf(uri, sizeof uri, "souk://stores/%s", key_of(url));
  v = read_json(&t, uri);
  CHECK_INT(ifield(v, "listed"), ==, 184);
  CHECK_STR(sfield(field(v, "last_crawl"), "state"), "succeeded");
  json_decref(v);
  snprintf(uri, sizeof uri, "souk://stores/%s/products", key_of(url));
  v = read_json(&t, uri);
  CHECK_INT(json_array_size(field(v, "products")), ==, 50);
  CHECK_INT(ifield(v, "total"), ==, 184);
  char next[4200];
  snprintf(next, sizeof next, "%s", sfield(v, "next"));
  json_decref(v);
  v = read_json(&t, next);
  CHECK_INT(json_array_size(field(v, "products")), ==, 50);
  json_decref(v);
  snprintf(uri, sizeof uri, "souk://stores/%s/products/AAAA", key_of(url));
  char params[600];
  snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
  CHECK_INT(env_error(&t, "resources/read", params, NULL), ==, -32002);
  SAY("souk://stores, the store, products in pages of 50 following next; an unknown store and "
      "a bad page: -32002");

  snprintf(uri, sizeof uri, "souk://stores/%s/vendors/Annie%%20Thompson", key_of(url));
  v = read_json(&t, uri);
  CHECK(json_array_size(field(v, "products")) > 0);
  json_decref(v);
  v = read_json(&t, "souk://crawls");
  CHECK_INT(ifield(v, "returned"), ==, 1);
  json_decref(v);
  snprintf(uri, sizeof uri, "souk://stores/%s/crawls", key_of(url));
  v = read_json(&t, uri);
  CHECK_STR(sfield(json_array_get(field(v, "crawls"), 0), "state"), "succeeded");
  json_decref(v);
  SAY("a vendor's products (percent-encoded name), crawl records of all stores and of the store");

  v = read_json(&t, "souk://analysis/top-k");
  CHECK_INT(ifield(v, "products_analysed"), ==, 184);
  CHECK_INT(ifield(v, "k"), ==, 20);
  json_decref(v);
  json_t *r = env_result(&t, "resources/read", "{\"uri\":\"souk://charts/pca_clusters.png\"}");
  json_t *c = json_array_get(field(r, "contents"), 0);
  CHECK_STR(sfield(c, "mimeType"), "image/png");
  const char *blob = sfield(c, "blob");
  CHECK(blob && strlen(blob) > 1000);
  CHECK(strncmp(blob, "iVBORw0KGgo", 11) == 0); /* base64 of the PNG signature */
  SAY("souk://analysis/top-k (a default analysis: 184 products, top 20) and "
      "souk://charts/pca_clusters.png as a PNG blob of %zu base64 characters", strlen(blob));

  CHECK_INT(env_error(&t, "resources/read", "{\"uri\":\"souk://exports/shopify_products.csv\"}",
                      NULL), ==, -32002);
  r = env_call(&t, "export_csv", "{\"variants\":true}");
  CHECK_MSG(!env_is_error(r), "%s", env_text(r));
  json_t *s = env_structured(r);
  CHECK_INT(ifield(s, "products"), ==, 184);
  CHECK(ifield(s, "rows") > 184);
  const char *csv = read_text(&t, "souk://exports/shopify_products.csv");
  CHECK(csv && strncmp(csv, "store,", 6) == 0);
  SAY("export_csv with variants: 184 products, %lld rows; the file read back through "
      "souk://exports/shopify_products.csv", ifield(s, "rows"));
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(prompts_and_completion) {
  souk_fixture_store *fs = env_fixture(1, 0);
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  env_scrape(&t, url);
  env_run_until(&t, 1, NULL, NULL);
  char params[1024];
  snprintf(params, sizeof params, "{\"name\":\"analyze_store\",\"arguments\":{\"url\":\"%s\"}}",
           url);
  json_t *r = env_result(&t, "prompts/get", params);
  const char *text = sfield(field(json_array_get(field(r, "messages"), 0), "content"), "text");
  CHECK_HAS(text, url);
  CHECK_HAS(text, "top_k_products");
  CHECK_HAS(text, "k=10");
  CHECK_HAS(text, "184 listed products");
  CHECK_HAS(text, "not instructions");
  snprintf(params, sizeof params,
           "{\"name\":\"analyze_store\",\"arguments\":{\"url\":\"%s\",\"k\":\"lots\"}}", url);
  CHECK_INT(env_error(&t, "prompts/get", params, NULL), ==, -32602);
  CHECK_INT(env_error(&t, "prompts/get", "{\"name\":\"analyze_store\",\"arguments\":{}}", NULL),
            ==, -32602);
  snprintf(params, sizeof params,
           "{\"name\":\"compare_stores\",\"arguments\":{\"a\":\"%s\",\"b\":\"https://b.example\"}}",
           url);
  r = env_result(&t, "prompts/get", params);
  text = sfield(field(json_array_get(field(r, "messages"), 0), "content"), "text");
  CHECK_HAS(text, "stores=[");
  CHECK_HAS(text, "no data of https://b.example");
  SAY("analyze_store names the store, the tools and what souk has (184 products); bad k and "
      "missing url: -32602; compare_stores scores both on one scale");

  r = env_result(&t, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"analyze_store\"},"
                 "\"argument\":{\"name\":\"url\",\"value\":\"127.0\"}}");
  CHECK_STR(json_string_value(json_array_get(field(field(r, "completion"), "values"), 0)), url);
  r = env_result(&t, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"analyze_store\"},"
                 "\"argument\":{\"name\":\"k\",\"value\":\"1\"}}");
  CHECK_INT(json_array_size(field(field(r, "completion"), "values")), ==, 2);
  snprintf(params, sizeof params,
           "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"compare_stores\"},"
           "\"argument\":{\"name\":\"b\",\"value\":\"\"},\"context\":{\"arguments\":{\"a\":\"%s\"}}}",
           url);
  r = env_result(&t, "completion/complete", params);
  CHECK_INT(json_array_size(field(field(r, "completion"), "values")), ==, 0);
  SAY("prompt arguments: store URLs by prefix (with or without the scheme), k values, b not "
      "repeating a");

  r = env_result(&t, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"souk://stores/{store}\"},"
                 "\"argument\":{\"name\":\"store\",\"value\":\"127\"}}");
  CHECK_STR(json_string_value(json_array_get(field(field(r, "completion"), "values"), 0)),
            key_of(url));
  snprintf(params, sizeof params,
           "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"souk://stores/{store}/vendors/{vendor}\"},"
           "\"argument\":{\"name\":\"vendor\",\"value\":\"ann\"},"
           "\"context\":{\"arguments\":{\"store\":\"%s\"}}}", key_of(url));
  r = env_result(&t, "completion/complete", params);
  CHECK_STR(json_string_value(json_array_get(field(field(r, "completion"), "values"), 0)),
            "Annie Thompson");
  r = env_result(&t, "completion/complete",
                 "{\"ref\":{\"type\":\"ref/resource\",\"uri\":"
                 "\"souk://stores/{store}/types/{product_type}\"},"
                 "\"argument\":{\"name\":\"product_type\",\"value\":\"\"}}");
  json_t *types = field(field(r, "completion"), "values");
  CHECK(json_array_size(types) > 1);
  SAY("template variables: store keys, vendors of the store in context (\"ann\" -> Annie "
      "Thompson), %zu product types", json_array_size(types));
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

typedef struct crawl_state {
  char state[32];
  int64_t pages;
} crawl_state;

static int take_state(const souk_crawl_record *r, void *ud) {
  crawl_state *c = ud;
  snprintf(c->state, sizeof c->state, "%s", r->state);
  c->pages = (int64_t)r->pages;
  return 1;
}

/* The crawl record is closed and the scrape's job has ended. */
static bool crawl_ended(serve_env *t, void *ud) {
  crawl_state *c = ud;
  c->state[0] = '\0';
  souk_store_crawls(t->store, NULL, 1, take_state, c);
  return c->state[0] && strcmp(c->state, "running") != 0 && souk_jobs_running(t->rt.jobs) == 0;
}

static bool progressed(serve_env *t, void *ud) {
  (void)ud;
  json_t *p = env_notifications(t, "notifications/progress");
  bool ok = json_array_size(p) >= 2;
  json_decref(p);
  return ok;
}

TEST(cancel_scrape_mid_crawl) {
  souk_fixture_store *fs = env_fixture(40, 150); /* 7360 products, 30 pages, 150 ms each */
  const char *url = souk_fixture_store_url(fs);
  serve_env t;
  env_start(&t, allow_private, false);
  char params[512];
  snprintf(params, sizeof params,
           "{\"name\":\"scrape_store\",\"arguments\":{\"url\":\"%s\"},\"_meta\":{\"progressToken\""
           ":7}}", url);
  int id = env_send(&t, "tools/call", params);
  env_run_until(&t, 20, progressed, NULL);
  CHECK(progressed(&t, NULL));
  double t0 = now_ms();
  snprintf(params, sizeof params, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                                  "\"params\":{\"requestId\":%d,\"reason\":\"user changed their "
                                  "mind\"}}", id);
  env_send_raw(&t, params);
  crawl_state c = {0};
  env_run_until(&t, 20, crawl_ended, &c);
  double took = now_ms() - t0;
  CHECK_STR(c.state, "canceled");
  CHECK(c.pages < 30);
  CHECK_INT(souk_jobs_running(t.rt.jobs), ==, 0);
  env_run_until(&t, 0.3, NULL, NULL);
  CHECK_INT(env_index_of(&t, id), ==, -1);
  SAY("notifications/cancelled mid-crawl: the crawl record is canceled after %lld of 30 pages, "
      "%.0f ms after the cancel; no job left running, no answer sent for the cancelled request",
      (long long)c.pages, took);
  env_result(&t, "ping", NULL);
  SAY("the session keeps serving (ping)");
  env_finish(&t);
  souk_fixture_store_stop(fs);
}

TEST(free_while_scraping) {
  souk_fixture_store *fs = env_fixture(40, 150);
  serve_env t;
  env_start(&t, allow_private, false);
  char params[512];
  snprintf(params, sizeof params, "{\"name\":\"scrape_store\",\"arguments\":{\"url\":\"%s\"}}",
           souk_fixture_store_url(fs));
  env_send(&t, "tools/call", params);
  env_send(&t, "tools/call", "{\"name\":\"top_k_products\",\"arguments\":{}}");
  env_run_until(&t, 0.5, NULL, NULL);
  double t0 = now_ms();
  env_finish(&t); /* frees the server with a crawl running and an analysis queued */
  SAY("souk_serve_free with a crawl running: cancelled, drained and the loop closed in %.0f ms",
      now_ms() - t0);
  souk_fixture_store_stop(fs);
}

/* Writes n generated products straight into the store as one crawl of `origin`. */
static void fill_store(souk_store *s, const char *origin, size_t n) {
  catalog_gen g;
  catalog_gen_init(&g, 42);
  int64_t crawl;
  CHECK_INT(souk_store_crawl_begin(s, origin, "shopify", &crawl), ==, 0);
  souk_product batch[500];
  for (size_t done = 0; done < n;) {
    size_t k = n - done < 500 ? n - done : 500;
    souk_arena a;
    souk_arena_init(&a, 0);
    catalog_gen_batch(&g, &a, batch, k);
    souk_put_result r;
    CHECK_INT(souk_store_put_products(s, crawl, origin, batch, k, &r), ==, 0);
    souk_arena_free(&a);
    done += k;
  }
  souk_crawl_end end = {.status = 0, .complete = true};
  CHECK_INT(souk_store_crawl_end(s, crawl, &end), ==, 0);
}

TEST(big_store_bounded_and_responsive) {
  serve_env t;
  env_start(&t, NULL, false);
  const size_t n = 40000;
  double t0 = now_ms();
  fill_store(t.store, "https://big.example", n);
  SAY("%zu generated products stored in %.0f ms", n, now_ms() - t0);
  souk_serve_store_changed(t.sv, "https://big.example");
  env_run_until(&t, 1, NULL, NULL);

  /* the analysis runs on the thread pool: a ping sent after it is answered first */
  t0 = now_ms();
  int call = env_send(&t, "tools/call", "{\"name\":\"top_k_products\",\"arguments\":{\"k\":100}}");
  int ping = env_send(&t, "ping", NULL);
  env_wait(&t, ping, 5);
  double ping_ms = now_ms() - t0;
  json_t *m = env_wait(&t, call, 120);
  double call_ms = now_ms() - t0;
  CHECK(env_index_of(&t, ping) < env_index_of(&t, call));
  json_t *r = field(m, "result");
  CHECK_MSG(!env_is_error(r), "%s", env_text(r));
  CHECK_INT(ifield(env_structured(r), "products_analysed"), ==, (long long)n);
  CHECK_INT(json_array_size(field(env_structured(r), "top")), ==, 100);
  SAY("top_k_products over %zu products took %.0f ms; a ping sent after it was answered in "
      "%.1f ms, before it", n, call_ms, ping_ms);

  size_t biggest = 0;
  const char *calls[][2] = {
      {"query_products", "{\"limit\":100}"},
      {"pca_projection", "{\"max_points\":1000,\"components\":6}"},
      {"cluster_products", "{\"clusters\":16,\"examples\":10,\"restarts\":2}"},
      {"store_stats", "{\"examples\":20,\"group_by\":\"vendor\",\"groups\":50}"},
      {"price_history", "{\"store\":\"https://big.example\",\"limit\":500}"},
      {"correlation_matrix", "{}"},
  };
  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
    r = env_call(&t, calls[i][0], calls[i][1]);
    CHECK_MSG(!env_is_error(r), "%s: %s", calls[i][0], env_text(r));
    size_t len = strlen(env_text(r));
    CHECK_MSG(len < 600 * 1024, "%s answered %zu bytes", calls[i][0], len);
    if (len > biggest)
      biggest = len;
  }
  json_t *s = env_structured(env_call(&t, "pca_projection", "{\"max_points\":1000}"));
  CHECK_INT(json_array_size(field(s, "points")), ==, 1000);
  CHECK_INT(ifield(s, "points_total"), ==, (long long)n);
  SAY("every tool at its largest bounds on %zu products answers at most %zu bytes (pages of 100, "
      "1000 PCA points, 16 clusters x 10 examples, 500 changes)", n, biggest);
  env_finish(&t);
}

TEST(memory_store_reads_on_the_loop) {
  serve_env t;
  env_start(&t, NULL, true);
  fill_store(t.store, "https://mem.example", 300);
  json_t *s = env_structured(env_call(&t, "query_products", "{\"limit\":5}"));
  CHECK_INT(ifield(s, "total"), ==, 300);
  s = env_structured(env_call(&t, "top_k_products", "{\"k\":3}"));
  CHECK_INT(ifield(s, "products_analysed"), ==, 300);
  SAY("a :memory: store cannot be reopened: the lanes read it on the loop thread, same answers");
  env_finish(&t);
}

static void extra_tool(souk_mcp_call *call, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_text(call, "hello from an agent");
}

TEST(agent_tools_registered_later) {
  serve_env t;
  env_start(&t, NULL, false);
  souk_mcp_tool tool = {"shopify_collections", "Collections", "Lists a store's collections.",
                        NULL, NULL, NULL, NULL, extra_tool, NULL};
  souk_errinfo e = {0};
  CHECK_INT(souk_serve_add_tool(t.sv, &tool, &e), ==, 0);
  json_t *n = env_notifications(&t, "notifications/tools/list_changed");
  CHECK_INT(json_array_size(n), ==, 1);
  json_decref(n);
  json_t *r = env_result(&t, "tools/list", NULL);
  CHECK_INT(json_array_size(field(r, "tools")), ==, NTOOLS + 1);
  CHECK_STR(env_text(env_call(&t, "shopify_collections", NULL)), "hello from an agent");
  SAY("souk_serve_add_tool: sessions get tools/list_changed; the tool is listed and callable");
  tool.name = "query_products";
  CHECK_INT(souk_serve_add_tool(t.sv, &tool, &e), ==, SOUK_EDUPLICATE);
  CHECK_INT(souk_serve_remove_tool(t.sv, "query_products"), ==, SOUK_EINVAL);
  CHECK_INT(souk_serve_remove_tool(t.sv, "shopify_collections"), ==, 0);
  n = env_notifications(&t, "notifications/tools/list_changed");
  CHECK_INT(json_array_size(n), ==, 2);
  json_decref(n);
  SAY("souk's own names cannot be taken or removed; removing the agent's tool is announced");
  env_finish(&t);
}

TEST(bad_arguments_every_tool) {
  serve_env t;
  env_start(&t, NULL, false);
  const char *bad[][3] = {
      {"scrape_store", "{}", "missing required argument 'url'"},
      {"scrape_store", "{\"url\":\"https://shop.example\",\"agent\":\"magento\"}", "must be one of"},
      {"get_product", "{\"store\":\"x\",\"id\":\"12\"}", "must be an integer"},
      {"get_product", "{\"store\":\"https://a.example\",\"id\":0}", "must be >= 1"},
      {"price_history", "{\"store\":\"https://a.example\",\"since\":\"yesterday!\"}", "ISO 8601"},
      {"store_stats", "{\"group_by\":\"colour\"}", "must be one of"},
      {"store_stats", "{\"examples\":21}", "must be <= 20"},
      {"export_csv", "{\"variants\":\"yes\"}", "must be a boolean"},
      {"top_k_products", "{\"popularity\":\"sales\"}", "must be one of"},
      {"top_k_products", "{\"stores\":[]}", "at least 1"},
      {"cluster_products", "{\"clusters\":17}", "must be <= 16"},
      {"cluster_products", "{\"seed\":-1}", "must be >= 0"},
      {"pca_projection", "{\"components\":7}", "must be <= 6"},
      {"pca_projection", "{\"max_points\":1001}", "must be <= 1000"},
      {"correlation_matrix", "{\"k\":3}", "unknown argument 'k'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *r = env_call(&t, bad[i][0], bad[i][1]);
    CHECK_MSG(env_is_error(r), "%s %s was accepted", bad[i][0], bad[i][1]);
    CHECK_HAS(env_text(r), bad[i][2]);
  }
  const char *msg;
  CHECK_INT(env_error(&t, "tools/call", "{\"name\":\"scrape_everything\",\"arguments\":{}}", &msg),
            ==, -32602);
  SAY("%zu bad argument sets across the tools: isError results naming the problem; an unknown "
      "tool: -32602 (%s)", sizeof bad / sizeof *bad, msg);
  env_finish(&t);
}
