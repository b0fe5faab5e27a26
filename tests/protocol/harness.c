/* SPDX-License-Identifier: MIT */
/* The recording transport of the protocol unit tests (see harness.h). */
#include "harness.h"

#include <stdarg.h>

static int on_send(void *data, const souk_mcp_message *m) {
  harness *h = data;
  if (h->fail_send > 0) {
    h->fail_send--;
    return SOUK_EIO;
  }
  json_error_t err;
  json_t *v = json_loadb(m->json, m->len, JSON_REJECT_DUPLICATES, &err);
  CHECK_MSG(v != NULL, "the session sent something that is not JSON: %.*s", (int)m->len, m->json);
  CHECK(memchr(m->json, '\n', m->len) == NULL);
  json_array_append_new(h->out, v);
  json_t *meta = json_pack("{s:i,s:O?,s:I}", "kind", (int)m->kind, "related", m->related_id,
                           "origin", (json_int_t)(intptr_t)m->origin);
  json_array_append_new(h->meta, meta);
  return 0;
}

static void on_done(void *data, void *origin) {
  harness *h = data;
  h->done++;
  h->done_origin = origin;
}

static void on_idle(void *data) {
  harness *h = data;
  h->idle++;
}

void h_start(harness *h, souk_mcp_server *server) {
  memset(h, 0, sizeof *h);
  CHECK_INT(uv_loop_init(&h->loop), ==, 0);
  h->server = server;
  h->out = json_array();
  h->meta = json_array();
  souk_mcp_transport t = {on_send, on_done, on_idle, h};
  souk_errinfo e;
  h->session = souk_mcp_session_new(server, &h->loop, &t, &e);
  CHECK_MSG(h->session != NULL, "session: %s", e.text);
}

int h_recv_from(harness *h, const char *json, void *origin) {
  return souk_mcp_session_receive_from(h->session, json, strlen(json), origin);
}

int h_recv(harness *h, const char *json) {
  return h_recv_from(h, json, NULL);
}

int h_recvf(harness *h, const char *fmt, ...) {
  char buf[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return h_recv(h, buf);
}

json_t *h_next(harness *h) {
  if (h->next >= json_array_size(h->out))
    return NULL;
  return json_array_get(h->out, h->next++);
}

size_t h_pending(const harness *h) {
  return json_array_size(h->out) - h->next;
}

const json_t *h_meta_last(const harness *h) {
  return h->next ? json_array_get(h->meta, h->next - 1) : NULL;
}

static json_t *next_response(harness *h, json_int_t id) {
  json_t *m = h_next(h);
  CHECK_MSG(m != NULL, "expected a response to id %" JSON_INTEGER_FORMAT ", got nothing", id);
  char *text = json_dumps(m, JSON_COMPACT);
  json_t *jid = json_object_get(m, "id");
  CHECK_MSG(json_is_integer(jid) && json_integer_value(jid) == id,
            "expected a response to id %" JSON_INTEGER_FORMAT ", got %s", id, text);
  free(text);
  return m;
}

json_t *h_expect_result(harness *h, json_int_t id) {
  json_t *m = next_response(h, id);
  json_t *r = json_object_get(m, "result");
  char *text = json_dumps(m, JSON_COMPACT);
  CHECK_MSG(r != NULL, "expected a result, got %s", text);
  free(text);
  return r;
}

int h_expect_error(harness *h, json_int_t id, const char **msg) {
  json_t *m = next_response(h, id);
  json_t *e = json_object_get(m, "error");
  char *text = json_dumps(m, JSON_COMPACT);
  CHECK_MSG(json_is_object(e), "expected an error, got %s", text);
  free(text);
  if (msg)
    *msg = json_string_value(json_object_get(e, "message"));
  return (int)json_integer_value(json_object_get(e, "code"));
}

json_t *h_expect_notification(harness *h, const char *method) {
  json_t *m = h_next(h);
  CHECK_MSG(m != NULL, "expected notification %s, got nothing", method);
  char *text = json_dumps(m, JSON_COMPACT);
  CHECK_MSG(json_object_get(m, "id") == NULL &&
                json_is_string(json_object_get(m, "method")) &&
                strcmp(json_string_value(json_object_get(m, "method")), method) == 0,
            "expected notification %s, got %s", method, text);
  free(text);
  return json_object_get(m, "params");
}

void h_initialize(harness *h, const char *version, const char *client_caps) {
  h_recvf(h, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":%s,"
             "\"clientInfo\":{\"name\":\"harness\",\"version\":\"1\"}}}",
          version, client_caps ? client_caps : "{}");
  json_t *r = h_expect_result(h, 0);
  CHECK_STR(json_string_value(json_object_get(r, "protocolVersion")),
            souk_mcp_version_negotiate(version));
  h_recv(h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  CHECK_INT(souk_mcp_session_state_of(h->session), ==, SOUK_MCP_SESSION_READY);
}

void h_run(harness *h) {
  uv_run(&h->loop, UV_RUN_DEFAULT);
}

void h_run_once(harness *h) {
  uv_run(&h->loop, UV_RUN_NOWAIT);
}

void h_finish(harness *h) {
  souk_mcp_session_free(h->session);
  h->session = NULL;
  souk_mcp_server_free(h->server);
  h->server = NULL;
  uv_run(&h->loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&h->loop), ==, 0);
  json_decref(h->out);
  json_decref(h->meta);
}

const char *h_text(const json_t *result) {
  return json_string_value(
      json_object_get(json_array_get(json_object_get(result, "content"), 0), "text"));
}
