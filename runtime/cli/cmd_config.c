/* SPDX-License-Identifier: MIT */
/* `souk config`: every setting, its value (secrets redacted) and where the value came from. */
#include <string.h>

#include "cli/cli.h"

static const souk_option options[] = {
    {"json", 0, NULL, "print a JSON object instead of a table"},
    {"markdown", 0, NULL, "print the documentation table of every setting (docs/configuration.md)"},
    {"get", 0, "KEY", "print the value of one setting only"},
    {0},
};

static int run(souk_cli *cli) {
  if (cli->argc)
    return souk_cli_usage_error(cli, "unexpected argument '%s'", cli->argv[0]);
  const char *key = souk_cli_opt(cli, "get");
  if (key) {
    int id = souk_setting_find(key);
    if (id < 0)
      return souk_cli_usage_error(cli, "unknown setting '%s'", key);
    char shown[1024];
    printf("%s\n", souk_config_display(cli->cfg, (souk_setting_id)id, shown, sizeof shown));
    return SOUK_EXIT_OK;
  }
  if (souk_cli_flag(cli, "markdown"))
    souk_config_print_markdown(stdout);
  else if (souk_cli_flag(cli, "json"))
    souk_config_print_json(cli->cfg, stdout);
  else
    souk_config_print(cli->cfg, stdout);
  return SOUK_EXIT_OK;
}

const souk_command souk_cmd_config = {
    .name = "config",
    .summary = "show every setting, its value and where it came from",
    .usage = "souk config [--json | --markdown | --get KEY]",
    .description = "Values come from defaults, then souk.json (or --config FILE), then .env (or\n"
                   "--env-file FILE), then SOUK_* environment variables, then the command line.\n"
                   "Secrets and the password of a MongoDB URI are never printed.",
    .options = options,
    .run = run,
};
