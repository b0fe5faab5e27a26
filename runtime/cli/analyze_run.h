/* SPDX-License-Identifier: MIT */
/* What `souk analyze` and `souk run` share: the analysis options on the command line, and
 * running the analytics over the store into the outputs directory with a report on stdout. */
#ifndef SOUK_CLI_ANALYZE_RUN_H
#define SOUK_CLI_ANALYZE_RUN_H

#include "cli/cli.h"
#include "store/store.h"

#define SOUK_ANALYSIS_OPTIONS                                                                 \
  {"k", 'k', "N", "how many top products to list (default 20)"},                              \
  {"weights", 'w', "LIST", "score weights: six numbers, or name=value pairs (docs/scoring.md)"}, \
  {"clusters", 'c', "N", "K-Means clusters (default 4; 0 skips clustering)"},                 \
  {"restarts", 0, "N", "K-Means restarts (default 10)"},                                      \
  {"seed", 0, "N", "random seed of K-Means (default 0): same seed, same clusters"},           \
  {"popularity-csv", 0, "FILE", "popularity from your own sales data: columns id,popularity"}, \
  {"no-charts", 0, NULL, "skip the PNG and SVG charts"}

/* Loads the products (the filter, or the listed stores), analyses them, writes the CSV, JSON
 * and charts into output_dir and prints the report. Returns an exit code. */
int souk_cli_analyze(souk_cli *cli, souk_store *store, const souk_query *filter,
                     const char *const *stores, size_t nstores);

#endif /* SOUK_CLI_ANALYZE_RUN_H */
