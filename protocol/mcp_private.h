/* SPDX-License-Identifier: MIT */
/* What the files of protocol/ share and nobody else sees: the server, session and call
 * structures, and the souk__ functions between the dispatcher and the method handlers.
 *
 * Everything here runs on the loop thread of the server that owns it.
 */
#ifndef SOUK_PROTOCOL_MCP_PRIVATE_H
#define SOUK_PROTOCOL_MCP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "souk/mcp.h"

/* ---- Registries ---- */

typedef struct souk__tool {
  char *name;
  json_t *listing;        /* the tools/list entry */
  json_t *input_schema;   /* NULL: no arguments (anything goes to an empty object) */
  json_t *output_schema;  /* or NULL */
  souk_mcp_handler_fn handler;
  void *data;
} souk__tool;

typedef struct souk__resource {
  char *uri;
  json_t *listing;
  souk_mcp_handler_fn read;
  void *data;
} souk__resource;

typedef struct souk__template {
  char *uri_template;
  json_t *listing;
  souk_mcp_handler_fn read;
  void *data;
} souk__template;

typedef struct souk__prompt {
  char *name;
  json_t *listing;
  souk_mcp_prompt_arg *args; /* copies (strings owned) */
  size_t nargs;
  souk_mcp_handler_fn get;
  void *data;
} souk__prompt;

/* A growable array of pointers, in registration order. */
typedef struct souk__vec {
  void **items;
  size_t len, cap;
} souk__vec;

int souk__vec_push(souk__vec *v, void *item);
void souk__vec_remove(souk__vec *v, size_t i);
void souk__vec_free(souk__vec *v);

struct souk_mcp_server {
  char *name, *version, *title, *instructions;
  unsigned capabilities;
  souk_jsonrpc_limits limits;
  size_t max_batch, page_size, max_in_flight, max_subscriptions;
  unsigned request_timeout_ms;

  souk__vec tools, resources, templates, prompts;
  souk_mcp_resource_lister_fn lister;
  void *lister_data;
  souk_mcp_complete_fn complete;
  void *complete_data;

  souk_mcp_session *sessions; /* every live session, a doubly linked list */
};

souk__tool *souk__server_find_tool(const souk_mcp_server *s, const char *name);
souk__prompt *souk__server_find_prompt(const souk_mcp_server *s, const char *name);
souk__resource *souk__server_find_resource(const souk_mcp_server *s, const char *uri);
souk__template *souk__server_find_template(const souk_mcp_server *s, const char *uri_template);
/* The capabilities a session initializing now is told about. */
unsigned souk__server_capabilities(const souk_mcp_server *s);
/* Sends `method` (no params) to every ready session that was told about capability `cap`. */
void souk__server_broadcast_changed(souk_mcp_server *s, unsigned cap, const char *method);

/* ---- Sessions ---- */

typedef struct souk__batch {
  json_t *responses;  /* array collected so far */
  size_t outstanding; /* calls still running, plus one while the batch is being read */
  void *origin;
} souk__batch;

typedef struct souk__pending {
  struct souk__pending *next;
  json_int_t id;
  char *method;
  souk_mcp_reply_fn cb;
  void *data;
  uint64_t deadline;  /* uv_now() ms, 0: none */
  unsigned timeout_ms;
} souk__pending;

struct souk_mcp_session {
  souk_mcp_server *server;
  souk_mcp_session *prev, *next;
  uv_loop_t *loop;
  uv_timer_t timer;   /* initialised only with a loop */
  souk_mcp_transport t;
  souk_mcp_session_state state;
  char id[33];
  const char *version; /* a static string from souk_mcp_versions() */
  json_t *client_caps, *client_info;
  unsigned caps;       /* what initialize told the client */
  souk_mcp_log_level level;
  void *user;

  souk_mcp_call *calls; /* client requests in flight */
  size_t in_flight;
  souk__pending *pending; /* our requests awaiting an answer */
  json_int_t next_id;

  char **subs;          /* subscribed URIs */
  size_t nsubs, subs_cap;
};

/* Serialises and sends one message (taken over). 0, SOUK_ESTATE when closed, SOUK_ENOMEM, or
 * the transport's error. */
int souk__session_send(souk_mcp_session *s, json_t *msg_new, souk_mcp_msg_kind kind,
                       const json_t *related_id, void *origin);
bool souk__session_subscribed(const souk_mcp_session *s, const char *uri);
/* Server-to-client requests, with what the message relates to. */
int souk__session_request(souk_mcp_session *s, const json_t *related_id, void *origin,
                          const char *method, json_t *params_new, unsigned timeout_ms,
                          souk_mcp_reply_fn cb, void *data);
/* Fails every pending server request with SOUK_ECANCELED (session ending). */
void souk__session_fail_pending(souk_mcp_session *s);
/* A response (result or error) from the client to one of our requests. */
void souk__session_client_reply(souk_mcp_session *s, const souk_jsonrpc_msg *m);
void souk__session_arm_timer(souk_mcp_session *s);
/* notifications/message with what it relates to, filtered by the session's level. */
int souk__session_log_related(souk_mcp_session *s, souk_mcp_log_level level, const char *logger,
                              json_t *data_new, const json_t *related_id, void *origin);
/* 0 when the client declared what sampling/createMessage (elicitation/create) with these
 * params needs, SOUK_EUNSUPPORTED when not, SOUK_ESTATE when not initialized. */
int souk__sample_check(souk_mcp_session *s, const json_t *params);
int souk__elicit_check(souk_mcp_session *s, const json_t *params);

/* ---- Calls ---- */

enum souk__call_kind {
  SOUK__CALL_OTHER = 0,
  SOUK__CALL_TOOL,
  SOUK__CALL_RESOURCE,
  SOUK__CALL_PROMPT,
  SOUK__CALL_COMPLETE
};

struct souk_mcp_call {
  souk_mcp_session *session; /* NULL once orphaned */
  souk_mcp_call *prev, *next;
  const char *method;        /* static string of the dispatch table */
  json_t *id;
  json_t *params;            /* always an object */
  json_t *args;              /* what the handler was given (owned), or NULL */
  const char *name, *uri;    /* point into params */
  const json_t *progress_token;
  double last_progress;
  bool progressed;
  void *origin;
  souk__batch *batch;
  enum souk__call_kind kind;
  json_t *output_schema;     /* tools with an outputSchema */
  bool cancelled, cancel_fired;
  souk_mcp_cancel_fn cancel_fn;
  void *cancel_data;
  char *cancel_reason;
};

/* Ends a call with a complete JSON-RPC response (taken over; NULL: none). Frees the call. */
void souk__call_end(souk_mcp_call *c, json_t *response_new);
/* Marks a call cancelled and runs its cancel callback once. */
void souk__call_cancel(souk_mcp_call *c, const char *reason);
/* Takes a call out of its session (session ending): no answer will be sent. */
void souk__call_orphan(souk_mcp_call *c);
void souk__batch_release(souk_mcp_session *s, souk__batch *b);

/* ---- Method handlers (each ends the call, now or later) ---- */

void souk__m_initialize(souk_mcp_call *c);
void souk__m_ping(souk_mcp_call *c);
void souk__m_tools_list(souk_mcp_call *c);
void souk__m_tools_call(souk_mcp_call *c);
void souk__m_resources_list(souk_mcp_call *c);
void souk__m_resources_templates_list(souk_mcp_call *c);
void souk__m_resources_read(souk_mcp_call *c);
void souk__m_resources_subscribe(souk_mcp_call *c);
void souk__m_resources_unsubscribe(souk_mcp_call *c);
void souk__m_prompts_list(souk_mcp_call *c);
void souk__m_prompts_get(souk_mcp_call *c);
void souk__m_completion_complete(souk_mcp_call *c);
void souk__m_logging_set_level(souk_mcp_call *c);

/* Checks a call's result before it is sent (tools: content, outputSchema). 0 or SOUK_EINVAL
 * with why. May add members (content from structuredContent). */
int souk__tools_check_result(souk_mcp_call *c, json_t *result, char *why, size_t whylen);

/* ---- Helpers ---- */

/* One page of `all` (an array) as {key: page, nextCursor?}, from params.cursor. NULL with
 * *bad_cursor set when the cursor is not one of ours, or NULL when out of memory. */
json_t *souk__paginate(const json_t *all, const char *key, const json_t *params,
                       size_t page_size, bool *bad_cursor);

/* RFC 6570 level 1: 0 when the template is usable, else SOUK_EINVAL with why. */
int souk__uri_template_check(const char *tmpl, char *why, size_t whylen);
/* 1 and *vars_out (a new object of decoded variables) when uri matches, 0 when not,
 * SOUK_ENOMEM. */
int souk__uri_template_match(const char *tmpl, const char *uri, json_t **vars_out);
/* True when the template has a variable `name`. */
bool souk__uri_template_has_var(const char *tmpl, const char *name);

/* Tool names: 1-128 of [A-Za-z0-9_.-]. */
bool souk__name_valid(const char *name);
char *souk__strdup(const char *s); /* NULL for NULL */

#endif /* SOUK_PROTOCOL_MCP_PRIVATE_H */
