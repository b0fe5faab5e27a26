/* SPDX-License-Identifier: MIT */
/* A small MCP server over stdio for the sampling test: souk's tool registry (runtime/serve) with
 * the orchestrator's own tools (summarize_insights, plan_analysis) registered on it, as
 * `souk serve --stdio` will serve them once it registers them. Usage: PROG DATA_DIR. Stores on
 * loopback are allowed (the test's fixture store). Logs go to stderr. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "loop/runtime.h"
#include "orchestrator/orchestrator.h"
#include "plugins/registry.h"
#include "serve/server.h"
#include "souk/mcp_stdio.h"
#include "store/store.h"

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);

typedef struct app {
  souk_serve *sv;
  souk_orchestrator_tools *tools;
  int status;
} app;

static void on_closed(void *data, int status) {
  app *a = data;
  a->status = status;
  souk_orchestrator_tools_free(a->tools);
  a->tools = NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  souk_log_options lo = {.level = SOUK_LOG_WARN};
  souk_log_configure(&lo, NULL, 0);
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  if (souk_config_set(cfg, "data_dir", argv[1], SOUK_SRC_CLI, &e) ||
      souk_config_set(cfg, "net.allow_private_hosts", "true", SOUK_SRC_CLI, &e) ||
      souk_config_set(cfg, "http.rate", "0", SOUK_SRC_CLI, &e)) {
    fprintf(stderr, "%s\n", e.text);
    return 2;
  }
  souk_agents_register_builtin(souk_agent_shopify_entry);
  souk_runtime rt;
  if (souk_runtime_init(&rt, cfg, SOUK_RT_NO_PLUGINS, &e) != 0) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  souk_store *store = souk_store_open(cfg, &e);
  app a = {0};
  a.sv = store ? souk_serve_new(&rt, store, cfg, &e) : NULL;
  if (!a.sv ||
      souk_orchestrator_register_tools(souk_serve_server(a.sv), &rt, cfg, &a.tools, &e) != 0) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  souk_mcp_stdio_options so = {.in_fd = 0, .out_fd = 1, .closed = on_closed, .data = &a};
  if (!souk_mcp_stdio_start(&rt.loop, souk_serve_server(a.sv), &so, &e)) {
    fprintf(stderr, "%s\n", e.text);
    return 1;
  }
  souk_runtime_run(&rt);          /* until stdin ends and the session has drained */
  souk_orchestrator_tools_free(a.tools);
  souk_runtime_run(&rt);          /* summaries still running end */
  souk_serve_free(a.sv);
  souk_runtime_run(&rt);
  souk_store_close(store);
  int rc = souk_runtime_close(&rt);
  souk_config_free(cfg);
  return rc == 0 && a.status == 0 ? 0 : 1;
}
