/* SPDX-License-Identifier: MIT */
/* JSON-RPC 2.0 messages: turning the bytes of one transport message into checked JSON under
 * size, nesting and UTF-8 rules, telling requests, notifications and responses apart, and
 * building the messages souk sends.
 *
 * JSON-RPC error codes are made here and in the MCP session layer only; the rest of souk
 * speaks SOUK_E* codes. Values are jansson `json_t`. Nothing here keeps state: every
 * function may be called from any thread on its own data.
 */
#ifndef SOUK_JSONRPC_H
#define SOUK_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The codes of JSON-RPC 2.0 and the one MCP adds. */
enum {
  SOUK_JSONRPC_PARSE_ERROR = -32700,      /* not JSON: malformed, invalid UTF-8, duplicate keys */
  SOUK_JSONRPC_INVALID_REQUEST = -32600,  /* JSON, but not a valid JSON-RPC message */
  SOUK_JSONRPC_METHOD_NOT_FOUND = -32601,
  SOUK_JSONRPC_INVALID_PARAMS = -32602,
  SOUK_JSONRPC_INTERNAL_ERROR = -32603,
  SOUK_MCP_RESOURCE_NOT_FOUND = -32002    /* MCP: resources/read or subscribe of an unknown URI */
};

#define SOUK_JSONRPC_DEFAULT_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define SOUK_JSONRPC_DEFAULT_MAX_DEPTH 64u

typedef struct souk_jsonrpc_limits {
  size_t max_bytes;    /* largest message accepted; 0: SOUK_JSONRPC_DEFAULT_MAX_BYTES */
  unsigned max_depth;  /* deepest nesting of arrays and objects; 0: SOUK_JSONRPC_DEFAULT_MAX_DEPTH */
} souk_jsonrpc_limits;

/* Decodes one message: a JSON object, or an array (a batch; whether batches are allowed is the
 * caller's decision). Returns a new reference, or NULL with *code set to
 *   SOUK_JSONRPC_INVALID_REQUEST  too large, too deep, or a JSON value that is neither object
 *                                 nor array;
 *   SOUK_JSONRPC_PARSE_ERROR      malformed JSON, invalid UTF-8, duplicate object keys;
 * and one sentence in `why` saying what and where ("duplicate object key 'id' at byte 31").
 * The depth is checked on the raw bytes before anything is allocated. */
json_t *souk_jsonrpc_parse(const char *bytes, size_t len, const souk_jsonrpc_limits *limits,
                           int *code, char *why, size_t whylen);

typedef enum souk_jsonrpc_kind {
  SOUK_JSONRPC_INVALID = 0,     /* see error_code / error_text / reply */
  SOUK_JSONRPC_REQUEST,         /* method and id */
  SOUK_JSONRPC_NOTIFICATION,    /* method, no id */
  SOUK_JSONRPC_RESULT,          /* a success response: id and result */
  SOUK_JSONRPC_ERROR            /* an error response: id (may be null) and error */
} souk_jsonrpc_kind;

/* One classified message. Pointers borrow from the JSON given to souk_jsonrpc_classify. */
typedef struct souk_jsonrpc_msg {
  souk_jsonrpc_kind kind;
  const json_t *id;       /* requests and responses: a string or an integer; NULL otherwise, or
                           * for an invalid message whose id could not be used (answer with null) */
  const char *method;     /* requests and notifications */
  const json_t *params;   /* an object or an array; NULL when absent */
  const json_t *result;   /* RESULT */
  const json_t *error;    /* ERROR: the error object */
  /* INVALID only: */
  bool reply;             /* true: answer with an error response; false: drop (a bad response) */
  int error_code;         /* SOUK_JSONRPC_INVALID_REQUEST or SOUK_JSONRPC_INVALID_PARAMS */
  char error_text[200];   /* one sentence */
} souk_jsonrpc_msg;

/* Classifies one element of a message (the message itself, or one element of a batch).
 * Never fails: a bad element comes back as SOUK_JSONRPC_INVALID saying why. */
void souk_jsonrpc_classify(const json_t *value, souk_jsonrpc_msg *msg);

/* True for a usable id: a string or an integer (JSON-RPC allows null, MCP does not). */
bool souk_jsonrpc_id_valid(const json_t *id);

/* Builders. Each returns a new object, or NULL when out of memory; `_new` arguments are taken
 * over even on failure; a NULL params is left out, a NULL id becomes null. */
json_t *souk_jsonrpc_request(const json_t *id, const char *method, json_t *params_new);
json_t *souk_jsonrpc_notification(const char *method, json_t *params_new);
json_t *souk_jsonrpc_result(const json_t *id, json_t *result_new);
json_t *souk_jsonrpc_error(const json_t *id, int code, const char *message, json_t *data_new);

/* "Parse error", "Invalid Request", "Method not found", "Invalid params", "Internal error",
 * "Resource not found", or "Server error" for another code. */
const char *souk_jsonrpc_code_name(int code);

/* Writes `id` as JSON text ("7", "\"abc\"", "null") into buf, for logs. Returns buf. */
const char *souk_jsonrpc_id_text(const json_t *id, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_JSONRPC_H */
