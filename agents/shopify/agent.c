/* SPDX-License-Identifier: MIT */
/* The Shopify platform agent: walks a store's public catalog endpoints through the host's
 * HTTP client and hands the products to the host, page by page.
 *
 * Order of attempts (docs/agents/shopify.md):
 *   1. /meta.json for the currency, shop name and announced product count (optional);
 *   2. /products.json?limit=250&page=N from 1 until a page is empty or shorter than the first
 *      (a store may serve fewer than asked); once page 1 is known, two pages are in flight, so
 *      the network, the decoder and the store overlap, and a request past the end is dropped;
 *   3. past the 25,000 cap (HTTP 400): /collections.json and each collection's products.json,
 *      de-duplicated by product id;
 *   4. when /products.json is disabled (404, 403, HTML): the product sitemaps, then each
 *      /products/<handle>.json.
 * A password-protected store (redirect to /password) and a site that is not a Shopify store
 * end the crawl with one clear error. HTML is never parsed as JSON.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "decode.h"
#include "sitemap.h"
#include "souk/agent.h"

#define PAGE_LIMIT 250
#define PAGE_CAP 25000           /* page * limit beyond this answers 400 */
#define MAX_PARALLEL 8           /* product pages in flight in sitemap mode */
#define PAGES_AHEAD 2            /* /products.json pages in flight after page 1 */
#define MAX_HANDLES 1000000
#define MAX_COLLECTIONS 100000

typedef enum phase {
  PH_META,
  PH_PRODUCTS,
  PH_COLLECTIONS,
  PH_COLLECTION_PRODUCTS,
  PH_SITEMAP_INDEX,
  PH_SITEMAPS,
  PH_PRODUCT_PAGES
} phase;

typedef struct str_list {
  char **v;
  size_t n, cap;
} str_list;

/* Product ids seen in this crawl (open addressing; 0 marks an empty slot). */
typedef struct id_set {
  int64_t *slot;
  size_t cap, n;
} id_set;

typedef struct shop_agent shop_agent;
typedef struct shop_crawl shop_crawl;

/* One request in flight. */
typedef struct shop_req {
  shop_crawl *sc;
  souk_host_request *handle;
  struct shop_req *next;
  unsigned page;
  size_t index;                /* collection or handle index */
  bool dropped;                /* past the end of its walk: its answer is ignored */
  void (*on_done)(struct shop_req *r, const souk_host_http_response *res);
} shop_req;

struct shop_crawl {
  shop_agent *agent;
  const souk_host *h;
  souk_crawl *c;
  shop_crawl *next;            /* in agent->crawls */
  char base[1024];             /* scheme://host[:port][/locale], no trailing slash */
  phase ph;
  int decimals;
  int64_t announced;
  bool meta_ok;
  unsigned page;               /* the last page asked for in the current walk */
  size_t first_len;            /* length of the current walk's first page */
  size_t products_first_len;   /* length of /products.json page 1 */
  unsigned end_page;           /* 0 until a short, empty or refused page ends /products.json */
  bool repeated;               /* a page held nothing new: the server ignores ?page= */
  shop_req *reqs;              /* in flight */
  int inflight;
  bool cancelled, ending;
  int status;                  /* first failure, 0 if none */
  char message[512];
  bool complete;
  uint64_t products;
  id_set seen;
  str_list collections;
  size_t coll_index;
  bool coll_capped;            /* a collection hit the 25,000 cap */
  str_list sitemaps;
  size_t sitemap_index;
  str_list handles;
  size_t handle_next, handles_done, handles_failed;
};

struct shop_agent {
  const souk_host *h;
  shop_crawl *crawls;
};

/* ---- small helpers -------------------------------------------------------------------- */

static int list_add(str_list *l, const char *s) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return SOUK_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  char *copy = strdup(s);
  if (!copy)
    return SOUK_ENOMEM;
  l->v[l->n++] = copy;
  return 0;
}

static bool list_has(const str_list *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], s) == 0)
      return true;
  return false;
}

static void list_free(str_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static uint64_t id_hash(int64_t id) {
  uint64_t x = (uint64_t)id;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

/* Adds id; returns 1 if it was new, 0 if seen before, -1 when out of memory. */
static int id_add(id_set *s, int64_t id) {
  if (id == 0)
    id = INT64_MIN; /* 0 marks empty slots */
  if ((s->n + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    int64_t *slot = calloc(cap, sizeof *slot);
    if (!slot)
      return -1;
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->slot[i])
        continue;
      size_t j = id_hash(s->slot[i]) & (cap - 1);
      while (slot[j])
        j = (j + 1) & (cap - 1);
      slot[j] = s->slot[i];
    }
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
  }
  size_t j = id_hash(id) & (s->cap - 1);
  while (s->slot[j]) {
    if (s->slot[j] == id)
      return 0;
    j = (j + 1) & (s->cap - 1);
  }
  s->slot[j] = id;
  s->n++;
  return 1;
}

static bool is_json(const char *content_type) {
  if (!content_type)
    return false;
  size_t n = strcspn(content_type, ";");
  return (n == 16 && strncasecmp(content_type, "application/json", 16) == 0) ||
         (n > 5 && strncasecmp(content_type + n - 5, "+json", 5) == 0) ||
         (n == 15 && strncasecmp(content_type, "text/javascript", 15) == 0);
}

static bool is_xml(const char *content_type) {
  size_t n = strcspn(content_type, ";");
  return (n >= 3 && strncasecmp(content_type + n - 3, "xml", 3) == 0);
}

static bool redirected_to_password(const souk_host_http_response *res) {
  const char *u = res->effective_url;
  if (!u)
    return false;
  const char *p = strstr(u, "/password");
  return p && (p[9] == '\0' || p[9] == '?' || p[9] == '/');
}

/* Digits of the minor unit of an ISO 4217 currency. */
static int currency_decimals(const char *code) {
  static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                     "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  if (!code)
    return 2;
  for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
    if (strcasecmp(code, zero[i]) == 0)
      return 0;
  for (size_t i = 0; i < sizeof three / sizeof *three; i++)
    if (strcasecmp(code, three[i]) == 0)
      return 3;
  return 2;
}

/* scheme://host[:port] of a store URL, plus a locale prefix (/fr, /en-ca) when the path starts
 * with one; other paths are the store's pages and are dropped. -1 for a URL that is not
 * http(s). */
static int store_base(const char *url, char *out, size_t len) {
  const char *p = url;
  const char *scheme;
  if (strncasecmp(p, "https://", 8) == 0) {
    scheme = "https://";
    p += 8;
  } else if (strncasecmp(p, "http://", 7) == 0) {
    scheme = "http://";
    p += 7;
  } else if (!strstr(p, "://")) {
    scheme = "https://";
  } else {
    return -1;
  }
  size_t hlen = strcspn(p, "/?#");
  if (hlen == 0 || memchr(p, '@', hlen))
    return -1;
  char host[512];
  if (hlen >= sizeof host)
    return -1;
  for (size_t i = 0; i < hlen; i++)
    host[i] = (char)tolower((unsigned char)p[i]);
  host[hlen] = '\0';
  const char *path = p + hlen;
  char locale[8] = "";
  if (*path == '/') {
    const char *seg = path + 1;
    size_t slen = strcspn(seg, "/?#");
    bool is_locale = (slen == 2 || (slen == 5 && seg[2] == '-'));
    for (size_t i = 0; i < slen && is_locale; i++)
      is_locale = i == 2 ? seg[i] == '-' : isalpha((unsigned char)seg[i]) != 0;
    if (is_locale && !(slen == 2 && strncasecmp(seg, "products", 2) == 0)) {
      locale[0] = '/';
      for (size_t i = 0; i < slen; i++)
        locale[i + 1] = (char)tolower((unsigned char)seg[i]);
      locale[slen + 1] = '\0';
    }
  }
  int n = snprintf(out, len, "%s%s%s", scheme, host, locale);
  return n > 0 && (size_t)n < len ? 0 : -1;
}

/* ---- ending a crawl ------------------------------------------------------------------- */

static void crawl_free(shop_crawl *sc) {
  for (shop_crawl **pp = &sc->agent->crawls; *pp; pp = &(*pp)->next) {
    if (*pp == sc) {
      *pp = sc->next;
      break;
    }
  }
  free(sc->seen.slot);
  list_free(&sc->collections);
  list_free(&sc->sitemaps);
  list_free(&sc->handles);
  free(sc);
}

/* Ends the crawl once nothing is in flight. */
static void maybe_finish(shop_crawl *sc) {
  if (!sc->ending || sc->inflight > 0)
    return;
  const souk_host *h = sc->h;
  souk_crawl *c = sc->c;
  int status = sc->status;
  bool complete = status == 0 && sc->complete;
  char message[512];
  snprintf(message, sizeof message, "%s", sc->message);
  if (status == 0 && sc->cancelled)
    status = SOUK_ECANCELED;
  h->log(h, status ? SOUK_HOST_LOG_WARN : SOUK_HOST_LOG_INFO, "%s: %s after %llu products%s%s",
         sc->base, status ? souk_strerror(status) : complete ? "complete" : "done",
         (unsigned long long)sc->products, message[0] ? ": " : "", message);
  crawl_free(sc);
  h->crawl_done(h, c, status, complete, message[0] ? message : NULL);
}

static void fail(shop_crawl *sc, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the first failure and stops what is in flight. fail() and succeed() are called
 * from response handlers only; on_response ends the crawl once nothing is in flight. */
static void fail(shop_crawl *sc, int status, const char *fmt, ...) {
  if (!sc->status) {
    sc->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->message, sizeof sc->message, fmt, ap);
    va_end(ap);
  }
  sc->ending = true;
  for (shop_req *r = sc->reqs; r; r = r->next)
    sc->h->http_cancel(sc->h, r->handle);
}

static void succeed(shop_crawl *sc, bool complete, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void succeed(shop_crawl *sc, bool complete, const char *fmt, ...) {
  sc->complete = complete;
  if (fmt && !sc->message[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->message, sizeof sc->message, fmt, ap);
    va_end(ap);
  }
  sc->ending = true;
}

/* ---- requests ------------------------------------------------------------------------- */

static void on_response(const souk_host_http_response *res, void *ud) {
  shop_req *r = ud;
  shop_crawl *sc = r->sc;
  for (shop_req **pp = &sc->reqs; *pp; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  }
  sc->inflight--;
  if (r->dropped) {
    free(r);
    maybe_finish(sc);
    return;
  }
  if (res->error == SOUK_ECANCELED || sc->ending) {
    free(r);
    if (!sc->ending) {
      sc->cancelled = true;
      sc->ending = true;
      for (shop_req *o = sc->reqs; o; o = o->next)
        sc->h->http_cancel(sc->h, o->handle);
    }
    maybe_finish(sc);
    return;
  }
  if (res->status)
    sc->h->crawl_page_done(sc->h, sc->c, res->status, res->body_len);
  r->on_done(r, res);
  free(r);
  maybe_finish(sc);
}

static int get(shop_crawl *sc, const char *url, unsigned page, size_t index,
               void (*on_done)(shop_req *, const souk_host_http_response *)) {
  if (sc->ending)
    return 0;
  if (sc->h->crawl_cancelled(sc->h, sc->c)) {
    sc->cancelled = true;
    sc->ending = true;
    return 0;
  }
  shop_req *r = calloc(1, sizeof *r);
  if (!r)
    return SOUK_ENOMEM;
  r->sc = sc;
  r->page = page;
  r->index = index;
  r->on_done = on_done;
  static const char *const headers[] = {"Accept: application/json, text/xml;q=0.9, */*;q=0.1",
                                        NULL};
  souk_host_http_request req = {.url = url, .headers = headers};
  int rc = sc->h->http_get(sc->h, &req, on_response, r, &r->handle);
  if (rc) {
    free(r);
    return rc;
  }
  r->next = sc->reqs;
  sc->reqs = r;
  sc->inflight++;
  return 0;
}

/* A failure status of a response, in words. */
static void fail_status(shop_crawl *sc, const souk_host_http_response *res, const char *what) {
  if (res->error) {
    fail(sc, res->error, "%s: %s", what, res->error_text ? res->error_text : souk_strerror(res->error));
  } else if (res->status == 429) {
    fail(sc, SOUK_ERATELIMIT,
         "%s: the store kept answering 429 Too Many Requests after %u retries; try a lower "
         "--rate",
         what, res->retries);
  } else {
    fail(sc, SOUK_EHTTP, "%s: HTTP %d", what, res->status);
  }
}

static void start_products(shop_crawl *sc);
static void start_collections(shop_crawl *sc);
static void start_sitemaps(shop_crawl *sc);

/* Decodes and stores one page of products. Returns how many products the page held
 * (decoded and skipped), or -1 after failing the crawl. `dedupe` keeps only products this
 * crawl has not stored yet. */
static long store_page(shop_crawl *sc, shop_req *r, const souk_host_http_response *res,
                       const char *what, bool single, bool dedupe,
                       void (*on_decoded)(shop_crawl *, shop_req *, long held, size_t fresh)) {
  souk_catalog_page page;
  souk_errinfo e = {0};
  /* The host pads bodies: simdjson parses them in place, without a copy. */
  size_t capacity = res->body_len + SOUK_HOST_BODY_PADDING;
  int rc = single ? souk_shopify_decode_product(res->body, res->body_len, capacity,
                                                sc->decimals, &page, &e)
                  : souk_shopify_decode_products(res->body, res->body_len, capacity,
                                                 sc->decimals, &page, &e);
  if (rc) {
    fail(sc, rc, "%s: %s", what, e.text);
    return -1;
  }
  long held = (long)(page.nproducts + page.skipped);
  if (page.skipped)
    sc->h->log(sc->h, SOUK_HOST_LOG_WARN, "%s: %zu malformed product%s skipped", what, page.skipped,
               page.skipped == 1 ? "" : "s");
  if (page.bad_prices)
    sc->h->log(sc->h, SOUK_HOST_LOG_WARN, "%s: %zu price%s not exact decimals of %d digits, left empty",
               what, page.bad_prices, page.bad_prices == 1 ? "" : "s", sc->decimals);
  size_t keep = 0, fresh = 0;
  for (size_t i = 0; i < page.nproducts; i++) {
    int added = id_add(&sc->seen, page.products[i].id);
    if (added < 0) {
      souk_catalog_page_free(&page);
      fail(sc, SOUK_ENOMEM, "out of memory");
      return -1;
    }
    fresh += (size_t)added;
    if (!dedupe || added)
      page.products[keep++] = page.products[i];
  }
  /* The next page is asked for before this one is stored: the fetch overlaps the write. */
  if (on_decoded)
    on_decoded(sc, r, held, fresh);
  if (keep) {
    rc = sc->h->crawl_put_products(sc->h, sc->c, page.products, keep);
    if (rc) {
      souk_catalog_page_free(&page);
      fail(sc, rc, "%s: the store refused the products: %s", what, souk_strerror(rc));
      return -1;
    }
  }
  sc->products += keep;
  souk_catalog_page_free(&page);
  char msg[128];
  snprintf(msg, sizeof msg, "%llu products", (unsigned long long)sc->seen.n);
  sc->h->crawl_progress(sc->h, sc->c, (double)sc->seen.n,
                        sc->announced > 0 ? (double)sc->announced : 0, msg);
  return held;
}

/* ---- /products.json ------------------------------------------------------------------- */

static void on_products(shop_req *r, const souk_host_http_response *res);

/* /products.json pages asked for and not answered yet, dropped ones aside. */
static int products_in_flight(const shop_crawl *sc) {
  int n = 0;
  for (const shop_req *r = sc->reqs; r; r = r->next)
    n += r->on_done == on_products && !r->dropped;
  return n;
}

static void request_products_page(shop_crawl *sc) {
  char url[1200];
  sc->page++;
  snprintf(url, sizeof url, "%s/products.json?limit=%d&page=%u", sc->base, PAGE_LIMIT, sc->page);
  int rc = get(sc, url, sc->page, 0, on_products);
  if (rc)
    fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
}

/* Page `page` ends the walk: the pages after it that are in flight are dropped (pages before
 * it may still be on their way: answers come in any order, and they are all stored). */
static void end_products_walk(shop_crawl *sc, unsigned page) {
  if (sc->end_page && sc->end_page <= page)
    return;
  sc->end_page = page;
  for (shop_req *r = sc->reqs; r; r = r->next) {
    if (r->on_done == on_products && r->page > page && !r->dropped) {
      r->dropped = true;
      sc->h->http_cancel(sc->h, r->handle);
    }
  }
}

/* Whether page `page` should hold products, by the count /meta.json announced: a page past
 * it is asked for only once the pages before it are answered, so a store whose count is
 * right sees no request beyond the empty page that ends the walk. Without a count, the
 * walk may ask for one page past that one (it is dropped). */
static bool page_expected(const shop_crawl *sc, unsigned page) {
  return sc->announced < 0 ||
         (int64_t)(page - 1) * (int64_t)sc->products_first_len < sc->announced;
}

/* Keeps PAGES_AHEAD pages in flight until the end of the walk is known. */
static void fill_products_window(shop_crawl *sc) {
  while (!sc->ending && !sc->end_page) {
    int n = products_in_flight(sc);
    if (n >= PAGES_AHEAD || (n > 0 && !page_expected(sc, sc->page + 1)))
      break;
    request_products_page(sc);
  }
}

/* Called when a page is decoded, before it is stored, so the next requests overlap the
 * write. An empty page, or one shorter than the first (a store may serve fewer than asked),
 * ends the walk; so does a page with nothing new after page 1 (a server that ignores ?page=
 * repeats itself: stop instead of walking forever). */
static void next_products_page(shop_crawl *sc, shop_req *r, long held, size_t fresh) {
  if (r->page == 1)
    sc->products_first_len = (size_t)held;
  bool last = held == 0 || (size_t)held < sc->products_first_len;
  if (!last && r->page > 1 && fresh == 0) {
    last = true;
    sc->repeated = true;
  }
  if (last)
    end_products_walk(sc, r->page);
  fill_products_window(sc);
}

static void on_products(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  char what[64];
  snprintf(what, sizeof what, "/products.json page %u", r->page);
  if (res->error)
    return fail_status(sc, res, what);
  if (redirected_to_password(res))
    return fail(sc, SOUK_EPASSWORD,
                "%s is password protected (it redirects to /password); souk reads public "
                "catalogs only",
                sc->base);
  if (res->status == 400 && (size_t)r->page * PAGE_LIMIT > PAGE_CAP - PAGE_LIMIT) {
    end_products_walk(sc, r->page);
    if (sc->ph != PH_PRODUCTS)
      return;
    sc->h->log(sc->h, SOUK_HOST_LOG_INFO,
               "%s: past the 25,000-product cap of /products.json after %llu products; walking "
               "collections",
               sc->base, (unsigned long long)sc->seen.n);
    return start_collections(sc);
  }
  bool html = res->status == 200 && !is_json(res->content_type);
  if (r->page == 1 && (res->status == 404 || res->status == 403 || res->status == 401 || html)) {
    sc->h->log(sc->h, SOUK_HOST_LOG_INFO, "%s: /products.json is not available (%s); reading the "
               "product sitemaps",
               sc->base, html ? "HTML instead of JSON" : res->status == 404 ? "404" : "forbidden");
    return start_sitemaps(sc);
  }
  if (res->status != 200)
    return fail_status(sc, res, what);
  if (html)
    return fail(sc, SOUK_ECONTENT, "%s: the store answered %s instead of JSON", what,
                *res->content_type ? res->content_type : "no content type");
  if (store_page(sc, r, res, what, false, true, next_products_page) < 0)
    return;
  /* Past the cap, the collections walk ends the crawl; here, the last page answered does. */
  if (sc->ph != PH_PRODUCTS || !sc->end_page || products_in_flight(sc) > 0)
    return;
  if (sc->repeated)
    succeed(sc, false, "page %u repeated products already seen: the store ignores ?page=, "
            "stopped there", sc->end_page);
  else
    succeed(sc, true, NULL);
}

static void start_products(shop_crawl *sc) {
  sc->ph = PH_PRODUCTS;
  sc->page = 0;
  request_products_page(sc);
}

/* ---- collections ------------------------------------------------------------------------ */

static void request_collection_products(shop_crawl *sc);

static void on_collection_products(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  const char *handle = sc->collections.v[r->index];
  char what[600];
  snprintf(what, sizeof what, "/collections/%s/products.json page %u", handle, r->page);
  if (res->error)
    return fail_status(sc, res, what);
  if (res->status == 400 && (size_t)r->page * PAGE_LIMIT > PAGE_CAP - PAGE_LIMIT) {
    sc->h->log(sc->h, SOUK_HOST_LOG_WARN, "collection %s is larger than the 25,000 cap; products "
               "beyond it are reached only through other collections", handle);
    sc->coll_capped = true;
  } else if (res->status == 404) {
    sc->h->log(sc->h, SOUK_HOST_LOG_DEBUG, "collection %s vanished during the crawl", handle);
  } else if (res->status != 200 || !is_json(res->content_type)) {
    return fail_status(sc, res, what);
  } else {
    long held = store_page(sc, r, res, what, false, true, NULL);
    if (held < 0)
      return;
    if (r->page == 1)
      sc->first_len = (size_t)held;
    if (held > 0 && (size_t)held >= sc->first_len) {
      sc->page++;
      return request_collection_products(sc);
    }
  }
  sc->coll_index++;
  sc->page = 1;
  request_collection_products(sc);
}

static void request_collection_products(shop_crawl *sc) {
  if (sc->coll_index >= sc->collections.n) {
    /* Products in no collection are invisible this way: complete only if the count adds up. */
    bool complete = !sc->coll_capped && sc->announced >= 0 && (int64_t)sc->seen.n >= sc->announced;
    return succeed(sc, complete,
                   complete ? NULL
                            : "catalog walked through %zu collections; %llu products found%s",
                   sc->collections.n, (unsigned long long)sc->seen.n,
                   sc->announced >= 0 ? " (fewer than the store announces)" : "");
  }
  char url[1600];
  snprintf(url, sizeof url, "%s/collections/%s/products.json?limit=%d&page=%u", sc->base,
           sc->collections.v[sc->coll_index], PAGE_LIMIT, sc->page);
  int rc = get(sc, url, sc->page, sc->coll_index, on_collection_products);
  if (rc)
    fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
}

static void request_collections_page(shop_crawl *sc);

static void on_collections(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  char what[64];
  snprintf(what, sizeof what, "/collections.json page %u", r->page);
  if (res->error || res->status != 200)
    return fail_status(sc, res, what);
  if (!is_json(res->content_type))
    return fail(sc, SOUK_ECONTENT, "%s: the store answered %s instead of JSON", what,
                res->content_type);
  json_error_t jerr;
  json_t *root = json_loadb(res->body, res->body_len, 0, &jerr);
  json_t *list = json_object_get(root, "collections");
  if (!json_is_array(list)) {
    json_decref(root);
    return fail(sc, SOUK_EPARSE, "%s: expected {\"collections\": [...]}: %s", what,
                root ? "no collections array" : jerr.text);
  }
  size_t i, held = json_array_size(list);
  json_t *col;
  json_array_foreach(list, i, col) {
    const char *handle = json_string_value(json_object_get(col, "handle"));
    char dummy[512];
    /* A handle is one URL path segment. */
    if (!handle || !*handle || strcspn(handle, "/?#\\ \"") != strlen(handle) ||
        strlen(handle) >= sizeof dummy || list_has(&sc->collections, handle))
      continue;
    if (sc->collections.n >= MAX_COLLECTIONS || list_add(&sc->collections, handle) != 0)
      break;
  }
  json_decref(root);
  if (r->page == 1)
    sc->first_len = held;
  if (held > 0 && held >= sc->first_len) {
    sc->page++;
    return request_collections_page(sc);
  }
  sc->h->log(sc->h, SOUK_HOST_LOG_INFO, "%s: %zu collections to walk", sc->base, sc->collections.n);
  sc->ph = PH_COLLECTION_PRODUCTS;
  sc->coll_index = 0;
  sc->page = 1;
  request_collection_products(sc);
}

static void request_collections_page(shop_crawl *sc) {
  char url[1200];
  snprintf(url, sizeof url, "%s/collections.json?limit=%d&page=%u", sc->base, PAGE_LIMIT, sc->page);
  int rc = get(sc, url, sc->page, 0, on_collections);
  if (rc)
    fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
}

static void start_collections(shop_crawl *sc) {
  sc->ph = PH_COLLECTIONS;
  sc->page = 1;
  request_collections_page(sc);
}

/* ---- sitemaps ------------------------------------------------------------------------- */

static int add_sitemap(const char *loc, void *ud) {
  shop_crawl *sc = ud;
  if (strstr(loc, "sitemap_products_") && !list_has(&sc->sitemaps, loc))
    list_add(&sc->sitemaps, loc);
  return 0;
}

static int add_handle(const char *loc, void *ud) {
  shop_crawl *sc = ud;
  char handle[512];
  if (sc->handles.n < MAX_HANDLES &&
      souk_sitemap_product_handle(loc, handle, sizeof handle) == 0 &&
      !list_has(&sc->handles, handle))
    list_add(&sc->handles, handle);
  return 0;
}

static void request_product_pages(shop_crawl *sc);

static void on_product_page(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  char what[600];
  snprintf(what, sizeof what, "/products/%s.json", sc->handles.v[r->index]);
  sc->handles_done++;
  if (res->error && res->error != SOUK_EHTTP) {
    return fail_status(sc, res, what);
  } else if (res->status == 429) {
    return fail_status(sc, res, what);
  } else if (res->status != 200 || !is_json(res->content_type)) {
    /* A product listed in the sitemap and gone since: counted, not fatal. */
    sc->handles_failed++;
    sc->h->log(sc->h, SOUK_HOST_LOG_DEBUG, "%s: HTTP %d %s", what, res->status, res->content_type);
  } else if (store_page(sc, r, res, what, true, true, NULL) < 0) {
    return;
  }
  request_product_pages(sc);
}

static void request_product_pages(shop_crawl *sc) {
  while (!sc->ending && sc->inflight < MAX_PARALLEL && sc->handle_next < sc->handles.n) {
    char url[1600];
    size_t i = sc->handle_next++;
    snprintf(url, sizeof url, "%s/products/%s.json", sc->base, sc->handles.v[i]);
    int rc = get(sc, url, 0, i, on_product_page);
    if (rc)
      return fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
  }
  if (!sc->ending && sc->handles_done == sc->handles.n)
    succeed(sc, sc->handles_failed == 0,
            sc->handles_failed ? "%zu of %zu product pages of the sitemap could not be read" : NULL,
            sc->handles_failed, sc->handles.n);
}

static void request_sitemap(shop_crawl *sc);

static void on_sitemap(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  if (res->error || res->status != 200)
    return fail_status(sc, res, sc->sitemaps.v[r->index]);
  souk_sitemap_locs(res->body, res->body_len, add_handle, sc);
  sc->sitemap_index++;
  request_sitemap(sc);
}

static void request_sitemap(shop_crawl *sc) {
  if (sc->sitemap_index < sc->sitemaps.n) {
    /* Sitemaps may name another domain of the same shop: fetch them where they are. */
    const char *url = sc->sitemaps.v[sc->sitemap_index];
    int rc = get(sc, url, 0, sc->sitemap_index, on_sitemap);
    if (rc)
      fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
    return;
  }
  sc->h->log(sc->h, SOUK_HOST_LOG_INFO, "%s: %zu products listed in %zu product sitemaps",
             sc->base, sc->handles.n, sc->sitemaps.n);
  sc->ph = PH_PRODUCT_PAGES;
  if (sc->handles.n == 0)
    return succeed(sc, true, "the product sitemaps list no products");
  request_product_pages(sc);
}

static void on_sitemap_index(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  if (res->error && res->error != SOUK_EHTTP)
    return fail_status(sc, res, "/sitemap.xml");
  if (redirected_to_password(res))
    return fail(sc, SOUK_EPASSWORD, "%s is password protected (it redirects to /password)", sc->base);
  if (res->status == 200 && is_xml(res->content_type))
    souk_sitemap_locs(res->body, res->body_len, add_sitemap, sc);
  if (sc->sitemaps.n == 0) {
    if (!sc->meta_ok)
      return fail(sc, SOUK_ENOTSTORE,
                  "%s does not look like a Shopify store: no /meta.json, no /products.json and "
                  "no product sitemap",
                  sc->base);
    return fail(sc, SOUK_ENOTSTORE,
                "%s: /products.json is disabled and /sitemap.xml lists no product sitemap",
                sc->base);
  }
  sc->ph = PH_SITEMAPS;
  sc->sitemap_index = 0;
  request_sitemap(sc);
}

static void start_sitemaps(shop_crawl *sc) {
  sc->ph = PH_SITEMAP_INDEX;
  char url[1200];
  snprintf(url, sizeof url, "%s/sitemap.xml", sc->base);
  int rc = get(sc, url, 0, 0, on_sitemap_index);
  if (rc)
    fail(sc, rc, "requesting %s: %s", url, souk_strerror(rc));
}

/* ---- /meta.json ------------------------------------------------------------------------ */

static void on_meta(shop_req *r, const souk_host_http_response *res) {
  shop_crawl *sc = r->sc;
  if (res->error && res->error != SOUK_EHTTP)
    return fail(sc, res->error, "%s cannot be reached: %s", sc->base,
                res->error_text ? res->error_text : souk_strerror(res->error));
  if (redirected_to_password(res))
    return fail(sc, SOUK_EPASSWORD,
                "%s is password protected (it redirects to /password); souk reads public "
                "catalogs only",
                sc->base);
  if (res->status == 200 && is_json(res->content_type)) {
    json_t *root = json_loadb(res->body, res->body_len, 0, NULL);
    if (json_is_object(root)) {
      sc->meta_ok = true;
      const char *currency = json_string_value(json_object_get(root, "currency"));
      json_t *count = json_object_get(root, "published_products_count");
      souk_store_info info = {
          .name = json_string_value(json_object_get(root, "name")),
          .currency = currency && strlen(currency) == 3 ? currency : NULL,
          .product_count = json_is_integer(count) ? (int64_t)json_integer_value(count) : -1,
      };
      sc->announced = info.product_count;
      sc->decimals = currency_decimals(info.currency);
      sc->h->crawl_set_info(sc->h, sc->c, &info);
      sc->h->log(sc->h, SOUK_HOST_LOG_DEBUG, "%s: %s, currency %s, %lld products announced",
                 sc->base, info.name ? info.name : "(no name)", info.currency ? info.currency : "?",
                 (long long)info.product_count);
    }
    json_decref(root);
  }
  start_products(sc);
}

/* ---- the agent's operations ----------------------------------------------------------- */

static int shopify_init(const souk_host *h, void **state) {
  shop_agent *a = calloc(1, sizeof *a);
  if (!a)
    return SOUK_ENOMEM;
  a->h = h;
  *state = a;
  return 0;
}

static void shopify_fini(void *state) {
  shop_agent *a = state;
  /* The host ends every crawl before unloading an agent; anything left is freed. */
  while (a->crawls)
    crawl_free(a->crawls);
  free(a);
}

static int shopify_crawl_start(void *state, souk_crawl *c) {
  shop_agent *a = state;
  const souk_host *h = a->h;
  const char *url = h->crawl_url(h, c);
  shop_crawl *sc = calloc(1, sizeof *sc);
  if (!sc)
    return SOUK_ENOMEM;
  if (store_base(url, sc->base, sizeof sc->base) != 0) {
    free(sc);
    h->log(h, SOUK_HOST_LOG_ERROR, "'%s' is not an http:// or https:// store URL", url);
    return SOUK_EINVAL;
  }
  sc->agent = a;
  sc->h = h;
  sc->c = c;
  sc->decimals = 2;
  sc->announced = -1;
  sc->next = a->crawls;
  a->crawls = sc;
  sc->ph = PH_META;
  char meta[1200];
  snprintf(meta, sizeof meta, "%s/meta.json", sc->base);
  int rc = get(sc, meta, 0, 0, on_meta);
  if (rc) {
    crawl_free(sc);
    return rc;
  }
  return 0;
}

static void shopify_crawl_cancel(void *state, souk_crawl *c) {
  shop_agent *a = state;
  for (shop_crawl *sc = a->crawls; sc; sc = sc->next) {
    if (sc->c != c || sc->ending)
      continue;
    sc->cancelled = true;
    sc->ending = true;
    for (shop_req *r = sc->reqs; r; r = r->next)
      sc->h->http_cancel(sc->h, r->handle);
    return; /* the canceled responses end the crawl */
  }
}

static const souk_agent_ops ops = {
    .init = shopify_init,
    .fini = shopify_fini,
    .crawl_start = shopify_crawl_start,
    .crawl_cancel = shopify_crawl_cancel,
};

static const souk_agent_desc desc = {
    SOUK_AGENT_DESC_INIT,
    .name = "shopify",
    .version = "1.0.0",
    .description = "Shopify stores: /products.json pages, collections past 25,000 products, "
                   "product sitemaps when the feed is disabled.",
    .ops = &ops,
};

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);
const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h) {
  if (h->abi_major != SOUK_AGENT_ABI_MAJOR || h->struct_size < sizeof *h)
    return NULL;
  return &desc;
}

SOUK_AGENT_EXPORT(souk_agent_shopify_entry)
