/* SPDX-License-Identifier: MIT */
/* The MCP server library: a server object holding registries (tools, resources, templates,
 * prompts, completion), sessions that speak MCP over any transport, and the call contexts
 * through which handlers answer requests later.
 *
 * Layering (docs/protocol.md):
 *   transport (stdio, WebSocket, Streamable HTTP)  -- bytes of whole messages -->
 *   session (JSON-RPC 2.0 + MCP lifecycle)         -- method dispatch -->
 *   server registries and handlers.
 * A transport feeds each complete incoming message to souk_mcp_session_receive*() and gets
 * every outgoing message through the send callback of its souk_mcp_transport. Sessions know
 * nothing of transports; transports know nothing of MCP.
 *
 * Threads: a server, its sessions and their calls belong to one thread (the loop's). Nothing
 * here locks. Handlers may answer at once, from inside the handler, or later on that thread.
 *
 * Ownership: strings and JSON given to registration functions are copied (JSON by reference:
 * do not modify it afterwards); `_new` arguments are taken over even on failure; pointers
 * handed to callbacks are borrowed for the duration of the callback.
 */
#ifndef SOUK_MCP_H
#define SOUK_MCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "core/errinfo.h"
#include "souk/error.h"
#include "souk/jsonrpc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Protocol versions ------------------------------------------------------------------ */

#define SOUK_MCP_LATEST_VERSION "2025-11-25"

/* The versions souk speaks, newest first, NULL-terminated:
 * 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05. */
const char *const *souk_mcp_versions(void);
bool souk_mcp_version_supported(const char *version);
/* JSON-RPC batches exist only in 2025-03-26 (added there, removed in 2025-06-18). */
bool souk_mcp_version_allows_batch(const char *version);
/* The version a server answers to a client asking for `requested`: the same when supported,
 * else the latest. */
const char *souk_mcp_version_negotiate(const char *requested);

/* ---- Logging levels (RFC 5424, as MCP names them) ---------------------------------------- */

typedef enum souk_mcp_log_level {
  SOUK_MCP_LOG_DEBUG = 0,
  SOUK_MCP_LOG_INFO,
  SOUK_MCP_LOG_NOTICE,
  SOUK_MCP_LOG_WARNING,
  SOUK_MCP_LOG_ERROR,
  SOUK_MCP_LOG_CRITICAL,
  SOUK_MCP_LOG_ALERT,
  SOUK_MCP_LOG_EMERGENCY
} souk_mcp_log_level;

const char *souk_mcp_log_level_name(souk_mcp_log_level level); /* "debug" ... "emergency" */
int souk_mcp_log_level_parse(const char *name);                 /* the level, or -1 */

/* ---- Server ------------------------------------------------------------------------------ */

typedef struct souk_mcp_server souk_mcp_server;
typedef struct souk_mcp_session souk_mcp_session;
typedef struct souk_mcp_call souk_mcp_call;

/* Capabilities a server advertises in its initialize result. */
enum {
  SOUK_MCP_CAP_TOOLS = 1u << 0,
  SOUK_MCP_CAP_RESOURCES = 1u << 1,
  SOUK_MCP_CAP_PROMPTS = 1u << 2,
  SOUK_MCP_CAP_COMPLETIONS = 1u << 3,
  SOUK_MCP_CAP_LOGGING = 1u << 4
};

typedef struct souk_mcp_server_options {
  const char *name;          /* serverInfo.name (required) */
  const char *version;       /* serverInfo.version (required) */
  const char *title;         /* serverInfo.title, or NULL */
  const char *instructions;  /* initialize result's instructions, or NULL */
  /* Capabilities advertised in addition to those that follow from what is registered when a
   * client initializes (tools, resources or templates, prompts, a completion provider, and
   * logging always). Set the flag of a registry that fills later, e.g. tools from plugins. */
  unsigned capabilities;
  size_t max_message_bytes;  /* 0: 4 MiB */
  unsigned max_depth;        /* 0: 64 */
  size_t max_batch;          /* most messages in one batch; 0: 64 */
  size_t page_size;          /* items per page of each list method; 0: 50 */
  size_t max_in_flight;      /* client requests a session runs at once; 0: 256; more: -32603 */
  size_t max_subscriptions;  /* resource subscriptions per session; 0: 1024 */
  unsigned request_timeout_ms; /* default timeout of server-to-client requests; 0: 60 s */
} souk_mcp_server_options;

/* NULL (with a sentence in e) when a required option is missing or out of memory. */
souk_mcp_server *souk_mcp_server_new(const souk_mcp_server_options *o, souk_errinfo *e);
/* Frees the server and every session still attached to it (as souk_mcp_session_free). */
void souk_mcp_server_free(souk_mcp_server *s);

/* The one handler type of every registry. `args` is borrowed for the handler's duration:
 *   tool                 the call's arguments, already checked against inputSchema;
 *   resource             an empty object (souk_mcp_call_uri() gives the URI);
 *   resource template    the template's variables, percent-decoded: {"name": "acme"};
 *   prompt               the arguments (strings), required ones checked.
 * The handler must end the call exactly once, now or later, with souk_mcp_call_finish() or
 * one of its shorthands, even after a cancellation (the answer is then dropped). */
typedef void (*souk_mcp_handler_fn)(souk_mcp_call *call, const json_t *args, void *data);

/* -- tools -- */
typedef struct souk_mcp_tool {
  const char *name;          /* 1-128 of [A-Za-z0-9_.-] */
  const char *title;         /* or NULL */
  const char *description;   /* or NULL; say what it does, its units and limits */
  json_t *input_schema;      /* a JSON Schema object with "type": "object"; NULL: no arguments */
  json_t *output_schema;     /* or NULL; when set, results must carry matching structuredContent */
  json_t *annotations;       /* or NULL: readOnlyHint, destructiveHint, idempotentHint, ... */
  json_t *extra;             /* or NULL: more members merged into the listing (icons, _meta) */
  souk_mcp_handler_fn handler;
  void *data;
} souk_mcp_tool;

/* 0, SOUK_EINVAL (bad name, schema the validator cannot use, no handler; why in e) or
 * SOUK_EDUPLICATE. Initialized sessions get notifications/tools/list_changed. */
int souk_mcp_server_add_tool(souk_mcp_server *s, const souk_mcp_tool *t, souk_errinfo *e);
/* 0 or SOUK_ENOENT. Calls already running finish normally. */
int souk_mcp_server_remove_tool(souk_mcp_server *s, const char *name);
size_t souk_mcp_server_tool_count(const souk_mcp_server *s);

/* -- resources -- */
typedef struct souk_mcp_resource {
  const char *uri;           /* absolute URI: souk://stores */
  const char *name;          /* required */
  const char *title, *description, *mime_type; /* or NULL */
  int64_t size;              /* bytes, or -1 (or 0) when unknown */
  json_t *annotations, *extra;
  souk_mcp_handler_fn read;  /* finishes with {"contents": [...]} (souk_mcp_call_contents) */
  void *data;
} souk_mcp_resource;

int souk_mcp_server_add_resource(souk_mcp_server *s, const souk_mcp_resource *r, souk_errinfo *e);
int souk_mcp_server_remove_resource(souk_mcp_server *s, const char *uri);

/* A template is RFC 6570 level 1: literal text and {var} expressions. A variable matches one
 * or more characters other than '/', '?' and '#' and is percent-decoded. */
typedef struct souk_mcp_resource_template {
  const char *uri_template;  /* souk://stores/{store}/products */
  const char *name;
  const char *title, *description, *mime_type;
  json_t *annotations, *extra;
  souk_mcp_handler_fn read;
  void *data;
} souk_mcp_resource_template;

int souk_mcp_server_add_template(souk_mcp_server *s, const souk_mcp_resource_template *t,
                                 souk_errinfo *e);
int souk_mcp_server_remove_template(souk_mcp_server *s, const char *uri_template);

/* Resources that exist only while the data does (a store per crawled site): the lister appends
 * resource descriptors ({"uri", "name", ...}) to `out` on every resources/list and returns 0
 * or a SOUK_E* code (the list request then fails with -32603). Reads of those URIs go through
 * the templates. One lister per server; NULL removes it. */
typedef int (*souk_mcp_resource_lister_fn)(void *data, json_t *out);
void souk_mcp_server_set_resource_lister(souk_mcp_server *s, souk_mcp_resource_lister_fn fn,
                                         void *data);

/* Tells subscribed sessions that a resource changed (notifications/resources/updated). */
void souk_mcp_server_resource_updated(souk_mcp_server *s, const char *uri);
/* Tells initialized sessions that the set of resources changed (e.g. after the lister's data
 * did). Adding or removing a registered resource or template sends it by itself. */
void souk_mcp_server_resources_changed(souk_mcp_server *s);

/* -- prompts -- */
typedef struct souk_mcp_prompt_arg {
  const char *name;
  const char *title, *description; /* or NULL */
  bool required;
} souk_mcp_prompt_arg;

typedef struct souk_mcp_prompt {
  const char *name;
  const char *title, *description;
  const souk_mcp_prompt_arg *args;
  size_t nargs;
  json_t *extra;
  souk_mcp_handler_fn get;   /* finishes with {"description"?, "messages": [...]} */
  void *data;
} souk_mcp_prompt;

int souk_mcp_server_add_prompt(souk_mcp_server *s, const souk_mcp_prompt *p, souk_errinfo *e);
int souk_mcp_server_remove_prompt(souk_mcp_server *s, const char *name);

/* -- completion (completion/complete) -- */
typedef struct souk_mcp_completion {
  bool prompt;               /* true: ref/prompt (ref is a prompt name); false: ref/resource
                              * (ref is a template's uri_template) */
  const char *ref;
  const char *argument;      /* the argument or template variable being completed */
  const char *value;         /* what the user typed so far */
  const json_t *context;     /* context.arguments: values already chosen, or NULL */
} souk_mcp_completion;

/* Ends the call with souk_mcp_call_complete(). Without a provider every completion is empty. */
typedef void (*souk_mcp_complete_fn)(souk_mcp_call *call, const souk_mcp_completion *req,
                                     void *data);
void souk_mcp_server_set_completion(souk_mcp_server *s, souk_mcp_complete_fn fn, void *data);

/* Sends notifications/message to every initialized session whose level lets it through. */
void souk_mcp_server_log(souk_mcp_server *s, souk_mcp_log_level level, const char *logger,
                         json_t *data_new);

/* ---- Sessions: the boundary with transports ---------------------------------------------- */

typedef enum souk_mcp_msg_kind {
  SOUK_MCP_MSG_RESPONSE,     /* a result or an error (or, in 2025-03-26, an array of them) */
  SOUK_MCP_MSG_NOTIFICATION,
  SOUK_MCP_MSG_REQUEST       /* sampling/createMessage, elicitation/create, ping, ... */
} souk_mcp_msg_kind;

/* One outgoing message. Borrowed for the duration of the send callback. */
typedef struct souk_mcp_message {
  const char *json;          /* one complete JSON text, compact, UTF-8, no newline */
  size_t len;
  souk_mcp_msg_kind kind;
  /* The client request this message belongs to: its own response, or a progress / log
   * notification or a server request made while handling it. NULL for unrelated messages
   * (list_changed, resources/updated, requests made outside any call). For a batch response,
   * NULL (the batch has no single id) but `origin` is set. */
  const json_t *related_id;
  /* The origin the transport passed with the incoming message the related request came in
   * (souk_mcp_session_receive_from), or NULL. A Streamable HTTP transport streams messages
   * with its POST's origin on that POST, and the others on its GET stream. */
  void *origin;
} souk_mcp_message;

typedef struct souk_mcp_transport {
  /* Sends one message. Returns 0, or a SOUK_E* code when it cannot (the message is lost and
   * logged; the session carries on). Must not free the session. */
  int (*send)(void *data, const souk_mcp_message *msg);
  /* Optional. Called once for each souk_mcp_session_receive_from() that returned 1, after the
   * last message answering it was sent (or after its requests were all cancelled): a
   * Streamable HTTP transport ends that POST's response here. May run before receive returns. */
  void (*done)(void *data, void *origin);
  /* Optional. Called whenever the number of client requests in flight drops to zero. */
  void (*idle)(void *data);
  void *data;
} souk_mcp_transport;

typedef enum souk_mcp_session_state {
  SOUK_MCP_SESSION_NEW = 0,       /* waiting for initialize (only ping is served) */
  SOUK_MCP_SESSION_INITIALIZING,  /* initialize answered, waiting for notifications/initialized */
  SOUK_MCP_SESSION_READY,         /* fully initialized */
  SOUK_MCP_SESSION_CLOSED
} souk_mcp_session_state;

/* A session of `server` talking through `t` (copied). `loop` runs the timeouts of server
 * requests; with NULL they never time out. NULL on failure with e filled. */
souk_mcp_session *souk_mcp_session_new(souk_mcp_server *server, uv_loop_t *loop,
                                       const souk_mcp_transport *t, souk_errinfo *e);

/* Ends the session: running calls are cancelled (their cancel callbacks run; their answers are
 * dropped when they finish), pending server requests complete with SOUK_ECANCELED, nothing is
 * sent any more. With a loop the memory goes when its timer has closed (run the loop). Never
 * call it from inside one of this session's transport callbacks. */
void souk_mcp_session_free(souk_mcp_session *s);

/* Feeds one complete incoming message (a line of stdio, a WebSocket text frame, an HTTP POST
 * body). Errors in the message are answered on the transport, never returned: the result is
 * 1 when an answer will be sent for it (see transport.done), 0 when not (notifications and
 * responses only), or SOUK_ESTATE when the session is closed. */
int souk_mcp_session_receive(souk_mcp_session *s, const char *bytes, size_t len);
int souk_mcp_session_receive_from(souk_mcp_session *s, const char *bytes, size_t len,
                                  void *origin);

/* For a transport that had to drop a message it could not deliver whole: answers with a
 * JSON-RPC error (id null): SOUK_ETOOBIG (-32600, too large) or anything else (-32700).
 * Returns 1 like receive_from (done follows). */
int souk_mcp_session_receive_error(souk_mcp_session *s, int err, size_t len, void *origin);

/* The transport cannot use `origin` any more (its POST stream ended early): messages that
 * would have carried it carry NULL, and done() will not be called for it. */
void souk_mcp_session_forget_origin(souk_mcp_session *s, void *origin);

souk_mcp_session_state souk_mcp_session_state_of(const souk_mcp_session *s);
/* 32 hex digits from the system's random source (an Mcp-Session-Id for HTTP). */
const char *souk_mcp_session_id(const souk_mcp_session *s);
/* Negotiated version, or NULL before initialize. */
const char *souk_mcp_session_protocol_version(const souk_mcp_session *s);
/* The client's capabilities and clientInfo from initialize (borrowed), or NULL before. */
const json_t *souk_mcp_session_client_capabilities(const souk_mcp_session *s);
const json_t *souk_mcp_session_client_info(const souk_mcp_session *s);
/* Client requests received and not yet answered. */
size_t souk_mcp_session_in_flight(const souk_mcp_session *s);
souk_mcp_server *souk_mcp_session_server(const souk_mcp_session *s);
void souk_mcp_session_set_data(souk_mcp_session *s, void *data);
void *souk_mcp_session_get_data(const souk_mcp_session *s);
/* The level set by logging/setLevel (debug until the client sets one). */
souk_mcp_log_level souk_mcp_session_log_level(const souk_mcp_session *s);

/* Sends a notification (not related to any request). 0, SOUK_ESTATE (closed) or SOUK_ENOMEM. */
int souk_mcp_session_notify(souk_mcp_session *s, const char *method, json_t *params_new);
/* notifications/message when `level` is at or above the session's level (else 0, nothing sent). */
int souk_mcp_session_log(souk_mcp_session *s, souk_mcp_log_level level, const char *logger,
                         json_t *data_new);

/* ---- Server-to-client requests ----------------------------------------------------------- */

typedef struct souk_mcp_reply {
  /* 0: `result` holds the client's result. SOUK_EIO: the client answered with an error
   * (`error`, `error_code`, `error_message`). SOUK_ETIMEDOUT: no answer in time (the client was
   * sent notifications/cancelled). SOUK_ECANCELED: the session ended first. */
  int status;
  const json_t *result;
  const json_t *error;
  int error_code;
  const char *error_message;
} souk_mcp_reply;

typedef void (*souk_mcp_reply_fn)(void *data, const souk_mcp_reply *reply);

/* Sends a request to the client. timeout_ms 0: the server's default. On success the callback
 * runs exactly once, never from inside this call; on failure never:
 *   SOUK_ESTATE (closed, or not initialized yet: only ping may go before), SOUK_ENOMEM. */
int souk_mcp_session_request(souk_mcp_session *s, const char *method, json_t *params_new,
                             unsigned timeout_ms, souk_mcp_reply_fn cb, void *data);
int souk_mcp_session_ping(souk_mcp_session *s, unsigned timeout_ms, souk_mcp_reply_fn cb,
                          void *data);
/* sampling/createMessage: params {messages, maxTokens, ...}. SOUK_EUNSUPPORTED when the client
 * did not declare `sampling` (or `sampling.tools` when params carry tools). */
int souk_mcp_session_sample(souk_mcp_session *s, json_t *params_new, unsigned timeout_ms,
                            souk_mcp_reply_fn cb, void *data);
/* elicitation/create: params {message, requestedSchema} (form) or {mode: "url", ...}.
 * SOUK_EUNSUPPORTED when the client did not declare `elicitation` (or the mode). */
int souk_mcp_session_elicit(souk_mcp_session *s, json_t *params_new, unsigned timeout_ms,
                            souk_mcp_reply_fn cb, void *data);

/* ---- Calls: one client request being answered -------------------------------------------- */

/* The session, or NULL once it has ended (the call may still finish; nothing is sent). */
souk_mcp_session *souk_mcp_call_session(const souk_mcp_call *c);
const char *souk_mcp_call_method(const souk_mcp_call *c);  /* "tools/call", ... */
const json_t *souk_mcp_call_id(const souk_mcp_call *c);
const json_t *souk_mcp_call_params(const souk_mcp_call *c); /* the request's params object */
const char *souk_mcp_call_name(const souk_mcp_call *c);    /* tool or prompt name, or NULL */
const char *souk_mcp_call_uri(const souk_mcp_call *c);     /* resources/read URI, or NULL */
/* params._meta.progressToken, or NULL when the client asked for no progress. */
const json_t *souk_mcp_call_progress_token(const souk_mcp_call *c);

/* Cancellation (notifications/cancelled, or the session ending). `fn` runs at most once, on the
 * loop thread, and never after the call finished; the handler still has to finish the call
 * (its answer is dropped). Setting it on an already cancelled call runs it at once. */
typedef void (*souk_mcp_cancel_fn)(souk_mcp_call *call, void *data, const char *reason);
void souk_mcp_call_on_cancel(souk_mcp_call *c, souk_mcp_cancel_fn fn, void *data);
bool souk_mcp_call_cancelled(const souk_mcp_call *c);

/* notifications/progress for this call when it carries a progressToken (else 0, nothing sent).
 * `progress` must grow from one notification to the next (SOUK_EINVAL otherwise); total < 0
 * and message NULL are left out. */
int souk_mcp_call_progress(souk_mcp_call *c, double progress, double total, const char *message);
/* notifications/message related to this call (filtered by the session's level). */
int souk_mcp_call_log(souk_mcp_call *c, souk_mcp_log_level level, const char *logger,
                      json_t *data_new);
/* Server-to-client requests related to this call (streamed with it over HTTP). Same rules as
 * the session variants; SOUK_ESTATE once the call's session has ended. */
int souk_mcp_call_request(souk_mcp_call *c, const char *method, json_t *params_new,
                          unsigned timeout_ms, souk_mcp_reply_fn cb, void *data);
int souk_mcp_call_sample(souk_mcp_call *c, json_t *params_new, unsigned timeout_ms,
                         souk_mcp_reply_fn cb, void *data);
int souk_mcp_call_elicit(souk_mcp_call *c, json_t *params_new, unsigned timeout_ms,
                         souk_mcp_reply_fn cb, void *data);

/* Ending a call. Each frees the call: it must not be used afterwards. The answer is dropped
 * when the call was cancelled or its session ended. Returns 0, or SOUK_EINVAL when the result
 * does not have the shape its method needs (the client then gets -32603, never a broken
 * result), or SOUK_ENOMEM.
 *   finish     the whole result object: tools/call {content, structuredContent?, isError?};
 *              resources/read {contents}; prompts/get {messages}; completion {completion}.
 *              A tools/call result without content gets one text item holding its
 *              structuredContent as JSON (or an empty list); with an outputSchema its
 *              structuredContent is checked against it. */
int souk_mcp_call_finish(souk_mcp_call *c, json_t *result_new);
/* A JSON-RPC error (a protocol failure, not a tool failure): code is a SOUK_JSONRPC_* or
 * SOUK_MCP_RESOURCE_NOT_FOUND; data_new may be NULL. */
int souk_mcp_call_fail(souk_mcp_call *c, int code, json_t *data_new, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* tools/call: a result with one text item. */
int souk_mcp_call_text(souk_mcp_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tools/call: a failed tool run the model can act on ({isError: true} and the sentence). */
int souk_mcp_call_tool_error(souk_mcp_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* tools/call: structuredContent plus the same JSON as a text item. */
int souk_mcp_call_structured(souk_mcp_call *c, json_t *structured_new);
/* resources/read: {"contents": contents_new} (an array of souk_mcp_text_contents / blob). */
int souk_mcp_call_contents(souk_mcp_call *c, json_t *contents_new);
/* completion/complete: at most 100 values are sent (hasMore is then set); total < 0: unknown. */
int souk_mcp_call_complete(souk_mcp_call *c, const char *const *values, size_t n, int64_t total,
                           bool has_more);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_MCP_H */
