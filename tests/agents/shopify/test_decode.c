/* SPDX-License-Identifier: MIT */
/* Tests of the Shopify catalog decoder: the real captures in tests/fixtures/shopify decode
 * with exact counts and fields, prices parse exactly, and every kind of bad input fails with
 * a sentence (or skips one product) without crashing or leaking. */
#include "check.h"

#include <stdint.h>

#include "shopify/decode.h"
#include "souk/error.h"

/* Reads tests/fixtures/shopify/<name> into a buffer with `extra` spare bytes after the data
 * (filled with bytes that would break JSON, to show the padding is never parsed). */
static char *load(const char *name, size_t extra, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/fixtures/shopify/%s", souk_test_source_dir(), name);
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  CHECK(n > 0);
  char *buf = malloc((size_t)n + extra + 1);
  CHECK(buf != NULL);
  CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
  fclose(f);
  memset(buf + n, '"', extra + 1);
  *len = (size_t)n;
  return buf;
}

#define ANNIE_A "annie-thompson_products_snapshot-a.json"
#define ANNIE_B "annie-thompson_products_snapshot-b.json"
#define SOUL "soulandmore-eg_products_page1.json"

typedef struct counts {
  size_t products, variants, compare_at, on_sale, sold_out, unknown_stock, multi_option,
      images, tags;
} counts;

static counts count(const souk_catalog_page *pg) {
  counts c = {0};
  c.products = pg->nproducts;
  for (size_t i = 0; i < pg->nproducts; i++) {
    const souk_product *p = &pg->products[i];
    c.multi_option += p->noption_names > 1;
    c.images += p->nimages;
    c.tags += p->ntags;
    for (size_t j = 0; j < p->nvariants; j++) {
      const souk_variant *v = &p->variants[j];
      c.variants++;
      c.compare_at += v->compare_at_price != SOUK_NO_PRICE;
      c.on_sale += v->compare_at_price != SOUK_NO_PRICE && v->compare_at_price > v->price;
      c.sold_out += v->available == 0;
      c.unknown_stock += v->available == -1;
    }
  }
  return c;
}

static const souk_product *find(const souk_catalog_page *pg, int64_t id) {
  for (size_t i = 0; i < pg->nproducts; i++)
    if (pg->products[i].id == id)
      return &pg->products[i];
  return NULL;
}

static void decode_fixture(const char *name, size_t extra, souk_catalog_page *pg) {
  size_t len;
  char *buf = load(name, extra, &len);
  souk_errinfo e;
  int rc = souk_shopify_decode_products(buf, len, len + extra, 2, pg, &e);
  CHECK_MSG(rc == 0, "%s: %s (%s)", name, souk_err_name(rc), e.text);
  free(buf);  /* nothing of the page may point into the input */
}

TEST(annie_counts) {
  souk_catalog_page pg;
  decode_fixture(ANNIE_A, SOUK_DECODE_PADDING, &pg);
  counts c = count(&pg);
  CHECK_INT(c.products, ==, 184);
  CHECK_INT(c.variants, ==, 659);
  CHECK_INT(c.compare_at, ==, 512);
  CHECK_INT(c.on_sale, ==, 292);
  CHECK_INT(c.sold_out, ==, 313);
  CHECK_INT(c.unknown_stock, ==, 0);
  CHECK_INT(c.multi_option, ==, 36);
  CHECK_INT(c.images, ==, 762);
  CHECK_INT(pg.skipped, ==, 0);
  CHECK_INT(pg.bad_prices, ==, 0);
  CHECK_STR(pg.skip_reason, "");
  SAY("annie snapshot a: %zu products, %zu variants, %zu with compare_at_price (%zu below it), "
      "%zu sold out, %zu multi-option, %zu images", c.products, c.variants, c.compare_at,
      c.on_sale, c.sold_out, c.multi_option, c.images);
  souk_catalog_page_free(&pg);
  souk_catalog_page_free(&pg);
  SAY("freeing a page twice is harmless");
}

TEST(annie_snapshots_agree) {
  souk_catalog_page a, b;
  decode_fixture(ANNIE_A, 0, &a);
  decode_fixture(ANNIE_B, 0, &b);
  CHECK_INT(a.nproducts, ==, b.nproducts);
  size_t updated_differs = 0;
  for (size_t i = 0; i < a.nproducts; i++) {
    const souk_product *p = &a.products[i], *q = &b.products[i];
    CHECK_INT(p->id, ==, q->id);
    CHECK_INT(p->nvariants, ==, q->nvariants);
    updated_differs += strcmp(p->updated_at, q->updated_at) != 0;
    for (size_t j = 0; j < p->nvariants; j++) {
      CHECK_INT(p->variants[j].id, ==, q->variants[j].id);
      CHECK_INT(p->variants[j].price, ==, q->variants[j].price);
      CHECK_INT(p->variants[j].compare_at_price, ==, q->variants[j].compare_at_price);
      CHECK_INT(p->variants[j].available, ==, q->variants[j].available);
    }
  }
  SAY("snapshots a and b: same %zu products, prices and stock; updated_at differs on %zu",
      a.nproducts, updated_differs);
  souk_catalog_page_free(&a);
  souk_catalog_page_free(&b);
}

TEST(soulandmore_counts) {
  souk_catalog_page pg;
  decode_fixture(SOUL, 0, &pg);
  counts c = count(&pg);
  CHECK_INT(c.products, ==, 183);
  CHECK_INT(c.variants, ==, 318);
  CHECK_INT(c.compare_at, ==, 217);
  CHECK_INT(c.on_sale, ==, 155);
  CHECK_INT(c.sold_out, ==, 56);
  CHECK_INT(c.images, ==, 417);
  CHECK_INT(pg.skipped, ==, 0);
  CHECK_INT(pg.bad_prices, ==, 0);
  SAY("soulandmore (minified, escaped): %zu products, %zu variants, %zu on sale "
      "(compare_at_price > price), %zu sold out, %zu images", c.products, c.variants,
      c.on_sale, c.sold_out, c.images);
  souk_catalog_page_free(&pg);
}

TEST(annie_fields) {
  souk_catalog_page pg;
  decode_fixture(ANNIE_A, SOUK_DECODE_PADDING, &pg);
  const souk_product *p = &pg.products[0];
  CHECK_INT(p->id, ==, 7901998383254);
  CHECK_STR(p->title, "Bounty trouser");
  CHECK_STR(p->handle, "bounty-trouser");
  CHECK(p->url == NULL);
  CHECK_STR(p->vendor, "Annie Thompson");
  CHECK_STR(p->product_type, "");
  CHECK_STR(p->published_at, "2024-01-10T17:47:47-05:00");
  CHECK_STR(p->created_at, "2024-01-10T14:48:44-05:00");
  CHECK_STR(p->updated_at, "2024-02-09T14:45:51-05:00");
  CHECK(strncmp(p->body_html, "<p>pinstripe black+ grey washed cool wool</p>\n<p>The Bounty", 59)
        == 0);
  CHECK_INT(p->ntags, ==, 23);
  CHECK_STR(p->tags[0], "all season");
  CHECK_STR(p->tags[22], "wool");
  CHECK_INT(p->noption_names, ==, 2);
  CHECK_STR(p->option_names[0], "Size");
  CHECK_STR(p->option_names[1], "Material");
  CHECK_INT(p->price_decimals, ==, 2);
  SAY("product 7901998383254: title, handle, vendor, empty product_type, dates, body_html, "
      "23 tags, options Size/Material as in the raw JSON");

  CHECK_INT(p->nvariants, ==, 5);
  const souk_variant *v = &p->variants[0];
  CHECK_INT(v->id, ==, 43016623030422);
  CHECK_STR(v->title, "SM / Black/grey cool wool pinstripe");
  CHECK_STR(v->options[0], "SM");
  CHECK_STR(v->options[1], "Black/grey cool wool pinstripe");
  CHECK(v->options[2] == NULL);
  CHECK_STR(v->sku, "");
  CHECK_INT(v->price, ==, 46500);
  CHECK(v->compare_at_price == SOUK_NO_PRICE);
  CHECK_INT(v->available, ==, 1);
  SAY("its first variant: id, title, option1/2, option3 null, sku \"\", price 465.00 -> 46500, "
      "compare_at_price null -> none, available");

  CHECK_INT(p->nimages, ==, 8);
  CHECK_STR(p->images[0].src, "https://cdn.shopify.com/s/files/1/0308/7665/files/"
                              "image_eef1de09-965f-4b72-9900-b0937599302f.png?v=1704916127");
  CHECK_INT(p->images[0].width, ==, 560);
  CHECK_INT(p->images[0].height, ==, 2216);
  SAY("its first of 8 images: src, 560x2216");

  const souk_product *q = find(&pg, 7901994811542);
  CHECK(q != NULL);
  CHECK_STR(q->handle, "bounty-trousers");
  CHECK_INT(q->noption_names, ==, 3);
  CHECK_STR(q->option_names[2], "Material");
  CHECK_STR(q->variants[0].options[0], "Red + black stripe");
  CHECK_STR(q->variants[0].options[1], "XS");
  CHECK_STR(q->variants[0].options[2], "washed wool");
  SAY("product 7901994811542: three options Color/Size/Material and option1..3 of a variant");

  const souk_product *last = &pg.products[pg.nproducts - 1];
  CHECK_INT(last->id, ==, 377517580);
  CHECK_STR(last->title, "Booty Warmer | Double Bubble + Grey Black");
  SAY("the last product (id 377517580) is intact");
  souk_catalog_page_free(&pg);
}

TEST(soulandmore_escapes) {
  souk_catalog_page pg;
  decode_fixture(SOUL, 0, &pg);
  const souk_product *p = &pg.products[0];
  CHECK_INT(p->id, ==, 15438886535334);
  CHECK_STR(p->title, "His & Hers Bundle");
  CHECK(strncmp(p->body_html, "<p><strong>The perfect fragrance duo \xe2\x80\x94 curated", 46) == 0);
  CHECK_HAS(p->body_html, "</strong></p><p>Introducing the <strong>His &amp; Hers Bundle</strong>");
  CHECK(strchr(p->body_html, '\\') == NULL);
  CHECK_STR(p->images[0].src,
            "https://cdn.shopify.com/s/files/1/0597/3586/7558/files/square-1.webp?v=1785154865");
  CHECK_INT(p->ntags, ==, 0);
  CHECK_STR(p->option_names[0], "Her Splash Scent 150 ml");
  SAY("\\u0026 -> &, \\u003c -> <, \\/ -> / decoded, UTF-8 em dash kept, no backslash left");

  const souk_variant *v = &p->variants[0];
  CHECK_INT(v->id, ==, 56869886689446);
  CHECK(v->sku == NULL);
  CHECK_INT(v->price, ==, 59900);
  CHECK_INT(v->compare_at_price, ==, 92000);
  SAY("variant 56869886689446: sku null -> NULL, 599.00 on sale from 920.00");

  const souk_product *q = find(&pg, 8623367389350);
  CHECK(q != NULL);
  int found = 0;
  for (size_t i = 0; i < q->nvariants; i++)
    if (q->variants[i].id == 46793725378726) {
      CHECK_INT(q->variants[i].price, ==, 91125);
      CHECK_INT(q->variants[i].compare_at_price, ==, 121500);
      CHECK_STR(q->variants[i].sku, "6223009683591");
      found = 1;
    }
  CHECK(found);
  SAY("variant 46793725378726: 911.25 -> 91125 exactly");

  q = find(&pg, 15308196118694);
  CHECK(q != NULL && q->nvariants >= 3);
  CHECK_INT(q->variants[0].available, ==, 1);
  CHECK_INT(q->variants[1].available, ==, 0);
  SAY("product 15308196118694: available true/false -> 1/0");
  q = find(&pg, 15381655027878);
  CHECK(q != NULL && q->ntags == 2);
  CHECK_STR(q->tags[0], "Cola");
  CHECK_STR(q->tags[1], "Lip Care");
  SAY("product 15381655027878: tags [\"Cola\", \"Lip Care\"]");
  souk_catalog_page_free(&pg);
}

TEST(padding_and_copy_agree) {
  size_t len;
  char *buf = load(SOUL, SOUK_DECODE_PADDING, &len);
  souk_catalog_page a, b;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products(buf, len, len + SOUK_DECODE_PADDING, 2, &a, &e), ==, 0);
  CHECK_INT(souk_shopify_decode_products(buf, len, len, 2, &b, &e), ==, 0);
  CHECK_INT(a.nproducts, ==, b.nproducts);
  for (size_t i = 0; i < a.nproducts; i++) {
    CHECK_INT(a.products[i].id, ==, b.products[i].id);
    CHECK_STR(a.products[i].body_html, b.products[i].body_html);
    CHECK_INT(a.products[i].nvariants, ==, b.products[i].nvariants);
  }
  SAY("read in place (capacity len+%d, padding full of '\"') and through a copy "
      "(capacity == len): same %zu products", SOUK_DECODE_PADDING, a.nproducts);
  souk_catalog_page_free(&a);
  souk_catalog_page_free(&b);
  free(buf);
}

static const char single[] =
    "{\"product\":{\"id\":7901998383254,\"title\":\"Bounty trouser\",\"body_html\":null,"
    "\"vendor\":\"Annie Thompson\",\"product_type\":\"Pants\",\"created_at\":"
    "\"2024-01-10T14:48:44-05:00\",\"handle\":\"bounty-trouser\",\"updated_at\":"
    "\"2024-02-09T14:45:51-05:00\",\"published_at\":null,\"template_suffix\":\"\","
    "\"published_scope\":\"global\",\"tags\":\"all season, Canadian,Canadian Designer ,, wool\","
    "\"variants\":[{\"id\":43016623030422,\"product_id\":7901998383254,\"title\":\"SM\","
    "\"price\":\"465.00\",\"sku\":\"\",\"position\":1,\"compare_at_price\":\"\","
    "\"fulfillment_service\":\"manual\",\"inventory_management\":\"shopify\",\"option1\":\"SM\","
    "\"option2\":null,\"option3\":null,\"grams\":0,\"weight\":0.0,\"weight_unit\":\"kg\","
    "\"requires_shipping\":true,\"price_currency\":\"CAD\",\"compare_at_price_currency\":\"\"}],"
    "\"options\":[{\"id\":1,\"product_id\":7901998383254,\"name\":\"Size\",\"position\":1,"
    "\"values\":[\"SM\"]}],\"images\":[{\"id\":35508965703830,\"alt\":null,\"position\":1,"
    "\"src\":\"https:\\/\\/cdn.shopify.com\\/a.png\",\"width\":560,\"height\":null,"
    "\"variant_ids\":[]}],\"image\":{\"id\":35508965703830,\"src\":\"x\"}}}";

TEST(single_product) {
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_product(single, strlen(single), sizeof single, 2, &pg, &e), ==, 0);
  CHECK_INT(pg.nproducts, ==, 1);
  const souk_product *p = &pg.products[0];
  CHECK_INT(p->id, ==, 7901998383254);
  CHECK(p->body_html == NULL);
  CHECK(p->published_at == NULL);
  CHECK_STR(p->product_type, "Pants");
  CHECK_INT(p->ntags, ==, 4);
  CHECK_STR(p->tags[0], "all season");
  CHECK_STR(p->tags[1], "Canadian");
  CHECK_STR(p->tags[2], "Canadian Designer");
  CHECK_STR(p->tags[3], "wool");
  SAY("{\"product\":{...}}: tags as a comma-separated string -> 4 trimmed tags, empty one dropped");
  CHECK_INT(p->nvariants, ==, 1);
  CHECK_INT(p->variants[0].price, ==, 46500);
  CHECK(p->variants[0].compare_at_price == SOUK_NO_PRICE);
  CHECK_INT(p->variants[0].available, ==, -1);
  CHECK(p->variants[0].options[1] == NULL);
  CHECK_STR(p->images[0].src, "https://cdn.shopify.com/a.png");
  CHECK_INT(p->images[0].width, ==, 560);
  CHECK_INT(p->images[0].height, ==, 0);
  SAY("compare_at_price \"\" -> none, available absent -> -1, height null -> 0, body_html and "
      "published_at null -> NULL");
  souk_catalog_page_free(&pg);

  CHECK_INT(souk_shopify_decode_products(single, strlen(single), sizeof single, 2, &pg, &e), ==,
            SOUK_EPARSE);
  CHECK_HAS(e.text, "no \"products\"");
  SAY("a single-product document given as a page: \"%s\"", e.text);
  static const char page[] = "{\"products\":[]}";
  CHECK_INT(souk_shopify_decode_product(page, strlen(page), sizeof page, 2, &pg, &e), ==,
            SOUK_EPARSE);
  SAY("a page given as a single product: \"%s\"", e.text);
  static const char badp[] = "{\"product\":{\"id\":5,\"variants\":{}}}";
  CHECK_INT(souk_shopify_decode_product(badp, strlen(badp), sizeof badp, 2, &pg, &e), ==,
            SOUK_EPARSE);
  CHECK_HAS(e.text, "\"variants\" is an object, expected an array");
  SAY("a malformed single product fails: \"%s\"", e.text);
}

TEST(price_table) {
  static const struct {
    const char *s;
    int decimals;
    int rc;
    int64_t minor;
  } cases[] = {
      {"19.99", 2, 0, 1999},
      {"20", 2, 0, 2000},
      {"19.9", 2, 0, 1990},
      {"0.00", 2, 0, 0},
      {"0", 2, 0, 0},
      {"0.01", 2, 0, 1},
      {"1.250", 2, 0, 125},
      {"1.2500000", 2, 0, 125},
      {"465.00", 2, 0, 46500},
      {"911.25", 2, 0, 91125},
      {"007.50", 2, 0, 750},
      {"1.250", 3, 0, 1250},
      {"1500", 0, 0, 1500},
      {"1500.000", 0, 0, 1500},
      {"92233720368547758.07", 2, 0, INT64_MAX},
      {"9223372036854775807", 0, 0, INT64_MAX},
      {"1", 18, 0, 1000000000000000000LL},
      {"1.005", 2, SOUK_EPARSE, 0},
      {"1.5", 0, SOUK_EPARSE, 0},
      {"92233720368547758.08", 2, SOUK_EPARSE, 0},
      {"9223372036854775808", 0, SOUK_EPARSE, 0},
      {"99999999999999999999999999", 2, SOUK_EPARSE, 0},
      {"10", 18, SOUK_EPARSE, 0},
      {"", 2, SOUK_EPARSE, 0},
      {"-1.00", 2, SOUK_EPARSE, 0},
      {"+1.00", 2, SOUK_EPARSE, 0},
      {" 1.00", 2, SOUK_EPARSE, 0},
      {"1.00 ", 2, SOUK_EPARSE, 0},
      {"1,299.00", 2, SOUK_EPARSE, 0},
      {"1.2.3", 2, SOUK_EPARSE, 0},
      {"1.", 2, SOUK_EPARSE, 0},
      {".5", 2, SOUK_EPARSE, 0},
      {"1e3", 2, SOUK_EPARSE, 0},
      {"NaN", 2, SOUK_EPARSE, 0},
      {"abc", 2, SOUK_EPARSE, 0},
      {"$19.99", 2, SOUK_EPARSE, 0},
      {"19.99", -1, SOUK_EINVAL, 0},
      {"19.99", 19, SOUK_EINVAL, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t minor = -7;
    int rc = souk_parse_price(cases[i].s, strlen(cases[i].s), cases[i].decimals, &minor);
    CHECK_MSG(rc == cases[i].rc, "\"%s\" (%d decimals): rc %d, expected %d", cases[i].s,
              cases[i].decimals, rc, cases[i].rc);
    if (rc == 0)
      CHECK_MSG(minor == cases[i].minor, "\"%s\": %" PRId64 ", expected %" PRId64, cases[i].s,
                minor, cases[i].minor);
    else
      CHECK_MSG(minor == -7, "\"%s\": output written on failure", cases[i].s);
  }
  int64_t m;
  CHECK_INT(souk_parse_price("12.345", 4, 2, &m), ==, 0);
  CHECK_INT(m, ==, 1230);
  SAY("a length-bounded slice \"12.3\" of \"12.345\" -> 1230");
  CHECK_INT(souk_parse_price("1\0", 2, 2, &m), ==, SOUK_EPARSE);
  CHECK_INT(souk_parse_price(NULL, 0, 2, &m), ==, SOUK_EINVAL);
  SAY("%zu table rows: exact, padded, trailing zeros, INT64_MAX; garbage, signs, spaces, "
      "exponents, separators, overflow, lost digits rejected; output untouched on failure",
      sizeof cases / sizeof cases[0]);
}

/* Decodes `json` as a page and expects SOUK_EPARSE with `needle` in the sentence. */
static void expect_fail(const char *what, const char *json, size_t len, const char *needle) {
  souk_catalog_page pg;
  souk_errinfo e;
  char *copy = malloc(len + 1);  /* exact capacity: ASan sees any read past the end */
  CHECK(copy != NULL);
  memcpy(copy, json, len);
  int rc = souk_shopify_decode_products(copy, len, len, 2, &pg, &e);
  CHECK_MSG(rc == SOUK_EPARSE, "%s: rc %d (%s), expected SOUK_EPARSE", what, rc, e.text);
  CHECK_INT(e.code, ==, SOUK_EPARSE);
  CHECK_HAS(e.text, needle);
  CHECK(pg.nproducts == 0 && pg.products == NULL);
  souk_catalog_page_free(&pg);
  free(copy);
  SAY("%s: \"%s\"", what, e.text);
}

#define FAIL_LIT(what, lit, needle) expect_fail(what, lit, sizeof(lit) - 1, needle)

TEST(not_json) {
  FAIL_LIT("plain text", "Service unavailable", "starts with 'S'");
  FAIL_LIT("empty input", "", "empty");
  FAIL_LIT("white space", " \n\t ", "empty");
  FAIL_LIT("top-level array", "[{\"products\":[]}]", "starts with '['");
  FAIL_LIT("bare string", "\"products\"", "starts with '\"'");
  FAIL_LIT("missing colon", "{\"products\" []}", "malformed JSON");
  FAIL_LIT("single quotes", "{'products':[]}", "malformed JSON");
  FAIL_LIT("trailing comma", "{\"products\":[{\"id\":1},]}", "malformed JSON");
  FAIL_LIT("bad literal", "{\"products\":[{\"id\":1,\"available\":tru}]}", "letter 't'");
  FAIL_LIT("bad literal in an ignored field", "{\"products\":[],\"x\":nul}", "letter 'n'");
  FAIL_LIT("bad boolean in an ignored field", "{\"products\":[],\"x\":falsy}", "letter 'f'");
  FAIL_LIT("missing comma in an ignored field",
           "{\"products\":[{\"id\":1,\"grams\":[1 2]}]}", "malformed JSON");
  FAIL_LIT("bad number in an ignored field", "{\"products\":[{\"id\":1,\"grams\":-}]}",
           "bad number");
  FAIL_LIT("bad escape", "{\"products\":[{\"id\":1,\"title\":\"a\\qb\"}]}", "malformed JSON");
  FAIL_LIT("lone surrogate escape", "{\"products\":[{\"id\":1,\"title\":\"\\ud800\"}]}",
           "malformed JSON");
  FAIL_LIT("bytes after the object", "{\"products\":[]}}", "after the JSON object");
  FAIL_LIT("text after the object", "{\"products\":[]} null", "does not end with '}'");
  FAIL_LIT("no products key", "{\"product\":{\"id\":1}}", "no \"products\"");
  FAIL_LIT("store error", "{\"errors\":\"Page * Limit exceeds the 25000 limit.\"}",
           "errors: \"Page * Limit exceeds the 25000 limit.\"");
  FAIL_LIT("store error with control characters", "{\"errors\":\"Not\\nFound\\u0000!\"}",
           "errors: \"Not Found !\"");
  FAIL_LIT("products twice", "{\"products\":[],\"products\":[]}", "twice");
}

TEST(html) {
  FAIL_LIT("HTML page", "<!DOCTYPE html>\n<html><head><title>Opening soon</title></head>"
           "<body>This store is password protected</body></html>", "HTML page");
  FAIL_LIT("HTML after white space", "\r\n  <html></html>", "HTML page");
}

TEST(products_not_array) {
  FAIL_LIT("products is a number", "{\"products\": 3}", "\"products\" is a number");
  FAIL_LIT("products is null", "{\"products\":null}", "\"products\" is null");
  FAIL_LIT("products is an object", "{\"products\":{\"id\":1}}", "\"products\" is an object");
  FAIL_LIT("products is a string", "{\"products\":\"[]\"}", "\"products\" is a string");
}

TEST(truncated) {
  size_t len;
  char *buf = load(SOUL, 0, &len);
  size_t cuts[] = {1, 2, 13, 14, 100, len / 3, len / 2, len - 100, len - 2, len - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    souk_catalog_page pg;
    souk_errinfo e;
    int rc = souk_shopify_decode_products(buf, cuts[i], len, 2, &pg, &e);
    CHECK_MSG(rc == SOUK_EPARSE, "cut at %zu: rc %d", cuts[i], rc);
    CHECK(pg.nproducts == 0);
    souk_catalog_page_free(&pg);
    if (i == 0 || i == 6 || i == 9)
      SAY("soulandmore cut after %zu of %zu bytes: \"%s\"", cuts[i], len, e.text);
  }
  SAY("%zu cuts of the real page all fail with SOUK_EPARSE", sizeof cuts / sizeof cuts[0]);
  /* Cuts that end just after a '}' inside the page (the end of some object), so that only
   * the structure can tell. */
  size_t tested = 0;
  for (size_t at = 1000; at < len - 2 && tested < 20; at += len / 25) {
    const char *brace = memchr(buf + at, '}', len - 2 - at);
    if (!brace)
      break;
    size_t cut = (size_t)(brace - buf) + 1;
    souk_catalog_page pg;
    souk_errinfo e;
    CHECK_INT(souk_shopify_decode_products(buf, cut, len, 2, &pg, &e), ==, SOUK_EPARSE);
    CHECK(pg.nproducts == 0);
    if (tested++ == 0)
      SAY("cut after the '}' at byte %zu: \"%s\"", cut - 1, e.text);
  }
  CHECK_INT(tested, >=, 15);
  SAY("%zu cuts right after an inner '}' fail with SOUK_EPARSE too", tested);
  free(buf);
  FAIL_LIT("unclosed string", "{\"products\":[{\"id\":1,\"title\":\"abc}]}", "malformed JSON");
  FAIL_LIT("unclosed array, closed object", "{\"products\":[{\"id\":1}}", "malformed JSON");
}

static void nested(const char *what, const char *head, int depth, const char *tail,
                   const char *needle) {
  size_t hl = strlen(head), tl = strlen(tail);
  size_t len = hl + 2 * (size_t)depth + tl;
  char *s = malloc(len + 1);
  CHECK(s != NULL);
  memcpy(s, head, hl);
  memset(s + hl, '[', (size_t)depth);
  memset(s + hl + depth, ']', (size_t)depth);
  memcpy(s + hl + 2 * depth, tail, tl);
  expect_fail(what, s, len, needle);
  free(s);
}

TEST(deep_nesting) {
  nested("100,000 nested arrays in an ignored field", "{\"x\":", 100000, ",\"products\":[]}",
         "nested deeper than 64");
  nested("100,000 nested arrays as a product", "{\"products\":[", 100000, "]}",
         "nested deeper than 64");
  nested("nesting inside a variant", "{\"products\":[{\"id\":1,\"variants\":[{\"id\":2,\"x\":",
         70, "}]}]}", "nested deeper than 64");
  nested("unbalanced nesting", "{\"products\":", 5000, "", "does not end with '}'");
  /* The limit exactly: the root object and 63 arrays inside it are 64 levels. */
  nested("65 levels in all", "{\"products\":[],\"x\":", 64, "}", "nested deeper than 64");
  static const char head[] = "{\"products\":[],\"x\":";
  char s[256];
  size_t n = sizeof head - 1;
  memcpy(s, head, n);
  memset(s + n, '[', 63);
  memset(s + n + 63, ']', 63);
  n += 126;
  s[n++] = '}';
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products(s, n, sizeof s, 2, &pg, &e), ==, 0);
  souk_catalog_page_free(&pg);
  SAY("64 levels in all (SOUK_DECODE_MAX_DEPTH) are accepted");
}

TEST(huge_numbers) {
  FAIL_LIT("products is a huge number", "{\"products\":1e99999}", "\"products\" is a number");
  FAIL_LIT("1e in an ignored field", "{\"products\":[],\"grams\":1e}", "bad number");
  FAIL_LIT("leading zeros", "{\"products\":[{\"id\":0123}]}", "malformed JSON");
  static const char page[] =
      "{\"products\":[{\"id\":1,\"title\":\"kept\",\"grams\":1e99999},"
      "{\"id\":99999999999999999999999999999,\"title\":\"too big\"},"
      "{\"id\":-5,\"title\":\"negative\"},{\"id\":1.5,\"title\":\"fraction\"},"
      "{\"id\":2,\"images\":[{\"src\":\"a\",\"width\":1e300,\"height\":-1}]}]}";
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products(page, strlen(page), sizeof page, 2, &pg, &e), ==, 0);
  CHECK_INT(pg.nproducts, ==, 2);
  CHECK_INT(pg.skipped, ==, 3);
  CHECK_STR(pg.products[0].title, "kept");
  CHECK_INT(pg.products[1].images[0].width, ==, 0);
  CHECK_INT(pg.products[1].images[0].height, ==, 0);
  CHECK_HAS(pg.skip_reason, "product #2: \"id\" is not a positive 64-bit integer");
  SAY("ids 1e29, -5 and 1.5 skip their products (\"%s\"); 1e99999 in an ignored field and "
      "1e300 as an image width (-> 0) do not", pg.skip_reason);
  souk_catalog_page_free(&pg);
}

TEST(invalid_utf8) {
  FAIL_LIT("invalid UTF-8 in a title", "{\"products\":[{\"id\":1,\"title\":\"caf\xe9\"}]}",
           "not valid UTF-8");
  FAIL_LIT("overlong encoding", "{\"products\":[],\"x\":\"\xc0\xaf\"}", "not valid UTF-8");
  FAIL_LIT("UTF-16 surrogate as UTF-8", "{\"products\":[],\"x\":\"\xed\xa0\x80\"}",
           "not valid UTF-8");
  FAIL_LIT("NUL byte outside strings", "{\"products\":[]\0}", "malformed JSON");
  FAIL_LIT("NUL byte after a number (found by the fuzzer)",
           "{\"products\":[{\"id\":1,\"grams\":1.5\0}]}", "bad number '1.5?'");
}

TEST(wrong_types_skip_product) {
  static const char page[] =
      "{\"products\":["
      "{\"id\":1,\"title\":\"one\",\"variants\":[{\"id\":11,\"price\":\"1.00\"}]},"
      "{\"id\":2,\"title\":{\"en\":\"two\"}},"
      "{\"id\":3,\"tags\":[\"a\",5]},"
      "{\"id\":4,\"variants\":[{\"id\":41,\"price\":true}]},"
      "{\"id\":5,\"variants\":[{\"price\":\"1.00\"}]},"
      "{\"title\":\"no id\"},"
      "{\"id\":\"7\"},"
      "[1,2,3],"
      "\"a string\","
      "null,"
      "{\"id\":8,\"images\":[\"x\"]},"
      "{\"id\":9,\"variants\":[{\"id\":91,\"available\":\"yes\"}]},"
      "{\"id\":10,\"options\":[{\"name\":[\"Size\"]}]},"
      "{\"id\":12,\"title\":\"twelve\",\"unknown\":{\"deep\":[{\"x\":null}]},"
      "\"variants\":null,\"images\":null,\"options\":null,\"tags\":null}"
      "]}";
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products(page, strlen(page), sizeof page, 2, &pg, &e), ==, 0);
  CHECK_INT(pg.nproducts, ==, 2);
  CHECK_INT(pg.skipped, ==, 12);
  CHECK_INT(pg.products[0].id, ==, 1);
  CHECK_INT(pg.products[0].variants[0].price, ==, 100);
  CHECK_INT(pg.products[1].id, ==, 12);
  CHECK_STR(pg.products[1].title, "twelve");
  CHECK(pg.products[1].nvariants == 0 && pg.products[1].nimages == 0 &&
        pg.products[1].noption_names == 0 && pg.products[1].ntags == 0);
  CHECK_STR(pg.skip_reason, "product 2: \"title\" is an object, expected a string");
  SAY("14 products, 12 with a wrong type or no id skipped, 2 kept (null arrays read as empty); "
      "first reason \"%s\"",
      pg.skip_reason);
  souk_catalog_page_free(&pg);
}

TEST(bad_prices_counted) {
  static const char page[] =
      "{\"products\":[{\"id\":1,\"variants\":["
      "{\"id\":11,\"price\":\"19.999\",\"compare_at_price\":\"20.00\"},"
      "{\"id\":12,\"price\":\"-1.00\",\"compare_at_price\":\"abc\"},"
      "{\"id\":13,\"price\":19.99,\"compare_at_price\":null},"
      "{\"id\":14,\"price\":\"\",\"compare_at_price\":\"\"}]}]}";
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products(page, strlen(page), sizeof page, 2, &pg, &e), ==, 0);
  CHECK_INT(pg.nproducts, ==, 1);
  const souk_variant *v = pg.products[0].variants;
  CHECK(v[0].price == SOUK_NO_PRICE);
  CHECK_INT(v[0].compare_at_price, ==, 2000);
  CHECK(v[1].price == SOUK_NO_PRICE);
  CHECK(v[1].compare_at_price == SOUK_NO_PRICE);
  CHECK_INT(v[2].price, ==, 1999);
  CHECK(v[3].price == SOUK_NO_PRICE && v[3].compare_at_price == SOUK_NO_PRICE);
  CHECK_INT(pg.bad_prices, ==, 3);
  CHECK_INT(pg.skipped, ==, 0);
  SAY("\"19.999\", \"-1.00\", \"abc\" -> no price, counted (3); the number 19.99 -> 1999 by its "
      "text; \"\" and null -> no price, not counted; the product is kept");
  souk_catalog_page_free(&pg);

  size_t len;
  char *buf = load(ANNIE_A, 0, &len);
  CHECK_INT(souk_shopify_decode_products(buf, len, len, 0, &pg, &e), ==, 0);
  CHECK_INT(pg.bad_prices, ==, 0);
  CHECK_INT(pg.products[0].variants[0].price, ==, 465);
  CHECK_INT(pg.products[0].price_decimals, ==, 0);
  SAY("with 0 decimals (a currency like JPY) \"465.00\" -> 465");
  souk_catalog_page_free(&pg);
  free(buf);
}

TEST(bad_arguments) {
  souk_catalog_page pg;
  souk_errinfo e;
  CHECK_INT(souk_shopify_decode_products("{}", 2, 1, 2, &pg, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "capacity");
  CHECK_INT(souk_shopify_decode_products(NULL, 5, 5, 2, &pg, &e), ==, SOUK_EINVAL);
  CHECK_INT(souk_shopify_decode_products("{}", 2, 3, 19, &pg, &e), ==, SOUK_EINVAL);
  CHECK_HAS(e.text, "price_decimals");
  CHECK_INT(souk_shopify_decode_products("{}", 2, 3, 2, NULL, &e), ==, SOUK_EINVAL);
  CHECK_INT(souk_shopify_decode_products("{\"products\":[]}", 15, 15, 2, &pg, NULL), ==, 0);
  CHECK_INT(pg.nproducts, ==, 0);
  souk_catalog_page_free(&pg);
  souk_catalog_page_free(NULL);
  SAY("capacity < len, NULL input, decimals 19, NULL page -> SOUK_EINVAL; NULL errinfo is fine; "
      "an empty page decodes to 0 products");
}
