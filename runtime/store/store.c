/* SPDX-License-Identifier: MIT */
/* The store's public face: choosing and opening a backend, forwarding calls, and what both
 * backends share — origins, clocks, cursors, per-product facts, JSON columns. */
#include "store/store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/html_text.h"
#include "core/log.h"
#include "souk/error.h"

int souk__store_error(souk_store *s, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
  va_end(ap);
  SOUK_DEBUG(STORE, "%s", s->errmsg);
  return code;
}

const char *souk_store_errmsg(const souk_store *s) { return s->errmsg; }
const char *souk_store_backend(const souk_store *s) { return s->ops->name; }

/* Remembers where a store lives, for souk_store_reopen. */
static souk_store *remember(souk_store *s, const char *location, bool mongo,
                            const souk_config *cfg, souk_errinfo *e) {
  if (!s)
    return NULL;
  s->location = strdup(location);
  s->mongo = mongo;
  s->cfg = cfg;
  if (!s->location) {
    s->ops->close(s);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  return s;
}

souk_store *souk_store_open_sqlite(const char *path, const souk_config *cfg, souk_errinfo *e) {
  return remember(souk__sqlite_open(path, cfg, e), path, false, cfg, e);
}

souk_store *souk_store_open_mongo(const char *uri, const souk_config *cfg, souk_errinfo *e) {
  return remember(souk__mongo_open(uri, cfg, e), uri, true, cfg, e);
}

souk_store *souk_store_open(const souk_config *cfg, souk_errinfo *e) {
  const char *uri = souk_config_str(cfg, SOUK_CFG_MONGODB_URI);
  if (uri && *uri)
    return souk_store_open_mongo(uri, cfg, e);
  const char *dir = souk_config_str(cfg, SOUK_CFG_DATA_DIR);
  char path[4096];
  snprintf(path, sizeof path, "%s/souk.db", dir);
  return souk_store_open_sqlite(path, cfg, e);
}

souk_store *souk_store_reopen(const souk_store *s, souk_errinfo *e) {
  if (!s->mongo && strcmp(s->location, ":memory:") == 0) {
    souk_errinfo_set(e, SOUK_EUNSUPPORTED, "an in-memory SQLite store has a single handle");
    return NULL;
  }
  return s->mongo ? souk_store_open_mongo(s->location, s->cfg, e)
                  : souk_store_open_sqlite(s->location, s->cfg, e);
}

void souk_store_close(souk_store *s) {
  if (s) {
    free(s->location);
    s->location = NULL;
    s->ops->close(s);
  }
}

/* ---- origins and time ------------------------------------------------------------------ */

int souk_store_origin(const char *url, char *out, size_t len) {
  CURLU *u = curl_url();
  if (!u)
    return SOUK_ENOMEM;
  char *scheme = NULL, *host = NULL, *port = NULL;
  int rc = SOUK_EINVAL;
  /* A bare host ("shop.example") is taken as https. */
  if (curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_DEFAULT_SCHEME) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
    curl_url_get(u, CURLUPART_PORT, &port, 0); /* NULL when default or absent */
    for (char *p = host; *p; p++)
      if (*p >= 'A' && *p <= 'Z')
        *p = (char)(*p - 'A' + 'a');
    bool default_port = !port || (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
                        (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0);
    int n = snprintf(out, len, "%s://%s%s%s", scheme, host, default_port ? "" : ":",
                     default_port ? "" : port);
    rc = n > 0 && (size_t)n < len ? 0 : SOUK_EINVAL;
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

static char fixed_clock[32];

void souk_store_set_clock(const char *fixed_now) {
  snprintf(fixed_clock, sizeof fixed_clock, "%s", fixed_now ? fixed_now : "");
}

void souk_store_now(char out[32]) {
  if (fixed_clock[0]) {
    memcpy(out, fixed_clock, sizeof fixed_clock);
    return;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)(ts.tv_nsec / 1000000) % 1000);
  snprintf(out, 32, "%.31s", tmp);
}

/* ---- forwarding ------------------------------------------------------------------------ */

/* Writers take any URL of the store and key everything on its origin. */
#define WITH_ORIGIN(url, origin)                                                             \
  char origin[512];                                                                          \
  if (!(url) || souk_store_origin((url), origin, sizeof origin) != 0)                        \
    return souk__store_error(s, SOUK_EINVAL, "store '%s' is not a store URL", (url) ? (url) : "")

int souk_store_crawl_begin(souk_store *s, const char *url, const char *platform,
                           int64_t *crawl_id) {
  WITH_ORIGIN(url, origin);
  return s->ops->crawl_begin(s, origin, platform ? platform : "unknown", crawl_id);
}

int souk__store_put_prepared(souk_store *s, int64_t crawl_id, const char *url,
                             const souk_product *products, const souk_facts_view *views,
                             size_t n, souk_put_result *res) {
  WITH_ORIGIN(url, origin);
  souk_put_result local;
  memset(res ? res : &local, 0, sizeof local);
  return s->ops->put_products(s, crawl_id, origin, products, views, n, res ? res : &local);
}

bool souk__store_can_batch(const souk_store *s) { return s->ops->batch_begin != NULL; }

int souk__store_batch_begin(souk_store *s) {
  return s->ops->batch_begin ? s->ops->batch_begin(s) : 0;
}

int souk__store_batch_end(souk_store *s, bool commit) {
  return s->ops->batch_end ? s->ops->batch_end(s, commit) : 0;
}

int souk_store_put_products(souk_store *s, int64_t crawl_id, const char *url,
                            const souk_product *products, size_t n, souk_put_result *res) {
  return souk__store_put_prepared(s, crawl_id, url, products, NULL, n, res);
}

int souk_store_set_info(souk_store *s, const char *url, const souk_store_info *info) {
  WITH_ORIGIN(url, origin);
  return s->ops->set_info(s, origin, info);
}

int souk_store_crawl_end(souk_store *s, int64_t crawl_id, const souk_crawl_end *end) {
  return s->ops->crawl_end(s, crawl_id, end);
}

void souk_query_init(souk_query *q) {
  memset(q, 0, sizeof *q);
  q->price_min = SOUK_NO_PRICE;
  q->price_max = SOUK_NO_PRICE;
  q->available = -1;
}

/* A filter's store may be any URL of it: the backends compare origins. */
static int normalise_store(souk_store *s, const souk_query *q, souk_query *out, char *buf,
                           size_t len) {
  *out = *q;
  if (q->store && *q->store) {
    if (souk_store_origin(q->store, buf, len) != 0)
      return souk__store_error(s, SOUK_EINVAL, "store '%s' is not a store URL", q->store);
    out->store = buf;
  } else {
    out->store = NULL;
  }
  if (q->sort == SOUK_SORT_RELEVANCE && !(q->text && *q->text))
    out->sort = SOUK_SORT_KEY;
  return 0;
}

int souk_store_query(souk_store *s, const souk_query *q, souk_product_cb cb, void *ud,
                     char **next_cursor) {
  if (next_cursor)
    *next_cursor = NULL;
  souk_query nq;
  char origin[512];
  int rc = normalise_store(s, q, &nq, origin, sizeof origin);
  return rc ? rc : s->ops->query(s, &nq, cb, ud, next_cursor);
}

int souk_store_count(souk_store *s, const souk_query *q, uint64_t *count) {
  souk_query nq;
  char origin[512];
  int rc = normalise_store(s, q, &nq, origin, sizeof origin);
  return rc ? rc : s->ops->count(s, &nq, count);
}

typedef struct get_ctx {
  souk_product_cb cb;
  void *ud;
  bool found;
} get_ctx;

static int get_one(const souk_stored_product *p, void *ud) {
  get_ctx *g = ud;
  g->found = true;
  return g->cb(p, g->ud);
}

int souk_store_get_product(souk_store *s, const char *store, int64_t id, souk_product_cb cb,
                           void *ud) {
  char origin[512];
  if (!store || souk_store_origin(store, origin, sizeof origin) != 0)
    return souk__store_error(s, SOUK_EINVAL, "store '%s' is not a store URL", store ? store : "");
  souk_query q;
  souk_query_init(&q);
  q.store = origin;
  q.id = id;
  q.limit = 1;
  q.flags = SOUK_QUERY_FULL | SOUK_QUERY_DELISTED;
  get_ctx g = {cb, ud, false};
  int rc = s->ops->query(s, &q, get_one, &g, NULL);
  if (rc)
    return rc;
  return g.found ? 0
                 : souk__store_error(s, SOUK_ENOENT, "no product %lld in %s", (long long)id, origin);
}

int souk_store_history(souk_store *s, const char *store, int64_t product_id, const char *since,
                       size_t limit, int (*cb)(const souk_change *, void *), void *ud) {
  char origin[512];
  if (!store || souk_store_origin(store, origin, sizeof origin) != 0)
    return souk__store_error(s, SOUK_EINVAL, "store '%s' is not a store URL", store ? store : "");
  return s->ops->history(s, origin, product_id, since, limit, cb, ud);
}

int souk_store_aggregate(souk_store *s, const souk_query *q, souk_group_by by,
                         int (*cb)(const souk_group_stats *, void *), void *ud) {
  souk_query nq;
  char origin[512];
  int rc = normalise_store(s, q, &nq, origin, sizeof origin);
  return rc ? rc : s->ops->aggregate(s, &nq, by, cb, ud);
}

int souk_store_stores(souk_store *s, int (*cb)(const souk_store_summary *, void *), void *ud) {
  return s->ops->stores(s, cb, ud);
}

int souk_store_crawls(souk_store *s, const char *store, size_t limit,
                      int (*cb)(const souk_crawl_record *, void *), void *ud) {
  char origin[512];
  if (store && souk_store_origin(store, origin, sizeof origin) != 0)
    return souk__store_error(s, SOUK_EINVAL, "store '%s' is not a store URL", store);
  return s->ops->crawls(s, store ? origin : NULL, limit, cb, ud);
}

/* ---- cursors --------------------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *souk__cursor_encode(const souk_cursor *c) {
  json_t *j = c->is_offset ? json_pack("{s:I}", "o", (json_int_t)c->offset)
                           : json_pack("{s:[O,s,I]}", "k", c->value ? c->value : json_null(),
                                       c->store, (json_int_t)c->id);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!text)
    return NULL;
  size_t n = strlen(text);
  char *out = malloc(n / 3 * 4 + 5);
  if (out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
      uint32_t v = (uint32_t)(unsigned char)text[i] << 16;
      if (i + 1 < n)
        v |= (uint32_t)(unsigned char)text[i + 1] << 8;
      if (i + 2 < n)
        v |= (unsigned char)text[i + 2];
      out[o++] = b64[(v >> 18) & 63];
      out[o++] = b64[(v >> 12) & 63];
      if (i + 1 < n)
        out[o++] = b64[(v >> 6) & 63];
      if (i + 2 < n)
        out[o++] = b64[v & 63];
    }
    out[o] = '\0';
  }
  free(text);
  return out;
}

int souk__cursor_decode(const char *text, souk_cursor *c) {
  memset(c, 0, sizeof *c);
  size_t n = strlen(text);
  if (n > 4096)
    return SOUK_EINVAL;
  char buf[3200];
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    const char *p = strchr(b64, text[i]);
    if (!p || !text[i])
      return SOUK_EINVAL;
    acc = acc << 6 | (uint32_t)(p - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf[o++] = (char)((acc >> bits) & 0xff);
    }
  }
  buf[o] = '\0';
  json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES, NULL);
  if (!j)
    return SOUK_EINVAL;
  int rc = SOUK_EINVAL;
  json_t *off = json_object_get(j, "o"), *k = json_object_get(j, "k");
  if (json_is_integer(off) && json_integer_value(off) >= 0) {
    c->is_offset = true;
    c->offset = (uint64_t)json_integer_value(off);
    rc = 0;
  } else if (json_is_array(k) && json_array_size(k) == 3 && json_is_string(json_array_get(k, 1)) &&
             json_is_integer(json_array_get(k, 2))) {
    json_t *v = json_array_get(k, 0);
    if (json_is_null(v) || json_is_integer(v) || json_is_string(v)) {
      c->value = json_incref(v);
      snprintf(c->store, sizeof c->store, "%s", json_string_value(json_array_get(k, 1)));
      c->id = (int64_t)json_integer_value(json_array_get(k, 2));
      rc = 0;
    }
  }
  json_decref(j);
  return rc;
}

void souk__cursor_clear(souk_cursor *c) {
  json_decref(c->value);
  c->value = NULL;
}

/* ---- per-product facts ----------------------------------------------------------------- */

int souk__json_str(souk_buf *b, const char *s) {
  if (!s)
    return souk_buf_adds(b, "null");
  static const char hex[] = "0123456789abcdef";
  int rc = souk_buf_addc(b, '"');
  const char *run = s;
  for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
    if (*p >= 0x20 && *p != '"' && *p != '\\')
      continue;
    rc = souk_buf_add(b, run, (size_t)((const char *)p - run));
    char esc[7] = {'\\', 0};
    switch (*p) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[*p >> 4];
      esc[5] = hex[*p & 15];
    }
    if (!rc)
      rc = souk_buf_adds(b, esc);
    run = (const char *)p + 1;
  }
  if (!rc)
    rc = souk_buf_adds(b, run);
  if (!rc)
    rc = souk_buf_addc(b, '"');
  return rc;
}

void souk__facts_init(souk_product_facts *f) {
  memset(f, 0, sizeof *f);
  souk_buf_init(&f->body_text, 16 * 1024 * 1024);
  souk_buf_init(&f->tags_json, 16 * 1024 * 1024);
  souk_buf_init(&f->options_json, 1024 * 1024);
  souk_buf_init(&f->images_json, 16 * 1024 * 1024);
  souk_buf_init(&f->variants_json, 64 * 1024 * 1024);
}

void souk__facts_free(souk_product_facts *f) {
  souk_buf_free(&f->body_text);
  souk_buf_free(&f->tags_json);
  souk_buf_free(&f->options_json);
  souk_buf_free(&f->images_json);
  souk_buf_free(&f->variants_json);
}

static uint64_t fnv(uint64_t h, const char *s) {
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (h ^ 0xff) * 1099511628211ULL; /* a separator, so "ab"+"c" != "a"+"bc" */
}

/* Appends a decimal integer (printf is a tenth of the facts' cost otherwise). */
static int int_json(souk_buf *b, long long v) {
  char tmp[24];
  char *p = tmp + sizeof tmp;
  unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    *--p = (char)('0' + m % 10);
    m /= 10;
  } while (m);
  if (v < 0)
    *--p = '-';
  return souk_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

static int price_json(souk_buf *b, int64_t v) {
  return v == SOUK_NO_PRICE ? souk_buf_adds(b, "null") : int_json(b, v);
}

int souk__facts_compute(souk_product_facts *f, const souk_product *p) {
  souk_buf_reset(&f->body_text);
  souk_buf_reset(&f->tags_json);
  souk_buf_reset(&f->options_json);
  souk_buf_reset(&f->images_json);
  souk_buf_reset(&f->variants_json);
  f->nvariants = p->nvariants;
  f->navailable = f->priced = 0;
  f->price_min = f->price_max = SOUK_NO_PRICE;
  f->price_sum = 0;
  int rc = 0;
  for (size_t i = 0; i < p->nvariants; i++) {
    const souk_variant *v = &p->variants[i];
    if (v->available == 1)
      f->navailable++;
    if (v->price != SOUK_NO_PRICE) {
      if (f->priced == 0 || v->price < f->price_min)
        f->price_min = v->price;
      if (f->priced == 0 || v->price > f->price_max)
        f->price_max = v->price;
      f->price_sum += v->price;
      f->priced++;
    }
  }
  if (f->priced == 0)
    f->price_sum = SOUK_NO_PRICE;
  size_t blen = p->body_html ? strlen(p->body_html) : 0;
  f->body_html_len = blen;
  rc = souk_html_text(p->body_html, blen, &f->body_text);
  /* Code points of the text: every byte that does not continue a UTF-8 sequence (the same
   * count souk_html_text_length makes, without a second pass over the HTML). */
  f->description_length = 0;
  for (size_t i = 0; i < f->body_text.len; i++)
    f->description_length += ((unsigned char)f->body_text.data[i] & 0xC0) != 0x80;

  rc = rc ? rc : souk_buf_addc(&f->tags_json, '[');
  for (size_t i = 0; i < p->ntags && !rc; i++) {
    if (i)
      rc = souk_buf_addc(&f->tags_json, ',');
    rc = rc ? rc : souk__json_str(&f->tags_json, p->tags[i]);
  }
  rc = rc ? rc : souk_buf_addc(&f->tags_json, ']');

  rc = rc ? rc : souk_buf_addc(&f->options_json, '[');
  for (size_t i = 0; i < p->noption_names && !rc; i++) {
    if (i)
      rc = souk_buf_addc(&f->options_json, ',');
    rc = rc ? rc : souk__json_str(&f->options_json, p->option_names[i]);
  }
  rc = rc ? rc : souk_buf_addc(&f->options_json, ']');

  rc = rc ? rc : souk_buf_addc(&f->images_json, '[');
  for (size_t i = 0; i < p->nimages && !rc; i++) {
    const souk_image *im = &p->images[i];
    rc = souk_buf_adds(&f->images_json, i ? ",{\"src\":" : "{\"src\":");
    rc = rc ? rc : souk__json_str(&f->images_json, im->src);
    rc = rc ? rc : souk_buf_adds(&f->images_json, ",\"width\":");
    rc = rc ? rc : int_json(&f->images_json, im->width);
    rc = rc ? rc : souk_buf_adds(&f->images_json, ",\"height\":");
    rc = rc ? rc : int_json(&f->images_json, im->height);
    rc = rc ? rc : souk_buf_addc(&f->images_json, '}');
  }
  rc = rc ? rc : souk_buf_addc(&f->images_json, ']');

  rc = rc ? rc : souk_buf_addc(&f->variants_json, '[');
  for (size_t i = 0; i < p->nvariants && !rc; i++) {
    const souk_variant *v = &p->variants[i];
    rc = souk_buf_adds(&f->variants_json, i ? ",{\"id\":" : "{\"id\":");
    rc = rc ? rc : int_json(&f->variants_json, v->id);
    rc = rc ? rc : souk_buf_adds(&f->variants_json, ",\"title\":");
    rc = rc ? rc : souk__json_str(&f->variants_json, v->title);
    rc = rc ? rc : souk_buf_adds(&f->variants_json, ",\"sku\":");
    rc = rc ? rc : souk__json_str(&f->variants_json, v->sku);
    rc = rc ? rc : souk_buf_adds(&f->variants_json, ",\"options\":[");
    for (int k = 0; k < 3 && !rc; k++) {
      if (k)
        rc = souk_buf_addc(&f->variants_json, ',');
      rc = rc ? rc : souk__json_str(&f->variants_json, v->options[k]);
    }
    rc = rc ? rc : souk_buf_adds(&f->variants_json, "],\"price\":");
    rc = rc ? rc : price_json(&f->variants_json, v->price);
    rc = rc ? rc : souk_buf_adds(&f->variants_json, ",\"compare_at_price\":");
    rc = rc ? rc : price_json(&f->variants_json, v->compare_at_price);
    rc = rc ? rc : souk_buf_adds(&f->variants_json, ",\"available\":");
    rc = rc ? rc : int_json(&f->variants_json, v->available);
    rc = rc ? rc : souk_buf_addc(&f->variants_json, '}');
  }
  rc = rc ? rc : souk_buf_addc(&f->variants_json, ']');

  uint64_t h = 1469598103934665603ULL;
  h = fnv(h, p->title);
  h = fnv(h, p->vendor);
  h = fnv(h, p->product_type);
  h = fnv(h, f->tags_json.data);
  h = fnv(h, f->body_text.data);
  f->text_hash = h;
  return rc;
}

void souk__facts_view(const souk_product_facts *f, souk_facts_view *v) {
  *v = (souk_facts_view){
      .nvariants = f->nvariants, .navailable = f->navailable, .priced = f->priced,
      .description_length = f->description_length, .price_min = f->price_min,
      .price_max = f->price_max, .price_sum = f->price_sum, .text_hash = f->text_hash,
      .body_text = f->body_text.data ? f->body_text.data : "",
      .tags_json = f->tags_json.data, .options_json = f->options_json.data,
      .images_json = f->images_json.data, .variants_json = f->variants_json.data,
      .tags_json_len = f->tags_json.len, .options_json_len = f->options_json.len,
      .images_json_len = f->images_json.len, .variants_json_len = f->variants_json.len,
      .body_html_len = f->body_html_len};
}

int souk__facts_view_copy(souk_arena *a, const souk_product_facts *f, souk_facts_view *v) {
  souk__facts_view(f, v);
  v->body_text = souk_arena_strndup(a, v->body_text, f->body_text.len);
  v->tags_json = souk_arena_strndup(a, f->tags_json.data, f->tags_json.len);
  v->options_json = souk_arena_strndup(a, f->options_json.data, f->options_json.len);
  v->images_json = souk_arena_strndup(a, f->images_json.data, f->images_json.len);
  v->variants_json = souk_arena_strndup(a, f->variants_json.data, f->variants_json.len);
  return v->body_text && v->tags_json && v->options_json && v->images_json && v->variants_json
             ? 0
             : SOUK_ENOMEM;
}

void souk__product_url(const char *origin, const souk_product *p, souk_buf *out) {
  souk_buf_reset(out);
  if (p->url)
    souk_buf_adds(out, p->url);
  else if (p->handle && *p->handle)
    souk_buf_printf(out, "%s/products/%s", origin, p->handle);
}

/* ---- JSON columns back to a product ------------------------------------------------- */

static const char *dup_str(souk_arena *a, json_t *v) {
  return json_is_string(v) ? souk_arena_strndup(a, json_string_value(v), json_string_length(v)) : NULL;
}

static int64_t price_of(json_t *v) {
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : SOUK_NO_PRICE;
}

int souk__product_from_json(souk_arena *a, souk_product *p, const char *tags, const char *options,
                            const char *images, const char *variants) {
  json_t *jt = json_loads(tags ? tags : "[]", 0, NULL);
  json_t *jo = json_loads(options ? options : "[]", 0, NULL);
  json_t *ji = json_loads(images ? images : "[]", 0, NULL);
  json_t *jv = json_loads(variants ? variants : "[]", 0, NULL);
  int rc = (jt && jo && ji && jv) ? 0 : SOUK_EPARSE;
  size_t i;
  json_t *v;
  if (!rc) {
    const char **t = souk_arena_calloc(a, json_array_size(jt) + 1, sizeof *t);
    json_array_foreach(jt, i, v) t[i] = dup_str(a, v);
    p->tags = t;
    p->ntags = json_array_size(jt);
    const char **o = souk_arena_calloc(a, json_array_size(jo) + 1, sizeof *o);
    json_array_foreach(jo, i, v) o[i] = dup_str(a, v);
    p->option_names = o;
    p->noption_names = json_array_size(jo);
    souk_image *im = souk_arena_calloc(a, json_array_size(ji) + 1, sizeof *im);
    json_array_foreach(ji, i, v) {
      im[i].src = dup_str(a, json_object_get(v, "src"));
      im[i].width = (int)json_integer_value(json_object_get(v, "width"));
      im[i].height = (int)json_integer_value(json_object_get(v, "height"));
    }
    p->images = im;
    p->nimages = json_array_size(ji);
    souk_variant *vs = souk_arena_calloc(a, json_array_size(jv) + 1, sizeof *vs);
    json_array_foreach(jv, i, v) {
      vs[i].id = (int64_t)json_integer_value(json_object_get(v, "id"));
      vs[i].title = dup_str(a, json_object_get(v, "title"));
      vs[i].sku = dup_str(a, json_object_get(v, "sku"));
      json_t *opts = json_object_get(v, "options");
      for (size_t k = 0; k < 3; k++)
        vs[i].options[k] = dup_str(a, json_array_get(opts, k));
      vs[i].price = price_of(json_object_get(v, "price"));
      vs[i].compare_at_price = price_of(json_object_get(v, "compare_at_price"));
      json_t *av = json_object_get(v, "available");
      vs[i].available = json_is_integer(av) ? (int)json_integer_value(av) : -1;
    }
    p->variants = vs;
    p->nvariants = json_array_size(jv);
  }
  json_decref(jt);
  json_decref(jo);
  json_decref(ji);
  json_decref(jv);
  return rc;
}
