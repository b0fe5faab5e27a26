/* SPDX-License-Identifier: MIT */
/* Parsing the product filter options into a query. */
#include "cli/filters.h"

#include <string.h>

#include "shopify/decode.h"

static int price_opt(souk_cli *cli, const char *name, int64_t *out) {
  const char *v = souk_cli_opt(cli, name);
  if (!v)
    return 0;
  /* Prices on the command line are in currency units with up to two decimals. */
  if (souk_parse_price(v, strlen(v), 2, out) != 0)
    return souk_cli_usage_error(cli, "--%s %s: expected a price such as 19.99", name, v);
  return 0;
}

int souk_cli_filters(souk_cli *cli, souk_query *q) {
  souk_query_init(q);
  q->store = souk_cli_opt(cli, "store");
  q->vendor = souk_cli_opt(cli, "vendor");
  q->product_type = souk_cli_opt(cli, "type");
  q->tag = souk_cli_opt(cli, "tag");
  q->text = souk_cli_opt(cli, "search");
  q->changed_since = souk_cli_opt(cli, "changed-since");
  if (price_opt(cli, "min-price", &q->price_min) || price_opt(cli, "max-price", &q->price_max))
    return SOUK_EXIT_USAGE;
  if (souk_cli_flag(cli, "available") && souk_cli_flag(cli, "sold-out"))
    return souk_cli_usage_error(cli, "--available and --sold-out exclude each other");
  if (souk_cli_flag(cli, "available"))
    q->available = 1;
  if (souk_cli_flag(cli, "sold-out"))
    q->available = 0;
  if (souk_cli_flag(cli, "include-delisted"))
    q->flags |= SOUK_QUERY_DELISTED;
  if (q->changed_since && (strlen(q->changed_since) < 10 || q->changed_since[4] != '-'))
    return souk_cli_usage_error(cli, "--changed-since %s: expected an ISO 8601 time such as "
                                     "2026-11-01 or 2026-11-01T12:00:00Z", q->changed_since);
  return 0;
}
