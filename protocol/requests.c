/* SPDX-License-Identifier: MIT */
/* Messages the server starts: requests to the client (ping, sampling, elicitation) with their
 * timeouts and answers, and log notifications filtered by the session's level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mcp_private.h"

/* ---- pending requests and their timeouts ---- */

static void pending_free(souk__pending *p) {
  free(p->method);
  free(p);
}

/* Takes p out of the session's list. */
static void pending_unlink(souk_mcp_session *s, souk__pending *p) {
  for (souk__pending **pp = &s->pending; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      p->next = NULL;
      return;
    }
}

static void on_timer(uv_timer_t *t) {
  souk_mcp_session *s = t->data;
  uint64_t now = uv_now(s->loop);
  for (;;) {
    souk__pending *p = s->pending;
    while (p && !(p->deadline && p->deadline <= now))
      p = p->next;
    if (!p || s->state == SOUK_MCP_SESSION_CLOSED)
      break;
    pending_unlink(s, p);
    char reason[120];
    snprintf(reason, sizeof reason, "no answer to %s within %u ms", p->method, p->timeout_ms);
    SOUK_INFO(MCP, "session %s: %s", s->id, reason);
    json_t *params = json_pack("{s:I,s:s}", "requestId", (json_int_t)p->id, "reason", reason);
    souk__session_send(s, souk_jsonrpc_notification("notifications/cancelled", params),
                       SOUK_MCP_MSG_NOTIFICATION, NULL, NULL);
    souk_mcp_reply r = {SOUK_ETIMEDOUT, NULL, NULL, 0, reason};
    p->cb(p->data, &r);
    pending_free(p);
  }
  souk__session_arm_timer(s);
}

void souk__session_arm_timer(souk_mcp_session *s) {
  if (!s->loop || s->state == SOUK_MCP_SESSION_CLOSED)
    return;
  uint64_t next = 0;
  for (souk__pending *p = s->pending; p; p = p->next)
    if (p->deadline && (!next || p->deadline < next))
      next = p->deadline;
  if (!next) {
    uv_timer_stop(&s->timer);
    return;
  }
  uint64_t now = uv_now(s->loop);
  uv_timer_start(&s->timer, on_timer, next > now ? next - now : 0, 0);
}

void souk__session_fail_pending(souk_mcp_session *s) {
  while (s->pending) {
    souk__pending *p = s->pending;
    s->pending = p->next;
    souk_mcp_reply r = {SOUK_ECANCELED, NULL, NULL, 0, "the session ended"};
    p->cb(p->data, &r);
    pending_free(p);
  }
}

void souk__session_client_reply(souk_mcp_session *s, const souk_jsonrpc_msg *m) {
  souk__pending *p = s->pending;
  if (json_is_integer(m->id))
    while (p && p->id != json_integer_value(m->id))
      p = p->next;
  else
    p = NULL;
  if (!p) {
    char idt[80];
    SOUK_DEBUG(MCP, "session %s: a response with id %s answers no request of ours; dropped",
               s->id, souk_jsonrpc_id_text(m->id, idt, sizeof idt));
    return;
  }
  pending_unlink(s, p);
  souk_mcp_reply r = {0, NULL, NULL, 0, NULL};
  if (m->kind == SOUK_JSONRPC_RESULT) {
    r.result = m->result;
  } else {
    r.status = SOUK_EIO;
    r.error = m->error;
    r.error_code = (int)json_integer_value(json_object_get(m->error, "code"));
    r.error_message = json_string_value(json_object_get(m->error, "message"));
  }
  p->cb(p->data, &r);
  pending_free(p);
  souk__session_arm_timer(s);
}

int souk__session_request(souk_mcp_session *s, const json_t *related_id, void *origin,
                          const char *method, json_t *params_new, unsigned timeout_ms,
                          souk_mcp_reply_fn cb, void *data) {
  if (!s || !method || !cb) {
    json_decref(params_new);
    return SOUK_EINVAL;
  }
  if (s->state == SOUK_MCP_SESSION_CLOSED ||
      (strcmp(method, "ping") != 0 && s->state != SOUK_MCP_SESSION_READY)) {
    json_decref(params_new);
    return SOUK_ESTATE;
  }
  souk__pending *p = calloc(1, sizeof *p);
  json_t *id = json_integer(s->next_id + 1);
  if (!p || !id || !(p->method = strdup(method))) {
    free(p);
    json_decref(id);
    json_decref(params_new);
    return SOUK_ENOMEM;
  }
  json_t *msg = souk_jsonrpc_request(id, method, params_new);
  json_decref(id);
  if (!msg) {
    pending_free(p);
    return SOUK_ENOMEM;
  }
  p->id = ++s->next_id;
  p->cb = cb;
  p->data = data;
  p->timeout_ms = timeout_ms ? timeout_ms : s->server->request_timeout_ms;
  if (s->loop)
    p->deadline = uv_now(s->loop) + p->timeout_ms;
  /* appended, so that timeouts fire in the order the requests went */
  souk__pending **pp = &s->pending;
  while (*pp)
    pp = &(*pp)->next;
  *pp = p;
  int rc = souk__session_send(s, msg, SOUK_MCP_MSG_REQUEST, related_id, origin);
  if (rc) {
    pending_unlink(s, p);
    pending_free(p);
    return rc;
  }
  souk__session_arm_timer(s);
  return 0;
}

int souk_mcp_session_request(souk_mcp_session *s, const char *method, json_t *params_new,
                             unsigned timeout_ms, souk_mcp_reply_fn cb, void *data) {
  return souk__session_request(s, NULL, NULL, method, params_new, timeout_ms, cb, data);
}

int souk_mcp_session_ping(souk_mcp_session *s, unsigned timeout_ms, souk_mcp_reply_fn cb,
                          void *data) {
  return souk__session_request(s, NULL, NULL, "ping", NULL, timeout_ms, cb, data);
}

/* ---- capability checks ---- */

int souk__sample_check(souk_mcp_session *s, const json_t *params) {
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED || !s->client_caps)
    return SOUK_ESTATE;
  if (!json_is_object(params))
    return SOUK_EINVAL;
  const json_t *sampling = json_object_get(s->client_caps, "sampling");
  if (!json_is_object(sampling))
    return SOUK_EUNSUPPORTED;
  if (json_object_get(params, "tools") && !json_object_get(sampling, "tools"))
    return SOUK_EUNSUPPORTED;
  return 0;
}

int souk__elicit_check(souk_mcp_session *s, const json_t *params) {
  if (!s || s->state == SOUK_MCP_SESSION_CLOSED || !s->client_caps)
    return SOUK_ESTATE;
  if (!json_is_object(params))
    return SOUK_EINVAL;
  const json_t *el = json_object_get(s->client_caps, "elicitation");
  if (!json_is_object(el))
    return SOUK_EUNSUPPORTED;
  const char *mode = json_string_value(json_object_get(params, "mode"));
  if (mode && strcmp(mode, "url") == 0)
    return json_object_get(el, "url") ? 0 : SOUK_EUNSUPPORTED;
  /* form mode: an empty elicitation object (clients before 2025-11-25) means form */
  if (json_object_size(el) == 0 || json_object_get(el, "form"))
    return 0;
  return SOUK_EUNSUPPORTED;
}

int souk_mcp_session_sample(souk_mcp_session *s, json_t *params_new, unsigned timeout_ms,
                            souk_mcp_reply_fn cb, void *data) {
  int rc = souk__sample_check(s, params_new);
  if (rc) {
    json_decref(params_new);
    return rc;
  }
  return souk__session_request(s, NULL, NULL, "sampling/createMessage", params_new, timeout_ms,
                               cb, data);
}

int souk_mcp_session_elicit(souk_mcp_session *s, json_t *params_new, unsigned timeout_ms,
                            souk_mcp_reply_fn cb, void *data) {
  int rc = souk__elicit_check(s, params_new);
  if (rc) {
    json_decref(params_new);
    return rc;
  }
  return souk__session_request(s, NULL, NULL, "elicitation/create", params_new, timeout_ms, cb,
                               data);
}

/* ---- logging to the client ---- */

int souk__session_log_related(souk_mcp_session *s, souk_mcp_log_level level, const char *logger,
                              json_t *data_new, const json_t *related_id, void *origin) {
  if (!s) {
    json_decref(data_new);
    return SOUK_EINVAL;
  }
  if (s->state == SOUK_MCP_SESSION_CLOSED) {
    json_decref(data_new);
    return SOUK_ESTATE;
  }
  /* Nothing before initialize; afterwards everything at or above the client's level. */
  if (s->state == SOUK_MCP_SESSION_NEW || level < s->level || !(s->caps & SOUK_MCP_CAP_LOGGING)) {
    json_decref(data_new);
    return 0;
  }
  json_t *p = json_object();
  if (!p) {
    json_decref(data_new);
    return SOUK_ENOMEM;
  }
  json_object_set_new(p, "level", json_string(souk_mcp_log_level_name(level)));
  if (logger) {
    json_t *l = json_string(logger);
    if (l)
      json_object_set_new(p, "logger", l);
  }
  json_object_set_new(p, "data", data_new ? data_new : json_null());
  return souk__session_send(s, souk_jsonrpc_notification("notifications/message", p),
                            SOUK_MCP_MSG_NOTIFICATION, related_id, origin);
}

int souk_mcp_session_log(souk_mcp_session *s, souk_mcp_log_level level, const char *logger,
                         json_t *data_new) {
  return souk__session_log_related(s, level, logger, data_new, NULL, NULL);
}
