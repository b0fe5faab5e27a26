/* SPDX-License-Identifier: MIT */
/* The analysis step of `souk analyze` and `souk run`. */
#include "cli/analyze_run.h"

#include <stdlib.h>
#include <string.h>

#include "analytics/analysis.h"
#include "analytics/charts.h"
#include "analytics/report.h"
#include "analytics/store_load.h"
#include "souk/error.h"
#include "store/export.h"

static int number_opt(souk_cli *cli, const char *name, long lo, long hi, long *out) {
  const char *v = souk_cli_opt(cli, name);
  if (!v)
    return 0;
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end || n < lo || n > hi)
    return souk_cli_usage_error(cli, "--%s %s: expected a whole number from %ld to %ld", name, v, lo, hi);
  *out = n;
  return 0;
}

int souk_cli_analyze(souk_cli *cli, souk_store *store, const souk_query *filter,
                     const char *const *stores, size_t nstores) {
  souk_analysis_options ao;
  souk_analysis_options_default(&ao);
  long k = (long)ao.top_k, clusters = ao.clusters, restarts = ao.restarts, seed = (long)ao.seed;
  if (number_opt(cli, "k", 1, 1000000, &k) || number_opt(cli, "clusters", 0, 64, &clusters) ||
      number_opt(cli, "restarts", 1, 1000, &restarts) || number_opt(cli, "seed", 0, 2147483647L, &seed))
    return SOUK_EXIT_USAGE;
  ao.top_k = (size_t)k;
  ao.clusters = (int)clusters;
  ao.restarts = (int)restarts;
  ao.seed = (uint64_t)seed;
  souk_errinfo e = {0};
  const char *weights = souk_cli_opt(cli, "weights");
  if (weights && souk_weights_parse(weights, ao.weights, &e) != 0)
    return souk_cli_usage_error(cli, "--weights: %s", e.text);

  souk_store_load_options lo = {.filter = filter, .stores = stores, .nstores = nstores,
                                .popularity_csv = souk_cli_opt(cli, "popularity-csv")};
  souk_store_load_info info;
  souk_metrics *t = souk_metrics_from_store(store, &lo, &info, &e);
  if (!t)
    return souk_cli_fail(cli, "%s", e.text);
  souk_analysis *a = souk_analysis_run(t, &ao, &e);
  if (!a) {
    souk_metrics_free(t);
    return e.code == SOUK_EINVAL ? souk_cli_usage_error(cli, "%s", e.text) : souk_cli_fail(cli, "%s", e.text);
  }
  const char *out = souk_config_str(cli->cfg, SOUK_CFG_OUTPUT_DIR);
  int status = SOUK_EXIT_OK;
  if (souk_mkdirs(out, &e) != 0 || souk_report_write_all(a, out, &e) != 0 ||
      (!souk_cli_flag(cli, "no-charts") && souk_charts_write(a, out, &e) != 0)) {
    status = souk_cli_fail(cli, "%s", e.text);
  } else {
    printf("Analysed %zu products of %zu store%s; popularity signal: %s\n\n", info.products,
           info.stores, info.stores == 1 ? "" : "s", info.popularity);
    souk_report_print(a, stdout);
    printf("\nResults in %s/: %s, %s, %s", out, SOUK_REPORT_TOPK_CSV, SOUK_REPORT_SCORED_CSV,
           SOUK_REPORT_JSON);
    if (!souk_cli_flag(cli, "no-charts"))
      printf(", heatmap_correlation, pca_clusters, pca_topk, score_distribution (.png, .svg)");
    printf("\n");
  }
  souk_analysis_free(a);
  souk_metrics_free(t);
  return status;
}
