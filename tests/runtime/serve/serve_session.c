/* SPDX-License-Identifier: MIT */
/* The in-process session of the serve tests (see serve_session.h). */
#include "serve_session.h"

#include <stdarg.h>
#include <time.h>

#include "core/log.h"
#include "plugins/registry.h"
#include "store/export.h"
#include "store/store.h"

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);

static int on_send(void *data, const souk_mcp_message *m) {
  serve_env *t = data;
  json_error_t err;
  json_t *v = json_loadb(m->json, m->len, JSON_REJECT_DUPLICATES, &err);
  CHECK_MSG(v != NULL, "the server sent something that is not JSON: %.*s", (int)m->len, m->json);
  CHECK(memchr(m->json, '\n', m->len) == NULL);
  json_array_append_new(t->out, v);
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tick(uv_timer_t *h) { (void)h; }

void env_run_until(serve_env *t, double seconds, bool (*cond)(serve_env *, void *), void *ud) {
  /* A ticking timer makes each turn of the loop return, so that the deadline is seen even
   * while nothing else happens. */
  uv_timer_t timer;
  uv_timer_init(&t->rt.loop, &timer);
  uv_timer_start(&timer, tick, 20, 20);
  double end = now_s() + seconds;
  while (!(cond && cond(t, ud)) && now_s() < end)
    uv_run(&t->rt.loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(&t->rt.loop, UV_RUN_NOWAIT);
}

void env_start(serve_env *t, const char *const *settings, bool memory) {
  memset(t, 0, sizeof *t);
  static bool once;
  if (!once) {
    once = true;
    souk_agents_register_builtin(souk_agent_shopify_entry);
    souk_log_options lo = {SOUK_LOG_WARN, getenv("SOUK_LOG"), SOUK_LOG_TEXT, SOUK_LOG_COLOR_NEVER,
                           NULL};
    souk_log_configure(&lo, NULL, 0);
  }
  t->cfg = souk_config_new();
  CHECK(t->cfg != NULL);
  souk_errinfo e = {0};
  /* each environment its own directory: cases may run one after another in one process */
  static int seq;
  char base[4100], dir[4200];
  snprintf(base, sizeof base, "%s/env%d", souk_test_tmpdir(), ++seq);
  snprintf(dir, sizeof dir, "%s/data", base);
  CHECK_MSG(souk_config_set(t->cfg, "data_dir", dir, SOUK_SRC_CLI, &e) == 0, "%s", e.text);
  snprintf(dir, sizeof dir, "%s/outputs", base);
  CHECK_MSG(souk_config_set(t->cfg, "output_dir", dir, SOUK_SRC_CLI, &e) == 0, "%s", e.text);
  CHECK(souk_config_set(t->cfg, "http.rate", "0", SOUK_SRC_CLI, &e) == 0);
  for (size_t i = 0; settings && settings[i]; i++) {
    char key[128];
    const char *eq = strchr(settings[i], '=');
    CHECK(eq != NULL && (size_t)(eq - settings[i]) < sizeof key);
    snprintf(key, sizeof key, "%.*s", (int)(eq - settings[i]), settings[i]);
    CHECK_MSG(souk_config_set(t->cfg, key, eq + 1, SOUK_SRC_CLI, &e) == 0, "%s", e.text);
  }
  CHECK_MSG(souk_runtime_init(&t->rt, t->cfg, SOUK_RT_NO_SIGNALS | SOUK_RT_NO_PLUGINS, &e) == 0,
            "runtime: %s", e.text);
  if (memory) {
    t->store = souk_store_open_sqlite(":memory:", t->cfg, &e);
  } else {
    snprintf(dir, sizeof dir, "%s/data", base);
    CHECK(souk_mkdirs(dir, &e) == 0);
    t->store = souk_store_open(t->cfg, &e);
  }
  CHECK_MSG(t->store != NULL, "store: %s", e.text);
  t->sv = souk_serve_new(&t->rt, t->store, t->cfg, &e);
  CHECK_MSG(t->sv != NULL, "souk_serve_new: %s", e.text);
  t->out = json_array();
  souk_mcp_transport tr = {on_send, NULL, NULL, t};
  t->session = souk_mcp_session_new(souk_serve_server(t->sv), &t->rt.loop, &tr, &e);
  CHECK_MSG(t->session != NULL, "session: %s", e.text);
  t->next_id = 1;
  env_send_raw(t, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                  "\"clientInfo\":{\"name\":\"serve-test\",\"version\":\"1\"}}}");
  json_t *r = env_wait(t, 0, 5);
  CHECK(json_object_get(r, "result") != NULL);
  env_send_raw(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  CHECK_INT(souk_mcp_session_state_of(t->session), ==, SOUK_MCP_SESSION_READY);
}

void env_finish(serve_env *t) {
  if (t->session)
    souk_mcp_session_free(t->session);
  t->session = NULL;
  souk_serve_free(t->sv);
  t->sv = NULL;
  uv_run(&t->rt.loop, UV_RUN_DEFAULT); /* scrapes cancelled, lanes drained */
  souk_store_close(t->store);
  CHECK_INT(souk_runtime_close(&t->rt), ==, 0);
  json_decref(t->out);
  souk_config_free(t->cfg);
}

void env_send_raw(serve_env *t, const char *json) {
  souk_mcp_session_receive(t->session, json, strlen(json));
}

int env_send(serve_env *t, const char *method, const char *params) {
  int id = t->next_id++;
  size_t n = strlen(method) + (params ? strlen(params) : 0) + 128;
  char *msg = malloc(n);
  CHECK(msg != NULL);
  snprintf(msg, n, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"%s%s}", id, method,
           params ? ",\"params\":" : "", params ? params : "");
  env_send_raw(t, msg);
  free(msg);
  return id;
}

long env_index_of(serve_env *t, int id) {
  size_t i;
  json_t *m;
  json_array_foreach(t->out, i, m) {
    json_t *jid = json_object_get(m, "id");
    if (json_is_integer(jid) && json_integer_value(jid) == id && !json_object_get(m, "method"))
      return (long)i;
  }
  return -1;
}

typedef struct wait_ctx {
  int id;
} wait_ctx;

static bool has_response(serve_env *t, void *ud) {
  return env_index_of(t, ((wait_ctx *)ud)->id) >= 0;
}

json_t *env_wait(serve_env *t, int id, double seconds) {
  wait_ctx w = {id};
  if (!has_response(t, &w))
    env_run_until(t, seconds, has_response, &w);
  long i = env_index_of(t, id);
  CHECK_MSG(i >= 0, "no response to request %d within %.0f s", id, seconds);
  return json_array_get(t->out, (size_t)i);
}

json_t *env_result(serve_env *t, const char *method, const char *params) {
  json_t *m = env_wait(t, env_send(t, method, params), 60);
  json_t *r = json_object_get(m, "result");
  if (!r) {
    char *text = json_dumps(m, JSON_COMPACT);
    CHECK_MSG(r != NULL, "%s: expected a result, got %s", method, text);
  }
  return r;
}

int env_error(serve_env *t, const char *method, const char *params, const char **msg) {
  json_t *m = env_wait(t, env_send(t, method, params), 60);
  json_t *e = json_object_get(m, "error");
  if (!e) {
    char *text = json_dumps(m, JSON_COMPACT);
    CHECK_MSG(e != NULL, "%s: expected an error, got %.2000s", method, text);
  }
  if (msg)
    *msg = json_string_value(json_object_get(e, "message"));
  return (int)json_integer_value(json_object_get(e, "code"));
}

json_t *env_call(serve_env *t, const char *tool, const char *args) {
  size_t n = strlen(tool) + (args ? strlen(args) : 2) + 64;
  char *params = malloc(n);
  CHECK(params != NULL);
  snprintf(params, n, "{\"name\":\"%s\",\"arguments\":%s}", tool, args ? args : "{}");
  json_t *r = env_result(t, "tools/call", params);
  free(params);
  return r;
}

json_t *env_notifications(serve_env *t, const char *method) {
  json_t *list = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(t->out, i, m) {
    const char *mm = json_string_value(json_object_get(m, "method"));
    if (mm && !json_object_get(m, "id") && strcmp(mm, method) == 0) {
      json_t *params = json_object_get(m, "params");
      json_array_append_new(list, params ? json_incref(params) : json_object());
    }
  }
  return list;
}

const char *env_text(const json_t *result) {
  return json_string_value(
      json_object_get(json_array_get(json_object_get(result, "content"), 0), "text"));
}

json_t *env_structured(const json_t *result) {
  return json_object_get(result, "structuredContent");
}

bool env_is_error(const json_t *result) {
  return json_is_true(json_object_get(result, "isError"));
}

json_t *env_scrape(serve_env *t, const char *url) {
  char args[512];
  snprintf(args, sizeof args, "{\"url\":\"%s\"}", url);
  json_t *r = env_call(t, "scrape_store", args);
  CHECK_MSG(!env_is_error(r), "scrape_store %s: %s", url, env_text(r));
  json_t *s = env_structured(r);
  CHECK_STR(json_string_value(json_object_get(s, "status")), "ok");
  return s;
}

souk_fixture_store *env_fixture(unsigned copies, unsigned delay_ms) {
  const char *caps[] = {souk_fixture_capture("annie-thompson_products_snapshot-a.json")};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .copies = copies ? copies : 1,
                               .name = "Annie Thompson", .currency = "CAD"};
  return souk_fixture_store_start(&o, delay_ms);
}
