/* SPDX-License-Identifier: MIT */
/* The data check (`souk check`): what is wrong or suspicious in the store — failed or stale
 * crawls, missing fields, duplicate handles, price anomalies — as a list of issues with a
 * severity. Errors make `souk check` exit non-zero; warnings are reported only. */
#ifndef SOUK_STORE_CHECK_H
#define SOUK_STORE_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "store/store.h"

typedef enum souk_check_severity { SOUK_CHECK_WARNING = 1, SOUK_CHECK_ERROR = 2 } souk_check_severity;

typedef struct souk_check_options {
  const char *store;           /* one store (any URL of it), or NULL for all */
  int64_t stale_after_ms;      /* a store whose last crawl is older is stale */
  size_t examples;             /* product examples listed per kind of issue */
} souk_check_options;

/* The report: JSON, so that the CLI can print it as text or as is, and MCP can return it.
 * {"stores":[{store, platform, currency, products, listed, delisted, last_crawl:{...},
 *   issues:[{kind, severity, count, message, examples:[{id, title, detail}]}]}],
 *  "errors": N, "warnings": N} */
int souk_check_run(souk_store *s, const souk_check_options *o, json_t **report);

/* The report as text for the terminal. */
void souk_check_print(const json_t *report, FILE *out);

#endif /* SOUK_STORE_CHECK_H */
