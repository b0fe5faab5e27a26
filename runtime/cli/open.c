/* SPDX-License-Identifier: MIT */
/* What the commands that crawl share: starting the runtime, checking the agent name, opening
 * the store — and closing them again. */
#include "cli/cli.h"
#include "loop/runtime.h"
#include "plugins/registry.h"
#include "store/store.h"

int souk_cli_open(souk_cli *cli, souk_runtime *rt, unsigned flags, const char *agent,
                  souk_store **store) {
  souk_errinfo e = {0};
  *store = NULL;
  if (souk_runtime_init(rt, cli->cfg, flags, &e) != 0)
    return souk_cli_fail(cli, "%s", e.text);
  if (agent && !souk_agents_find(rt->agents, agent)) {
    souk_runtime_close(rt);
    return souk_cli_usage_error(cli, "no agent named '%s' (see `souk agents`)", agent);
  }
  *store = souk_store_open(cli->cfg, &e);
  if (!*store) {
    souk_runtime_close(rt);
    return souk_cli_fail(cli, "%s", e.text);
  }
  return 0;
}

int souk_cli_close(souk_runtime *rt, souk_store *store, int status) {
  souk_store_close(store);
  if (souk_runtime_close(rt) != 0 && status == SOUK_EXIT_OK)
    status = SOUK_EXIT_FAILURE;
  return status;
}
