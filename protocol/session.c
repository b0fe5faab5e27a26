/* SPDX-License-Identifier: MIT */
/* An MCP session: where a transport's whole messages become JSON-RPC requests, notifications
 * and responses, are checked against the lifecycle, and are dispatched to method handlers;
 * and where every outgoing message leaves through the transport's send callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"
#include "mcp_private.h"

/* ---- creation and teardown ---- */

static void make_id(char out[33]) {
  unsigned char r[16];
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = getrandom(r + got, sizeof r - got, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  if (got < sizeof r) { /* no random source: still unique within the process */
    static unsigned long counter;
    uint64_t t = uv_hrtime() ^ (uint64_t)(uintptr_t)out;
    memcpy(r, &t, 8);
    counter++;
    memcpy(r + 8, &counter, sizeof counter < 8 ? sizeof counter : 8);
  }
  for (size_t i = 0; i < sizeof r; i++)
    snprintf(out + 2 * i, 3, "%02x", r[i]);
}


souk_mcp_session *souk_mcp_session_new(souk_mcp_server *server, uv_loop_t *loop,
                                       const souk_mcp_transport *t, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!server || !t || !t->send) {
    souk_errinfo_set(e, SOUK_EINVAL, "an MCP session needs a server and a transport send callback");
    return NULL;
  }
  souk_mcp_session *s = calloc(1, sizeof *s);
  if (!s) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory creating an MCP session");
    return NULL;
  }
  s->server = server;
  s->loop = loop;
  s->t = *t;
  s->level = SOUK_MCP_LOG_DEBUG;
  make_id(s->id);
  if (loop) {
    int rc = uv_timer_init(loop, &s->timer);
    if (rc) {
      free(s);
      souk_errinfo_set(e, SOUK_EIO, "cannot create the session's timer: %s", uv_strerror(rc));
      return NULL;
    }
    s->timer.data = s;
  }
  s->next = server->sessions;
  if (server->sessions)
    server->sessions->prev = s;
  server->sessions = s;
  SOUK_DEBUG(MCP, "session %s opened", s->id);
  return s;
}

static void on_timer_closed(uv_handle_t *h) {
  free(h->data);
}

void souk_mcp_session_free(souk_mcp_session *s) {
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED)
    return;
  SOUK_DEBUG(MCP, "session %s closing (%zu calls in flight)", s->id, s->in_flight);
  s->state = SOUK_MCP_SESSION_CLOSED;
  if (s->prev)
    s->prev->next = s->next;
  else if (s->server->sessions == s)
    s->server->sessions = s->next;
  if (s->next)
    s->next->prev = s->prev;
  s->prev = s->next = NULL;
  /* One at a time from the head: a cancel callback may finish other calls of the list. */
  while (s->calls) {
    souk_mcp_call *c = s->calls;
    souk__call_orphan(c);
    souk__call_cancel(c, "the session ended");
  }
  souk__session_fail_pending(s);
  for (size_t i = 0; i < s->nsubs; i++)
    free(s->subs[i]);
  free(s->subs);
  s->subs = NULL;
  s->nsubs = 0;
  json_decref(s->client_caps);
  json_decref(s->client_info);
  s->client_caps = s->client_info = NULL;
  if (s->loop) {
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_timer_closed);
  } else {
    free(s);
  }
}

/* ---- accessors ---- */

souk_mcp_session_state souk_mcp_session_state_of(const souk_mcp_session *s) {
  return s ? s->state : SOUK_MCP_SESSION_CLOSED;
}
const char *souk_mcp_session_id(const souk_mcp_session *s) { return s ? s->id : NULL; }
const char *souk_mcp_session_protocol_version(const souk_mcp_session *s) {
  return s ? s->version : NULL;
}
const json_t *souk_mcp_session_client_capabilities(const souk_mcp_session *s) {
  return s ? s->client_caps : NULL;
}
const json_t *souk_mcp_session_client_info(const souk_mcp_session *s) {
  return s ? s->client_info : NULL;
}
size_t souk_mcp_session_in_flight(const souk_mcp_session *s) { return s ? s->in_flight : 0; }
souk_mcp_server *souk_mcp_session_server(const souk_mcp_session *s) { return s ? s->server : NULL; }
void souk_mcp_session_set_data(souk_mcp_session *s, void *data) {
  if (s)
    s->user = data;
}
void *souk_mcp_session_get_data(const souk_mcp_session *s) { return s ? s->user : NULL; }
souk_mcp_log_level souk_mcp_session_log_level(const souk_mcp_session *s) {
  return s ? s->level : SOUK_MCP_LOG_DEBUG;
}

bool souk__session_subscribed(const souk_mcp_session *s, const char *uri) {
  for (size_t i = 0; i < s->nsubs; i++)
    if (strcmp(s->subs[i], uri) == 0)
      return true;
  return false;
}

/* ---- sending ---- */

int souk__session_send(souk_mcp_session *s, json_t *msg_new, souk_mcp_msg_kind kind,
                       const json_t *related_id, void *origin) {
  if (!msg_new)
    return SOUK_ENOMEM;
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED) {
    json_decref(msg_new);
    return SOUK_ESTATE;
  }
  char *text = json_dumps(msg_new, JSON_COMPACT);
  json_decref(msg_new);
  if (!text)
    return SOUK_ENOMEM;
  souk_mcp_message m = {text, strlen(text), kind, related_id, origin};
  SOUK_TRACE(MCP, "session %s -> %s", s->id, text);
  int rc = s->t.send(s->t.data, &m);
  if (rc)
    SOUK_WARN(MCP, "session %s: the transport could not send a message: %s", s->id,
              souk_strerror(rc));
  free(text);
  return rc;
}

int souk_mcp_session_notify(souk_mcp_session *s, const char *method, json_t *params_new) {
  if (!s || !method) {
    json_decref(params_new);
    return SOUK_EINVAL;
  }
  if (s->state == SOUK_MCP_SESSION_CLOSED) {
    json_decref(params_new);
    return SOUK_ESTATE;
  }
  return souk__session_send(s, souk_jsonrpc_notification(method, params_new),
                            SOUK_MCP_MSG_NOTIFICATION, NULL, NULL);
}

/* ---- answering ---- */

/* Answers a request that never became a call (an invalid element, a refused message). */
static void answer_now(souk_mcp_session *s, souk__batch *b, void *origin, json_t *resp) {
  if (!resp)
    return;
  if (b) {
    json_array_append_new(b->responses, resp);
    return;
  }
  souk__session_send(s, resp, SOUK_MCP_MSG_RESPONSE, json_object_get(resp, "id"), origin);
  if (origin && s->t.done && s->state != SOUK_MCP_SESSION_CLOSED)
    s->t.done(s->t.data, origin);
}

void souk__batch_release(souk_mcp_session *s, souk__batch *b) {
  if (--b->outstanding)
    return;
  if (s && s->state != SOUK_MCP_SESSION_CLOSED) {
    if (json_array_size(b->responses))
      souk__session_send(s, json_incref(b->responses), SOUK_MCP_MSG_RESPONSE, NULL, b->origin);
    if (b->origin && s->t.done)
      s->t.done(s->t.data, b->origin);
  }
  json_decref(b->responses);
  free(b);
}

void souk_mcp_session_forget_origin(souk_mcp_session *s, void *origin) {
  if (!s || !origin)
    return;
  for (souk_mcp_call *c = s->calls; c; c = c->next) {
    if (c->origin == origin)
      c->origin = NULL;
    if (c->batch && c->batch->origin == origin)
      c->batch->origin = NULL;
  }
}

/* ---- dispatch ---- */

typedef void (*method_fn)(souk_mcp_call *c);

static const struct method {
  const char *name;
  unsigned cap;       /* capability the server must have advertised, 0: none */
  bool before_init;   /* allowed before initialize */
  method_fn fn;
} methods[] = {
    {"initialize", 0, true, souk__m_initialize},
    {"ping", 0, true, souk__m_ping},
    {"tools/list", SOUK_MCP_CAP_TOOLS, false, souk__m_tools_list},
    {"tools/call", SOUK_MCP_CAP_TOOLS, false, souk__m_tools_call},
    {"resources/list", SOUK_MCP_CAP_RESOURCES, false, souk__m_resources_list},
    {"resources/templates/list", SOUK_MCP_CAP_RESOURCES, false, souk__m_resources_templates_list},
    {"resources/read", SOUK_MCP_CAP_RESOURCES, false, souk__m_resources_read},
    {"resources/subscribe", SOUK_MCP_CAP_RESOURCES, false, souk__m_resources_subscribe},
    {"resources/unsubscribe", SOUK_MCP_CAP_RESOURCES, false, souk__m_resources_unsubscribe},
    {"prompts/list", SOUK_MCP_CAP_PROMPTS, false, souk__m_prompts_list},
    {"prompts/get", SOUK_MCP_CAP_PROMPTS, false, souk__m_prompts_get},
    {"completion/complete", SOUK_MCP_CAP_COMPLETIONS, false, souk__m_completion_complete},
    {"logging/setLevel", SOUK_MCP_CAP_LOGGING, false, souk__m_logging_set_level},
};

static const struct method *find_method(const char *name) {
  for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
    if (strcmp(methods[i].name, name) == 0)
      return &methods[i];
  return NULL;
}

static souk_mcp_call *find_call(souk_mcp_session *s, const json_t *id) {
  for (souk_mcp_call *c = s->calls; c; c = c->next)
    if (json_equal(c->id, (json_t *)id))
      return c;
  return NULL;
}

/* Returns 1 when the element gets an answer (now or later), 0 when not. */
static int handle_request(souk_mcp_session *s, const souk_jsonrpc_msg *m, souk__batch *b,
                          void *origin) {
  const struct method *meth = find_method(m->method);
  char text[300];
  if (s->state == SOUK_MCP_SESSION_NEW && !(meth && meth->before_init)) {
    snprintf(text, sizeof text, "Invalid Request: the session is not initialized: send "
             "initialize (and notifications/initialized) before '%s'", m->method);
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_INVALID_REQUEST, text, NULL));
    return 1;
  }
  if (!meth || (meth->cap && !(s->caps & meth->cap))) {
    snprintf(text, sizeof text, "Method not found: %s", m->method);
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_METHOD_NOT_FOUND, text, NULL));
    return 1;
  }
  if (m->params && !json_is_object(m->params)) {
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_INVALID_PARAMS,
                                                "Invalid params: params must be an object", NULL));
    return 1;
  }
  if (find_call(s, m->id)) {
    char idt[80];
    snprintf(text, sizeof text, "Invalid Request: id %s is already in use by a request in flight",
             souk_jsonrpc_id_text(m->id, idt, sizeof idt));
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_INVALID_REQUEST, text, NULL));
    return 1;
  }
  if (s->in_flight >= s->server->max_in_flight) {
    snprintf(text, sizeof text, "Internal error: the server is busy with %zu requests; retry "
             "later", s->in_flight);
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_INTERNAL_ERROR, text, NULL));
    return 1;
  }
  souk_mcp_call *c = calloc(1, sizeof *c);
  json_t *params = m->params ? json_incref((json_t *)m->params) : json_object();
  json_t *id = json_deep_copy(m->id);
  if (!c || !params || !id) {
    free(c);
    json_decref(params);
    json_decref(id);
    answer_now(s, b, origin, souk_jsonrpc_error(m->id, SOUK_JSONRPC_INTERNAL_ERROR,
                                                "Internal error: out of memory", NULL));
    return 1;
  }
  c->session = s;
  c->method = meth->name;
  c->id = id;
  c->params = params;
  c->origin = b ? b->origin : origin;
  c->batch = b;
  if (b)
    b->outstanding++;
  const json_t *meta = json_object_get(params, "_meta");
  const json_t *tok = json_object_get(meta, "progressToken");
  if (souk_jsonrpc_id_valid(tok))
    c->progress_token = tok;
  c->next = s->calls;
  if (s->calls)
    s->calls->prev = c;
  s->calls = c;
  s->in_flight++;
  meth->fn(c);
  return 1;
}

static void handle_notification(souk_mcp_session *s, const souk_jsonrpc_msg *m) {
  if (strcmp(m->method, "notifications/initialized") == 0) {
    if (s->state == SOUK_MCP_SESSION_INITIALIZING) {
      s->state = SOUK_MCP_SESSION_READY;
      SOUK_DEBUG(MCP, "session %s ready (protocol %s)", s->id, s->version);
    } else if (s->state == SOUK_MCP_SESSION_NEW) {
      SOUK_WARN(MCP, "session %s: notifications/initialized before initialize; ignored", s->id);
    }
    return;
  }
  if (strcmp(m->method, "notifications/cancelled") == 0) {
    const json_t *rid = json_object_get(m->params, "requestId");
    const json_t *reason = json_object_get(m->params, "reason");
    souk_mcp_call *c = souk_jsonrpc_id_valid(rid) ? find_call(s, rid) : NULL;
    if (!c) {
      SOUK_DEBUG(MCP, "session %s: cancellation of a request not in flight; ignored", s->id);
      return;
    }
    if (strcmp(c->method, "initialize") == 0) {
      SOUK_WARN(MCP, "session %s: initialize cannot be cancelled; ignored", s->id);
      return;
    }
    souk__call_cancel(c, json_is_string(reason) ? json_string_value(reason) : "cancelled by the client");
    return;
  }
  /* notifications/progress (for our requests), roots/list_changed, elicitation/complete and
   * anything newer: nothing to do. */
  SOUK_DEBUG(MCP, "session %s: notification %s ignored", s->id, m->method);
}

/* Handles one message element. Returns 1 when it gets an answer. */
static int handle_one(souk_mcp_session *s, const json_t *v, souk__batch *b, void *origin) {
  souk_jsonrpc_msg m;
  souk_jsonrpc_classify(v, &m);
  switch (m.kind) {
  case SOUK_JSONRPC_INVALID:
    if (!m.reply) {
      SOUK_DEBUG(MCP, "session %s: dropped a bad response: %s", s->id, m.error_text);
      return 0;
    }
    answer_now(s, b, origin, souk_jsonrpc_error(m.id, m.error_code, m.error_text, NULL));
    return 1;
  case SOUK_JSONRPC_REQUEST:
    if (b && strcmp(m.method, "initialize") == 0) {
      answer_now(s, b, origin, souk_jsonrpc_error(m.id, SOUK_JSONRPC_INVALID_REQUEST,
                 "Invalid Request: initialize must not be part of a JSON-RPC batch", NULL));
      return 1;
    }
    return handle_request(s, &m, b, origin);
  case SOUK_JSONRPC_NOTIFICATION:
    handle_notification(s, &m);
    return 0;
  case SOUK_JSONRPC_RESULT:
  case SOUK_JSONRPC_ERROR:
    souk__session_client_reply(s, &m);
    return 0;
  }
  return 0;
}

int souk_mcp_session_receive_error(souk_mcp_session *s, int err, size_t len, void *origin) {
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED)
    return SOUK_ESTATE;
  char text[200];
  int code;
  if (err == SOUK_ETOOBIG) {
    code = SOUK_JSONRPC_INVALID_REQUEST;
    snprintf(text, sizeof text, "Invalid Request: message of %zu bytes or more exceeds the limit "
             "of %zu bytes", len, s->server->limits.max_bytes);
  } else {
    code = SOUK_JSONRPC_PARSE_ERROR;
    snprintf(text, sizeof text, "Parse error: the transport could not read the message (%s)",
             souk_strerror(err));
  }
  SOUK_DEBUG(MCP, "session %s: %s", s->id, text);
  answer_now(s, NULL, origin, souk_jsonrpc_error(NULL, code, text, NULL));
  return 1;
}

int souk_mcp_session_receive(souk_mcp_session *s, const char *bytes, size_t len) {
  return souk_mcp_session_receive_from(s, bytes, len, NULL);
}

int souk_mcp_session_receive_from(souk_mcp_session *s, const char *bytes, size_t len,
                                  void *origin) {
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED)
    return SOUK_ESTATE;
  if (souk_log_enabled(SOUK_LOG_SUB_MCP, SOUK_LOG_TRACE))
    souk_log_write(SOUK_LOG_SUB_MCP, SOUK_LOG_TRACE, "session %s <- %.*s", s->id,
                   len > 2000 ? 2000 : (int)len, bytes ? bytes : "");
  int code;
  char why[256];
  json_t *v = souk_jsonrpc_parse(bytes, len, &s->server->limits, &code, why, sizeof why);
  if (!v) {
    SOUK_DEBUG(MCP, "session %s: %s", s->id, why);
    answer_now(s, NULL, origin, souk_jsonrpc_error(NULL, code, why, NULL));
    return 1;
  }
  int answered;
  if (json_is_array(v)) {
    const char *refusal = NULL;
    char text[200];
    if (s->state == SOUK_MCP_SESSION_NEW)
      refusal = "Invalid Request: a JSON-RPC batch cannot come before initialize";
    else if (!souk_mcp_version_allows_batch(s->version)) {
      snprintf(text, sizeof text, "Invalid Request: protocol version %s does not allow JSON-RPC "
               "batches; send one message at a time", s->version);
      refusal = text;
    } else if (json_array_size(v) == 0) {
      refusal = "Invalid Request: empty batch";
    } else if (json_array_size(v) > s->server->max_batch) {
      snprintf(text, sizeof text, "Invalid Request: batch of %zu messages exceeds the limit of "
               "%zu", json_array_size(v), s->server->max_batch);
      refusal = text;
    }
    if (refusal) {
      answer_now(s, NULL, origin,
                 souk_jsonrpc_error(NULL, SOUK_JSONRPC_INVALID_REQUEST, refusal, NULL));
      json_decref(v);
      return 1;
    }
    souk__batch *b = calloc(1, sizeof *b);
    if (!b || !(b->responses = json_array())) {
      free(b);
      answer_now(s, NULL, origin, souk_jsonrpc_error(NULL, SOUK_JSONRPC_INTERNAL_ERROR,
                                                     "Internal error: out of memory", NULL));
      json_decref(v);
      return 1;
    }
    b->origin = origin;
    b->outstanding = 1; /* held while the elements are read */
    answered = 0;
    size_t i;
    json_t *el;
    json_array_foreach(v, i, el)
      answered |= handle_one(s, el, b, origin);
    if (!answered)
      b->origin = NULL; /* nothing to answer: no done() either */
    souk__batch_release(s, b);
  } else {
    answered = handle_one(s, v, NULL, origin);
  }
  json_decref(v);
  return answered;
}
