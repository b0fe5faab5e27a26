/* SPDX-License-Identifier: MIT */
/* `souk export`: the store as CSV files — data/shopify_products.csv (one row per product, or
 * per variant) and outputs/products_from_store.csv (the analysis input). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/filters.h"
#include "store/export.h"

static const souk_option options[] = {
    {"variants", 0, NULL, "one row per variant instead of one per product"},
    SOUK_FILTER_OPTIONS,
    {0},
};

static int run(souk_cli *cli) {
  if (cli->argc)
    return souk_cli_usage_error(cli, "unexpected argument '%s'", cli->argv[0]);
  souk_query q;
  int rc = souk_cli_filters(cli, &q);
  if (rc)
    return rc;
  souk_errinfo e = {0};
  souk_store *s = souk_store_open(cli->cfg, &e);
  if (!s)
    return souk_cli_fail(cli, "%s", e.text);
  souk_export_options o = {
      .filter = &q,
      .variants = souk_cli_flag(cli, "variants"),
      .data_dir = souk_config_str(cli->cfg, SOUK_CFG_DATA_DIR),
      .output_dir = souk_config_str(cli->cfg, SOUK_CFG_OUTPUT_DIR),
  };
  souk_export_result res;
  rc = souk_export_csv(s, &o, &res, &e);
  souk_store_close(s);
  if (rc)
    return souk_cli_fail(cli, "%s", e.text);
  printf("%llu products, %llu rows -> %s\n", res.products, res.rows, res.data_path);
  printf("%llu products -> %s\n", res.products, res.output_path);
  return SOUK_EXIT_OK;
}

const souk_command souk_cmd_export = {
    .name = "export",
    .summary = "write the store as CSV (data/shopify_products.csv, outputs/products_from_store.csv)",
    .usage = "souk export [--variants] [filters]",
    .description = "RFC 4180 CSV (CRLF line ends, quoted fields where needed); prices exact in the\n"
                   "store's currency. Files are replaced atomically.",
    .options = options,
    .run = run,
};
