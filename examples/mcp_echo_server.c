/* SPDX-License-Identifier: MIT */
/* A tiny MCP server over stdio built on souk's protocol library: three tools (echo, add,
 * countdown), one JSON-RPC message per line on stdin and stdout, logs on stderr.
 *
 * Try it:
 *   printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":
 *     "2025-11-25","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' | mcp_echo_server
 * or point an MCP client (Claude Desktop, the MCP Inspector) at the binary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/mcp.h"
#include "souk/mcp_content.h"
#include "souk/mcp_stdio.h"

/* echo: returns the text, optionally in capitals. */
static void echo(souk_mcp_call *call, const json_t *args, void *data) {
  (void)data;
  const char *text = json_string_value(json_object_get(args, "text"));
  if (!json_is_true(json_object_get(args, "uppercase"))) {
    souk_mcp_call_text(call, "%s", text);
    return;
  }
  char *up = strdup(text);
  if (!up) {
    souk_mcp_call_tool_error(call, "out of memory");
    return;
  }
  for (char *p = up; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 'a' + 'A');
  souk_mcp_call_text(call, "%s", up);
  free(up);
}

/* add: a structured result ({"sum": a + b}); the library adds the same JSON as text. */
static void add(souk_mcp_call *call, const json_t *args, void *data) {
  (void)data;
  double a = json_number_value(json_object_get(args, "a"));
  double b = json_number_value(json_object_get(args, "b"));
  souk_mcp_call_structured(call, json_pack("{s:f}", "sum", a + b));
}

/* countdown: a job on the loop that reports progress and can be cancelled. */
typedef struct countdown {
  uv_timer_t timer;
  souk_mcp_call *call;
  int left, total;
} countdown;

static void countdown_closed(uv_handle_t *h) {
  free(h->data);
}

static void countdown_cancel(souk_mcp_call *call, void *data, const char *reason) {
  countdown *cd = data;
  uv_timer_stop(&cd->timer);
  /* The answer of a cancelled call is dropped, but the call must still be ended. */
  souk_mcp_call_tool_error(call, "cancelled: %s", reason ? reason : "");
  cd->call = NULL;
  uv_close((uv_handle_t *)&cd->timer, countdown_closed);
}

static void countdown_tick(uv_timer_t *t) {
  countdown *cd = t->data;
  cd->left--;
  char msg[64];
  snprintf(msg, sizeof msg, "%d to go", cd->left);
  souk_mcp_call_progress(cd->call, cd->total - cd->left, cd->total, msg);
  if (cd->left > 0)
    return;
  uv_timer_stop(t);
  souk_mcp_call_on_cancel(cd->call, NULL, NULL);
  souk_mcp_call_text(cd->call, "liftoff after %d steps", cd->total);
  cd->call = NULL;
  uv_close((uv_handle_t *)t, countdown_closed);
}

static void countdown_start(souk_mcp_call *call, const json_t *args, void *data) {
  uv_loop_t *loop = data;
  countdown *cd = calloc(1, sizeof *cd);
  if (!cd) {
    souk_mcp_call_tool_error(call, "out of memory");
    return;
  }
  cd->call = call;
  cd->left = cd->total = (int)json_integer_value(json_object_get(args, "steps"));
  json_int_t interval = json_is_integer(json_object_get(args, "interval_ms"))
                            ? json_integer_value(json_object_get(args, "interval_ms"))
                            : 100;
  uv_timer_init(loop, &cd->timer);
  cd->timer.data = cd;
  uv_timer_start(&cd->timer, countdown_tick, (uint64_t)interval, (uint64_t)interval);
  souk_mcp_call_on_cancel(call, countdown_cancel, cd);
}

static json_t *schema(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, 0, &err);
  if (!v) {
    fprintf(stderr, "mcp_echo_server: bad schema: %s\n", err.text);
    exit(1);
  }
  return v;
}

static int register_tools(souk_mcp_server *s, uv_loop_t *loop, souk_errinfo *e) {
  json_t *echo_in = schema("{\"type\":\"object\",\"properties\":{"
                           "\"text\":{\"type\":\"string\",\"description\":\"What to echo\"},"
                           "\"uppercase\":{\"type\":\"boolean\",\"default\":false}},"
                           "\"required\":[\"text\"],\"additionalProperties\":false}");
  json_t *add_in = schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
                          "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"],"
                          "\"additionalProperties\":false}");
  json_t *add_out = schema("{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":\"number\"}},"
                           "\"required\":[\"sum\"]}");
  json_t *cd_in = schema("{\"type\":\"object\",\"properties\":{"
                         "\"steps\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000},"
                         "\"interval_ms\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000}},"
                         "\"required\":[\"steps\"],\"additionalProperties\":false}");
  json_t *ro = json_pack("{s:b,s:b}", "readOnlyHint", 1, "openWorldHint", 0);
  souk_mcp_tool tools[] = {
      {"echo", "Echo", "Returns the given text, in capitals when uppercase is true.", echo_in,
       NULL, ro, NULL, echo, NULL},
      {"add", "Add", "Adds two numbers and returns {\"sum\": a + b}.", add_in, add_out, ro, NULL,
       add, NULL},
      {"countdown", "Countdown", "Counts down `steps` ticks of interval_ms (default 100 ms), "
       "reporting progress; cancellable.", cd_in, NULL, NULL, NULL, countdown_start, loop},
  };
  int rc = 0;
  for (size_t i = 0; !rc && i < sizeof tools / sizeof *tools; i++)
    rc = souk_mcp_server_add_tool(s, &tools[i], e);
  json_decref(echo_in);
  json_decref(add_in);
  json_decref(add_out);
  json_decref(cd_in);
  json_decref(ro);
  return rc;
}

typedef struct app {
  souk_mcp_stdio *stdio;
  uv_signal_t sigint, sigterm;
  int status;
} app;

static void on_signal(uv_signal_t *h, int signum) {
  app *a = h->data;
  (void)signum;
  souk_mcp_stdio_stop(a->stdio);
}

static void on_closed(void *data, int status) {
  app *a = data;
  a->status = status;
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
}

int main(void) {
  /* stdout belongs to the protocol; a reader that goes away must not kill us with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  souk_log_options lo = {SOUK_LOG_WARN, getenv("SOUK_LOG"), SOUK_LOG_TEXT, SOUK_LOG_COLOR_AUTO,
                         NULL};
  char err[256];
  if (souk_log_configure(&lo, err, sizeof err))
    fprintf(stderr, "mcp_echo_server: SOUK_LOG: %s\n", err);

  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_mcp_server_options so = {
      .name = "souk-echo",
      .version = "0.1.0",
      .title = "Souk echo server",
      .instructions = "Tools: echo (text), add (numbers, structured result), countdown "
                      "(progress, cancellable).",
  };
  souk_errinfo e;
  souk_mcp_server *server = souk_mcp_server_new(&so, &e);
  if (!server || register_tools(server, &loop, &e)) {
    fprintf(stderr, "mcp_echo_server: %s\n", e.text);
    return 1;
  }
  app a = {0};
  souk_mcp_stdio_options sto = {.in_fd = 0, .out_fd = 1, .closed = on_closed, .data = &a};
  a.stdio = souk_mcp_stdio_start(&loop, server, &sto, &e);
  if (!a.stdio) {
    fprintf(stderr, "mcp_echo_server: %s\n", e.text);
    souk_mcp_server_free(server);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }
  uv_signal_init(&loop, &a.sigint);
  uv_signal_init(&loop, &a.sigterm);
  a.sigint.data = a.sigterm.data = &a;
  uv_signal_start(&a.sigint, on_signal, SIGINT);
  uv_signal_start(&a.sigterm, on_signal, SIGTERM);

  uv_run(&loop, UV_RUN_DEFAULT);
  souk_mcp_server_free(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop);
  if (rc)
    fprintf(stderr, "mcp_echo_server: a handle was left open: %s\n", uv_strerror(rc));
  return a.status || rc ? 1 : 0;
}
