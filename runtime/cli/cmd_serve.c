/* SPDX-License-Identifier: MIT */
/* `souk serve`: souk's MCP server (runtime/serve/) on standard input and output, as Claude
 * Desktop launches it, or on the network over WebSocket and Streamable HTTP. Nothing but MCP
 * is written to stdout in stdio mode; logs go to stderr. SIGINT and SIGTERM stop it cleanly. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "loop/runtime.h"
#include "orchestrator/orchestrator.h"
#include "serve/server.h"
#include "souk/error.h"
#include "souk/mcp_net.h"
#include "souk/mcp_stdio.h"

static const souk_option options[] = {
    {"stdio", 0, NULL, "one MCP session on standard input and output (the default)"},
    {"ws", 0, "[ADDR:]PORT", "MCP over WebSocket (subprotocol mcp) on /mcp; ADDR 127.0.0.1 by default"},
    {"http", 0, "[ADDR:]PORT", "MCP over Streamable HTTP on /mcp (WebSocket upgrades there too)"},
    {"allow-private-hosts", 0, NULL,
     "let store URLs from clients reach loopback and private addresses (net.allow_private_hosts)"},
    {0},
};

typedef struct serve_cli serve_cli;

typedef struct listener {
  serve_cli *s;
  souk_mcp_net *net;
  const char *what;
} listener;

struct serve_cli {
  souk_serve *sv;
  souk_orchestrator_tools *orch; /* summarize_insights and plan_analysis */
  souk_mcp_stdio *stdio;
  listener nets[2];
  int open;                    /* transports not closed yet */
  int status;                  /* a read error of stdin */
};

/* The last transport closed: the server goes (its scrapes are cancelled), and the loop ends
 * once their work has wound down. */
static void transport_closed(serve_cli *s) {
  if (--s->open == 0) {
    souk_orchestrator_tools_free(s->orch); /* summaries still running are cancelled */
    s->orch = NULL;
    souk_serve_free(s->sv);
    s->sv = NULL;
  }
}

static void on_stdio_closed(void *data, int status) {
  serve_cli *s = data;
  s->stdio = NULL;
  s->status = status;
  SOUK_DEBUG(MCP, "serve: standard input closed%s", status ? " (read error)" : "");
  transport_closed(s);
}

static void on_net_closed(void *data) {
  listener *l = data;
  l->net = NULL;
  transport_closed(l->s);
}

static void on_stop(souk_runtime *rt, void *ud) {
  (void)rt;
  serve_cli *s = ud;
  if (s->stdio)
    souk_mcp_stdio_stop(s->stdio);
  for (int i = 0; i < 2; i++)
    if (s->nets[i].net)
      souk_mcp_net_stop(s->nets[i].net);
}

static int start_net(souk_cli *cli, serve_cli *s, souk_runtime *rt, int i, const char *what,
                     const char *spec) {
  char addr[256];
  int port;
  souk_errinfo e = {0};
  if (souk_mcp_net_parse_listen(spec, addr, sizeof addr, &port, &e) != 0)
    return souk_cli_usage_error(cli, "--%s %s: %s", what, spec, e.text);
  souk_mcp_net_options o = {0};
  souk_mcp_net_options_from_config(&o, cli->cfg);
  o.listen = spec;
  o.no_http = strcmp(what, "ws") == 0;
  o.closed = on_net_closed;
  o.data = &s->nets[i];
  s->nets[i] = (listener){s, NULL, what};
  s->nets[i].net = souk_mcp_net_start(&rt->loop, souk_serve_server(s->sv), &o, &e);
  if (!s->nets[i].net)
    return souk_cli_fail(cli, "--%s %s: %s", what, spec, e.text);
  s->open++;
  /* stdout is free in network mode: say where clients connect (port 0 picks one) */
  const char *url = souk_mcp_net_url(s->nets[i].net);
  bool ws = strcmp(what, "ws") == 0;
  char wsurl[600];
  snprintf(wsurl, sizeof wsurl, "ws%s", strncmp(url, "http", 4) == 0 ? url + 4 : url);
  printf("%s %s\n", ws ? "websocket" : "http", ws ? wsurl : url);
  fflush(stdout);
  SOUK_INFO(MCP, "serve: MCP over %s at %s", ws ? "WebSocket (subprotocol mcp)" : "Streamable HTTP",
            ws ? wsurl : url);
  return 0;
}

static int run(souk_cli *cli) {
  if (cli->argc)
    return souk_cli_usage_error(cli, "unexpected argument '%s'", cli->argv[0]);
  const char *ws = souk_cli_opt(cli, "ws"), *http = souk_cli_opt(cli, "http");
  bool use_stdio = souk_cli_flag(cli, "stdio") || (!ws && !http);
  if (use_stdio && (ws || http))
    return souk_cli_usage_error(cli, "--stdio serves one client on standard input and output; "
                                     "give it alone, or --ws and --http without it");
  if (souk_cli_flag(cli, "allow-private-hosts") &&
      souk_cli_set(cli, SOUK_CFG_NET_ALLOW_PRIVATE_HOSTS, "true"))
    return SOUK_EXIT_USAGE;
  /* stdout belongs to the protocol; a client that goes away must not kill us with SIGPIPE */
  signal(SIGPIPE, SIG_IGN);

  souk_runtime rt;
  souk_store *store;
  int rc = souk_cli_open(cli, &rt, 0, NULL, &store);
  if (rc)
    return rc;
  serve_cli s = {0};
  souk_errinfo e = {0};
  s.sv = souk_serve_new(&rt, store, cli->cfg, &e);
  if (!s.sv)
    return souk_cli_close(&rt, store, souk_cli_fail(cli, "%s", e.text));
  if (souk_orchestrator_register_tools(souk_serve_server(s.sv), &rt, cli->cfg, &s.orch, &e)) {
    souk_serve_free(s.sv);
    souk_runtime_run(&rt);
    return souk_cli_close(&rt, store, souk_cli_fail(cli, "%s", e.text));
  }
  int status = SOUK_EXIT_OK;
  if (use_stdio) {
    souk_mcp_stdio_options so = {.in_fd = 0, .out_fd = 1, .closed = on_stdio_closed, .data = &s};
    s.stdio = souk_mcp_stdio_start(&rt.loop, souk_serve_server(s.sv), &so, &e);
    if (!s.stdio)
      status = souk_cli_fail(cli, "%s", e.text);
    else
      s.open++;
    SOUK_INFO(MCP, "serve: MCP on standard input and output (%zu tools)",
              souk_mcp_server_tool_count(souk_serve_server(s.sv)));
  } else {
    if (http)
      status = start_net(cli, &s, &rt, 0, "http", http);
    if (!status && ws)
      status = start_net(cli, &s, &rt, 1, "ws", ws);
  }
  if (status) {
    on_stop(&rt, &s); /* a listener that did start closes; the server goes when it has */
    if (s.open == 0) {
      souk_orchestrator_tools_free(s.orch);
      s.orch = NULL;
      souk_serve_free(s.sv);
      s.sv = NULL;
    }
    souk_runtime_run(&rt);
    return souk_cli_close(&rt, store, status);
  }
  souk_stop_hook hook = {.fn = on_stop, .ud = &s};
  souk_runtime_add_stop_hook(&rt, &hook);
  souk_runtime_run(&rt); /* until stdin ends, or SIGINT / SIGTERM: both are a normal end */
  souk_runtime_remove_stop_hook(&rt, &hook);
  if (s.sv) { /* the loop ended with a transport open: should not happen */
    souk_orchestrator_tools_free(s.orch);
    souk_serve_free(s.sv);
    souk_runtime_run(&rt);
  }
  return souk_cli_close(&rt, store, s.status ? SOUK_EXIT_FAILURE : SOUK_EXIT_OK);
}

const souk_command souk_cmd_serve = {
    .name = "serve",
    .summary = "serve souk's tools to AI assistants over MCP (stdio, WebSocket, HTTP)",
    .usage = "souk serve [--stdio | --ws [ADDR:]PORT | --http [ADDR:]PORT]",
    .description =
        "An MCP server with souk's tools (scrape_store, query_products, get_product,\n"
        "price_history, store_stats, top_k_products, cluster_products, pca_projection,\n"
        "correlation_matrix, export_csv, and the orchestrator's summarize_insights and\n"
        "plan_analysis), souk:// resources, prompts and completion\n"
        "(docs/mcp.md). --stdio (the default) serves one client on standard input and output,\n"
        "as Claude Desktop launches it; logs go to standard error. --http and --ws listen on\n"
        "127.0.0.1 unless an address is given, at path /mcp; mcp.* settings set the token,\n"
        "allowed origins and limits. Store URLs that clients give may reach public addresses\n"
        "only, unless --allow-private-hosts (SOUK_ALLOW_PRIVATE_HOSTS=1).\n"
        "SIGINT or SIGTERM stops it; running scrapes are cancelled.",
    .options = options,
    .run = run,
};
