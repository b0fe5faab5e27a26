/* SPDX-License-Identifier: MIT */
/* `souk check`: the state of the data — products per store, the last crawl and its errors,
 * missing fields, duplicates, price anomalies, stale stores. Exit code 3 on any error. */
#include "cli/cli.h"
#include "store/check.h"

static const souk_option options[] = {
    {"store", 's', "URL", "check one store only"},
    {"stale-after", 0, "DURATION", "a store not crawled for this long is stale (sets check.stale_after)"},
    {"examples", 0, "N", "products listed per kind of problem (default 5)"},
    {"json", 0, NULL, "print the report as JSON"},
    {0},
};

static int run(souk_cli *cli) {
  if (cli->argc)
    return souk_cli_usage_error(cli, "unexpected argument '%s'", cli->argv[0]);
  const char *stale = souk_cli_opt(cli, "stale-after");
  if (stale && souk_cli_set(cli, SOUK_CFG_CHECK_STALE_AFTER, stale))
    return SOUK_EXIT_USAGE;
  const char *examples = souk_cli_opt(cli, "examples");
  char *end = NULL;
  long nex = examples ? strtol(examples, &end, 10) : 5;
  if (examples && (*end || nex < 0 || nex > 1000))
    return souk_cli_usage_error(cli, "--examples wants a number from 0 to 1000");
  souk_errinfo e = {0};
  souk_store *s = souk_store_open(cli->cfg, &e);
  if (!s)
    return souk_cli_fail(cli, "%s", e.text);
  souk_check_options o = {
      .store = souk_cli_opt(cli, "store"),
      .stale_after_ms = souk_config_int(cli->cfg, SOUK_CFG_CHECK_STALE_AFTER),
      .examples = (size_t)nex,
  };
  json_t *report = NULL;
  int rc = souk_check_run(s, &o, &report);
  if (rc) {
    int status = rc == SOUK_EINVAL ? souk_cli_usage_error(cli, "'%s' is not a store URL", o.store)
                                   : souk_cli_fail(cli, "%s", souk_store_errmsg(s));
    souk_store_close(s);
    return status;
  }
  souk_store_close(s);
  if (souk_cli_flag(cli, "json")) {
    json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
  } else {
    souk_check_print(report, stdout);
  }
  int status = json_integer_value(json_object_get(report, "errors")) ? SOUK_EXIT_CHECK : SOUK_EXIT_OK;
  json_decref(report);
  return status;
}

const souk_command souk_cmd_check = {
    .name = "check",
    .summary = "report the state of the data; exit code 3 when something is wrong",
    .usage = "souk check [--store URL] [--stale-after 7d] [--json]",
    .description = "Errors (exit code 3): a failed or missing crawl, a stale store, no products,\n"
                   "products without title, variant or price, negative prices, duplicate handles.\n"
                   "Warnings: partial crawls, zero prices, compare-at below price, missing images,\n"
                   "a product count different from what the store announces.",
    .options = options,
    .run = run,
};
