/* SPDX-License-Identifier: MIT */
/* The orchestrator's in-process MCP client (mcp_client.h): a session on the tool registry
 * with a transport that queues what the server sends and delivers it from a timer. */
#include "mcp_client.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/error.h"

typedef struct pending {
  int64_t id;
  souk__mcpc_cb cb;
  souk__mcpc_progress_cb progress;
  void *ud;
  bool cancelled;          /* answer with SOUK_ECANCELED at the next delivery */
  struct pending *next;
} pending;

struct souk__mcpc {
  uv_loop_t *loop;
  souk_mcp_session *session;
  uv_timer_t defer;        /* delivers queued messages and cancellations */
  json_t *queue;           /* messages the server sent, not yet delivered */
  pending *pending;
  int64_t next_id;
  bool freeing;
};

static pending *find(souk__mcpc *c, int64_t id, pending ***link) {
  for (pending **p = &c->pending; *p; p = &(*p)->next)
    if ((*p)->id == id) {
      if (link)
        *link = p;
      return *p;
    }
  return NULL;
}

static void complete(souk__mcpc *c, int64_t id, int status, const json_t *result,
                     const char *error) {
  pending **link;
  pending *p = find(c, id, &link);
  if (!p)
    return;
  *link = p->next;
  p->cb(p->ud, status, result, error);
  free(p);
}

static void answer_server_request(souk__mcpc *c, const json_t *msg) {
  const char *method = json_string_value(json_object_get(msg, "method"));
  json_t *reply;
  if (method && strcmp(method, "ping") == 0)
    reply = json_pack("{s:s,s:O,s:{}}", "jsonrpc", "2.0", "id", json_object_get(msg, "id"),
                      "result");
  else
    reply = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
                      json_object_get(msg, "id"), "error", "code", -32601, "message",
                      "the orchestrator's client offers no such method");
  char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
  if (text)
    souk_mcp_session_receive(c->session, text, strlen(text));
  free(text);
  json_decref(reply);
}

static void deliver_one(souk__mcpc *c, const json_t *msg) {
  const json_t *id = json_object_get(msg, "id");
  const char *method = json_string_value(json_object_get(msg, "method"));
  if (method && id) {
    answer_server_request(c, msg);
    return;
  }
  if (method) {
    if (strcmp(method, "notifications/progress") == 0) {
      const json_t *params = json_object_get(msg, "params");
      const json_t *token = json_object_get(params, "progressToken");
      pending *p = json_is_integer(token) ? find(c, json_integer_value(token), NULL) : NULL;
      if (p && p->progress && !p->cancelled) {
        const json_t *total = json_object_get(params, "total");
        p->progress(p->ud, json_number_value(json_object_get(params, "progress")),
                    json_is_number(total) ? json_number_value(total) : 0,
                    json_string_value(json_object_get(params, "message")));
      }
    }
    return; /* logs and list_changed: the orchestrator's tool list never widens */
  }
  if (!json_is_integer(id))
    return;
  int64_t rid = json_integer_value(id);
  pending *p = find(c, rid, NULL);
  if (!p || p->cancelled)
    return;
  const json_t *error = json_object_get(msg, "error");
  if (error) {
    const char *m = json_string_value(json_object_get(error, "message"));
    complete(c, rid, SOUK_EIO, NULL, m ? m : "the server answered with an error");
  } else {
    complete(c, rid, 0, json_object_get(msg, "result"), NULL);
  }
}

static void deliver(uv_timer_t *t) {
  souk__mcpc *c = t->data;
  while (!c->freeing && json_array_size(c->queue) > 0) {
    json_t *msg = json_incref(json_array_get(c->queue, 0));
    json_array_remove(c->queue, 0);
    deliver_one(c, msg);
    json_decref(msg);
  }
  /* Cancelled requests: their callbacks run here, never inside souk__mcpc_cancel. */
  bool again = true;
  while (!c->freeing && again) {
    again = false;
    for (pending *p = c->pending; p; p = p->next)
      if (p->cancelled) {
        complete(c, p->id, SOUK_ECANCELED, NULL, "cancelled");
        again = true;
        break;
      }
  }
}

static void kick(souk__mcpc *c) {
  if (!c->freeing)
    uv_timer_start(&c->defer, deliver, 0, 0);
}

static int on_send(void *data, const souk_mcp_message *m) {
  souk__mcpc *c = data;
  json_error_t err;
  json_t *v = json_loadb(m->json, m->len, 0, &err);
  if (!v)
    return SOUK_EPARSE;
  if (json_array_append_new(c->queue, v) != 0)
    return SOUK_ENOMEM;
  kick(c);
  return 0;
}

souk__mcpc *souk__mcpc_new(uv_loop_t *loop, souk_mcp_server *srv, souk_errinfo *e) {
  souk__mcpc *c = calloc(1, sizeof *c);
  if (!c || !(c->queue = json_array())) {
    free(c);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  c->loop = loop;
  c->next_id = 1;
  souk_mcp_transport t = {.send = on_send, .data = c};
  c->session = souk_mcp_session_new(srv, loop, &t, e);
  if (!c->session) {
    json_decref(c->queue);
    free(c);
    return NULL;
  }
  uv_timer_init(loop, &c->defer);
  c->defer.data = c;
  return c;
}

static void on_closed(uv_handle_t *h) {
  souk__mcpc *c = h->data;
  json_decref(c->queue);
  free(c);
}

void souk__mcpc_free(souk__mcpc *c) {
  if (!c || c->freeing)
    return;
  c->freeing = true; /* from here on, nothing can be sent */
  while (c->pending) {
    pending *p = c->pending;
    c->pending = p->next;
    p->cb(p->ud, SOUK_ECANCELED, NULL, "the client was closed");
    free(p);
  }
  souk_mcp_session_free(c->session);
  c->session = NULL;
  uv_timer_stop(&c->defer);
  uv_close((uv_handle_t *)&c->defer, on_closed);
}

static int send_json(souk__mcpc *c, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  if (!text)
    return SOUK_ENOMEM;
  int rc = souk_mcp_session_receive(c->session, text, strlen(text));
  free(text);
  return rc < 0 ? rc : 0;
}

int64_t souk__mcpc_request(souk__mcpc *c, const char *method, json_t *params_new,
                           souk__mcpc_cb cb, souk__mcpc_progress_cb progress, void *ud) {
  if (c->freeing) {
    json_decref(params_new);
    return SOUK_ESTATE;
  }
  pending *p = calloc(1, sizeof *p);
  json_t *params = params_new ? params_new : json_object();
  if (!p || !params) {
    free(p);
    json_decref(params);
    return SOUK_ENOMEM;
  }
  int64_t id = c->next_id++;
  if (progress) {
    json_t *meta = json_object_get(params, "_meta");
    if (!meta) {
      meta = json_object();
      json_object_set_new(params, "_meta", meta);
    }
    json_object_set_new(meta, "progressToken", json_integer(id));
  }
  json_t *msg = json_pack("{s:s,s:I,s:s,s:o}", "jsonrpc", "2.0", "id", (json_int_t)id, "method",
                          method, "params", params);
  if (!msg) {
    free(p);
    return SOUK_ENOMEM;
  }
  *p = (pending){.id = id, .cb = cb, .progress = progress, .ud = ud, .next = c->pending};
  c->pending = p;
  int rc = send_json(c, msg);
  json_decref(msg);
  if (rc) {
    pending **link;
    if (find(c, id, &link)) {
      *link = p->next;
      free(p);
    }
    return rc;
  }
  return id;
}

int souk__mcpc_notify(souk__mcpc *c, const char *method, json_t *params_new) {
  if (c->freeing) {
    json_decref(params_new);
    return SOUK_ESTATE;
  }
  json_t *msg = params_new ? json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method,
                                       "params", params_new)
                           : json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", method);
  if (!msg)
    return SOUK_ENOMEM;
  int rc = send_json(c, msg);
  json_decref(msg);
  return rc;
}

void souk__mcpc_cancel(souk__mcpc *c, int64_t id, const char *reason) {
  pending *p = c->freeing ? NULL : find(c, id, NULL);
  if (!p || p->cancelled)
    return;
  p->cancelled = true;
  souk__mcpc_notify(c, "notifications/cancelled",
                    json_pack("{s:I,s:s}", "requestId", (json_int_t)id, "reason",
                              reason ? reason : "cancelled"));
  kick(c);
}
