/* SPDX-License-Identifier: MIT */
/* The JSON Schema subset that checks tool arguments and structured results, in C. */
#include "souk/mcp_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "souk/error.h"

#define MAX_DEPTH 128 /* schema and value nesting together, $refs included */

typedef struct vctx {
  const json_t *root;  /* for $ref */
  const char *what;    /* "argument" or NULL */
  char *msg;           /* NULL: count errors only */
  size_t msglen, used;
  int errors;
  bool too_deep, bad_schema;
} vctx;

static const char *const type_names[] = {"object", "array", "string", "number",
                                         "integer", "boolean", "null"};

static bool known_type(const char *t) {
  for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
    if (strcmp(t, type_names[i]) == 0)
      return true;
  return false;
}

static const char *value_type(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "number";
  case JSON_TRUE:
  case JSON_FALSE: return "boolean";
  default: return "null";
  }
}

static bool is_integral(const json_t *v) {
  if (json_is_integer(v))
    return true;
  if (json_is_real(v)) {
    double d = json_real_value(v);
    return isfinite(d) && floor(d) == d;
  }
  return false;
}

static bool type_matches(const char *t, const json_t *v) {
  if (strcmp(t, "number") == 0)
    return json_is_number(v);
  if (strcmp(t, "integer") == 0)
    return is_integral(v);
  if (strcmp(t, "boolean") == 0)
    return json_is_boolean(v);
  return strcmp(t, value_type(v)) == 0;
}

/* JSON Schema equality: numbers compare by value (1 equals 1.0). */
static bool json_same(const json_t *a, const json_t *b) {
  if (json_is_number(a) && json_is_number(b)) {
    if (json_is_integer(a) && json_is_integer(b))
      return json_integer_value(a) == json_integer_value(b);
    return json_number_value(a) == json_number_value(b);
  }
  if (json_typeof(a) != json_typeof(b))
    return false;
  if (json_is_array(a)) {
    if (json_array_size(a) != json_array_size(b))
      return false;
    for (size_t i = 0; i < json_array_size(a); i++)
      if (!json_same(json_array_get(a, i), json_array_get(b, i)))
        return false;
    return true;
  }
  if (json_is_object(a)) {
    if (json_object_size(a) != json_object_size(b))
      return false;
    const char *k;
    json_t *va;
    json_object_foreach((json_t *)a, k, va) {
      json_t *vb = json_object_get(b, k);
      if (!vb || !json_same(va, vb))
        return false;
    }
    return true;
  }
  return json_equal(a, b);
}

static size_t utf8_chars(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

/* A short rendering of a value for messages: "\"ten\"", "12", "{...}". */
static const char *brief(const json_t *v, char *buf, size_t len) {
  if (json_is_object(v))
    return "an object";
  if (json_is_array(v))
    return "an array";
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  if (!s)
    return "?";
  if (strlen(s) >= len && len > 4) {
    memcpy(buf, s, len - 4);
    memcpy(buf + len - 4, "...", 4);
  } else {
    snprintf(buf, len, "%s", s);
  }
  free(s);
  return buf;
}

static const char *num_text(const json_t *v, char *buf, size_t len) {
  if (json_is_integer(v))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else
    snprintf(buf, len, "%.15g", json_number_value(v));
  return buf;
}

/* "argument 'a.b'" or, at the root, "the value". */
static const char *subject(const vctx *c, const char *path, char *buf, size_t len) {
  if (path[0])
    snprintf(buf, len, "%s '%s'", c->what ? c->what : "value", path);
  else
    snprintf(buf, len, "the value");
  return buf;
}

__attribute__((format(printf, 2, 3)))
static void fail(vctx *c, const char *fmt, ...) {
  c->errors++;
  if (!c->msg || c->used + 1 >= c->msglen)
    return;
  if (c->used) {
    int n = snprintf(c->msg + c->used, c->msglen - c->used, "; ");
    c->used += (size_t)n < c->msglen - c->used ? (size_t)n : c->msglen - c->used - 1;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(c->msg + c->used, c->msglen - c->used, fmt, ap);
  va_end(ap);
  if (n > 0)
    c->used += (size_t)n < c->msglen - c->used ? (size_t)n : c->msglen - c->used - 1;
}

/* Resolves a local $ref ("#", "#/$defs/x", any JSON pointer into the root). */
static const json_t *resolve_ref(const json_t *root, const char *ref) {
  if (ref[0] != '#')
    return NULL;
  const json_t *cur = root;
  const char *p = ref + 1;
  while (*p) {
    if (*p != '/')
      return NULL;
    p++;
    char tok[256];
    size_t n = 0;
    while (*p && *p != '/') {
      char ch = *p++;
      if (ch == '~' && (*p == '0' || *p == '1'))
        ch = *p++ == '0' ? '~' : '/';
      else if (ch == '%' && p[0] && p[1]) { /* URI-encoded pointer characters */
        unsigned x;
        if (sscanf(p, "%2x", &x) == 1) {
          ch = (char)x;
          p += 2;
        }
      }
      if (n + 1 >= sizeof tok)
        return NULL;
      tok[n++] = ch;
    }
    tok[n] = 0;
    if (json_is_object(cur)) {
      cur = json_object_get(cur, tok);
    } else if (json_is_array(cur)) {
      char *end;
      unsigned long i = strtoul(tok, &end, 10);
      cur = (*tok && !*end) ? json_array_get(cur, i) : NULL;
    } else {
      cur = NULL;
    }
    if (!cur)
      return NULL;
  }
  return cur;
}

static void validate(vctx *c, const json_t *schema, const json_t *v, const char *path, int depth);

/* Runs a sub-validation that only counts errors. */
static int quiet_errors(vctx *c, const json_t *schema, const json_t *v, const char *path, int depth) {
  vctx q = {c->root, c->what, NULL, 0, 0, 0, false, false};
  validate(&q, schema, v, path, depth);
  if (q.too_deep)
    c->too_deep = true;
  if (q.bad_schema)
    c->bad_schema = true;
  return q.errors;
}

static void child_path(char *out, size_t len, const char *path, const char *key) {
  if (path[0])
    snprintf(out, len, "%s.%s", path, key);
  else
    snprintf(out, len, "%s", key);
}

static void index_path(char *out, size_t len, const char *path, size_t i) {
  snprintf(out, len, "%s[%zu]", path, i);
}

static void check_number(vctx *c, const json_t *s, const json_t *v, const char *subj) {
  char a[64], b[64];
  double x = json_number_value(v);
  const json_t *k;
  if ((k = json_object_get(s, "minimum")) && json_is_number(k) && x < json_number_value(k))
    fail(c, "%s must be >= %s, got %s", subj, num_text(k, a, sizeof a), num_text(v, b, sizeof b));
  if ((k = json_object_get(s, "maximum")) && json_is_number(k) && x > json_number_value(k))
    fail(c, "%s must be <= %s, got %s", subj, num_text(k, a, sizeof a), num_text(v, b, sizeof b));
  if ((k = json_object_get(s, "exclusiveMinimum")) && json_is_number(k) && x <= json_number_value(k))
    fail(c, "%s must be > %s, got %s", subj, num_text(k, a, sizeof a), num_text(v, b, sizeof b));
  if ((k = json_object_get(s, "exclusiveMaximum")) && json_is_number(k) && x >= json_number_value(k))
    fail(c, "%s must be < %s, got %s", subj, num_text(k, a, sizeof a), num_text(v, b, sizeof b));
  if ((k = json_object_get(s, "multipleOf")) && json_is_number(k) && json_number_value(k) > 0) {
    double q = x / json_number_value(k);
    if (!isfinite(q) || fabs(q - nearbyint(q)) > 1e-9)
      fail(c, "%s must be a multiple of %s, got %s", subj, num_text(k, a, sizeof a),
           num_text(v, b, sizeof b));
  }
}

static void check_string(vctx *c, const json_t *s, const json_t *v, const char *subj) {
  size_t n = utf8_chars(json_string_value(v), json_string_length(v));
  const json_t *k;
  if ((k = json_object_get(s, "minLength")) && json_is_integer(k) &&
      (json_int_t)n < json_integer_value(k))
    fail(c, "%s must be at least %" JSON_INTEGER_FORMAT " characters long, got %zu", subj,
         json_integer_value(k), n);
  if ((k = json_object_get(s, "maxLength")) && json_is_integer(k) &&
      (json_int_t)n > json_integer_value(k))
    fail(c, "%s must be at most %" JSON_INTEGER_FORMAT " characters long, got %zu", subj,
         json_integer_value(k), n);
}

static void check_array(vctx *c, const json_t *s, const json_t *v, const char *path,
                        const char *subj, int depth) {
  size_t n = json_array_size(v);
  const json_t *k;
  if ((k = json_object_get(s, "minItems")) && json_is_integer(k) &&
      (json_int_t)n < json_integer_value(k))
    fail(c, "%s must have at least %" JSON_INTEGER_FORMAT " items, got %zu", subj,
         json_integer_value(k), n);
  if ((k = json_object_get(s, "maxItems")) && json_is_integer(k) &&
      (json_int_t)n > json_integer_value(k))
    fail(c, "%s must have at most %" JSON_INTEGER_FORMAT " items, got %zu", subj,
         json_integer_value(k), n);
  if (json_is_true(json_object_get(s, "uniqueItems"))) {
    for (size_t i = 0; i < n; i++)
      for (size_t j = i + 1; j < n; j++)
        if (json_same(json_array_get(v, i), json_array_get(v, j))) {
          fail(c, "%s must not repeat items (items %zu and %zu are equal)", subj, i, j);
          i = j = n;
        }
  }
  /* Positional schemas: prefixItems (2020-12) or an items array (draft 4-7). */
  const json_t *prefix = json_object_get(s, "prefixItems");
  const json_t *items = json_object_get(s, "items");
  size_t npos = 0;
  if (json_is_array(prefix))
    npos = json_array_size(prefix);
  else if (json_is_array(items)) {
    prefix = items;
    npos = json_array_size(items);
    items = json_object_get(s, "additionalItems");
  }
  char p[512];
  for (size_t i = 0; i < n; i++) {
    const json_t *is = i < npos ? json_array_get(prefix, i) : items;
    if (!is || json_is_array(is))
      continue;
    index_path(p, sizeof p, path, i);
    validate(c, is, json_array_get(v, i), p, depth + 1);
  }
}

static void check_object(vctx *c, const json_t *s, const json_t *v, const char *path,
                         const char *subj, int depth) {
  const json_t *props = json_object_get(s, "properties");
  const json_t *req = json_object_get(s, "required");
  const json_t *addl = json_object_get(s, "additionalProperties");
  const json_t *k;
  char p[512];
  if (json_is_array(req)) {
    size_t i;
    json_t *name;
    json_array_foreach(req, i, name) {
      if (json_is_string(name) && !json_object_get(v, json_string_value(name))) {
        child_path(p, sizeof p, path, json_string_value(name));
        fail(c, "missing required %s '%s'", c->what ? c->what : "property", p);
      }
    }
  }
  size_t n = json_object_size(v);
  if ((k = json_object_get(s, "minProperties")) && json_is_integer(k) &&
      (json_int_t)n < json_integer_value(k))
    fail(c, "%s must have at least %" JSON_INTEGER_FORMAT " members, got %zu", subj,
         json_integer_value(k), n);
  if ((k = json_object_get(s, "maxProperties")) && json_is_integer(k) &&
      (json_int_t)n > json_integer_value(k))
    fail(c, "%s must have at most %" JSON_INTEGER_FORMAT " members, got %zu", subj,
         json_integer_value(k), n);
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)v, key, val) {
    child_path(p, sizeof p, path, key);
    const json_t *ps = json_is_object(props) ? json_object_get(props, key) : NULL;
    if (ps) {
      validate(c, ps, val, p, depth + 1);
    } else if (json_is_false(addl)) {
      char allowed[200] = "";
      size_t used = 0;
      const char *pk;
      json_t *pv;
      if (json_is_object(props))
        json_object_foreach((json_t *)props, pk, pv) {
          int w = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? ", " : "", pk);
          if (w < 0 || (size_t)w >= sizeof allowed - used) {
            snprintf(allowed + (sizeof allowed - 5), 5, "...");
            break;
          }
          used += (size_t)w;
        }
      fail(c, "unknown %s '%s' (allowed: %s)", c->what ? c->what : "property", p,
           used ? allowed : "none");
    } else if (json_is_object(addl)) {
      validate(c, addl, val, p, depth + 1);
    }
  }
}

static void validate(vctx *c, const json_t *s, const json_t *v, const char *path, int depth) {
  char subj[600];
  if (depth > MAX_DEPTH) {
    c->too_deep = true;
    c->errors++;
    return;
  }
  if (json_is_true(s))
    return;
  if (json_is_false(s)) {
    if (path[0])
      fail(c, "no value is allowed for %s", subject(c, path, subj, sizeof subj));
    else
      fail(c, "no value is allowed (the schema is false)");
    return;
  }
  if (!json_is_object(s)) {
    c->bad_schema = true;
    c->errors++;
    return;
  }
  subject(c, path, subj, sizeof subj);
  const json_t *ref = json_object_get(s, "$ref");
  if (json_is_string(ref)) {
    const json_t *target = resolve_ref(c->root, json_string_value(ref));
    if (!target) {
      c->bad_schema = true;
      c->errors++;
      return;
    }
    validate(c, target, v, path, depth + 1);
  }

  const json_t *type = json_object_get(s, "type");
  bool type_ok = true;
  if (json_is_string(type)) {
    type_ok = type_matches(json_string_value(type), v);
  } else if (json_is_array(type) && json_array_size(type)) {
    type_ok = false;
    size_t i;
    json_t *t;
    json_array_foreach(type, i, t)
      if (json_is_string(t) && type_matches(json_string_value(t), v))
        type_ok = true;
  }
  if (!type_ok) {
    char b[80], want[120] = "";
    if (json_is_string(type)) {
      const char *t = json_string_value(type);
      snprintf(want, sizeof want, "%s %s", strchr("aeiou", t[0]) ? "an" : "a", t);
    } else {
      size_t i, used = 0;
      json_t *t;
      json_array_foreach(type, i, t) {
        int w = snprintf(want + used, sizeof want - used, "%s%s", i ? " or " : "one of ",
                         json_string_value(t));
        if (w < 0 || (size_t)w >= sizeof want - used)
          break;
        used += (size_t)w;
      }
    }
    if (json_is_object(v) || json_is_array(v))
      fail(c, "%s must be %s, got %s", subj, want, brief(v, b, sizeof b));
    else
      fail(c, "%s must be %s, got %s %s", subj, want, value_type(v), brief(v, b, sizeof b));
    return; /* the other keywords would only repeat the problem */
  }

  const json_t *en = json_object_get(s, "enum");
  if (json_is_array(en)) {
    bool found = false;
    size_t i;
    json_t *e;
    json_array_foreach(en, i, e)
      if (json_same(e, v))
        found = true;
    if (!found) {
      char list[300] = "", b[80];
      size_t used = 0;
      json_array_foreach(en, i, e) {
        char eb[80];
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         brief(e, eb, sizeof eb));
        if (w < 0 || (size_t)w >= sizeof list - used) {
          snprintf(list + (sizeof list - 5), 5, "...");
          break;
        }
        used += (size_t)w;
      }
      fail(c, "%s must be one of %s, got %s", subj, list, brief(v, b, sizeof b));
    }
  }
  const json_t *cn = json_object_get(s, "const");
  if (cn && !json_same(cn, v)) {
    char a[80], b[80];
    fail(c, "%s must be %s, got %s", subj, brief(cn, a, sizeof a), brief(v, b, sizeof b));
  }

  if (json_is_number(v))
    check_number(c, s, v, subj);
  else if (json_is_string(v))
    check_string(c, s, v, subj);
  else if (json_is_array(v))
    check_array(c, s, v, path, subj, depth);
  else if (json_is_object(v))
    check_object(c, s, v, path, subj, depth);

  const json_t *all = json_object_get(s, "allOf");
  if (json_is_array(all)) {
    size_t i;
    json_t *sub;
    json_array_foreach(all, i, sub)
      validate(c, sub, v, path, depth + 1);
  }
  const json_t *any = json_object_get(s, "anyOf");
  if (json_is_array(any) && json_array_size(any)) {
    size_t i;
    json_t *sub;
    bool ok = false;
    json_array_foreach(any, i, sub)
      if (!quiet_errors(c, sub, v, path, depth + 1)) {
        ok = true;
        break;
      }
    if (!ok) {
      if (json_array_size(any) == 1)
        validate(c, json_array_get(any, 0), v, path, depth + 1);
      else
        fail(c, "%s does not match any of the %zu allowed forms (anyOf)", subj, json_array_size(any));
    }
  }
  const json_t *one = json_object_get(s, "oneOf");
  if (json_is_array(one) && json_array_size(one)) {
    size_t i, matched = 0;
    json_t *sub;
    json_array_foreach(one, i, sub)
      if (!quiet_errors(c, sub, v, path, depth + 1))
        matched++;
    if (matched == 0 && json_array_size(one) == 1)
      validate(c, json_array_get(one, 0), v, path, depth + 1);
    else if (matched != 1)
      fail(c, "%s must match exactly one of the %zu allowed forms (oneOf), matched %zu", subj,
           json_array_size(one), matched);
  }
  const json_t *not = json_object_get(s, "not");
  if (not && !quiet_errors(c, not, v, path, depth + 1))
    fail(c, "%s must not match the form that 'not' excludes", subj);
}

/* ---- Checking a schema itself ---- */

typedef struct sctx {
  const json_t *root;
  char *msg;
  size_t msglen;
} sctx;

__attribute__((format(printf, 2, 3)))
static int bad(sctx *c, const char *fmt, ...) {
  if (c->msg && c->msglen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, c->msglen, fmt, ap);
    va_end(ap);
  }
  return SOUK_EINVAL;
}

static int check_schema(sctx *c, const json_t *s, const char *where, int depth);

static int check_schema_list(sctx *c, const json_t *list, const char *where, const char *kw,
                             int depth, bool allow_empty) {
  if (!json_is_array(list) || (!allow_empty && json_array_size(list) == 0))
    return bad(c, "%s%s%s must be a non-empty array of schemas", where, *where ? "." : "", kw);
  size_t i;
  json_t *sub;
  char p[512];
  json_array_foreach(list, i, sub) {
    snprintf(p, sizeof p, "%s%s%s[%zu]", where, *where ? "." : "", kw, i);
    int rc = check_schema(c, sub, p, depth + 1);
    if (rc)
      return rc;
  }
  return 0;
}

static int check_schema_map(sctx *c, const json_t *map, const char *where, const char *kw,
                            int depth) {
  if (!json_is_object(map))
    return bad(c, "%s%s%s must be an object of schemas", where, *where ? "." : "", kw);
  const char *k;
  json_t *sub;
  char p[512];
  json_object_foreach((json_t *)map, k, sub) {
    snprintf(p, sizeof p, "%s%s%s.%s", where, *where ? "." : "", kw, k);
    int rc = check_schema(c, sub, p, depth + 1);
    if (rc)
      return rc;
  }
  return 0;
}

static int check_schema(sctx *c, const json_t *s, const char *where, int depth) {
  const char *w = *where ? where : "schema";
  if (depth > MAX_DEPTH)
    return bad(c, "%s nests deeper than %d levels", w, MAX_DEPTH);
  if (json_is_boolean(s))
    return 0;
  if (!json_is_object(s))
    return bad(c, "%s must be an object or a boolean", w);
  const char *pre = *where ? where : "";
  const char *dot = *where ? "." : "";
  const json_t *k;
  if ((k = json_object_get(s, "type"))) {
    if (json_is_string(k)) {
      if (!known_type(json_string_value(k)))
        return bad(c, "%s%stype '%s' is not a JSON Schema type", pre, dot, json_string_value(k));
    } else if (json_is_array(k) && json_array_size(k)) {
      size_t i;
      json_t *t;
      json_array_foreach(k, i, t)
        if (!json_is_string(t) || !known_type(json_string_value(t)))
          return bad(c, "%s%stype[%zu] is not a JSON Schema type", pre, dot, i);
    } else {
      return bad(c, "%s%stype must be a type name or a non-empty array of them", pre, dot);
    }
  }
  static const char *const numeric[] = {"minimum", "maximum", "exclusiveMinimum",
                                        "exclusiveMaximum", "multipleOf"};
  for (size_t i = 0; i < sizeof numeric / sizeof *numeric; i++)
    if ((k = json_object_get(s, numeric[i])) && !json_is_number(k) &&
        !(json_is_boolean(k) && strncmp(numeric[i], "exclusive", 9) == 0))
      return bad(c, "%s%s%s must be a number", pre, dot, numeric[i]);
  if ((k = json_object_get(s, "multipleOf")) && json_is_number(k) && json_number_value(k) <= 0)
    return bad(c, "%s%smultipleOf must be greater than 0", pre, dot);
  static const char *const counts[] = {"minLength", "maxLength", "minItems", "maxItems",
                                       "minProperties", "maxProperties"};
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
    if ((k = json_object_get(s, counts[i])) && (!json_is_integer(k) || json_integer_value(k) < 0))
      return bad(c, "%s%s%s must be a non-negative integer", pre, dot, counts[i]);
  if ((k = json_object_get(s, "required"))) {
    if (!json_is_array(k))
      return bad(c, "%s%srequired must be an array of property names", pre, dot);
    size_t i;
    json_t *n;
    json_array_foreach(k, i, n)
      if (!json_is_string(n))
        return bad(c, "%s%srequired[%zu] must be a string", pre, dot, i);
  }
  if ((k = json_object_get(s, "enum")) && !json_is_array(k))
    return bad(c, "%s%senum must be an array", pre, dot);
  if ((k = json_object_get(s, "uniqueItems")) && !json_is_boolean(k))
    return bad(c, "%s%suniqueItems must be a boolean", pre, dot);
  int rc;
  char p[512];
  if ((k = json_object_get(s, "properties")) && (rc = check_schema_map(c, k, pre, "properties", depth)))
    return rc;
  if ((k = json_object_get(s, "$defs")) && (rc = check_schema_map(c, k, pre, "$defs", depth)))
    return rc;
  if ((k = json_object_get(s, "definitions")) &&
      (rc = check_schema_map(c, k, pre, "definitions", depth)))
    return rc;
  static const char *const single[] = {"additionalProperties", "not", "additionalItems"};
  for (size_t i = 0; i < sizeof single / sizeof *single; i++)
    if ((k = json_object_get(s, single[i]))) {
      snprintf(p, sizeof p, "%s%s%s", pre, dot, single[i]);
      if ((rc = check_schema(c, k, p, depth + 1)))
        return rc;
    }
  if ((k = json_object_get(s, "items"))) {
    if (json_is_array(k))
      rc = check_schema_list(c, k, pre, "items", depth, true);
    else {
      snprintf(p, sizeof p, "%s%sitems", pre, dot);
      rc = check_schema(c, k, p, depth + 1);
    }
    if (rc)
      return rc;
  }
  if ((k = json_object_get(s, "prefixItems")) && (rc = check_schema_list(c, k, pre, "prefixItems", depth, true)))
    return rc;
  static const char *const lists[] = {"allOf", "anyOf", "oneOf"};
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
    if ((k = json_object_get(s, lists[i])) && (rc = check_schema_list(c, k, pre, lists[i], depth, false)))
      return rc;
  if ((k = json_object_get(s, "$ref"))) {
    if (!json_is_string(k))
      return bad(c, "%s%s$ref must be a string", pre, dot);
    if (!resolve_ref(c->root, json_string_value(k)))
      return bad(c, "%s%s$ref '%s' does not resolve to a part of this schema (only local "
                 "references such as #/$defs/name are supported)", pre, dot, json_string_value(k));
  }
  return 0;
}

int souk_mcp_schema_check(const json_t *schema, char *msg, size_t msglen) {
  sctx c = {schema, msg, msglen};
  if (msg && msglen)
    msg[0] = 0;
  if (!schema)
    return bad(&c, "no schema");
  return check_schema(&c, schema, "", 0);
}

int souk_mcp_schema_validate(const json_t *schema, const json_t *value, const char *what,
                             char *msg, size_t msglen) {
  vctx c = {schema, what, msglen ? msg : NULL, msglen, 0, 0, false, false};
  if (msg && msglen)
    msg[0] = 0;
  if (!schema || !value)
    return SOUK_EINVAL;
  validate(&c, schema, value, "", 0);
  if (c.bad_schema || c.too_deep) {
    if (msg && msglen && c.too_deep)
      snprintf(msg, msglen, "the value or schema nests deeper than %d levels", MAX_DEPTH);
    else if (msg && msglen)
      snprintf(msg, msglen, "the schema cannot be used: check it with souk_mcp_schema_check");
    return SOUK_EINVAL;
  }
  return c.errors ? SOUK_EINVAL : 0;
}
