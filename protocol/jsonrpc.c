/* SPDX-License-Identifier: MIT */
/* JSON-RPC 2.0: decoding one message under limits, classifying it, building replies. */
#include "souk/jsonrpc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s[0] (s has n > 0 bytes), or 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
      return 0;
    if (c == 0xE0 && s[1] < 0xA0)
      return 0; /* overlong */
    if (c == 0xED && s[1] >= 0xA0)
      return 0; /* UTF-16 surrogate */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && s[1] < 0x90)
      return 0; /* overlong */
    if (c == 0xF4 && s[1] >= 0x90)
      return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* One pass over the raw bytes: UTF-8 validity and the nesting depth outside strings.
 * Returns 0, or the JSON-RPC code with a sentence in why. */
static int prescan(const char *bytes, size_t len, unsigned max_depth, char *why, size_t whylen) {
  const unsigned char *s = (const unsigned char *)bytes;
  unsigned depth = 0;
  int in_string = 0, escaped = 0;
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    if (c >= 0x80) {
      size_t k = utf8_seq(s + i, len - i);
      if (!k) {
        snprintf(why, whylen, "Parse error: invalid UTF-8 at byte %zu", i);
        return SOUK_JSONRPC_PARSE_ERROR;
      }
      i += k;
      escaped = 0;
      continue;
    }
    if (in_string) {
      if (escaped)
        escaped = 0;
      else if (c == '\\')
        escaped = 1;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        snprintf(why, whylen,
                 "Invalid Request: nesting deeper than %u levels at byte %zu", max_depth, i);
        return SOUK_JSONRPC_INVALID_REQUEST;
      }
    } else if (c == ']' || c == '}') {
      if (depth)
        depth--;
    }
    i++;
  }
  return 0;
}

/* Copies jansson's message keeping it printable ASCII, so it can travel in a JSON string. */
static void clean_copy(char *dst, size_t dstlen, const char *src) {
  size_t j = 0;
  for (size_t i = 0; src[i] && j + 1 < dstlen; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[j++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
  }
  dst[j] = 0;
}

json_t *souk_jsonrpc_parse(const char *bytes, size_t len, const souk_jsonrpc_limits *limits,
                           int *code, char *why, size_t whylen) {
  size_t max_bytes = limits && limits->max_bytes ? limits->max_bytes : SOUK_JSONRPC_DEFAULT_MAX_BYTES;
  unsigned max_depth = limits && limits->max_depth ? limits->max_depth : SOUK_JSONRPC_DEFAULT_MAX_DEPTH;
  char dummy[8];
  if (!bytes)
    len = 0;
  if (!why || !whylen) {
    why = dummy;
    whylen = sizeof dummy;
  }
  if (len > max_bytes) {
    *code = SOUK_JSONRPC_INVALID_REQUEST;
    snprintf(why, whylen, "Invalid Request: message of %zu bytes exceeds the limit of %zu bytes",
             len, max_bytes);
    return NULL;
  }
  int rc = prescan(bytes ? bytes : "", len, max_depth, why, whylen);
  if (rc) {
    *code = rc;
    return NULL;
  }
  json_error_t err;
  json_t *v = json_loadb(bytes ? bytes : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  if (!v) {
    char text[JSON_ERROR_TEXT_LENGTH];
    clean_copy(text, sizeof text, err.text);
    *code = SOUK_JSONRPC_PARSE_ERROR;
    if (json_error_code(&err) == json_error_duplicate_key)
      snprintf(why, whylen, "Parse error: duplicate object key (%s) at byte %d", text, err.position);
    else
      snprintf(why, whylen, "Parse error: %s at byte %d", text, err.position);
    return NULL;
  }
  if (!json_is_object(v) && !json_is_array(v)) {
    json_decref(v);
    *code = SOUK_JSONRPC_INVALID_REQUEST;
    snprintf(why, whylen, "Invalid Request: a message must be a JSON object (or a batch array)");
    return NULL;
  }
  *code = 0;
  if (whylen)
    why[0] = 0;
  return v;
}

bool souk_jsonrpc_id_valid(const json_t *id) {
  return id && (json_is_string(id) || json_is_integer(id));
}

__attribute__((format(printf, 4, 5)))
static void invalid(souk_jsonrpc_msg *m, bool reply, int code, const char *fmt, ...) {
  m->kind = SOUK_JSONRPC_INVALID;
  m->reply = reply;
  m->error_code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->error_text, sizeof m->error_text, fmt, ap);
  va_end(ap);
}

void souk_jsonrpc_classify(const json_t *v, souk_jsonrpc_msg *m) {
  memset(m, 0, sizeof *m);
  if (!json_is_object(v)) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST,
            "Invalid Request: a message must be a JSON object");
    return;
  }
  const json_t *jsonrpc = json_object_get(v, "jsonrpc");
  const json_t *method = json_object_get(v, "method");
  const json_t *id = json_object_get(v, "id");
  const json_t *params = json_object_get(v, "params");
  const json_t *result = json_object_get(v, "result");
  const json_t *error = json_object_get(v, "error");
  bool version_ok = json_is_string(jsonrpc) && strcmp(json_string_value(jsonrpc), "2.0") == 0;

  if (!method && (result || error)) {
    /* A response to one of our requests. Bad responses are dropped, never answered. */
    if (!version_ok) {
      invalid(m, false, SOUK_JSONRPC_INVALID_REQUEST, "response without \"jsonrpc\": \"2.0\"");
      return;
    }
    if (result && error) {
      invalid(m, false, SOUK_JSONRPC_INVALID_REQUEST, "response with both result and error");
      return;
    }
    if (result) {
      if (!souk_jsonrpc_id_valid(id)) {
        invalid(m, false, SOUK_JSONRPC_INVALID_REQUEST, "response with an unusable id");
        return;
      }
      m->kind = SOUK_JSONRPC_RESULT;
      m->id = id;
      m->result = result;
      return;
    }
    if (!json_is_object(error) || !json_is_integer(json_object_get(error, "code")) ||
        !json_is_string(json_object_get(error, "message"))) {
      invalid(m, false, SOUK_JSONRPC_INVALID_REQUEST,
              "error response whose error lacks an integer code or a string message");
      return;
    }
    if (id && !json_is_null(id) && !souk_jsonrpc_id_valid(id)) {
      invalid(m, false, SOUK_JSONRPC_INVALID_REQUEST, "error response with an unusable id");
      return;
    }
    m->kind = SOUK_JSONRPC_ERROR;
    m->id = souk_jsonrpc_id_valid(id) ? id : NULL;
    m->error = error;
    return;
  }

  /* A request or a notification (or something that should have been one). */
  if (id && !souk_jsonrpc_id_valid(id)) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST, "Invalid Request: \"id\" must be a string or an "
            "integer%s", json_is_null(id) ? ", not null" : "");
    return;
  }
  m->id = id;
  if (!version_ok) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST,
            "Invalid Request: \"jsonrpc\" must be the string \"2.0\"");
    return;
  }
  if (!method) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST, "Invalid Request: missing \"method\"");
    return;
  }
  if (!json_is_string(method) || json_string_length(method) == 0) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST,
            "Invalid Request: \"method\" must be a non-empty string");
    return;
  }
  if (result || error) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST,
            "Invalid Request: a request cannot carry \"result\" or \"error\"");
    return;
  }
  if (params && !json_is_object(params) && !json_is_array(params)) {
    invalid(m, true, SOUK_JSONRPC_INVALID_REQUEST,
            "Invalid Request: \"params\" must be an object or an array");
    return;
  }
  m->method = json_string_value(method);
  m->params = params;
  m->kind = id ? SOUK_JSONRPC_REQUEST : SOUK_JSONRPC_NOTIFICATION;
}

static json_t *message(void) {
  json_t *o = json_object();
  if (o && json_object_set_new(o, "jsonrpc", json_string("2.0"))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *id_copy(const json_t *id) {
  return id ? json_deep_copy(id) : json_null();
}

json_t *souk_jsonrpc_request(const json_t *id, const char *method, json_t *params_new) {
  json_t *o = message();
  if (!o || json_object_set_new(o, "id", id_copy(id)) ||
      json_object_set_new(o, "method", json_string(method)) ||
      (params_new && json_object_set(o, "params", params_new))) {
    json_decref(o);
    o = NULL;
  }
  json_decref(params_new);
  return o;
}

json_t *souk_jsonrpc_notification(const char *method, json_t *params_new) {
  json_t *o = message();
  if (!o || json_object_set_new(o, "method", json_string(method)) ||
      (params_new && json_object_set(o, "params", params_new))) {
    json_decref(o);
    o = NULL;
  }
  json_decref(params_new);
  return o;
}

json_t *souk_jsonrpc_result(const json_t *id, json_t *result_new) {
  json_t *o = message();
  if (!o || !result_new || json_object_set_new(o, "id", id_copy(id)) ||
      json_object_set(o, "result", result_new)) {
    json_decref(o);
    o = NULL;
  }
  json_decref(result_new);
  return o;
}

json_t *souk_jsonrpc_error(const json_t *id, int code, const char *message_text, json_t *data_new) {
  json_t *o = message();
  json_t *err = json_object();
  json_t *msg = json_string(message_text ? message_text : souk_jsonrpc_code_name(code));
  if (!msg) /* not UTF-8: say what kind of error it was rather than lose the reply */
    msg = json_string(souk_jsonrpc_code_name(code));
  if (!o || !err || json_object_set_new(err, "code", json_integer(code)) ||
      json_object_set_new(err, "message", msg) ||
      (data_new && json_object_set(err, "data", data_new)) ||
      json_object_set_new(o, "id", id_copy(id)) || json_object_set(o, "error", err)) {
    json_decref(o);
    o = NULL;
  }
  json_decref(err);
  json_decref(data_new);
  return o;
}

const char *souk_jsonrpc_code_name(int code) {
  switch (code) {
  case SOUK_JSONRPC_PARSE_ERROR: return "Parse error";
  case SOUK_JSONRPC_INVALID_REQUEST: return "Invalid Request";
  case SOUK_JSONRPC_METHOD_NOT_FOUND: return "Method not found";
  case SOUK_JSONRPC_INVALID_PARAMS: return "Invalid params";
  case SOUK_JSONRPC_INTERNAL_ERROR: return "Internal error";
  case SOUK_MCP_RESOURCE_NOT_FOUND: return "Resource not found";
  default: return "Server error";
  }
}

const char *souk_jsonrpc_id_text(const json_t *id, char *buf, size_t len) {
  if (!len)
    return buf;
  if (json_is_integer(id))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else if (json_is_string(id))
    snprintf(buf, len, "\"%s\"", json_string_value(id));
  else
    snprintf(buf, len, "null");
  return buf;
}
