/* SPDX-License-Identifier: MIT */
/* A tiny MCP server built on souk's protocol library: three tools (echo, add, countdown), a
 * resource, a resource template and a prompt, served over stdio (one JSON-RPC message per line
 * on stdin and stdout, logs on stderr) or over the network (Streamable HTTP and WebSocket).
 *
 * Try it:
 *   printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":
 *     "2025-11-25","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' | mcp_echo_server
 *   mcp_echo_server --http 8080       (http://127.0.0.1:8080/mcp, WebSocket on the same path)
 *   mcp_echo_server --ws 127.0.0.1:0  (WebSocket only, a free port; the URL is printed)
 * or point an MCP client (Claude Desktop, the MCP Inspector) at the binary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/mcp.h"
#include "souk/mcp_content.h"
#include "souk/mcp_net.h"
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

/* echo://readme: a fixed text. */
static void read_readme(souk_mcp_call *call, const json_t *args, void *data) {
  (void)args;
  (void)data;
  souk_mcp_call_contents(call, json_pack("[o]", souk_mcp_text_contents(
      "echo://readme", "text/plain", "souk echo server: echo, add and countdown.")));
}

/* echo://words/{word}: the word, read back. */
static void read_word(souk_mcp_call *call, const json_t *vars, void *data) {
  (void)data;
  const char *word = json_string_value(json_object_get(vars, "word"));
  souk_mcp_call_contents(call, json_pack("[o]", souk_mcp_text_contents(
      souk_mcp_call_uri(call), "text/plain", word ? word : "")));
}

/* shout: a prompt asking to repeat the text loudly. */
static void get_shout(souk_mcp_call *call, const json_t *args, void *data) {
  (void)data;
  const char *text = json_string_value(json_object_get(args, "text"));
  char buf[512];
  snprintf(buf, sizeof buf, "Repeat this in capitals: %s", text ? text : "");
  souk_mcp_call_finish(call, json_pack("{s:s,s:[o]}", "description", "Shout the text",
                                       "messages", souk_mcp_prompt_message(
                                           "user", souk_mcp_text_item(buf))));
}

static int register_extras(souk_mcp_server *s, souk_errinfo *e) {
  souk_mcp_resource r = {"echo://readme", "readme", "Read me", "What this server does.",
                         "text/plain", -1, NULL, NULL, read_readme, NULL};
  souk_mcp_resource_template t = {"echo://words/{word}", "word", "A word",
                                  "Any word, read back.", "text/plain", NULL, NULL, read_word,
                                  NULL};
  static const souk_mcp_prompt_arg args[] = {{"text", NULL, "What to shout", true}};
  souk_mcp_prompt p = {"shout", "Shout", "Asks the model to repeat a text in capitals.", args, 1,
                       NULL, get_shout, NULL};
  int rc = souk_mcp_server_add_resource(s, &r, e);
  if (!rc)
    rc = souk_mcp_server_add_template(s, &t, e);
  if (!rc)
    rc = souk_mcp_server_add_prompt(s, &p, e);
  return rc;
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
  souk_mcp_net *net[2];
  int open;                   /* transports still running */
  bool signals;               /* sigint and sigterm are initialised */
  uv_signal_t sigint, sigterm;
  int status;
} app;

static void stop_all(app *a) {
  if (a->stdio)
    souk_mcp_stdio_stop(a->stdio);
  for (int i = 0; i < 2; i++)
    if (a->net[i])
      souk_mcp_net_stop(a->net[i]);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  stop_all(h->data);
}

static void transport_gone(app *a) {
  if (--a->open > 0 || !a->signals)
    return;
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
}

static void on_closed(void *data, int status) {
  app *a = data;
  a->status = status;
  a->stdio = NULL;
  transport_gone(a);
}

static void on_net_closed(void *data) {
  transport_gone(data);
}

static int usage(void) {
  fprintf(stderr,
          "usage: mcp_echo_server [--http [ADDR:]PORT] [--ws [ADDR:]PORT] [--token TOKEN]\n"
          "                       [--rate PER_SECOND] [--max-sessions N] [--max-message BYTES]\n"
          "                       [--allowed-origins LIST] [--allowed-hosts LIST]\n"
          "Without --http or --ws it serves one session over stdin and stdout.\n"
          "--http serves Streamable HTTP and WebSocket at /mcp; --ws WebSocket only.\n");
  return 2;
}

int main(int argc, char **argv) {
  /* stdout belongs to the protocol; a reader that goes away must not kill us with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  souk_log_options lo = {SOUK_LOG_WARN, getenv("SOUK_LOG"), SOUK_LOG_TEXT, SOUK_LOG_COLOR_AUTO,
                         NULL};
  char err[256];
  if (souk_log_configure(&lo, err, sizeof err))
    fprintf(stderr, "mcp_echo_server: SOUK_LOG: %s\n", err);

  const char *http = NULL, *ws = NULL;
  souk_mcp_net_options no = {0};
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v)
      return usage();
    if (strcmp(argv[i], "--http") == 0)
      http = v;
    else if (strcmp(argv[i], "--ws") == 0)
      ws = v;
    else if (strcmp(argv[i], "--token") == 0)
      no.token = v;
    else if (strcmp(argv[i], "--rate") == 0)
      no.rate = atof(v);
    else if (strcmp(argv[i], "--max-sessions") == 0)
      no.max_sessions = (size_t)atol(v);
    else if (strcmp(argv[i], "--max-message") == 0)
      no.max_message_bytes = (size_t)atol(v);
    else if (strcmp(argv[i], "--allowed-origins") == 0)
      no.allowed_origins = v;
    else if (strcmp(argv[i], "--allowed-hosts") == 0)
      no.allowed_hosts = v;
    else
      return usage();
    i++;
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_mcp_server_options so = {
      .name = "souk-echo",
      .version = "0.1.0",
      .title = "Souk echo server",
      .instructions = "Tools: echo (text), add (numbers, structured result), countdown "
                      "(progress, cancellable). Resources: echo://readme, echo://words/{word}. "
                      "Prompt: shout.",
      .max_message_bytes = no.max_message_bytes,
  };
  souk_errinfo e;
  souk_mcp_server *server = souk_mcp_server_new(&so, &e);
  if (!server || register_tools(server, &loop, &e) || register_extras(server, &e)) {
    fprintf(stderr, "mcp_echo_server: %s\n", e.text);
    return 1;
  }
  app a = {0};
  bool ok = true;
  if (!http && !ws) {
    souk_mcp_stdio_options sto = {.in_fd = 0, .out_fd = 1, .closed = on_closed, .data = &a};
    a.stdio = souk_mcp_stdio_start(&loop, server, &sto, &e);
    ok = a.stdio != NULL;
    a.open = ok;
  } else {
    /* --http and --ws on the same address share one listener. */
    const char *specs[2] = {http, ws && (!http || strcmp(ws, http) != 0) ? ws : NULL};
    for (int i = 0; ok && i < 2; i++) {
      if (!specs[i])
        continue;
      souk_mcp_net_options o = no;
      o.listen = specs[i];
      o.no_http = i == 1;
      o.closed = on_net_closed;
      o.data = &a;
      a.net[i] = souk_mcp_net_start(&loop, server, &o, &e);
      ok = a.net[i] != NULL;
      if (ok) {
        a.open++;
        /* The one line on stdout in network mode: where to connect (tests read it). */
        printf("mcp_echo_server: listening on %s\n", souk_mcp_net_url(a.net[i]));
        fflush(stdout);
      }
    }
  }
  if (!ok) {
    fprintf(stderr, "mcp_echo_server: %s\n", e.text);
    for (int i = 0; i < 2; i++)
      if (a.net[i])
        souk_mcp_net_stop(a.net[i]);
    uv_run(&loop, UV_RUN_DEFAULT);
    souk_mcp_server_free(server);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }
  uv_signal_init(&loop, &a.sigint);
  uv_signal_init(&loop, &a.sigterm);
  a.signals = true;
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
