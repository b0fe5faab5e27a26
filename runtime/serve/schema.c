/* SPDX-License-Identifier: MIT */
/* The schemas of souk's tools and the arguments they share: JSON Schema written with single
 * quotes, the product filter every selecting tool accepts, and its translation into a store
 * query; plus the registration of one tool with its annotations. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_int.h"
#include "souk/error.h"
#include "souk/mcp_content.h"

json_t *souk__serve_schema(const char *text, souk_errinfo *e) {
  char *copy = strdup(text);
  if (!copy) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  for (char *p = copy; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_error_t err;
  json_t *v = json_loads(copy, JSON_REJECT_DUPLICATES, &err);
  free(copy);
  if (!v)
    souk_errinfo_set(e, SOUK_EINVAL, "schema does not parse: %s at column %d", err.text,
                     err.column);
  return v;
}

static const char filter_properties[] =
    "{'store': {'type': 'string', 'minLength': 1, 'maxLength': 2048, 'description': "
    "'Only this store: its URL or origin as scrape_store and query_products report it "
    "(https://shop.example); any page URL of the store works too. Omit for every store.'},"
    "'vendor': {'type': 'string', 'minLength': 1, 'maxLength': 512, 'description': "
    "'Only products of this vendor (exact name, case-insensitive).'},"
    "'product_type': {'type': 'string', 'minLength': 1, 'maxLength': 512, 'description': "
    "'Only products of this product type (exact name, case-insensitive).'},"
    "'tag': {'type': 'string', 'minLength': 1, 'maxLength': 512, 'description': "
    "'Only products carrying this tag (exact, case-insensitive).'},"
    "'search': {'type': 'string', 'minLength': 1, 'maxLength': 200, 'description': "
    "'Full-text search over title, vendor, product type, tags and description: every word "
    "must match, the last one as a prefix.'},"
    "'min_price': {'type': 'number', 'minimum': 0, 'maximum': 1000000000, 'description': "
    "'Only products whose lowest variant price is at least this, in units of the store "
    "currency (19.99).'},"
    "'max_price': {'type': 'number', 'minimum': 0, 'maximum': 1000000000, 'description': "
    "'Only products whose lowest variant price is at most this, in units of the store "
    "currency.'},"
    "'available': {'type': 'boolean', 'description': 'true: only products with a variant in "
    "stock; false: only sold-out products. Omit for both.'},"
    "'changed_since': {'type': 'string', 'minLength': 10, 'maxLength': 40, 'description': "
    "'Only products with a real change (price, compare-at price, stock, listing) since this "
    "ISO 8601 time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.'},"
    "'include_delisted': {'type': 'boolean', 'description': 'Also products the store no "
    "longer lists (default false).'}}";

json_t *souk__serve_filter_properties(void) {
  return souk__serve_schema(filter_properties, NULL);
}

static const char *str_arg(const json_t *args, const char *name) {
  return json_string_value(json_object_get(args, name));
}

int64_t souk__serve_int_arg(const json_t *args, const char *name, int64_t dflt) {
  const json_t *v = json_object_get(args, name);
  if (json_is_integer(v))
    return (int64_t)json_integer_value(v);
  if (json_is_real(v)) /* the validator accepts 3.0 as an integer */
    return (int64_t)json_real_value(v);
  return dflt;
}

/* Minor units from a price in currency units, with two decimals as the command line does. */
static int64_t price_arg(const json_t *v) {
  return json_is_number(v) ? (int64_t)llround(json_number_value(v) * 100.0) : SOUK_NO_PRICE;
}

static bool iso_date(const char *s) {
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7) {
      if (s[i] != '-')
        return false;
    } else if (!isdigit((unsigned char)s[i])) {
      return false;
    }
  }
  return s[10] == '\0' || s[10] == 'T' || s[10] == ' ';
}

int souk__serve_filter_from_args(const json_t *args, souk_query *q, char *why, size_t len) {
  souk_query_init(q);
  q->store = str_arg(args, "store");
  q->vendor = str_arg(args, "vendor");
  q->product_type = str_arg(args, "product_type");
  q->tag = str_arg(args, "tag");
  q->text = str_arg(args, "search");
  q->changed_since = str_arg(args, "changed_since");
  q->price_min = price_arg(json_object_get(args, "min_price"));
  q->price_max = price_arg(json_object_get(args, "max_price"));
  const json_t *avail = json_object_get(args, "available");
  if (json_is_boolean(avail))
    q->available = json_is_true(avail) ? 1 : 0;
  if (json_is_true(json_object_get(args, "include_delisted")))
    q->flags |= SOUK_QUERY_DELISTED;
  if (q->store) {
    char origin[512];
    if (souk_store_origin(q->store, origin, sizeof origin) != 0) {
      snprintf(why, len, "argument 'store' must be a store URL such as https://shop.example, "
                         "got \"%.200s\"", q->store);
      return SOUK_EINVAL;
    }
  }
  if (q->changed_since && !iso_date(q->changed_since)) {
    snprintf(why, len, "argument 'changed_since' must be an ISO 8601 time such as 2026-01-31 or "
                       "2026-01-31T12:00:00Z, got \"%.60s\"", q->changed_since);
    return SOUK_EINVAL;
  }
  if (q->price_min != SOUK_NO_PRICE && q->price_max != SOUK_NO_PRICE && q->price_min > q->price_max) {
    snprintf(why, len, "argument 'min_price' is larger than 'max_price': nothing can match");
    return SOUK_EINVAL;
  }
  return 0;
}

int souk__serve_tool(souk_serve *sv, const char *name, const char *title, const char *description,
                     const char *input_schema, const char *output_schema, unsigned flags,
                     souk_mcp_handler_fn fn, souk_errinfo *e) {
  json_t *in = souk__serve_schema(input_schema, e);
  json_t *out = in && output_schema ? souk__serve_schema(output_schema, e) : NULL;
  int rc = !in || (output_schema && !out) ? (e && e->code ? e->code : SOUK_EINVAL) : 0;
  if (!rc && (flags & SOUK__TOOL_FILTERS)) {
    json_t *props = json_object_get(in, "properties");
    json_t *filters = souk__serve_filter_properties();
    if (!props || !filters)
      rc = souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    else
      json_object_update_missing(props, filters);
    json_decref(filters);
  }
  json_t *ann = json_pack("{s:s,s:b,s:b,s:b,s:b}", "title", title, "readOnlyHint",
                          (flags & SOUK__TOOL_READ_ONLY) != 0, "destructiveHint", 0,
                          "idempotentHint", (flags & SOUK__TOOL_READ_ONLY) != 0, "openWorldHint",
                          (flags & SOUK__TOOL_OPEN_WORLD) != 0);
  if (!rc) {
    souk_mcp_tool t = {name, title, description, in, out, ann, NULL, fn, sv};
    rc = souk_mcp_server_add_tool(sv->server, &t, e);
  }
  if (!rc)
    json_array_append_new(sv->builtin_tools, json_string(name));
  if (rc && e && e->code) {
    char why[sizeof e->text];
    snprintf(why, sizeof why, "%s", e->text);
    souk_errinfo_set(e, rc, "tool %s: %.400s", name, why);
  }
  json_decref(in);
  json_decref(out);
  json_decref(ann);
  return rc;
}

void souk__serve_tool_result(souk_mcp_call *c, json_t *structured_new, json_t *extra_new) {
  char *text = structured_new ? json_dumps(structured_new, JSON_COMPACT) : NULL;
  json_t *content = json_array();
  json_t *item = text ? souk_mcp_text_item(text) : NULL;
  free(text);
  if (!content || !item) {
    json_decref(content);
    json_decref(item);
    json_decref(structured_new);
    json_decref(extra_new);
    souk_mcp_call_tool_error(c, "out of memory building the result");
    return;
  }
  json_array_append_new(content, item);
  if (extra_new)
    json_array_extend(content, extra_new);
  json_decref(extra_new);
  souk_mcp_call_finish(c, souk_mcp_tool_result(content, structured_new, false));
}
