/* SPDX-License-Identifier: MIT */
/* Unit tests of protocol/jsonrpc.c: decoding under limits, classification, builders. */
#include "check.h"
#include "souk/jsonrpc.h"

static int parse_code(const char *text, const souk_jsonrpc_limits *lim, char *why, size_t whylen) {
  int code = 0;
  json_t *v = souk_jsonrpc_parse(text, strlen(text), lim, &code, why, whylen);
  json_decref(v);
  return v ? 0 : code;
}

TEST(parse_ok) {
  int code = -1;
  char why[200];
  const char *t = " {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} \r\n";
  json_t *v = souk_jsonrpc_parse(t, strlen(t), NULL, &code, why, sizeof why);
  CHECK(json_is_object(v));
  CHECK_INT(code, ==, 0);
  json_decref(v);
  /* a slice without NUL: the parser must not read past len */
  const char buf[] = {'[', '1', ']', 'x'};
  v = souk_jsonrpc_parse(buf, 3, NULL, &code, why, sizeof why);
  CHECK(json_is_array(v));
  json_decref(v);
  SAY("objects and arrays decode; whitespace around them is fine; a slice ends at len");
}

TEST(parse_errors) {
  char why[200];
  CHECK_INT(parse_code("{\"a\":", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_HAS(why, "Parse error");
  CHECK_INT(parse_code("", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_INT(parse_code("{} {}", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_INT(parse_code("{\"id\":1,\"id\":2}", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_HAS(why, "duplicate object key");
  CHECK_INT(parse_code("\"just a string\"", NULL, why, sizeof why), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_INT(parse_code("42", NULL, why, sizeof why), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_INT(parse_code("{\"a\":\"\\u0000\"}", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_INT(parse_code("{\"a\":99999999999999999999999}", NULL, why, sizeof why), ==,
            SOUK_JSONRPC_PARSE_ERROR);
  SAY("truncated, empty, trailing data, duplicate keys, NUL escapes, huge integers: -32700; "
      "a bare string or number: -32600");
}

TEST(utf8) {
  char why[200];
  static const char *const bad[] = {
      "{\"a\":\"\xff\"}",                 /* never valid */
      "{\"a\":\"\xc0\xaf\"}",             /* overlong '/' */
      "{\"a\":\"\xe0\x80\xaf\"}",         /* overlong, 3 bytes */
      "{\"a\":\"\xed\xa0\x80\"}",         /* UTF-16 surrogate D800 */
      "{\"a\":\"\xf4\x90\x80\x80\"}",     /* above U+10FFFF */
      "{\"a\":\"\xe2\x82\"}",             /* truncated sequence */
      "{\"a\":1}\x80",                    /* outside a string */
      "{\"a\":\"\\ud800\"}",              /* lone surrogate escape */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK_INT(parse_code(bad[i], NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
    for (const char *p = why; *p; p++) /* the message itself must be safe to send */
      CHECK((unsigned char)*p < 0x80);
  }
  CHECK_INT(parse_code("{\"a\":\"\xff\"}", NULL, why, sizeof why), ==, SOUK_JSONRPC_PARSE_ERROR);
  CHECK_STR(why, "Parse error: invalid UTF-8 at byte 6");
  CHECK_INT(parse_code("{\"a\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x9b\x92\"}", NULL, why,
                       sizeof why), ==, 0);
  SAY("8 kinds of invalid UTF-8 are refused with an ASCII message; 2-, 3- and 4-byte "
      "characters pass");
}

TEST(limits) {
  char why[200];
  souk_jsonrpc_limits lim = {100, 4};
  CHECK_INT(parse_code("[[[[1]]]]", &lim, why, sizeof why), ==, 0);
  CHECK_INT(parse_code("[[[[[1]]]]]", &lim, why, sizeof why), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_STR(why, "Invalid Request: nesting deeper than 4 levels at byte 4");
  CHECK_INT(parse_code("{\"a\":\"[[[[[[[[\"}", &lim, why, sizeof why), ==, 0);
  CHECK_INT(parse_code("{\"a\":\"\\\"[[[[[[[[\"}", &lim, why, sizeof why), ==, 0);
  char big[200];
  memset(big, ' ', sizeof big);
  memcpy(big, "{}", 2);
  big[150] = 0;
  CHECK_INT(parse_code(big, &lim, why, sizeof why), ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_STR(why, "Invalid Request: message of 150 bytes exceeds the limit of 100 bytes");

  /* the defaults: 4 MiB and depth 64 */
  size_t n = SOUK_JSONRPC_DEFAULT_MAX_BYTES + 1;
  char *huge = malloc(n + 1);
  memset(huge, 'a', n);
  memcpy(huge, "{\"a\":\"", 6);
  memcpy(huge + n - 2, "\"}", 2);
  huge[n] = 0;
  int code;
  json_t *v = souk_jsonrpc_parse(huge, n, NULL, &code, why, sizeof why);
  CHECK(v == NULL);
  CHECK_INT(code, ==, SOUK_JSONRPC_INVALID_REQUEST);
  /* exactly 4 MiB passes */
  memcpy(huge + n - 3, "\"}", 2);
  v = souk_jsonrpc_parse(huge, n - 1, NULL, &code, why, sizeof why);
  CHECK(json_is_object(v));
  CHECK_INT(json_string_length(json_object_get(v, "a")), ==, n - 1 - 8);
  json_decref(v);
  free(huge);
  char deep[200] = "";
  for (int i = 0; i < 64; i++)
    strcat(deep, "[");
  for (int i = 0; i < 64; i++)
    strcat(deep, "]");
  CHECK_INT(parse_code(deep, NULL, why, sizeof why), ==, 0);
  char deeper[200] = "[";
  strcat(deeper, deep);
  strcat(deeper, "]");
  CHECK_INT(parse_code(deeper, NULL, why, sizeof why), ==, SOUK_JSONRPC_INVALID_REQUEST);
  SAY("size and depth limits hold at their edges (custom 100 B / 4, default 4 MiB / 64); "
      "brackets inside strings do not count");
}

/* Classifies text; the message borrows from JSON kept until the next call. */
static souk_jsonrpc_kind kind_of(const char *text, souk_jsonrpc_msg *m) {
  static json_t *last;
  json_decref(last);
  last = json_loads(text, JSON_DECODE_ANY, NULL);
  CHECK(last != NULL);
  souk_jsonrpc_classify(last, m);
  return m->kind;
}

TEST(classify) {
  souk_jsonrpc_msg m;
  json_t *v = json_loads("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\",\"params\":{}}", 0, NULL);
  souk_jsonrpc_classify(v, &m);
  CHECK_INT(m.kind, ==, SOUK_JSONRPC_REQUEST);
  CHECK_STR(m.method, "x");
  CHECK(json_is_string(m.id));
  CHECK(json_is_object(m.params));
  json_decref(v);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"method\":\"n\"}", &m), ==, SOUK_JSONRPC_NOTIFICATION);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}", &m), ==, SOUK_JSONRPC_RESULT);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-1,\"message\":\"m\"}}", &m),
            ==, SOUK_JSONRPC_ERROR);
  CHECK(m.id == NULL);

  CHECK_INT(kind_of("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK(m.reply);
  CHECK(json_integer_value(m.id) == 3); /* the id is still echoed */
  CHECK_INT(m.error_code, ==, SOUK_JSONRPC_INVALID_REQUEST);
  CHECK_INT(kind_of("{\"id\":3,\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":3}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_STR(m.error_text, "Invalid Request: missing \"method\"");
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK(m.id == NULL);
  CHECK_HAS(m.error_text, "not null");
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"s\"}", &m), ==,
            SOUK_JSONRPC_INVALID);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"result\":1}", &m), ==,
            SOUK_JSONRPC_INVALID);
  /* bad responses are dropped, never answered */
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", &m), ==,
            SOUK_JSONRPC_INVALID);
  CHECK(!m.reply);
  CHECK_INT(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\"}}", &m), ==,
            SOUK_JSONRPC_INVALID);
  CHECK(!m.reply);
  CHECK_INT(kind_of("[1]", &m), ==, SOUK_JSONRPC_INVALID);
  CHECK(m.reply);
  SAY("requests, notifications, results and errors are told apart; 13 malformed shapes are "
      "invalid, answered unless they look like responses");
}

TEST(builders) {
  json_t *id = json_integer(5);
  json_t *m = souk_jsonrpc_result(id, json_pack("{s:i}", "x", 1));
  char *s = json_dumps(m, JSON_COMPACT);
  CHECK_STR(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"x\":1}}");
  free(s);
  json_decref(m);
  m = souk_jsonrpc_error(NULL, SOUK_JSONRPC_PARSE_ERROR, NULL, NULL);
  s = json_dumps(m, JSON_COMPACT);
  CHECK_STR(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
  free(s);
  json_decref(m);
  m = souk_jsonrpc_error(id, SOUK_MCP_RESOURCE_NOT_FOUND, "Resource not found: x://y",
                         json_pack("{s:s}", "uri", "x://y"));
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32002);
  json_decref(m);
  m = souk_jsonrpc_error(id, SOUK_JSONRPC_INTERNAL_ERROR, "bad \xff utf8", NULL);
  CHECK_STR(json_string_value(json_object_get(json_object_get(m, "error"), "message")),
            "Internal error");
  json_decref(m);
  m = souk_jsonrpc_request(id, "ping", NULL);
  s = json_dumps(m, JSON_COMPACT);
  CHECK_STR(s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
  free(s);
  json_decref(m);
  m = souk_jsonrpc_notification("notifications/x", json_object());
  s = json_dumps(m, JSON_COMPACT);
  CHECK_STR(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{}}");
  free(s);
  json_decref(m);
  char buf[32];
  CHECK_STR(souk_jsonrpc_id_text(id, buf, sizeof buf), "5");
  json_decref(id);
  id = json_string("abc");
  CHECK_STR(souk_jsonrpc_id_text(id, buf, sizeof buf), "\"abc\"");
  json_decref(id);
  CHECK_STR(souk_jsonrpc_code_name(-32601), "Method not found");
  CHECK_STR(souk_jsonrpc_code_name(-32002), "Resource not found");
  SAY("results, errors (with data, with a non-UTF-8 message), requests and notifications "
      "serialise as JSON-RPC 2.0 expects");
}
