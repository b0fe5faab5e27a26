/* SPDX-License-Identifier: MIT */
/* `souk demo-store`: serves the bundled storefront captures on loopback until interrupted, to
 * try souk (scrape, MCP scrape_store) without touching a real store. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/demo_store.h"
#include "loop/runtime.h"

static const souk_option options[] = {
    {"port", 'p', "PORT", "first port to listen on (default: any free port)"},
    {0},
};

static souk_demo *demo;

static void stop_demo(souk_runtime *rt, void *ud) {
  (void)rt, (void)ud;
  souk_demo_stop(demo);
  demo = NULL;
}

static int run(souk_cli *cli) {
  const char *p = souk_cli_opt(cli, "port");
  char *end = NULL;
  long port = p ? strtol(p, &end, 10) : 0;
  if (p && (*end || port < 1 || port > 65534))
    return souk_cli_usage_error(cli, "--port %s: expected a port number", p);
  souk_runtime rt;
  souk_errinfo e = {0};
  if (souk_runtime_init(&rt, cli->cfg, SOUK_RT_NO_PLUGINS, &e) != 0)
    return souk_cli_fail(cli, "%s", e.text);
  demo = souk_demo_start(&rt.loop, (int)port, &e);
  if (!demo) {
    souk_runtime_close(&rt);
    return souk_cli_fail(cli, "%s", e.text);
  }
  for (size_t i = 0; i < souk_demo_count(demo); i++)
    printf("%s\t%s\n", souk_demo_url(demo, i), souk_demo_name(demo, i));
  fflush(stdout);
  fprintf(stderr, "serving the demo stores on 127.0.0.1; Ctrl-C to stop\n");
  souk_stop_hook hook = {.fn = stop_demo};
  souk_runtime_add_stop_hook(&rt, &hook);
  souk_runtime_run(&rt); /* until SIGINT or SIGTERM: stopping is the normal end */
  if (demo)
    souk_demo_stop(demo);
  return souk_runtime_close(&rt) == 0 ? SOUK_EXIT_OK : SOUK_EXIT_FAILURE;
}

const souk_command souk_cmd_demo_store = {
    .name = "demo-store",
    .summary = "serve the bundled real storefront captures on 127.0.0.1 (Ctrl-C to stop)",
    .usage = "souk demo-store [--port PORT]",
    .description = "Prints one line per store: its URL and name. The stores answer like Shopify's\n"
                   "public endpoints (/products.json, /meta.json, collections, sitemaps).",
    .options = options,
    .run = run,
};
