/* SPDX-License-Identifier: MIT */
/* Shopify catalog JSON to souk_product records in one pass of simdjson On-Demand, no DOM.
 *
 * The document is read front to back once. Fields we know are converted as they come and
 * their strings copied into the page's arena (simdjson's own buffers die with the parser);
 * every other value is walked too, so that the whole document is checked: structure, depth,
 * string escapes, literals and number syntax. simdjson's own skipping would not notice a
 * missing comma inside a field nobody reads, nor enforce a depth limit.
 *
 * A read function returns 0 when the field was taken, BAD when the value has the wrong type
 * or an impossible value (the product is then skipped), or a negative SOUK_E* code with the
 * sentence already in the errinfo when the document itself is broken.
 */
#include "shopify/decode.h"

#include <simdjson.h>

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "souk/error.h"

static_assert(SOUK_DECODE_PADDING == simdjson::SIMDJSON_PADDING,
              "SOUK_DECODE_PADDING must equal simdjson's padding");

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using std::string_view;

constexpr int BAD = 1;
constexpr int PRICE_MAX_DECIMALS = 18;
const char empty_string[] = "";

struct decoder {
  souk_catalog_page *page;
  souk_errinfo *e;
  const char *base;  // the bytes simdjson reads: the caller's buffer or our padded copy
  size_t len;
  int decimals;
  od::document *doc;

  // Scratch space, reused from product to product; finished arrays go to the arena.
  std::vector<souk_product> products;
  std::vector<souk_variant> variants;
  std::vector<souk_image> images;
  std::vector<const char *> strings;

  // The product being read: why it is malformed (first reason only), its bad prices.
  bool is_bad;
  char why[120];
  size_t bad_prices;
};

const char *type_name(od::json_type t) {
  switch (t) {
    case od::json_type::object: return "an object";
    case od::json_type::array: return "an array";
    case od::json_type::string: return "a string";
    case od::json_type::number: return "a number";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a value";
}

/* Byte offset at which simdjson stopped, for messages; SIZE_MAX at the end of the input. */
size_t offset(decoder &d) {
  const char *p = nullptr;
  if (!d.doc || d.doc->current_location().get(p) != simdjson::SUCCESS || !p || p < d.base)
    return SIZE_MAX;
  return (size_t)(p - d.base) > d.len ? d.len : (size_t)(p - d.base);
}

int nomem(decoder &d) {
  return souk_errinfo_set(d.e, SOUK_ENOMEM, "out of memory while decoding %zu bytes of JSON",
                          d.len);
}

/* The document is broken: says where and how, returns SOUK_EPARSE (or SOUK_ENOMEM). */
int fatal(decoder &d, error_code err) {
  switch (err) {
    case simdjson::MEMALLOC:
      return nomem(d);
    case simdjson::UTF8_ERROR:
      return souk_errinfo_set(d.e, SOUK_EPARSE, "the input is not valid UTF-8");
    case simdjson::CAPACITY:
      return souk_errinfo_set(d.e, SOUK_EPARSE, "the document (%zu bytes) is too large for "
                              "the JSON parser", d.len);
    default:
      break;
  }
  size_t at = offset(d);
  if (at == SIZE_MAX)
    return souk_errinfo_set(d.e, SOUK_EPARSE, "malformed JSON at the end of the input: %s",
                            simdjson::error_message(err));
  return souk_errinfo_set(d.e, SOUK_EPARSE, "malformed JSON near byte %zu: %s", at,
                          simdjson::error_message(err));
}

/* The value at hand has the wrong type or an impossible value: the product will be skipped. */
__attribute__((format(printf, 2, 3))) int bad(decoder &d, const char *fmt, ...) {
  if (!d.is_bad) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d.why, sizeof d.why, fmt, ap);
    va_end(ap);
    d.is_bad = true;
  }
  return BAD;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

string_view trim(string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
bool number_syntax_ok(string_view s) {
  size_t i = 0, n = s.size();
  auto digits = [&]() {
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
      i++;
    return i > start;
  };
  if (i < n && s[i] == '-')
    i++;
  if (i < n && s[i] == '0')
    i++;
  else if (!digits())
    return false;
  if (i < n && s[i] == '.') {
    i++;
    if (!digits())
      return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    if (!digits())
      return false;
  }
  return i == n;
}

int check_number(decoder &d, od::value &val) {
  string_view tok = trim(val.raw_json_token());
  if (number_syntax_ok(tok))
    return 0;
  char shown[41];
  size_t n = std::min(tok.size(), sizeof shown - 1);
  for (size_t i = 0; i < n; i++)
    shown[i] = tok[i] >= 0x20 && tok[i] < 0x7f ? tok[i] : '?';
  shown[n] = '\0';
  return souk_errinfo_set(d.e, SOUK_EPARSE, "malformed JSON near byte %zu: bad number '%s'",
                          offset(d), shown);
}

/* The error for a literal that starts like true, false or null but is not one. */
error_code atom_error(od::value &val) {
  string_view tok = val.raw_json_token();
  char c = tok.empty() ? 't' : tok[0];
  return c == 'f' ? simdjson::F_ATOM_ERROR : c == 'n' ? simdjson::N_ATOM_ERROR
                                                      : simdjson::T_ATOM_ERROR;
}

int get_type(decoder &d, od::value &val, od::json_type *t) {
  error_code err = val.type().get(*t);
  return err ? fatal(d, err) : 0;
}

/* Walks a value nobody reads, checking it is well-formed and not nested too deep. `depth` is
 * the value's own depth (the root object is 1). */
int skip_value(decoder &d, od::value val, int depth) {
  od::json_type t = od::json_type::null;
  int rc = get_type(d, val, &t);
  if (rc < 0)
    return rc;
  error_code err = simdjson::SUCCESS;
  if ((t == od::json_type::object || t == od::json_type::array) &&
      depth > SOUK_DECODE_MAX_DEPTH)
    return souk_errinfo_set(d.e, SOUK_EPARSE, "JSON nested deeper than %d levels near byte %zu",
                            SOUK_DECODE_MAX_DEPTH, offset(d));
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if ((err = val.get_object().get(o)))
        return fatal(d, err);
      for (auto fr : o) {
        od::field f;
        string_view key;
        if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
          return fatal(d, err);
        if ((rc = skip_value(d, f.value(), depth + 1)) < 0)
          return rc;
      }
      return 0;
    }
    case od::json_type::array: {
      od::array a;
      if ((err = val.get_array().get(a)))
        return fatal(d, err);
      for (auto er : a) {
        od::value v;
        if ((err = er.get(v)))
          return fatal(d, err);
        if ((rc = skip_value(d, v, depth + 1)) < 0)
          return rc;
      }
      return 0;
    }
    case od::json_type::string: {
      string_view s;
      err = val.get_string().get(s);
      break;
    }
    case od::json_type::number:
      return check_number(d, val);
    case od::json_type::boolean: {
      bool b;
      err = val.get_bool().get(b);
      if (err == simdjson::INCORRECT_TYPE)  // "tru", "fals": a literal that is not one
        err = atom_error(val);
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      err = val.is_null().get(is_null);
      if (err == simdjson::INCORRECT_TYPE || (!err && !is_null))
        err = simdjson::N_ATOM_ERROR;
      break;
    }
  }
  return err ? fatal(d, err) : 0;
}

/* Reads a null if there is one (*was_null), checking the literal. */
int take_null(decoder &d, od::value &val, od::json_type t, bool *was_null) {
  *was_null = false;
  if (t != od::json_type::null)
    return 0;
  error_code err = val.is_null().get(*was_null);
  if (!err && !*was_null)
    err = simdjson::N_ATOM_ERROR;
  if (err)
    return fatal(d, err == simdjson::INCORRECT_TYPE ? simdjson::N_ATOM_ERROR : err);
  return 0;
}

/* Skips a value of the wrong type and marks the product bad. */
int wrong_type(decoder &d, od::value &val, od::json_type t, int depth, const char *name,
               const char *expected) {
  int rc = skip_value(d, val, depth);
  if (rc < 0)
    return rc;
  return bad(d, "\"%s\" is %s, expected %s", name, type_name(t), expected);
}

const char *copy_string(decoder &d, string_view s) {
  if (s.empty())
    return empty_string;
  return souk_arena_strndup(&d.page->arena, s.data(), s.size());
}

/* A string, or null (NULL). */
int read_string(decoder &d, od::value val, int depth, const char *name, const char **out) {
  od::json_type t = od::json_type::null;
  bool was_null;
  int rc;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null) {
    *out = nullptr;
    return 0;
  }
  if (t != od::json_type::string)
    return wrong_type(d, val, t, depth, name, "a string");
  string_view s;
  error_code err = val.get_string().get(s);
  if (err)
    return fatal(d, err);
  if (!(*out = copy_string(d, s)))
    return nomem(d);
  return 0;
}

/* An integer; `*ok` says whether it fit in int64 (a number that does not is not fatal). */
int read_int(decoder &d, od::value &val, int64_t *out, bool *ok) {
  error_code err = val.get_int64().get(*out);
  *ok = !err;
  if (err) {
    int rc = check_number(d, val);  // 1e3, 1.5, 99999999999999999999: valid JSON, not an int64
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* An id: a positive integer that fits in int64. */
int read_id(decoder &d, od::value val, int depth, const char *name, int64_t *out) {
  od::json_type t = od::json_type::null;
  int rc = get_type(d, val, &t);
  if (rc < 0)
    return rc;
  if (t != od::json_type::number)
    return wrong_type(d, val, t, depth, name, "a number");
  bool ok;
  if ((rc = read_int(d, val, out, &ok)) < 0)
    return rc;
  if (!ok || *out <= 0)
    return bad(d, "\"%s\" is not a positive 64-bit integer", name);
  return 0;
}

/* An image dimension: a number, or null; 0 when unknown or out of range. */
int read_dimension(decoder &d, od::value val, int depth, const char *name, int *out) {
  od::json_type t = od::json_type::null;
  bool was_null;
  int rc;
  *out = 0;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null)
    return 0;
  if (t != od::json_type::number)
    return wrong_type(d, val, t, depth, name, "a number");
  int64_t v;
  bool ok;
  if ((rc = read_int(d, val, &v, &ok)) < 0)
    return rc;
  if (ok && v >= 0 && v <= INT_MAX)
    *out = (int)v;
  return 0;
}

/* A price: a decimal string ("19.99"), or a JSON number taken by its exact text; null and ""
 * mean no price. A string that is not an exact decimal is counted in bad_prices. */
int read_price(decoder &d, od::value val, int depth, const char *name, int64_t *out) {
  od::json_type t = od::json_type::null;
  bool was_null;
  int rc;
  *out = SOUK_NO_PRICE;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null)
    return 0;
  string_view s;
  if (t == od::json_type::string) {
    error_code err = val.get_string().get(s);
    if (err)
      return fatal(d, err);
    if (s.empty())
      return 0;
  } else if (t == od::json_type::number) {
    if ((rc = check_number(d, val)) < 0)
      return rc;
    s = trim(val.raw_json_token());
  } else {
    return wrong_type(d, val, t, depth, name, "a decimal string");
  }
  int64_t v;
  if (souk_parse_price(s.data(), s.size(), d.decimals, &v) == 0)
    *out = v;
  else
    d.bad_prices++;
  return 0;
}

/* true/false, or null (-1, unknown). */
int read_available(decoder &d, od::value val, int depth, int *out) {
  od::json_type t = od::json_type::null;
  bool was_null;
  int rc;
  *out = -1;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null)
    return 0;
  if (t != od::json_type::boolean)
    return wrong_type(d, val, t, depth, "available", "a boolean");
  bool b;
  error_code err = val.get_bool().get(b);
  if (err)
    return fatal(d, err == simdjson::INCORRECT_TYPE ? atom_error(val) : err);
  *out = b ? 1 : 0;
  return 0;
}

/* Copies the scratch strings into an arena array. */
int finish_strings(decoder &d, const char *const **out, size_t *n) {
  *n = d.strings.size();
  *out = nullptr;
  if (!*n)
    return 0;
  const char **a = (const char **)souk_arena_alloc(&d.page->arena, *n * sizeof *a);
  if (!a)
    return nomem(d);
  memcpy(a, d.strings.data(), *n * sizeof *a);
  *out = a;
  return 0;
}

/* Adds the comma-separated tags of a /products/<handle>.json document ("a, b, c"). */
int split_tags(decoder &d, string_view s) {
  while (!s.empty()) {
    size_t comma = s.find(',');
    string_view tag = trim(s.substr(0, comma));
    if (!tag.empty()) {
      const char *c = copy_string(d, tag);
      if (!c)
        return nomem(d);
      d.strings.push_back(c);
    }
    if (comma == string_view::npos)
      break;
    s.remove_prefix(comma + 1);
  }
  return 0;
}

/* tags: an array of strings, a comma-separated string, or null. */
int read_tags(decoder &d, od::value val, int depth, souk_product *p) {
  od::json_type t = od::json_type::null;
  bool was_null;
  int rc;
  error_code err;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  d.strings.clear();
  if (was_null) {
    p->tags = nullptr;
    p->ntags = 0;
    return 0;
  }
  if (t == od::json_type::string) {
    string_view s;
    if ((err = val.get_string().get(s)))
      return fatal(d, err);
    if ((rc = split_tags(d, s)) < 0)
      return rc;
  } else if (t == od::json_type::array) {
    od::array a;
    if ((err = val.get_array().get(a)))
      return fatal(d, err);
    for (auto er : a) {
      od::value v;
      const char *tag = nullptr;
      if ((err = er.get(v)))
        return fatal(d, err);
      if ((rc = read_string(d, v, depth + 1, "tags[]", &tag)) < 0)
        return rc;
      if (rc == 0 && tag)
        d.strings.push_back(tag);
    }
  } else {
    return wrong_type(d, val, t, depth, "tags", "an array or a string");
  }
  return finish_strings(d, &p->tags, &p->ntags);
}

/* options: [{"name": "Size", ...}, ...] (plain strings are taken too); the first 3 names. */
int read_options(decoder &d, od::value val, int depth, souk_product *p) {
  od::json_type t = od::json_type::null;
  int rc;
  error_code err;
  bool was_null;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null) {  // none
    p->option_names = nullptr;
    p->noption_names = 0;
    return 0;
  }
  if (t != od::json_type::array)
    return wrong_type(d, val, t, depth, "options", "an array");
  od::array a;
  if ((err = val.get_array().get(a)))
    return fatal(d, err);
  d.strings.clear();
  for (auto er : a) {
    od::value v;
    const char *name = nullptr;
    if ((err = er.get(v)) || (err = v.type().get(t)))
      return fatal(d, err);
    if (t == od::json_type::string) {
      if ((rc = read_string(d, v, depth + 1, "options[]", &name)) < 0)
        return rc;
    } else if (t == od::json_type::object) {
      od::object o;
      if ((err = v.get_object().get(o)))
        return fatal(d, err);
      for (auto fr : o) {
        od::field f;
        string_view key;
        if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
          return fatal(d, err);
        if (key == "name")
          rc = read_string(d, f.value(), depth + 2, "options[].name", &name);
        else
          rc = skip_value(d, f.value(), depth + 2);
        if (rc < 0)
          return rc;
      }
    } else {
      if ((rc = wrong_type(d, v, t, depth + 1, "options[]", "an object")) < 0)
        return rc;
      continue;
    }
    if (d.strings.size() < 3)
      d.strings.push_back(name ? name : empty_string);
  }
  return finish_strings(d, &p->option_names, &p->noption_names);
}

int read_variant(decoder &d, od::object &o, int depth, souk_variant *v) {
  error_code err;
  int rc = 0;
  bool have_id = false;
  *v = souk_variant{};
  v->price = SOUK_NO_PRICE;
  v->compare_at_price = SOUK_NO_PRICE;
  v->available = -1;
  for (auto fr : o) {
    od::field f;
    string_view key;
    if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
      return fatal(d, err);
    od::value val = f.value();
    int vd = depth + 1;
    if (key == "id") {
      rc = read_id(d, val, vd, "variants[].id", &v->id);
      have_id |= rc == 0;
    } else if (key == "title") {
      rc = read_string(d, val, vd, "variants[].title", &v->title);
    } else if (key == "sku") {
      rc = read_string(d, val, vd, "variants[].sku", &v->sku);
    } else if (key == "option1") {
      rc = read_string(d, val, vd, "variants[].option1", &v->options[0]);
    } else if (key == "option2") {
      rc = read_string(d, val, vd, "variants[].option2", &v->options[1]);
    } else if (key == "option3") {
      rc = read_string(d, val, vd, "variants[].option3", &v->options[2]);
    } else if (key == "price") {
      rc = read_price(d, val, vd, "variants[].price", &v->price);
    } else if (key == "compare_at_price") {
      rc = read_price(d, val, vd, "variants[].compare_at_price", &v->compare_at_price);
    } else if (key == "available") {
      rc = read_available(d, val, vd, &v->available);
    } else {
      rc = skip_value(d, val, vd);
    }
    if (rc < 0)
      return rc;
  }
  if (!have_id)
    bad(d, "a variant has no \"id\"");
  return 0;
}

/* An array of objects (variants, images): null for none; each object read by read_one into
 * scratch, then the lot copied into the page's arena as *out and *count. Items that are not
 * objects are reported (wrong_type) and skipped. */
template <typename T, typename ReadOne>
int read_object_array(decoder &d, od::value val, int depth, const char *name, const char *item,
                      std::vector<T> &scratch, ReadOne read_one, const T **out, size_t *count) {
  od::json_type t = od::json_type::null;
  int rc;
  error_code err;
  bool was_null;
  *out = nullptr;
  *count = 0;
  if ((rc = get_type(d, val, &t)) < 0 || (rc = take_null(d, val, t, &was_null)) < 0)
    return rc;
  if (was_null)  // none
    return 0;
  if (t != od::json_type::array)
    return wrong_type(d, val, t, depth, name, "an array");
  od::array a;
  if ((err = val.get_array().get(a)))
    return fatal(d, err);
  scratch.clear();
  for (auto er : a) {
    od::value v;
    if ((err = er.get(v)) || (err = v.type().get(t)))
      return fatal(d, err);
    if (t != od::json_type::object) {
      if ((rc = wrong_type(d, v, t, depth + 1, item, "an object")) < 0)
        return rc;
      continue;
    }
    od::object o;
    if ((err = v.get_object().get(o)))
      return fatal(d, err);
    scratch.emplace_back();
    if ((rc = read_one(d, o, depth + 1, &scratch.back())) < 0)
      return rc;
  }
  if (scratch.empty())
    return 0;
  T *arr = (T *)souk_arena_alloc(&d.page->arena, scratch.size() * sizeof *arr);
  if (!arr)
    return nomem(d);
  memcpy(arr, scratch.data(), scratch.size() * sizeof *arr);
  *out = arr;
  *count = scratch.size();
  return 0;
}

int read_variants(decoder &d, od::value val, int depth, souk_product *p) {
  return read_object_array(d, val, depth, "variants", "variants[]", d.variants, read_variant,
                           &p->variants, &p->nvariants);
}

int read_image(decoder &d, od::object &o, int depth, souk_image *img) {
  error_code err;
  int rc;
  *img = souk_image{};
  for (auto fr : o) {
    od::field f;
    string_view key;
    if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
      return fatal(d, err);
    od::value val = f.value();
    if (key == "src")
      rc = read_string(d, val, depth + 1, "images[].src", &img->src);
    else if (key == "width")
      rc = read_dimension(d, val, depth + 1, "images[].width", &img->width);
    else if (key == "height")
      rc = read_dimension(d, val, depth + 1, "images[].height", &img->height);
    else
      rc = skip_value(d, val, depth + 1);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int read_images(decoder &d, od::value val, int depth, souk_product *p) {
  return read_object_array(d, val, depth, "images", "images[]", d.images, read_image,
                           &p->images, &p->nimages);
}

/* One product object. Returns 0 (kept), BAD (d.why says why) or a fatal code. */
int read_product(decoder &d, od::value val, int depth, souk_product *p) {
  od::json_type t = od::json_type::null;
  int rc;
  error_code err;
  d.is_bad = false;
  d.why[0] = '\0';
  d.bad_prices = 0;
  *p = souk_product{};
  p->price_decimals = d.decimals;
  if ((rc = get_type(d, val, &t)) < 0)
    return rc;
  if (t != od::json_type::object) {
    if ((rc = skip_value(d, val, depth)) < 0)
      return rc;
    return bad(d, "is %s, not an object", type_name(t));
  }
  od::object o;
  if ((err = val.get_object().get(o)))
    return fatal(d, err);
  bool have_id = false;
  for (auto fr : o) {
    od::field f;
    string_view key;
    if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
      return fatal(d, err);
    od::value v = f.value();
    int vd = depth + 1;
    if (key == "id") {
      rc = read_id(d, v, vd, "id", &p->id);
      have_id |= rc == 0;
    } else if (key == "title") {
      rc = read_string(d, v, vd, "title", &p->title);
    } else if (key == "handle") {
      rc = read_string(d, v, vd, "handle", &p->handle);
    } else if (key == "body_html") {
      rc = read_string(d, v, vd, "body_html", &p->body_html);
    } else if (key == "vendor") {
      rc = read_string(d, v, vd, "vendor", &p->vendor);
    } else if (key == "product_type") {
      rc = read_string(d, v, vd, "product_type", &p->product_type);
    } else if (key == "created_at") {
      rc = read_string(d, v, vd, "created_at", &p->created_at);
    } else if (key == "updated_at") {
      rc = read_string(d, v, vd, "updated_at", &p->updated_at);
    } else if (key == "published_at") {
      rc = read_string(d, v, vd, "published_at", &p->published_at);
    } else if (key == "tags") {
      rc = read_tags(d, v, vd, p);
    } else if (key == "variants") {
      rc = read_variants(d, v, vd, p);
    } else if (key == "images") {
      rc = read_images(d, v, vd, p);
    } else if (key == "options") {
      rc = read_options(d, v, vd, p);
    } else {
      rc = skip_value(d, v, vd);
    }
    if (rc < 0)
      return rc;
  }
  if (!have_id)
    bad(d, "has no \"id\"");
  return d.is_bad ? BAD : 0;
}

/* Records a skipped product of a page (index from 0). */
void count_skip(decoder &d, size_t index, const souk_product &p) {
  souk_catalog_page *pg = d.page;
  if (pg->skipped++ == 0) {
    if (p.id > 0)
      snprintf(pg->skip_reason, sizeof pg->skip_reason, "product %" PRId64 ": %s", p.id, d.why);
    else
      snprintf(pg->skip_reason, sizeof pg->skip_reason, "product #%zu: %s", index + 1, d.why);
  }
}

int read_products_array(decoder &d, od::value val) {
  od::json_type t = od::json_type::null;
  int rc;
  error_code err;
  if ((rc = get_type(d, val, &t)) < 0)
    return rc;
  if (t != od::json_type::array) {
    if ((rc = skip_value(d, val, 2)) < 0)
      return rc;
    return souk_errinfo_set(d.e, SOUK_EPARSE, "\"products\" is %s, expected an array",
                            type_name(t));
  }
  od::array a;
  if ((err = val.get_array().get(a)))
    return fatal(d, err);
  size_t index = 0;
  for (auto er : a) {
    od::value v;
    souk_product p;
    if ((err = er.get(v)))
      return fatal(d, err);
    if ((rc = read_product(d, v, 3, &p)) < 0)
      return rc;
    if (rc == BAD) {
      count_skip(d, index, p);
    } else {
      d.products.push_back(p);
      d.page->bad_prices += d.bad_prices;
    }
    index++;
  }
  return 0;
}

int read_single_product(decoder &d, od::value val) {
  souk_product p;
  int rc = read_product(d, val, 2, &p);
  if (rc < 0)
    return rc;
  if (rc == BAD) {
    if (p.id > 0)
      return souk_errinfo_set(d.e, SOUK_EPARSE, "\"product\" %" PRId64 " is malformed: %s",
                              p.id, d.why);
    return souk_errinfo_set(d.e, SOUK_EPARSE, "\"product\" is malformed: it %s", d.why);
  }
  d.products.push_back(p);
  d.page->bad_prices += d.bad_prices;
  return 0;
}

/* The first and last bytes that are not white space, or 0. */
char first_char(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!is_space(s[i]))
      return s[i];
  return 0;
}

char last_char(const char *s, size_t len) {
  for (size_t i = len; i > 0; i--)
    if (!is_space(s[i - 1]))
      return s[i - 1];
  return 0;
}

bool is_string(od::value &val) {
  od::json_type t = od::json_type::null;
  return val.type().get(t) == simdjson::SUCCESS && t == od::json_type::string;
}

/* Reads {"<want>": ...} with the padded input in d.base. */
int run(decoder &d, bool many) {
  const char *want = many ? "products" : "product";
  char c = first_char(d.base, d.len);
  if (c == 0)
    return souk_errinfo_set(d.e, SOUK_EPARSE, "the input is empty or only white space, "
                            "expected a JSON object with \"%s\"", want);
  if (c == '<')
    return souk_errinfo_set(d.e, SOUK_EPARSE, "the input looks like an HTML page, not JSON "
                            "(it starts with '<')");
  if (c != '{')
    return souk_errinfo_set(d.e, SOUK_EPARSE, "expected a JSON object with \"%s\", but the "
                            "input starts with '%c'", want, c >= 0x20 && c < 0x7f ? c : '?');
  if (last_char(d.base, d.len) != '}')
    return souk_errinfo_set(d.e, SOUK_EPARSE, "the JSON object does not end with '}': the "
                            "input is truncated or has bytes after the object");

  od::parser parser;  // per call: reusing one across pages measured no faster here
  od::document doc;
  error_code err = parser.iterate(d.base, d.len, d.len + SOUK_DECODE_PADDING).get(doc);
  if (err)
    return fatal(d, err);  // stage 1 failed: there is no position to report
  d.doc = &doc;
  od::object root;
  if ((err = doc.get_object().get(root)))
    return fatal(d, err);

  bool seen = false;
  char errors[128] = "";
  int rc;
  for (auto fr : root) {
    od::field f;
    string_view key;
    if ((err = std::move(fr).get(f)) || (err = f.unescaped_key().get(key)))
      return fatal(d, err);
    if (key == want) {
      if (seen)
        return souk_errinfo_set(d.e, SOUK_EPARSE, "the document has \"%s\" twice", want);
      seen = true;
      rc = many ? read_products_array(d, f.value()) : read_single_product(d, f.value());
    } else if (key == "errors" && is_string(f.value())) {
      // A store's refusal, {"errors": "Page * Limit exceeds the 25000 limit."}: quote it.
      string_view s;
      if ((err = f.value().get_string().get(s)))
        return fatal(d, err);
      size_t n = std::min<size_t>(s.size(), 100);
      while (n < s.size() && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;  // whole UTF-8 characters only
      for (size_t i = 0; i < n; i++)  // the store's words go into a one-line message
        errors[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
      errors[n] = '\0';
      rc = 0;
    } else {
      rc = skip_value(d, f.value(), 2);
    }
    if (rc < 0)
      return rc;
  }
  const char *after = nullptr;
  if (doc.current_location().get(after) == simdjson::SUCCESS)
    return souk_errinfo_set(d.e, SOUK_EPARSE, "unexpected bytes after the JSON object at "
                            "byte %zu", offset(d));
  if (!seen) {
    if (errors[0])
      return souk_errinfo_set(d.e, SOUK_EPARSE, "no \"%s\" in the document; the store "
                              "answered with errors: \"%s\"", want, errors);
    return souk_errinfo_set(d.e, SOUK_EPARSE, "the JSON object has no \"%s\" key", want);
  }

  souk_catalog_page *pg = d.page;
  pg->nproducts = d.products.size();
  if (pg->nproducts) {
    pg->products = (souk_product *)souk_arena_alloc(&pg->arena,
                                                    pg->nproducts * sizeof *pg->products);
    if (!pg->products)
      return nomem(d);
    memcpy(pg->products, d.products.data(), pg->nproducts * sizeof *pg->products);
  }
  return 0;
}

int decode(const char *json, size_t len, size_t capacity, int decimals,
           souk_catalog_page *page, souk_errinfo *e, bool many) {
  souk_errinfo_clear(e);
  if (!page)
    return souk_errinfo_set(e, SOUK_EINVAL, "no page to decode into");
  memset(page, 0, sizeof *page);
  // Strings take about half of a page's bytes; keep small documents in one small chunk.
  size_t chunk = len / 2 < 16384 ? 16384 : len / 2 > 1048576 ? 1048576 : len / 2;
  souk_arena_init(&page->arena, chunk);
  if (!json && len)
    return souk_errinfo_set(e, SOUK_EINVAL, "no input buffer");
  if (capacity < len)
    return souk_errinfo_set(e, SOUK_EINVAL, "buffer capacity %zu is smaller than its "
                            "length %zu", capacity, len);
  if (decimals < 0 || decimals > PRICE_MAX_DECIMALS)
    return souk_errinfo_set(e, SOUK_EINVAL, "price_decimals %d is out of range 0..%d",
                            decimals, PRICE_MAX_DECIMALS);
  if (len > SIZE_MAX - SOUK_DECODE_PADDING)
    return souk_errinfo_set(e, SOUK_EPARSE, "the document is too large");

  char *copy = nullptr;
  const char *base = json ? json : "";
  if (capacity - len < SOUK_DECODE_PADDING) {
    copy = (char *)malloc(len + SOUK_DECODE_PADDING);
    if (!copy)
      return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory copying %zu bytes of JSON", len);
    if (len)
      memcpy(copy, json, len);
    memset(copy + len, 0, SOUK_DECODE_PADDING);
    base = copy;
  }

  int rc;
  try {
    decoder d{};
    d.page = page;
    d.e = e;
    d.base = base;
    d.len = len;
    d.decimals = decimals;
    rc = run(d, many);
  } catch (const std::bad_alloc &) {
    rc = souk_errinfo_set(e, SOUK_ENOMEM, "out of memory while decoding %zu bytes of JSON",
                          len);
  }
  free(copy);
  if (rc < 0)
    souk_catalog_page_free(page);
  return rc;
}

}  // namespace

extern "C" int souk_shopify_decode_products(const char *json, size_t len, size_t capacity,
                                            int price_decimals, souk_catalog_page *page,
                                            souk_errinfo *e) {
  return decode(json, len, capacity, price_decimals, page, e, true);
}

extern "C" int souk_shopify_decode_product(const char *json, size_t len, size_t capacity,
                                           int price_decimals, souk_catalog_page *page,
                                           souk_errinfo *e) {
  return decode(json, len, capacity, price_decimals, page, e, false);
}

extern "C" void souk_catalog_page_free(souk_catalog_page *page) {
  if (!page)
    return;
  souk_arena_free(&page->arena);
  size_t chunk = page->arena.chunk_size;
  memset(page, 0, sizeof *page);
  souk_arena_init(&page->arena, chunk);
}
