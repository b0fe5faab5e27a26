/* SPDX-License-Identifier: MIT */
/* The Shopify storefront emulator: a catalog built from captures, and the endpoints' answers. */
#include "storefront.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "souk/error.h"

#define PAGE_DEFAULT 30
#define PAGE_MAX 250
#define PAGE_CAP 25000
#define COPY_ID_STRIDE 100000000000000LL /* 1e14: new ids for each copy of the catalog */

typedef struct sf_product {
  int64_t id;
  char *handle;
  char *type;
  char *list_json;   /* as an element of /products.json */
  char *single_json; /* as /products/<handle>.json: {"product": ...}, tags as one string */
} sf_product;

typedef struct sf_collection {
  char *handle, *title;
  size_t *items;
  size_t n, cap;
} sf_collection;

struct souk_storefront {
  souk_storefront_options o;
  char *name, *currency;
  char origin[256];
  sf_product *products;
  size_t n;
  sf_collection *collections;    /* [0] is "all" */
  size_t ncollections;
  unsigned requests;
  unsigned sitemap_size;
};

static void slug(const char *s, char *out, size_t len) {
  size_t o = 0;
  bool dash = false;
  for (; *s && o + 2 < len; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c)) {
      if (dash && o)
        out[o++] = '-';
      out[o++] = (char)tolower(c);
      dash = false;
    } else {
      dash = true;
    }
  }
  out[o] = '\0';
  if (!o)
    snprintf(out, len, "other");
}

static sf_collection *collection_for(souk_storefront *sf, const char *type) {
  char handle[128];
  slug(type && *type ? type : "other", handle, sizeof handle);
  for (size_t i = 1; i < sf->ncollections; i++)
    if (strcmp(sf->collections[i].handle, handle) == 0)
      return &sf->collections[i];
  sf_collection *c = realloc(sf->collections, (sf->ncollections + 1) * sizeof *c);
  if (!c)
    return NULL;
  sf->collections = c;
  c = &sf->collections[sf->ncollections++];
  memset(c, 0, sizeof *c);
  c->handle = strdup(handle);
  c->title = strdup(type && *type ? type : "Other");
  return c;
}

static int collection_add(sf_collection *c, size_t item) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    size_t *v = realloc(c->items, cap * sizeof *v);
    if (!v)
      return SOUK_ENOMEM;
    c->items = v;
    c->cap = cap;
  }
  c->items[c->n++] = item;
  return 0;
}

/* Gives a copy of a product new ids (product, variants, images) and a new handle. */
static void renumber(json_t *p, unsigned copy) {
  if (copy == 0)
    return;
  json_int_t off = (json_int_t)copy * COPY_ID_STRIDE;
  json_object_set_new(p, "id", json_integer(json_integer_value(json_object_get(p, "id")) + off));
  char handle[600];
  snprintf(handle, sizeof handle, "%s-%u", json_string_value(json_object_get(p, "handle")), copy);
  json_object_set_new(p, "handle", json_string(handle));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(p, "variants"), i, v) {
    json_object_set_new(v, "id", json_integer(json_integer_value(json_object_get(v, "id")) + off));
    json_object_set_new(v, "product_id",
                        json_integer(json_integer_value(json_object_get(v, "product_id")) + off));
  }
  json_array_foreach(json_object_get(p, "images"), i, v) {
    json_object_set_new(v, "id", json_integer(json_integer_value(json_object_get(v, "id")) + off));
    json_object_set_new(v, "product_id",
                        json_integer(json_integer_value(json_object_get(v, "product_id")) + off));
  }
}

/* The product as /products/<handle>.json shows it: tags as one comma-separated string. */
static char *render_single(json_t *p) {
  json_t *copy = json_deep_copy(p);
  if (!copy)
    return NULL;
  souk_buf tags;
  souk_buf_init(&tags, 1 << 20);
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(p, "tags"), i, t) {
    if (i)
      souk_buf_adds(&tags, ", ");
    souk_buf_adds(&tags, json_string_value(t) ? json_string_value(t) : "");
  }
  json_object_set_new(copy, "tags", json_string(tags.data ? tags.data : ""));
  souk_buf_free(&tags);
  json_t *doc = json_pack("{s:o}", "product", copy);
  char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  return text;
}

souk_storefront *souk_storefront_new(const souk_storefront_options *o, souk_errinfo *e) {
  souk_storefront *sf = calloc(1, sizeof *sf);
  if (!sf) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  sf->o = *o;
  sf->name = strdup(o->name ? o->name : "Demo store");
  sf->currency = o->currency ? strdup(o->currency) : NULL;
  sf->sitemap_size = o->sitemap_size ? o->sitemap_size : 2500;
  unsigned copies = o->copies ? o->copies : 1;
  snprintf(sf->origin, sizeof sf->origin, "http://127.0.0.1");
  sf->collections = calloc(1, sizeof *sf->collections);
  if (!sf->collections)
    goto oom;
  sf->ncollections = 1;
  sf->collections[0].handle = strdup("all");
  sf->collections[0].title = strdup("All");

  json_t **docs = calloc(o->ncaptures ? o->ncaptures : 1, sizeof *docs);
  if (!docs)
    goto oom;
  size_t total = 0;
  for (size_t f = 0; f < o->ncaptures; f++) {
    json_error_t jerr;
    docs[f] = json_load_file(o->captures[f], 0, &jerr);
    json_t *list = json_object_get(docs[f], "products");
    if (!json_is_array(list)) {
      souk_errinfo_set(e, SOUK_EPARSE, "capture %s: %s", o->captures[f],
                       docs[f] ? "no \"products\" array" : jerr.text);
      for (size_t k = 0; k <= f; k++)
        json_decref(docs[k]);
      free(docs);
      souk_storefront_free(sf);
      return NULL;
    }
    total += json_array_size(list);
  }
  sf->products = calloc(total * copies + 1, sizeof *sf->products);
  if (!sf->products) {
    for (size_t k = 0; k < o->ncaptures; k++)
      json_decref(docs[k]);
    free(docs);
    goto oom;
  }
  for (unsigned c = 0; c < copies; c++) {
    for (size_t f = 0; f < o->ncaptures; f++) {
      size_t i;
      json_t *src;
      json_array_foreach(json_object_get(docs[f], "products"), i, src) {
        json_t *p = json_deep_copy(src);
        renumber(p, c);
        sf_product *sp = &sf->products[sf->n];
        sp->id = json_integer_value(json_object_get(p, "id"));
        const char *h = json_string_value(json_object_get(p, "handle"));
        const char *t = json_string_value(json_object_get(p, "product_type"));
        sp->handle = strdup(h ? h : "");
        sp->type = strdup(t ? t : "");
        sp->list_json = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
        sp->single_json = render_single(p);
        json_decref(p);
        sf_collection *col = sp->type ? collection_for(sf, sp->type) : NULL;
        if (!sp->handle || !sp->type || !sp->list_json || !sp->single_json || !col ||
            collection_add(col, sf->n) || collection_add(&sf->collections[0], sf->n)) {
          sf->n++;
          for (size_t k = 0; k < o->ncaptures; k++)
            json_decref(docs[k]);
          free(docs);
          goto oom;
        }
        sf->n++;
      }
    }
  }
  for (size_t k = 0; k < o->ncaptures; k++)
    json_decref(docs[k]);
  free(docs);
  return sf;
oom:
  souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  souk_storefront_free(sf);
  return NULL;
}

void souk_storefront_free(souk_storefront *sf) {
  if (!sf)
    return;
  for (size_t i = 0; i < sf->n; i++) {
    free(sf->products[i].handle);
    free(sf->products[i].type);
    free(sf->products[i].list_json);
    free(sf->products[i].single_json);
  }
  free(sf->products);
  for (size_t i = 0; i < sf->ncollections; i++) {
    free(sf->collections[i].handle);
    free(sf->collections[i].title);
    free(sf->collections[i].items);
  }
  free(sf->collections);
  free(sf->name);
  free(sf->currency);
  free(sf);
}

void souk_storefront_set_origin(souk_storefront *sf, const char *origin) {
  snprintf(sf->origin, sizeof sf->origin, "%s", origin);
}

size_t souk_storefront_products(const souk_storefront *sf) { return sf->n; }
unsigned souk_storefront_requests(const souk_storefront *sf) { return sf->requests; }

/* ---- answers ---------------------------------------------------------------------------- */

long souk_storefront_param(const char *query, const char *name, long def) {
  size_t nlen = strlen(name);
  const char *p = query;
  while (p && *p) {
    if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
      char *end;
      long v = strtol(p + nlen + 1, &end, 10);
      return end != p + nlen + 1 && (*end == '&' || *end == '\0') ? v : def;
    }
    p = strchr(p, '&');
    if (p)
      p++;
  }
  return def;
}

static int reply(souk_storefront_response *res, int status, const char *ctype, souk_buf *body) {
  res->status = status;
  res->content_type = ctype;
  res->body = souk_buf_steal(body, &res->body_len);
  return res->body ? 0 : SOUK_ENOMEM;
}

static int reply_text(souk_storefront_response *res, int status, const char *ctype, const char *text) {
  souk_buf b;
  souk_buf_init(&b, 0);
  souk_buf_adds(&b, text);
  return reply(res, status, ctype, &b);
}

static const char html_page[] =
    "<!doctype html><html><head><title>Storefront</title></head><body><h1>Welcome</h1>"
    "<p>This is a web page, not JSON.</p></body></html>\n";

/* A page of products from a list of catalog indexes (NULL: the whole catalog). */
static int products_page(souk_storefront *sf, const size_t *items, size_t n, const char *query,
                         souk_storefront_response *res) {
  long limit = souk_storefront_param(query, "limit", PAGE_DEFAULT);
  long page = sf->o.ignores_page ? 1 : souk_storefront_param(query, "page", 1);
  if (limit < 1)
    limit = PAGE_DEFAULT;
  if (limit > PAGE_MAX)
    limit = PAGE_MAX;
  if (page < 1)
    page = 1;
  if (page * limit > PAGE_CAP)
    return reply_text(res, 400, "application/json; charset=utf-8",
                      "{\"errors\":\"Page * Limit exceeds the 25000 limit.\"}");
  souk_buf b;
  souk_buf_init(&b, 256u << 20);
  souk_buf_adds(&b, "{\"products\":[");
  size_t from = (size_t)((page - 1) * limit);
  for (size_t k = from; k < n && k < from + (size_t)limit; k++) {
    if (k > from)
      souk_buf_addc(&b, ',');
    if (souk_buf_adds(&b, sf->products[items ? items[k] : k].list_json) != 0) {
      souk_buf_free(&b);
      return SOUK_ENOMEM;
    }
  }
  souk_buf_adds(&b, "]}");
  return reply(res, 200, "application/json; charset=utf-8", &b);
}

static int collections_page(souk_storefront *sf, const char *query, souk_storefront_response *res) {
  long limit = souk_storefront_param(query, "limit", PAGE_DEFAULT);
  long page = souk_storefront_param(query, "page", 1);
  limit = limit < 1 ? PAGE_DEFAULT : limit > PAGE_MAX ? PAGE_MAX : limit;
  page = page < 1 ? 1 : page;
  json_t *list = json_array();
  /* /collections/all exists on every store but is not listed: skip index 0. */
  size_t from = (size_t)((page - 1) * limit) + 1;
  for (size_t i = from; i < sf->ncollections && i < from + (size_t)limit; i++)
    json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)(1000 + i), "handle",
                                          sf->collections[i].handle, "title", sf->collections[i].title,
                                          "products_count", (json_int_t)sf->collections[i].n));
  json_t *doc = json_pack("{s:o}", "collections", list);
  char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(doc);
  if (!text)
    return SOUK_ENOMEM;
  res->status = 200;
  res->content_type = "application/json; charset=utf-8";
  res->body = text;
  res->body_len = strlen(text);
  return 0;
}

static int sitemap_index(souk_storefront *sf, souk_storefront_response *res) {
  souk_buf b;
  souk_buf_init(&b, 16u << 20);
  souk_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
  size_t files = (sf->n + sf->sitemap_size - 1) / sf->sitemap_size;
  for (size_t f = 0; f < files; f++)
    souk_buf_printf(&b, "  <sitemap><loc>%s/sitemap_products_%zu.xml?from=%zu&amp;to=%zu</loc></sitemap>\n",
                    sf->origin, f + 1, f * sf->sitemap_size, (f + 1) * sf->sitemap_size - 1);
  souk_buf_printf(&b, "  <sitemap><loc>%s/sitemap_pages_1.xml</loc></sitemap>\n</sitemapindex>\n",
                  sf->origin);
  return reply(res, 200, "application/xml; charset=utf-8", &b);
}

static int product_sitemap(souk_storefront *sf, size_t file, souk_storefront_response *res) {
  size_t from = (file - 1) * sf->sitemap_size;
  if (file == 0 || from >= sf->n)
    return reply_text(res, 404, "text/html; charset=utf-8", html_page);
  souk_buf b;
  souk_buf_init(&b, 64u << 20);
  souk_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
  if (file == 1)
    souk_buf_printf(&b, "  <url><loc>%s/</loc></url>\n", sf->origin);
  for (size_t i = from; i < sf->n && i < from + sf->sitemap_size; i++)
    souk_buf_printf(&b, "  <url><loc>%s/products/%s</loc><changefreq>daily</changefreq></url>\n",
                    sf->origin, sf->products[i].handle);
  souk_buf_adds(&b, "</urlset>\n");
  return reply(res, 200, "application/xml; charset=utf-8", &b);
}

int souk_storefront_handle(souk_storefront *sf, const char *method, const char *path,
                           const char *query, souk_storefront_response *res) {
  memset(res, 0, sizeof *res);
  sf->requests++;
  query = query ? query : "";
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return reply_text(res, 405, "text/plain", "method not allowed\n");
  if (sf->o.burst_every && sf->requests % sf->o.burst_every == 0)
    return reply_text(res, 429, "text/html; charset=utf-8",
                      "<html><body>Too Many Requests</body></html>\n");

  switch (sf->o.mode) {
  case SOUK_STOREFRONT_NOT_A_STORE:
    if (strcmp(path, "/") == 0)
      return reply_text(res, 200, "text/html; charset=utf-8", html_page);
    return reply_text(res, 404, "text/html; charset=utf-8", html_page);
  case SOUK_STOREFRONT_PASSWORD:
    if (strcmp(path, "/password") == 0)
      return reply_text(res, 200, "text/html; charset=utf-8",
                        "<html><body><form action=\"/password\">Enter store using password"
                        "</form></body></html>\n");
    res->location = "/password";
    return reply_text(res, 302, "text/html; charset=utf-8",
                      "<html><body>You are being <a href=\"/password\">redirected</a>.</body></html>\n");
  default:
    break;
  }

  if (strcmp(path, "/products.json") == 0) {
    if (sf->o.mode == SOUK_STOREFRONT_FEED_404)
      return reply_text(res, 404, "text/html; charset=utf-8", html_page);
    if (sf->o.mode == SOUK_STOREFRONT_FEED_HTML)
      return reply_text(res, 200, "text/html; charset=utf-8", html_page);
    return products_page(sf, NULL, sf->n, query, res);
  }
  if (strcmp(path, "/meta.json") == 0 && !sf->o.no_meta) {
    json_t *m = json_pack("{s:I, s:s, s:s, s:s?, s:I}", "id", (json_int_t)1, "name", sf->name,
                          "domain", sf->origin, "currency", sf->currency, "published_products_count",
                          (json_int_t)sf->n);
    char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(m);
    if (!text)
      return SOUK_ENOMEM;
    res->status = 200;
    res->content_type = "application/json; charset=utf-8";
    res->body = text;
    res->body_len = strlen(text);
    return 0;
  }
  if (strcmp(path, "/collections.json") == 0)
    return collections_page(sf, query, res);
  if (strncmp(path, "/collections/", 13) == 0) {
    const char *h = path + 13;
    const char *slash = strchr(h, '/');
    if (slash && strcmp(slash, "/products.json") == 0) {
      for (size_t i = 0; i < sf->ncollections; i++)
        if (strlen(sf->collections[i].handle) == (size_t)(slash - h) &&
            strncmp(sf->collections[i].handle, h, (size_t)(slash - h)) == 0)
          return products_page(sf, sf->collections[i].items, sf->collections[i].n, query, res);
    }
    return reply_text(res, 404, "text/html; charset=utf-8", html_page);
  }
  if (strcmp(path, "/sitemap.xml") == 0)
    return sitemap_index(sf, res);
  if (strncmp(path, "/sitemap_products_", 18) == 0)
    return product_sitemap(sf, (size_t)strtoul(path + 18, NULL, 10), res);
  if (strncmp(path, "/products/", 10) == 0) {
    const char *h = path + 10;
    size_t hl = strlen(h);
    if (hl > 5 && strcmp(h + hl - 5, ".json") == 0) {
      for (size_t i = 0; i < sf->n; i++)
        if (strlen(sf->products[i].handle) == hl - 5 && strncmp(sf->products[i].handle, h, hl - 5) == 0)
          return reply_text(res, 200, "application/json; charset=utf-8", sf->products[i].single_json);
    }
    return reply_text(res, 404, "text/html; charset=utf-8", html_page);
  }
  if (strcmp(path, "/") == 0)
    return reply_text(res, 200, "text/html; charset=utf-8", html_page);
  return reply_text(res, 404, "text/html; charset=utf-8", html_page);
}
