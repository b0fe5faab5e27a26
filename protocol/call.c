/* SPDX-License-Identifier: MIT */
/* The call context: how a handler answers one client request, now or later, exactly once,
 * and what it can do meanwhile (progress, logs, server requests, noticing cancellation). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mcp_private.h"
#include "souk/mcp_content.h"

static void unlink_call(souk_mcp_session *s, souk_mcp_call *c) {
  if (c->prev)
    c->prev->next = c->next;
  else if (s->calls == c)
    s->calls = c->next;
  if (c->next)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  s->in_flight--;
}

static void call_free(souk_mcp_call *c) {
  json_decref(c->id);
  json_decref(c->params);
  json_decref(c->args);
  json_decref(c->output_schema);
  free(c->cancel_reason);
  free(c);
}

void souk__call_orphan(souk_mcp_call *c) {
  souk_mcp_session *s = c->session;
  if (!s)
    return;
  unlink_call(s, c);
  c->session = NULL;
  if (c->batch) {
    souk__batch_release(s, c->batch); /* the session is closed: nothing is sent */
    c->batch = NULL;
  }
}

void souk__call_cancel(souk_mcp_call *c, const char *reason) {
  if (c->cancelled)
    return;
  c->cancelled = true;
  free(c->cancel_reason);
  c->cancel_reason = souk__strdup(reason);
  SOUK_DEBUG(MCP, "%s cancelled: %s", c->method, reason ? reason : "");
  if (c->cancel_fn && !c->cancel_fired) {
    c->cancel_fired = true;
    c->cancel_fn(c, c->cancel_data, c->cancel_reason);
  }
}

void souk__call_end(souk_mcp_call *c, json_t *response_new) {
  souk_mcp_session *s = c->session;
  if (!s) { /* orphaned: the session is gone */
    json_decref(response_new);
    call_free(c);
    return;
  }
  bool open = s->state != SOUK_MCP_SESSION_CLOSED;
  if (c->cancelled || !open) {
    json_decref(response_new);
    response_new = NULL;
  }
  if (response_new && c->batch)
    json_array_append_new(c->batch->responses, response_new);
  else if (response_new)
    souk__session_send(s, response_new, SOUK_MCP_MSG_RESPONSE, c->id, c->origin);
  unlink_call(s, c);
  if (c->batch)
    souk__batch_release(s, c->batch);
  else if (c->origin && open && s->t.done)
    s->t.done(s->t.data, c->origin);
  if (open && s->in_flight == 0 && s->t.idle)
    s->t.idle(s->t.data);
  call_free(c);
}

/* ---- accessors ---- */

souk_mcp_session *souk_mcp_call_session(const souk_mcp_call *c) { return c ? c->session : NULL; }
const char *souk_mcp_call_method(const souk_mcp_call *c) { return c ? c->method : NULL; }
const json_t *souk_mcp_call_id(const souk_mcp_call *c) { return c ? c->id : NULL; }
const json_t *souk_mcp_call_params(const souk_mcp_call *c) { return c ? c->params : NULL; }
const char *souk_mcp_call_name(const souk_mcp_call *c) { return c ? c->name : NULL; }
const char *souk_mcp_call_uri(const souk_mcp_call *c) { return c ? c->uri : NULL; }
const json_t *souk_mcp_call_progress_token(const souk_mcp_call *c) {
  return c ? c->progress_token : NULL;
}
bool souk_mcp_call_cancelled(const souk_mcp_call *c) { return c && c->cancelled; }

void souk_mcp_call_on_cancel(souk_mcp_call *c, souk_mcp_cancel_fn fn, void *data) {
  if (!c)
    return;
  c->cancel_fn = fn;
  c->cancel_data = data;
  if (fn && c->cancelled && !c->cancel_fired) {
    c->cancel_fired = true;
    fn(c, data, c->cancel_reason);
  }
}

/* ---- things a running call sends ---- */

int souk_mcp_call_progress(souk_mcp_call *c, double progress, double total, const char *message) {
  if (!c)
    return SOUK_EINVAL;
  if (!c->progress_token || !c->session || c->cancelled)
    return 0;
  if (c->progressed && !(progress > c->last_progress))
    return SOUK_EINVAL;
  c->progressed = true;
  c->last_progress = progress;
  json_t *p = json_object();
  if (!p)
    return SOUK_ENOMEM;
  json_object_set(p, "progressToken", (json_t *)c->progress_token);
  json_object_set_new(p, "progress", json_real(progress));
  if (total >= 0)
    json_object_set_new(p, "total", json_real(total));
  if (message) {
    json_t *m = json_string(message);
    if (m)
      json_object_set_new(p, "message", m);
  }
  return souk__session_send(c->session, souk_jsonrpc_notification("notifications/progress", p),
                            SOUK_MCP_MSG_NOTIFICATION, c->id, c->origin);
}

int souk_mcp_call_log(souk_mcp_call *c, souk_mcp_log_level level, const char *logger,
                      json_t *data_new) {
  if (!c || !c->session) {
    json_decref(data_new);
    return c ? SOUK_ESTATE : SOUK_EINVAL;
  }
  return souk__session_log_related(c->session, level, logger, data_new, c->id, c->origin);
}

int souk_mcp_call_request(souk_mcp_call *c, const char *method, json_t *params_new,
                          unsigned timeout_ms, souk_mcp_reply_fn cb, void *data) {
  if (!c || !c->session) {
    json_decref(params_new);
    return c ? SOUK_ESTATE : SOUK_EINVAL;
  }
  return souk__session_request(c->session, c->id, c->origin, method, params_new, timeout_ms, cb,
                               data);
}

int souk_mcp_call_sample(souk_mcp_call *c, json_t *params_new, unsigned timeout_ms,
                         souk_mcp_reply_fn cb, void *data) {
  int rc = c && c->session ? souk__sample_check(c->session, params_new) : SOUK_ESTATE;
  if (rc) {
    json_decref(params_new);
    return rc;
  }
  return souk_mcp_call_request(c, "sampling/createMessage", params_new, timeout_ms, cb, data);
}

int souk_mcp_call_elicit(souk_mcp_call *c, json_t *params_new, unsigned timeout_ms,
                         souk_mcp_reply_fn cb, void *data) {
  int rc = c && c->session ? souk__elicit_check(c->session, params_new) : SOUK_ESTATE;
  if (rc) {
    json_decref(params_new);
    return rc;
  }
  return souk_mcp_call_request(c, "elicitation/create", params_new, timeout_ms, cb, data);
}

/* ---- ending a call ---- */

/* What each method's result must contain. 0 or SOUK_EINVAL with why. */
static int check_result(souk_mcp_call *c, json_t *r, char *why, size_t whylen) {
  if (!json_is_object(r)) {
    snprintf(why, whylen, "the handler's result is not a JSON object");
    return SOUK_EINVAL;
  }
  switch (c->kind) {
  case SOUK__CALL_TOOL:
    return souk__tools_check_result(c, r, why, whylen);
  case SOUK__CALL_RESOURCE: {
    const json_t *contents = json_object_get(r, "contents");
    if (!json_is_array(contents)) {
      snprintf(why, whylen, "the read handler of '%s' returned no \"contents\" array", c->uri);
      return SOUK_EINVAL;
    }
    size_t i;
    json_t *item;
    json_array_foreach(contents, i, item) {
      if (!json_is_object(item) || !json_is_string(json_object_get(item, "uri")) ||
          !(json_is_string(json_object_get(item, "text")) ||
            json_is_string(json_object_get(item, "blob")))) {
        snprintf(why, whylen, "contents[%zu] of '%s' needs a uri and a text or a blob", i, c->uri);
        return SOUK_EINVAL;
      }
    }
    return 0;
  }
  case SOUK__CALL_PROMPT:
    if (!json_is_array(json_object_get(r, "messages"))) {
      snprintf(why, whylen, "prompt '%s' returned no \"messages\" array", c->name);
      return SOUK_EINVAL;
    }
    return 0;
  case SOUK__CALL_COMPLETE:
    if (!json_is_array(json_object_get(json_object_get(r, "completion"), "values"))) {
      snprintf(why, whylen, "the completion provider returned no completion.values array");
      return SOUK_EINVAL;
    }
    return 0;
  default:
    return 0;
  }
}

int souk_mcp_call_finish(souk_mcp_call *c, json_t *result_new) {
  if (!c) {
    json_decref(result_new);
    return SOUK_EINVAL;
  }
  if (!c->session || c->cancelled) {
    json_decref(result_new);
    souk__call_end(c, NULL);
    return 0;
  }
  char why[400];
  int rc = 0;
  if (!result_new) {
    rc = SOUK_ENOMEM;
    snprintf(why, sizeof why, "out of memory building the result");
  } else {
    rc = check_result(c, result_new, why, sizeof why);
  }
  if (rc) {
    SOUK_ERROR(MCP, "%s%s%s: %s", c->method, c->name ? " " : "", c->name ? c->name : "", why);
    json_decref(result_new);
    char text[480];
    snprintf(text, sizeof text, "Internal error: %s", why);
    souk__call_end(c, souk_jsonrpc_error(c->id, SOUK_JSONRPC_INTERNAL_ERROR, text, NULL));
    return rc;
  }
  json_t *resp = souk_jsonrpc_result(c->id, result_new);
  if (!resp)
    resp = souk_jsonrpc_error(c->id, SOUK_JSONRPC_INTERNAL_ERROR, "Internal error: out of memory",
                              NULL);
  souk__call_end(c, resp);
  return resp ? 0 : SOUK_ENOMEM;
}

int souk_mcp_call_fail(souk_mcp_call *c, int code, json_t *data_new, const char *fmt, ...) {
  if (!c) {
    json_decref(data_new);
    return SOUK_EINVAL;
  }
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt ? fmt : "", ap);
  va_end(ap);
  souk__call_end(c, souk_jsonrpc_error(c->id, code, text[0] ? text : NULL, data_new));
  return 0;
}

static int vtext(souk_mcp_call *c, bool is_error, const char *fmt, va_list ap) {
  char stack[1024];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(stack, sizeof stack, fmt, ap2);
  va_end(ap2);
  char *text = stack;
  if (n >= (int)sizeof stack) {
    text = malloc((size_t)n + 1);
    if (text)
      vsnprintf(text, (size_t)n + 1, fmt, ap);
  }
  json_t *item = text ? souk_mcp_text_item(n < 0 ? "" : text) : NULL;
  if (text != stack)
    free(text);
  json_t *content = item ? json_array() : NULL;
  if (content)
    json_array_append_new(content, item);
  else
    json_decref(item);
  return souk_mcp_call_finish(c, content ? souk_mcp_tool_result(content, NULL, is_error) : NULL);
}

int souk_mcp_call_text(souk_mcp_call *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vtext(c, false, fmt, ap);
  va_end(ap);
  return rc;
}

int souk_mcp_call_tool_error(souk_mcp_call *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vtext(c, true, fmt, ap);
  va_end(ap);
  return rc;
}

int souk_mcp_call_structured(souk_mcp_call *c, json_t *structured_new) {
  if (!structured_new)
    return souk_mcp_call_finish(c, NULL);
  /* souk__tools_check_result adds the text item */
  return souk_mcp_call_finish(c, souk_mcp_tool_result(NULL, structured_new, false));
}

int souk_mcp_call_contents(souk_mcp_call *c, json_t *contents_new) {
  json_t *r = contents_new ? json_object() : NULL;
  if (r && json_object_set(r, "contents", contents_new)) {
    json_decref(r);
    r = NULL;
  }
  json_decref(contents_new);
  return souk_mcp_call_finish(c, r);
}

int souk_mcp_call_complete(souk_mcp_call *c, const char *const *values, size_t n, int64_t total,
                           bool has_more) {
  json_t *vals = json_array();
  json_t *comp = json_object();
  json_t *r = json_object();
  bool ok = vals && comp && r;
  size_t sent = n > 100 ? 100 : n;
  for (size_t i = 0; ok && i < sent; i++) {
    json_t *v = values[i] ? json_string(values[i]) : NULL;
    if (v)
      json_array_append_new(vals, v);
  }
  if (ok) {
    json_object_set(comp, "values", vals);
    if (total >= 0 || n > sent)
      json_object_set_new(comp, "total", json_integer(total >= 0 ? total : (json_int_t)n));
    json_object_set_new(comp, "hasMore", json_boolean(has_more || n > sent));
    json_object_set(r, "completion", comp);
  }
  json_decref(vals);
  json_decref(comp);
  if (!ok) {
    json_decref(r);
    r = NULL;
  }
  return souk_mcp_call_finish(c, r);
}
