/* SPDX-License-Identifier: MIT */
/* The product filters shared by the commands that read the store (export, analyze, run): one
 * set of options, one parser into a souk_query. */
#ifndef SOUK_CLI_FILTERS_H
#define SOUK_CLI_FILTERS_H

#include "cli/cli.h"
#include "store/store.h"

#define SOUK_FILTER_OPTIONS                                                                   \
  {"store", 's', "URL", "only this store (any URL of it)"},                                   \
  {"vendor", 0, "NAME", "only this vendor (case-insensitive)"},                               \
  {"type", 0, "NAME", "only this product type (case-insensitive)"},                           \
  {"tag", 0, "TAG", "only products with this tag"},                                            \
  {"search", 0, "WORDS", "full-text search over title, vendor, type, tags and description"},  \
  {"min-price", 0, "PRICE", "lowest price at least PRICE (in the store's currency)"},         \
  {"max-price", 0, "PRICE", "lowest price at most PRICE"},                                    \
  {"available", 0, NULL, "only products with a variant in stock"},                            \
  {"sold-out", 0, NULL, "only products with every variant sold out"},                         \
  {"changed-since", 0, "TIME", "only products with a real change since TIME (ISO 8601)"},      \
  {"include-delisted", 0, NULL, "include products no longer listed"}

/* Fills q from the filter options. Returns 0 or SOUK_EXIT_USAGE after printing why. */
int souk_cli_filters(souk_cli *cli, souk_query *q);

#endif /* SOUK_CLI_FILTERS_H */
