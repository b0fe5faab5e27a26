/* SPDX-License-Identifier: MIT */
/* `souk analyze`: scores, top-K, correlation, PCA and clusters of the products in the store
 * (all, one store, or a filtered subset), written to the outputs directory. */
#include "cli/analyze_run.h"
#include "cli/filters.h"

static const souk_option options[] = {SOUK_ANALYSIS_OPTIONS, SOUK_FILTER_OPTIONS, {0}};

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
  rc = souk_cli_analyze(cli, s, &q, NULL, 0);
  souk_store_close(s);
  return rc;
}

const souk_command souk_cmd_analyze = {
    .name = "analyze",
    .summary = "score and cluster the products in the store; write CSV, JSON and charts",
    .usage = "souk analyze [--store URL] [--k 20] [--weights ...] [--clusters 4] [--popularity-csv F] [filters]",
    .description =
        "Metrics per product (average price, available ratio, tags, images, description length,\n"
        "popularity), min-max scaled, weighted into a score; the top K with each term's\n"
        "contribution; Pearson correlation; PCA; K-Means with k-means++ and restarts.\n"
        "Popularity comes from your sales CSV, or from observed sell-outs in the change history,\n"
        "or nothing: souk never invents it. Definitions: docs/scoring.md.",
    .options = options,
    .run = run,
};
