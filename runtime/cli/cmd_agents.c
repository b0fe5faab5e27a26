/* SPDX-License-Identifier: MIT */
/* `souk agents`: the platform agents this souk has, built in or loaded from plugin_path. */
#include "cli/cli.h"
#include "loop/runtime.h"
#include "plugins/registry.h"

static const souk_option options[] = {{0}};

static int run(souk_cli *cli) {
  if (cli->argc)
    return souk_cli_usage_error(cli, "unexpected argument '%s'", cli->argv[0]);
  souk_runtime rt;
  souk_errinfo e = {0};
  if (souk_runtime_init(&rt, cli->cfg, SOUK_RT_NO_SIGNALS, &e) != 0)
    return souk_cli_fail(cli, "%s", e.text);
  printf("%-12s %-9s %-5s %-s\n", "AGENT", "VERSION", "ABI", "FROM");
  for (size_t i = 0; i < souk_agents_count(rt.agents); i++) {
    souk_agent *ag = souk_agents_at(rt.agents, i);
    printf("%-12s %-9s %u.%-3u %s\n", ag->desc->name, ag->desc->version ? ag->desc->version : "?",
           ag->desc->abi_major, ag->desc->abi_minor, ag->origin);
    if (ag->desc->description)
      printf("             %s\n", ag->desc->description);
  }
  return souk_runtime_close(&rt) == 0 ? SOUK_EXIT_OK : SOUK_EXIT_FAILURE;
}

const souk_command souk_cmd_agents = {
    .name = "agents",
    .summary = "list the platform agents (built in and plugins)",
    .usage = "souk agents",
    .description = "Plugins are loaded from the directories of plugin_path (SOUK_PLUGIN_PATH);\n"
                   "a plugin built for another ABI, or reusing a name, is refused with a log line.",
    .options = options,
    .run = run,
};
