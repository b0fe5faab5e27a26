/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/schema.c: the validator of tool arguments and structured output. */
#include "check.h"
#include "souk/error.h"
#include "souk/mcp_schema.h"

static json_t *J(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
  CHECK_MSG(v != NULL, "bad test JSON: %s: %s", text, err.text);
  return v;
}

/* Validates value against schema; returns the message ("" when valid). */
static const char *check(const char *schema, const char *value) {
  static char msg[1000];
  json_t *s = J(schema), *v = J(value);
  int rc = souk_mcp_schema_validate(s, v, "argument", msg, sizeof msg);
  CHECK_MSG((rc == 0) == (msg[0] == 0), "rc %d with message '%s'", rc, msg);
  json_decref(s);
  json_decref(v);
  return msg;
}

#define OK(schema, value) CHECK_STR(check(schema, value), "")

static const char *const OBJ =
    "{\"type\":\"object\",\"properties\":{"
    "\"url\":{\"type\":\"string\",\"minLength\":8,\"maxLength\":20},"
    "\"k\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"
    "\"w\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":1},"
    "\"sort\":{\"type\":\"string\",\"enum\":[\"price\",\"title\"]},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":3,"
    "\"uniqueItems\":true},"
    "\"filters\":{\"type\":\"object\",\"properties\":{\"vendor\":{\"type\":\"string\"}},"
    "\"required\":[\"vendor\"],\"additionalProperties\":false},"
    "\"maybe\":{\"type\":[\"string\",\"null\"]}},"
    "\"required\":[\"url\"],\"additionalProperties\":false}";

TEST(types) {
  OK(OBJ, "{\"url\":\"https://a.b\"}");
  OK(OBJ, "{\"url\":\"https://a.b\",\"k\":5,\"w\":0.5,\"sort\":\"price\",\"tags\":[\"a\",\"b\"],"
          "\"filters\":{\"vendor\":\"x\"},\"maybe\":null}");
  OK(OBJ, "{\"url\":\"https://a.b\",\"k\":5.0}");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"k\":\"ten\"}"),
            "argument 'k' must be an integer, got string \"ten\"");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"k\":2.5}"),
            "argument 'k' must be an integer, got number 2.5");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"maybe\":3}"),
            "argument 'maybe' must be one of string or null, got integer 3");
  CHECK_STR(check(OBJ, "[]"), "the value must be an object, got an array");
  CHECK_STR(check("{\"type\":\"boolean\"}", "1"), "the value must be a boolean, got integer 1");
  OK("{\"type\":\"number\"}", "1");
  OK("{}", "{\"anything\":[1,2]}");
  OK("true", "3");
  CHECK_STR(check("false", "3"), "no value is allowed (the schema is false)");
  SAY("type names and lists, integer accepting 3.0, number accepting integers, true/false "
      "schemas; messages name the argument, what it must be and what it got");
}

TEST(required_and_additional) {
  CHECK_STR(check(OBJ, "{}"), "missing required argument 'url'");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"colour\":1}"),
            "unknown argument 'colour' (allowed: url, k, w, sort, tags, filters, maybe)");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"filters\":{}}"),
            "missing required argument 'filters.vendor'");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"filters\":{\"vendor\":\"v\",\"x\":1}}"),
            "unknown argument 'filters.x' (allowed: vendor)");
  OK("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"a\":1,\"b\":2}");
  CHECK_STR(check("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
                  "{\"a\":1,\"b\":\"2\"}"),
            "argument 'b' must be an integer, got string \"2\"");
  CHECK_STR(check("{\"type\":\"object\",\"minProperties\":1}", "{}"),
            "the value must have at least 1 members, got 0");
  /* every problem at once, so a model can fix them in one go */
  CHECK_STR(check(OBJ, "{\"k\":0,\"sort\":\"name\"}"),
            "missing required argument 'url'; argument 'k' must be >= 1, got 0; "
            "argument 'sort' must be one of \"price\", \"title\", got \"name\"");
  SAY("required (nested paths too), additionalProperties false/schema, minProperties; all "
      "problems reported together");
}

TEST(ranges_and_lengths) {
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"k\":101}"), "argument 'k' must be <= 100, got 101");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"w\":0}"), "argument 'w' must be > 0, got 0");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"w\":1}"), "argument 'w' must be < 1, got 1");
  CHECK_STR(check(OBJ, "{\"url\":\"http\"}"),
            "argument 'url' must be at least 8 characters long, got 4");
  CHECK_STR(check(OBJ, "{\"url\":\"https://example.com/very/long\"}"),
            "argument 'url' must be at most 20 characters long, got 29");
  /* lengths count characters, not bytes: 8 two-byte characters */
  OK(OBJ, "{\"url\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}");
  CHECK_STR(check("{\"type\":\"number\",\"multipleOf\":0.5}", "1.25"),
            "the value must be a multiple of 0.5, got 1.25");
  OK("{\"type\":\"number\",\"multipleOf\":0.1}", "0.3");
  SAY("minimum/maximum, exclusive bounds, string lengths in characters, multipleOf");
}

TEST(arrays) {
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"tags\":[]}"),
            "argument 'tags' must have at least 1 items, got 0");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}"),
            "argument 'tags' must have at most 3 items, got 4");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"tags\":[\"a\",2]}"),
            "argument 'tags[1]' must be a string, got integer 2");
  CHECK_STR(check(OBJ, "{\"url\":\"https://a.b\",\"tags\":[\"a\",\"a\"]}"),
            "argument 'tags' must not repeat items (items 0 and 1 are equal)");
  OK("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
     "[\"a\",1,true]");
  CHECK_STR(check("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}",
                  "[\"a\",1]"),
            "no value is allowed for argument '[1]'");
  SAY("items, minItems/maxItems, uniqueItems, prefixItems with items false");
}

TEST(enums_const_combinators_refs) {
  OK("{\"enum\":[1,\"a\",null]}", "1.0");
  CHECK_STR(check("{\"const\":\"x\"}", "\"y\""), "the value must be \"x\", got \"y\"");
  const char *any = "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":0}]}";
  OK(any, "\"s\"");
  OK(any, "3");
  CHECK_STR(check(any, "-1"), "the value does not match any of the 2 allowed forms (anyOf)");
  const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\",\"minimum\":0}]}";
  OK(one, "-2");
  CHECK_STR(check(one, "2"),
            "the value must match exactly one of the 2 allowed forms (oneOf), matched 2");
  CHECK_STR(check("{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "4"),
            "the value must be <= 3, got 4");
  CHECK_STR(check("{\"not\":{\"type\":\"null\"}}", "null"),
            "the value must not match the form that 'not' excludes");
  const char *refs = "{\"type\":\"object\",\"$defs\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}},"
                     "\"properties\":{\"n\":{\"$ref\":\"#/$defs/pos\"},"
                     "\"tree\":{\"$ref\":\"#/$defs/node\"}}}";
  json_t *s = J(refs);
  char msg[300];
  CHECK_INT(souk_mcp_schema_check(s, msg, sizeof msg), ==, SOUK_EINVAL);
  CHECK_HAS(msg, "$ref '#/$defs/node' does not resolve");
  json_decref(s);
  const char *recursive = "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{"
                          "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}},"
                          "\"v\":{\"type\":\"integer\"}}}},\"$ref\":\"#/$defs/node\"}";
  OK(recursive, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]}]}");
  CHECK_STR(check(recursive, "{\"kids\":[{\"v\":\"x\"}]}"),
            "argument 'kids[0].v' must be an integer, got string \"x\"");
  /* a schema that only refers to itself cannot loop forever */
  json_t *loop = J("{\"$ref\":\"#\"}"), *v = J("1");
  CHECK_INT(souk_mcp_schema_validate(loop, v, NULL, msg, sizeof msg), ==, SOUK_EINVAL);
  CHECK_HAS(msg, "deeper than");
  json_decref(loop);
  json_decref(v);
  SAY("enum with numeric equality, const, anyOf/oneOf/allOf/not, local and recursive $refs; a "
      "self-referencing schema ends with an error");
}

TEST(check_schema) {
  static const struct {
    const char *schema, *msg;
  } bad[] = {
      {"[]", "schema must be an object or a boolean"},
      {"{\"type\":\"strng\"}", "type 'strng' is not a JSON Schema type"},
      {"{\"type\":[]}", "type must be a type name or a non-empty array of them"},
      {"{\"properties\":{\"a\":{\"minimum\":\"1\"}}}", "properties.a.minimum must be a number"},
      {"{\"properties\":{\"a\":{\"maxLength\":-1}}}", "properties.a.maxLength must be a non-negative integer"},
      {"{\"required\":\"a\"}", "required must be an array of property names"},
      {"{\"required\":[1]}", "required[0] must be a string"},
      {"{\"enum\":{}}", "enum must be an array"},
      {"{\"anyOf\":[]}", "anyOf must be a non-empty array of schemas"},
      {"{\"items\":{\"type\":1}}", "items.type must be a type name or a non-empty array of them"},
      {"{\"multipleOf\":0}", "multipleOf must be greater than 0"},
      {"{\"$ref\":\"http://x/y\"}", "$ref 'http://x/y' does not resolve"},
  };
  char msg[300];
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *s = J(bad[i].schema);
    CHECK_INT(souk_mcp_schema_check(s, msg, sizeof msg), ==, SOUK_EINVAL);
    CHECK_HAS(msg, bad[i].msg);
    json_decref(s);
  }
  json_t *s = J(OBJ);
  CHECK_INT(souk_mcp_schema_check(s, msg, sizeof msg), ==, 0);
  json_decref(s);
  s = J("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
        "\"properties\":{\"x\":{\"type\":\"string\",\"format\":\"email\",\"pattern\":\"^a\","
        "\"default\":\"a@b\",\"description\":\"d\"}}}");
  CHECK_INT(souk_mcp_schema_check(s, msg, sizeof msg), ==, 0);
  json_decref(s);
  SAY("%zu unusable schemas are refused with the path of the problem; annotations, format and "
      "pattern are accepted (and not enforced)", sizeof bad / sizeof *bad);
}

TEST(small_buffer) {
  char msg[16];
  json_t *s = J(OBJ), *v = J("{\"k\":0,\"sort\":\"name\",\"zzz\":1}");
  CHECK_INT(souk_mcp_schema_validate(s, v, "argument", msg, sizeof msg), ==, SOUK_EINVAL);
  CHECK_INT(strlen(msg), <, sizeof msg);
  CHECK_INT(souk_mcp_schema_validate(s, v, "argument", NULL, 0), ==, SOUK_EINVAL);
  json_decref(s);
  json_decref(v);
  SAY("messages are cut to the buffer, and a NULL buffer still gives the verdict");
}
