/* SPDX-License-Identifier: MIT */
/* souk's MCP resources behind souk:// URIs: the store list, each store's summary, products
 * (paginated, by vendor, by product type) and crawl records, the latest top-K and the charts
 * of the latest analysis, and the CSV files export_csv wrote; the list of stores souk knows
 * (cached, reloaded after crawls) and the notifications a crawl sends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/log.h"
#include "serve/serve_int.h"
#include "souk/error.h"
#include "souk/mcp_content.h"

enum { PAGE = 50, MAX_CRAWLS = 50, MAX_EXPORT_BYTES = 8 << 20 };

/* ---- the store list cache ------------------------------------------------------------- */

static int collect_store(const souk_store_summary *st, void *ud) {
  json_t *v = souk__serve_store_summary(st);
  if (!v)
    return SOUK_ENOMEM;
  json_array_append_new(ud, v);
  return 0;
}

int souk__serve_load_stores(souk_serve *sv) {
  json_t *list = json_array();
  if (!list)
    return SOUK_ENOMEM;
  int rc = souk_store_stores(sv->store, collect_store, list);
  if (rc) {
    json_decref(list);
    return rc;
  }
  json_decref(sv->stores);
  sv->stores = list;
  return 0;
}

int souk__serve_resolve_store(souk_serve *sv, const char *name, char *origin, size_t len) {
  char want[512];
  if (strstr(name, "://")) {
    if (souk_store_origin(name, want, sizeof want) != 0)
      return SOUK_ENOENT;
  } else {
    snprintf(want, sizeof want, "%s", name);
  }
  const char *found = NULL;
  size_t i;
  json_t *st;
  json_array_foreach(sv->stores, i, st) {
    const char *o = json_string_value(json_object_get(st, "store"));
    const char *k = json_string_value(json_object_get(st, "key"));
    if (!o || !k)
      continue;
    if (strcmp(o, want) == 0 || strcasecmp(k, want) == 0) {
      /* http://x and https://x share a key: prefer https, or an exact origin */
      if (!found || strcmp(o, want) == 0 || strncmp(o, "https:", 6) == 0)
        found = o;
    }
  }
  if (!found)
    return SOUK_ENOENT;
  snprintf(origin, len, "%s", found);
  return 0;
}

typedef struct reload_job {
  souk__job base;
  json_t *list;
  char origin[512];
} reload_job;

static int reload_run(souk__job *j, souk_store *s) {
  reload_job *r = (reload_job *)j;
  r->list = json_array();
  if (!r->list)
    return souk__job_fail(j, SOUK_ENOMEM, "out of memory");
  int rc = souk_store_stores(s, collect_store, r->list);
  return rc ? souk__job_fail(j, rc, "%s", souk_store_errmsg(s)) : 0;
}

static bool cached(const json_t *list, const char *origin) {
  size_t i;
  json_t *st;
  json_array_foreach(list, i, st) {
    if (strcmp(json_string_value(json_object_get(st, "store")), origin) == 0)
      return true;
  }
  return false;
}

static void notify_store(souk_serve *sv, const char *origin) {
  char key[512], uri[700];
  souk__serve_store_key(origin, key, sizeof key);
  static const char *const tails[] = {"", "/products", "/crawls"};
  for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
    snprintf(uri, sizeof uri, SOUK__URI_STORES "/%s%s", key, tails[i]);
    souk_mcp_server_resource_updated(sv->server, uri);
  }
  souk_mcp_server_resource_updated(sv->server, SOUK__URI_STORES);
  souk_mcp_server_resource_updated(sv->server, SOUK__URI_CRAWLS);
}

static void reload_done(souk__job *j) {
  reload_job *r = (reload_job *)j;
  souk_serve *sv = j->sv;
  if (!sv->freed) {
    bool is_new = r->list && !cached(sv->stores, r->origin) && cached(r->list, r->origin);
    if (j->status == 0) {
      json_decref(sv->stores);
      sv->stores = r->list;
      r->list = NULL;
    } else {
      SOUK_WARN(MCP, "serve: reloading the store list: %s", j->error);
    }
    notify_store(sv, r->origin);
    if (is_new)
      souk_mcp_server_resources_changed(sv->server);
  }
  json_decref(r->list);
  free(r);
}

void souk__serve_store_updated(souk_serve *sv, const char *origin) {
  reload_job *r = calloc(1, sizeof *r);
  if (!r)
    return;
  r->base.run = reload_run;
  r->base.done = reload_done;
  snprintf(r->origin, sizeof r->origin, "%s", origin);
  if (souk__serve_submit(sv, SOUK__LANE_QUICK, &r->base) != 0) {
    notify_store(sv, origin);
    free(r);
  }
}

/* ---- reading resources ------------------------------------------------------------------ */

typedef enum res_kind {
  RES_STORES,
  RES_CRAWLS,
  RES_STORE,
  RES_PRODUCTS,
  RES_VENDOR,
  RES_TYPE,
  RES_STORE_CRAWLS,
  RES_EXPORT
} res_kind;

typedef struct res_job {
  souk__job base;
  souk_mcp_call *call;
  res_kind kind;
  char uri[2048];
  char origin[512];
  char key[512];
  char *arg;                   /* cursor, vendor, product type, or the export's path */
  json_t *out;                 /* JSON document */
  char *text;                  /* or raw text (CSV) */
  bool not_found;
} res_job;

static int crawl_cb(const souk_crawl_record *r, void *ud) {
  json_t *v = souk__serve_crawl(r);
  if (!v)
    return SOUK_ENOMEM;
  json_array_append_new(ud, v);
  return 0;
}

static int store_fail(souk__job *j, souk_store *s, int rc) {
  return souk__job_fail(j, rc, "%s", rc == SOUK_ENOMEM ? "out of memory" : souk_store_errmsg(s));
}

static int read_products(res_job *r, souk_store *s) {
  souk_query q;
  souk_query_init(&q);
  q.store = r->origin;
  q.limit = r->kind == RES_PRODUCTS ? PAGE : 2 * PAGE;
  if (r->kind == RES_PRODUCTS)
    q.cursor = r->arg;
  else if (r->kind == RES_VENDOR)
    q.vendor = r->arg;
  else
    q.product_type = r->arg;
  souk__product_list c = {json_array(), 0};
  char *next = NULL;
  uint64_t total = 0;
  int rc = c.list ? souk_store_query(s, &q, souk__serve_list_product, &c, &next) : SOUK_ENOMEM;
  rc = rc ? rc : c.rc;
  if (!rc)
    rc = souk_store_count(s, &q, &total);
  if (rc) {
    free(next);
    json_decref(c.list);
    if (rc == SOUK_EINVAL && r->kind == RES_PRODUCTS) {
      r->not_found = true; /* a cursor that is not one of ours names no page */
      return souk__job_fail(&r->base, SOUK_ENOENT, "no such page of products: %s", r->uri);
    }
    return store_fail(&r->base, s, rc);
  }
  char link[2600] = "";
  if (next) {
    if (r->kind == RES_PRODUCTS)
      snprintf(link, sizeof link, SOUK__URI_STORES "/%s/products/%s", r->key, next);
  }
  r->out = json_pack("{s:s,s:s,s:o,s:I,s:I,s:o}", "store", r->origin, "uri", r->uri, "products",
                     c.list, "returned", (json_int_t)json_array_size(c.list), "total",
                     (json_int_t)total, "next", link[0] ? json_string(link) : json_null());
  if (r->out && r->kind != RES_PRODUCTS)
    json_object_set_new(r->out, "truncated", json_boolean(next != NULL));
  free(next);
  return r->out ? 0 : souk__job_fail(&r->base, SOUK_ENOMEM, "out of memory");
}

static int find_summary(const souk_store_summary *st, void *ud) {
  res_job *r = ud;
  if (strcmp(st->store, r->origin) != 0)
    return 0;
  r->out = souk__serve_store_summary(st);
  return 1;
}

static int read_export(res_job *r) {
  FILE *f = fopen(r->arg, "rb");
  if (!f) {
    r->not_found = errno == ENOENT;
    return souk__job_fail(&r->base, r->not_found ? SOUK_ENOENT : SOUK_EIO,
                          "cannot read %s: %s", r->uri, strerror(errno));
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || st.st_size > MAX_EXPORT_BYTES) {
    fclose(f);
    return souk__job_fail(&r->base, SOUK_ETOOBIG,
                          "%s is %lld bytes, more than a resource may carry (%d MiB): read the "
                          "file %s on the machine souk runs on, or export fewer products",
                          r->uri, (long long)st.st_size, MAX_EXPORT_BYTES >> 20, r->arg);
  }
  r->text = malloc((size_t)st.st_size + 1);
  size_t n = r->text ? fread(r->text, 1, (size_t)st.st_size, f) : 0;
  fclose(f);
  if (!r->text)
    return souk__job_fail(&r->base, SOUK_ENOMEM, "out of memory");
  r->text[n] = '\0';
  return 0;
}

static int res_run(souk__job *j, souk_store *s) {
  res_job *r = (res_job *)j;
  int rc = 0;
  switch (r->kind) {
  case RES_STORES: {
    json_t *list = json_array();
    rc = list ? souk_store_stores(s, collect_store, list) : SOUK_ENOMEM;
    r->out = rc ? NULL : json_pack("{s:o,s:I}", "stores", list, "count",
                                   (json_int_t)json_array_size(list));
    if (rc)
      json_decref(list);
    break;
  }
  case RES_CRAWLS:
  case RES_STORE_CRAWLS: {
    json_t *list = json_array();
    rc = list ? souk_store_crawls(s, r->kind == RES_CRAWLS ? NULL : r->origin, MAX_CRAWLS,
                                  crawl_cb, list)
              : SOUK_ENOMEM;
    r->out = rc ? NULL : json_pack("{s:o,s:I,s:s}", "crawls", list, "returned",
                                   (json_int_t)json_array_size(list), "order", "newest first");
    if (rc)
      json_decref(list);
    break;
  }
  case RES_STORE: {
    rc = souk_store_stores(s, find_summary, r);
    if (!rc && !r->out) {
      r->not_found = true;
      return souk__job_fail(j, SOUK_ENOENT, "souk has no store %s", r->origin);
    }
    json_t *last = json_array();
    if (!rc && last && (rc = souk_store_crawls(s, r->origin, 1, crawl_cb, last)) == 0)
      json_object_set(r->out, "last_crawl", json_array_size(last) ? json_array_get(last, 0)
                                                                    : json_null());
    json_decref(last);
    if (!rc) {
      char uri[700];
      snprintf(uri, sizeof uri, SOUK__URI_STORES "/%s/products", r->key);
      json_object_set_new(r->out, "products_uri", json_string(uri));
      snprintf(uri, sizeof uri, SOUK__URI_STORES "/%s/crawls", r->key);
      json_object_set_new(r->out, "crawls_uri", json_string(uri));
    }
    break;
  }
  case RES_PRODUCTS:
  case RES_VENDOR:
  case RES_TYPE:
    return read_products(r, s);
  case RES_EXPORT:
    return read_export(r);
  }
  if (rc)
    return store_fail(j, s, rc);
  return r->out ? 0 : souk__job_fail(j, SOUK_ENOMEM, "out of memory");
}

static void res_done(souk__job *j) {
  res_job *r = (res_job *)j;
  if (j->status == 0) {
    json_t *contents;
    if (r->text) {
      contents = souk_mcp_text_contents(r->uri, "text/csv", r->text);
    } else {
      char *text = json_dumps(r->out, JSON_COMPACT);
      contents = text ? souk_mcp_text_contents(r->uri, "application/json", text) : NULL;
      free(text);
    }
    if (contents)
      souk_mcp_call_contents(r->call, json_pack("[o]", contents));
    else
      souk_mcp_call_fail(r->call, SOUK_JSONRPC_INTERNAL_ERROR, NULL,
                         "Internal error: %s could not be encoded (not UTF-8?)", r->uri);
  } else if (r->not_found) {
    souk_mcp_call_fail(r->call, SOUK_MCP_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", r->uri),
                       "Resource not found: %s", j->error);
  } else {
    souk_mcp_call_fail(r->call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s",
                       j->error);
  }
  json_decref(r->out);
  free(r->text);
  free(r->arg);
  free(r);
}

/* Starts a read; the store (when the URI names one) must be known. */
static void read_start(souk_serve *sv, souk_mcp_call *call, res_kind kind, const char *store,
                       const char *arg) {
  const char *uri = souk_mcp_call_uri(call);
  res_job *r = calloc(1, sizeof *r);
  if (!r) {
    souk_mcp_call_fail(call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
    return;
  }
  r->base.run = res_run;
  r->base.done = res_done;
  r->call = call;
  r->kind = kind;
  snprintf(r->uri, sizeof r->uri, "%s", uri ? uri : "");
  if (store) {
    if (souk__serve_resolve_store(sv, store, r->origin, sizeof r->origin) != 0) {
      souk_mcp_call_fail(call, SOUK_MCP_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", r->uri),
                         "Resource not found: souk has no store '%s' (see souk://stores)", store);
      free(r);
      return;
    }
    souk__serve_store_key(r->origin, r->key, sizeof r->key);
  }
  if (arg && !(r->arg = strdup(arg))) {
    free(r);
    souk_mcp_call_fail(call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
    return;
  }
  int lane = kind == RES_EXPORT ? SOUK__LANE_HEAVY : SOUK__LANE_QUICK;
  if (souk__serve_submit(sv, lane, &r->base) != 0) {
    souk_mcp_call_fail(call, SOUK_JSONRPC_INTERNAL_ERROR, NULL, "%s", r->base.error);
    free(r->arg);
    free(r);
  }
}

static const char *var(const json_t *args, const char *name) {
  return json_string_value(json_object_get(args, name));
}

static void read_stores(souk_mcp_call *c, const json_t *a, void *d) {
  (void)a;
  read_start(d, c, RES_STORES, NULL, NULL);
}
static void read_crawls(souk_mcp_call *c, const json_t *a, void *d) {
  (void)a;
  read_start(d, c, RES_CRAWLS, NULL, NULL);
}
static void read_store(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_STORE, var(a, "store"), NULL);
}
static void read_products_first(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_PRODUCTS, var(a, "store"), NULL);
}
static void read_products_page(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_PRODUCTS, var(a, "store"), var(a, "cursor"));
}
static void read_store_crawls(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_STORE_CRAWLS, var(a, "store"), NULL);
}
static void read_vendor(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_VENDOR, var(a, "store"), var(a, "vendor"));
}
static void read_type(souk_mcp_call *c, const json_t *a, void *d) {
  read_start(d, c, RES_TYPE, var(a, "store"), var(a, "product_type"));
}

static void read_export_file(souk_mcp_call *c, const json_t *a, void *d) {
  souk_serve *sv = d;
  const char *file = var(a, "file");
  const char *path = json_string_value(json_object_get(sv->exports, file ? file : ""));
  if (!path) {
    souk_mcp_call_fail(c, SOUK_MCP_RESOURCE_NOT_FOUND,
                       json_pack("{s:s}", "uri", souk_mcp_call_uri(c)),
                       "Resource not found: no export named '%s' yet: call export_csv first",
                       file ? file : "");
    return;
  }
  read_start(sv, c, RES_EXPORT, NULL, path);
}

static void read_topk(souk_mcp_call *c, const json_t *a, void *d) {
  (void)a;
  souk__serve_read_topk(d, c);
}

static void read_chart(souk_mcp_call *c, const json_t *a, void *d) {
  (void)a;
  souk__chart_ref *cr = d;
  souk__serve_read_chart(cr->sv, c, cr->chart);
}

/* Lists each known store's resources and the exported files. */
static int list_resources(void *data, json_t *out) {
  souk_serve *sv = data;
  size_t i;
  json_t *st;
  json_array_foreach(sv->stores, i, st) {
    const char *uri = json_string_value(json_object_get(st, "uri"));
    const char *key = json_string_value(json_object_get(st, "key"));
    const char *name = json_string_value(json_object_get(st, "name"));
    char title[600], desc[700], puri[700];
    snprintf(title, sizeof title, "%s", name && *name ? name : key);
    snprintf(desc, sizeof desc, "%s: %lld products as of the last crawl (%s)",
             json_string_value(json_object_get(st, "store")),
             (long long)json_integer_value(json_object_get(st, "listed")),
             json_string_value(json_object_get(st, "last_crawl_at"))
                 ? json_string_value(json_object_get(st, "last_crawl_at"))
                 : "never");
    snprintf(puri, sizeof puri, "%s/products", uri);
    json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:s}", "uri", uri, "name", key, "title", title,
                          "description", desc, "mimeType", "application/json");
    json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s}", "uri", puri, "name", key, "title", title,
                          "description", "Products of the store, 50 per page (a page links the "
                          "next)", "mimeType", "application/json");
    if (!a || !b) {
      json_decref(a);
      json_decref(b);
      return SOUK_ENOMEM;
    }
    json_array_append_new(out, a);
    json_array_append_new(out, b);
  }
  const char *file;
  json_t *path;
  json_object_foreach(sv->exports, file, path) {
    char uri[600];
    snprintf(uri, sizeof uri, "souk://exports/%s", file);
    json_t *x = json_pack("{s:s,s:s,s:s,s:s}", "uri", uri, "name", file, "description",
                          "A CSV file export_csv wrote (RFC 4180)", "mimeType", "text/csv");
    if (!x)
      return SOUK_ENOMEM;
    json_array_append_new(out, x);
  }
  return 0;
}

int souk__serve_resources(souk_serve *sv, souk_errinfo *e) {
  const souk_mcp_resource fixed[] = {
      {SOUK__URI_STORES, "stores", "Stores", "Every store souk has data of: origin, name, "
       "currency, product counts, first seen, last crawl.", "application/json", -1, NULL, NULL,
       read_stores, sv},
      {SOUK__URI_CRAWLS, "crawls", "Crawl records", "The latest 50 crawls of every store, "
       "newest first: state, pages, products, new, changed, errors.", "application/json", -1,
       NULL, NULL, read_crawls, sv},
      {SOUK__URI_TOPK, "top-k", "Latest top-K", "The top products of the latest analysis "
       "(top_k_products, cluster_products, ...) with scores and per-term contributions; a "
       "default analysis of every listed product when none ran yet.", "application/json", -1,
       NULL, NULL, read_topk, sv},
  };
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof fixed / sizeof *fixed; i++)
    rc = souk_mcp_server_add_resource(sv->server, &fixed[i], e);
  static const char *const chart_titles[SOUK_CHART_COUNT] = {
      "Correlation heatmap of the six metrics",
      "Products on the first two principal components, coloured by cluster",
      "Products on the first two principal components, top-K marked",
      "Histogram of the scores with the top-K cut-off"};
  for (int c = 0; !rc && c < SOUK_CHART_COUNT; c++) {
    char uri[128], name[64];
    snprintf(uri, sizeof uri, "souk://charts/%s.png", souk_chart_name((souk_chart)c));
    snprintf(name, sizeof name, "%s.png", souk_chart_name((souk_chart)c));
    sv->charts[c] = (souk__chart_ref){sv, (souk_chart)c};
    souk_mcp_resource r = {uri, name, chart_titles[c],
                           "A PNG chart of the latest analysis (a default analysis of every "
                           "listed product when none ran yet).",
                           "image/png", -1, NULL, NULL, read_chart, &sv->charts[c]};
    rc = souk_mcp_server_add_resource(sv->server, &r, e);
  }
  const souk_mcp_resource_template templates[] = {
      {SOUK__URI_STORES "/{store}", "store", "A store",
       "One store: name, currency, product counts, the last crawl. {store} is the host of its "
       "URL (shop.example, or 127.0.0.1:8080).", "application/json", NULL, NULL, read_store, sv},
      {SOUK__URI_STORES "/{store}/products", "store-products", "Products of a store",
       "The first 50 products in id order; `next` is the URI of the next page.",
       "application/json", NULL, NULL, read_products_first, sv},
      {SOUK__URI_STORES "/{store}/products/{cursor}", "store-products-page",
       "A page of a store's products", "The page that a previous page's `next` names.",
       "application/json", NULL, NULL, read_products_page, sv},
      {SOUK__URI_STORES "/{store}/crawls", "store-crawls", "Crawls of a store",
       "The store's latest 50 crawl records, newest first.", "application/json", NULL, NULL,
       read_store_crawls, sv},
      {SOUK__URI_STORES "/{store}/vendors/{vendor}", "store-vendor", "A vendor's products",
       "Up to 100 products of one vendor (percent-encode the name).", "application/json", NULL,
       NULL, read_vendor, sv},
      {SOUK__URI_STORES "/{store}/types/{product_type}", "store-product-type",
       "Products of one type", "Up to 100 products of one product type (percent-encoded).",
       "application/json", NULL, NULL, read_type, sv},
      {"souk://exports/{file}", "export", "An exported CSV file",
       "A file export_csv wrote (up to 8 MiB through MCP).", "text/csv", NULL, NULL,
       read_export_file, sv},
  };
  for (size_t i = 0; !rc && i < sizeof templates / sizeof *templates; i++)
    rc = souk_mcp_server_add_template(sv->server, &templates[i], e);
  if (!rc)
    souk_mcp_server_set_resource_lister(sv->server, list_resources, sv);
  return rc;
}
