/* SPDX-License-Identifier: MIT */
/* Reproducible generated catalogs for the analytics tests and benchmark. */
#include "catalog_gen.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static uint64_t next(catalog_gen *g) {
  uint64_t *s = g->state;
  uint64_t v = s[1] * 5, r = ((v << 7) | (v >> 57)) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return r;
}

static unsigned below(catalog_gen *g, unsigned n) {
  return (unsigned)((next(g) >> 32) * n >> 32);
}

static double uniform(catalog_gen *g) {
  return (double)(next(g) >> 11) * 0x1.0p-53;
}

void catalog_gen_init(catalog_gen *g, uint64_t seed) {
  g->seed = seed;
  g->next = 0;
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    g->state[i] = z ^ (z >> 31);
  }
}

static const char *const adjectives[] = {"Classic", "Relaxed", "Cropped", "Organic", "Vintage",
                                         "Everyday", "Tailored", "Soft", "Bold", "Café"};
static const char *const materials[] = {"Linen", "Cotton", "Wool", "Silk", "Denim", "Leather",
                                        "Cashmere", "Bamboo"};
static const char *const items[] = {"Shirt", "Dress", "Trousers", "Jacket", "Scarf", "Sweater",
                                    "Skirt", "Tote", "Coat", "Top"};
static const char *const words[] = {"soft", "fabric", "made", "in", "small", "batches", "with",
                                    "care", "our", "favourite", "fit", "for", "every", "day",
                                    "naturally", "dyed", "and", "finished", "by", "hand"};
static const char *const tagwords[] = {"new", "sale", "summer", "winter", "linen", "basics",
                                       "gift", "eco", "women", "men", "kids", "limited"};

/* A description in HTML of about `nwords` words: paragraphs, inline tags, entities. */
static char *description(catalog_gen *g, souk_arena *a, unsigned nwords) {
  souk_buf b;
  souk_buf_init(&b, 1 << 20);
  souk_buf_adds(&b, "<p>");
  for (unsigned w = 0; w < nwords; w++) {
    unsigned r = below(g, 100);
    if (w && r < 4)
      souk_buf_adds(&b, "</p>\n<p>");
    else if (w && r < 7)
      souk_buf_adds(&b, "<br/>");
    else if (w)
      souk_buf_adds(&b, r < 10 ? "  \n " : " ");
    if (r >= 90) {
      static const char *const ent[] = {"&amp;", "&rsquo;", "&nbsp;", "&#233;", "&#x2019;",
                                        "&lt;3", "&eacute;t&eacute;", "&apos;", "&bogus;",
                                        "&#0;"};
      souk_buf_adds(&b, ent[r - 90]);
    } else if (r >= 85) {
      souk_buf_printf(&b, "<strong>%s</strong>", words[below(g, 20)]);
    } else if (r == 84) {
      souk_buf_adds(&b, "<span style=\"color:red\">100%</span>");
    } else {
      souk_buf_adds(&b, words[below(g, 20)]);
    }
  }
  souk_buf_adds(&b, below(g, 50) == 0 ? " 3 < 5" : "</p>");
  char *s = souk_arena_strndup(a, b.data, b.len);
  souk_buf_free(&b);
  return s;
}

void catalog_gen_batch(catalog_gen *g, souk_arena *a, souk_product *out, size_t count) {
  for (size_t k = 0; k < count; k++, g->next++) {
    souk_product *p = &out[k];
    memset(p, 0, sizeof *p);
    size_t i = g->next;
    /* Every 97th product repeats the previous one's profile (not its id): score ties. */
    if (k > 0 && i % 97 == 0) {
      *p = out[k - 1];
      p->id = (int64_t)(7000000000000 + i * 7);
      continue;
    }
    unsigned seg = below(g, 100);
    seg = seg < 40 ? 0 : seg < 65 ? 1 : seg < 85 ? 2 : 3; /* basics premium clearance rich */
    p->id = (int64_t)(7000000000000 + i * 7);
    char buf[160];
    snprintf(buf, sizeof buf, "%s %s %s %zu", adjectives[below(g, 10)], materials[below(g, 8)],
             items[below(g, 10)], i);
    p->title = souk_arena_strdup(a, buf);
    snprintf(buf, sizeof buf, "product-%zu", i);
    p->handle = souk_arena_strdup(a, buf);
    p->price_decimals = 2;
    static const unsigned tag_lo[4] = {0, 8, 2, 15}, tag_hi[4] = {6, 25, 10, 40};
    p->ntags = tag_lo[seg] + below(g, tag_hi[seg] - tag_lo[seg] + 1);
    const char **tags = souk_arena_alloc(a, (p->ntags ? p->ntags : 1) * sizeof *tags);
    for (size_t t = 0; t < p->ntags; t++)
      tags[t] = tagwords[below(g, 12)];
    p->tags = tags;
    static const unsigned img_hi[4] = {3, 12, 4, 15};
    p->nimages = below(g, img_hi[seg] + 1);
    souk_image *imgs = souk_arena_calloc(a, p->nimages ? p->nimages : 1, sizeof *imgs);
    for (size_t m = 0; m < p->nimages; m++) {
      snprintf(buf, sizeof buf, "https://cdn.example.com/p/%zu/%zu.jpg", i, m);
      imgs[m].src = souk_arena_strdup(a, buf);
    }
    p->images = imgs;
    p->nvariants = below(g, 50) == 0 ? 0 : 1 + below(g, seg == 1 ? 8 : 5);
    souk_variant *vs = souk_arena_calloc(a, p->nvariants ? p->nvariants : 1, sizeof *vs);
    static const double price_lo[4] = {5, 120, 10, 30}, price_hi[4] = {60, 2500, 200, 400};
    int64_t base = (int64_t)((price_lo[seg] + (price_hi[seg] - price_lo[seg]) *
                              uniform(g) * uniform(g)) * 100);
    double avail_p[4] = {0.9, 0.8, 0.15, 0.95};
    for (size_t v = 0; v < p->nvariants; v++) {
      vs[v].id = (int64_t)(40000000000000 + i * 16 + v);
      int64_t price = base + (int64_t)below(g, 4) * 500;
      vs[v].price = below(g, 3) ? price - price % 100 + 99 : price; /* mostly .99 prices */
      vs[v].compare_at_price = SOUK_NO_PRICE;
      vs[v].available = uniform(g) < avail_p[seg] ? 1 : 0;
    }
    p->variants = vs;
    static const unsigned words_lo[4] = {0, 60, 5, 150}, words_hi[4] = {40, 200, 50, 600};
    p->body_html = below(g, 30) == 0
                       ? NULL
                       : description(g, a, words_lo[seg] +
                                               below(g, words_hi[seg] - words_lo[seg] + 1));
  }
}

int catalog_write_page(FILE *f, const souk_product *p, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_object(), *tags = json_array(), *vs = json_array(), *imgs = json_array();
    json_object_set_new(o, "id", json_integer(p[i].id));
    json_object_set_new(o, "title", json_string(p[i].title));
    json_object_set_new(o, "handle", json_string(p[i].handle));
    json_object_set_new(o, "body_html", p[i].body_html ? json_string(p[i].body_html)
                                                       : json_null());
    for (size_t t = 0; t < p[i].ntags; t++)
      json_array_append_new(tags, json_string(p[i].tags[t]));
    json_object_set_new(o, "tags", tags);
    for (size_t v = 0; v < p[i].nvariants; v++) {
      const souk_variant *x = &p[i].variants[v];
      char price[32];
      snprintf(price, sizeof price, "%" PRId64 ".%02" PRId64, x->price / 100, x->price % 100);
      json_array_append_new(vs, json_pack("{s:I,s:s,s:b,s:n}", "id", (json_int_t)x->id,
                                          "price", price, "available", x->available == 1,
                                          "compare_at_price"));
    }
    json_object_set_new(o, "variants", vs);
    for (size_t m = 0; m < p[i].nimages; m++)
      json_array_append_new(imgs, json_pack("{s:s}", "src", p[i].images[m].src));
    json_object_set_new(o, "images", imgs);
    json_array_append_new(arr, o);
  }
  json_t *page = json_pack("{s:o}", "products", arr);
  int rc = json_dumpf(page, f, JSON_COMPACT) == 0 && fputc('\n', f) != EOF ? 0 : -1;
  json_decref(page);
  return rc;
}
