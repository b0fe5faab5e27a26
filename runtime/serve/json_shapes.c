/* SPDX-License-Identifier: MIT */
/* The JSON shapes souk's MCP tools and resources give products, stores and crawl records:
 * money as exact decimal strings in the store's currency ("19.99", never 19.989999999999998),
 * store text checked for UTF-8 and cut to bounds, lists capped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "serve/serve_int.h"
#include "souk/error.h"

enum { MAX_TAGS = 20, MAX_VARIANTS = 100, MAX_IMAGES = 10 };

/* Length of the UTF-8 sequence starting at s (1-4), or 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    return (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
      return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))
      return 0; /* overlong, surrogates */
    return 3;
  }
  if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
      return 0;
    return 4;
  }
  return 0;
}

json_t *souk__serve_str_cut(const char *s, size_t max_chars, bool *cut) {
  if (cut)
    *cut = false;
  if (!s)
    return json_null();
  size_t n = strlen(s);
  char *out = malloc(n + 1);
  if (!out)
    return NULL;
  size_t o = 0, chars = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (chars == max_chars) {
      if (cut)
        *cut = true;
      break;
    }
    size_t l = utf8_len(p);
    if (l == 0) {
      out[o++] = '?';
      p++;
    } else {
      memcpy(out + o, p, l);
      o += l;
      p += l;
    }
    chars++;
  }
  out[o] = '\0';
  json_t *v = json_stringn(out, o);
  free(out);
  return v;
}

json_t *souk__serve_str(const char *s) { return souk__serve_str_cut(s, SIZE_MAX, NULL); }

json_t *souk__serve_money(int64_t minor, int decimals) {
  if (minor == SOUK_NO_PRICE)
    return json_null();
  char buf[48];
  return json_string(souk_money_format(minor, decimals, buf, sizeof buf));
}

json_t *souk__serve_money_d(double minor, int decimals) {
  if (!isfinite(minor))
    return json_null();
  if (decimals < 0 || decimals > 18)
    decimals = 2;
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, minor / pow(10.0, decimals));
  return json_string(buf);
}

void souk__serve_store_key(const char *origin, char *key, size_t len) {
  const char *p = strstr(origin, "://");
  snprintf(key, len, "%s", p ? p + 3 : origin);
}

static json_t *tags_json(const souk_stored_product *p) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < p->ntags && i < MAX_TAGS; i++)
    json_array_append_new(a, souk__serve_str(p->tags[i]));
  return a;
}

/* Sets key to v, or to null when v could not be made. */
static void set(json_t *o, const char *key, json_t *v) {
  json_object_set_new(o, key, v ? v : json_null());
}

int souk__serve_list_product(const souk_stored_product *p, void *ud) {
  souk__product_list *c = ud;
  json_t *v = souk__serve_product(p);
  if (!v) {
    c->rc = SOUK_ENOMEM;
    return 1;
  }
  json_array_append_new(c->list, v);
  return 0;
}

json_t *souk__serve_product(const souk_stored_product *p) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  set(o, "store", souk__serve_str(p->store));
  set(o, "id", json_integer((json_int_t)p->id));
  set(o, "title", souk__serve_str(p->title));
  set(o, "handle", souk__serve_str(p->handle));
  set(o, "url", souk__serve_str(p->url));
  set(o, "vendor", souk__serve_str(p->vendor));
  set(o, "product_type", souk__serve_str(p->product_type));
  set(o, "tags", tags_json(p));
  set(o, "tag_count", json_integer((json_int_t)p->ntags));
  set(o, "currency", souk__serve_str(p->currency));
  set(o, "price_min", souk__serve_money(p->price_min, p->price_decimals));
  set(o, "price_max", souk__serve_money(p->price_max, p->price_decimals));
  set(o, "variants", json_integer((json_int_t)p->nvariants));
  set(o, "available_variants", json_integer((json_int_t)p->navailable));
  set(o, "images", json_integer((json_int_t)p->nimages));
  set(o, "description_length", json_integer((json_int_t)p->description_length));
  set(o, "created_at", souk__serve_str(p->created_at));
  set(o, "updated_at", souk__serve_str(p->updated_at));
  set(o, "first_seen", souk__serve_str(p->first_seen));
  set(o, "last_seen", souk__serve_str(p->last_seen));
  set(o, "last_changed", souk__serve_str(p->last_changed));
  set(o, "delisted_at", souk__serve_str(p->delisted_at));
  return o;
}

static json_t *available_json(int a) {
  return a < 0 ? json_null() : json_boolean(a);
}

json_t *souk__serve_product_full(const souk_stored_product *p, size_t max_description) {
  json_t *o = souk__serve_product(p);
  const souk_product *f = p->full;
  if (!o || !f)
    return o;
  json_t *opts = json_array(), *vars = json_array(), *imgs = json_array();
  for (size_t i = 0; opts && i < f->noption_names && i < 3; i++)
    json_array_append_new(opts, souk__serve_str(f->option_names[i]));
  for (size_t i = 0; vars && i < f->nvariants && i < MAX_VARIANTS; i++) {
    const souk_variant *v = &f->variants[i];
    json_t *vo = json_array();
    for (int k = 0; vo && k < 3; k++)
      if (v->options[k])
        json_array_append_new(vo, souk__serve_str(v->options[k]));
    json_t *x = json_object();
    if (!x)
      break;
    set(x, "id", json_integer((json_int_t)v->id));
    set(x, "title", souk__serve_str(v->title));
    set(x, "sku", souk__serve_str(v->sku && *v->sku ? v->sku : NULL));
    set(x, "options", vo);
    set(x, "price", souk__serve_money(v->price, f->price_decimals));
    set(x, "compare_at_price", souk__serve_money(v->compare_at_price, f->price_decimals));
    set(x, "available", available_json(v->available));
    json_array_append_new(vars, x);
  }
  for (size_t i = 0; imgs && i < f->nimages && i < MAX_IMAGES; i++) {
    const souk_image *im = &f->images[i];
    json_t *x = json_pack("{s:o,s:i,s:i}", "src", souk__serve_str(im->src), "width", im->width,
                          "height", im->height);
    if (x)
      json_array_append_new(imgs, x);
  }
  set(o, "options", opts);
  set(o, "variant_list", vars);
  set(o, "variant_list_truncated", json_boolean(f->nvariants > MAX_VARIANTS));
  set(o, "image_list", imgs);
  bool cut = false;
  set(o, "description", souk__serve_str_cut(p->body_text ? p->body_text : "", max_description, &cut));
  set(o, "description_truncated", json_boolean(cut));
  set(o, "published_at", souk__serve_str(p->published_at));
  return o;
}

json_t *souk__serve_crawl(const souk_crawl_record *r) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  set(o, "id", json_integer((json_int_t)r->id));
  set(o, "store", souk__serve_str(r->store));
  set(o, "platform", souk__serve_str(r->platform));
  set(o, "started_at", souk__serve_str(r->started_at));
  set(o, "ended_at", souk__serve_str(r->ended_at));
  set(o, "state", souk__serve_str(r->state));
  set(o, "status", json_string(r->status ? souk_err_name(r->status) : "ok"));
  set(o, "complete", json_boolean(r->complete));
  set(o, "pages", json_integer((json_int_t)r->pages));
  set(o, "bytes", json_integer((json_int_t)r->bytes));
  set(o, "products", json_integer((json_int_t)r->products));
  set(o, "new_products", json_integer((json_int_t)r->new_products));
  set(o, "changed", json_integer((json_int_t)r->changed));
  set(o, "http_errors", json_integer((json_int_t)r->http_errors));
  set(o, "message", souk__serve_str(r->message));
  return o;
}

json_t *souk__serve_store_summary(const souk_store_summary *s) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  char key[512], uri[600];
  souk__serve_store_key(s->store, key, sizeof key);
  snprintf(uri, sizeof uri, SOUK__URI_STORES "/%s", key);
  set(o, "store", souk__serve_str(s->store));
  set(o, "key", souk__serve_str(key));
  set(o, "uri", souk__serve_str(uri));
  set(o, "platform", souk__serve_str(s->platform));
  set(o, "name", souk__serve_str(s->name));
  set(o, "currency", souk__serve_str(s->currency));
  set(o, "products", json_integer((json_int_t)s->products));
  set(o, "listed", json_integer((json_int_t)s->listed));
  set(o, "delisted", json_integer((json_int_t)s->delisted));
  set(o, "announced", s->announced >= 0 ? json_integer((json_int_t)s->announced) : json_null());
  set(o, "first_seen", souk__serve_str(s->first_seen));
  set(o, "last_crawl_at", souk__serve_str(s->last_crawl_at));
  return o;
}
