/* SPDX-License-Identifier: MIT */
/* `souk scrape URL...`: crawls stores headless into the store, with a progress bar on a
 * terminal (log lines otherwise), and ends with a summary table. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "loop/runtime.h"
#include "plugins/registry.h"
#include "scrape/scrape.h"
#include "souk/error.h"

static const souk_option options[] = {
    {"agent", 'a', "NAME", "platform agent to use (default shopify; see `souk agents`)"},
    {"rate", 'r', "N", "requests per second per host, 0 for no limit (sets http.rate)"},
    {"per-host", 0, "N", "requests in flight per host (sets http.max_per_host)"},
    {"json", 0, NULL, "print the results as JSON on standard output"},
    {0},
};

typedef struct scrape_cli {
  souk_cli *cli;
  int failed, canceled;
} scrape_cli;

static void on_done(souk_scrape *sc, const souk_scrape_result *results, size_t n, void *ud) {
  (void)sc;
  scrape_cli *s = ud;
  for (size_t i = 0; i < n; i++) {
    s->failed += results[i].status != 0 && results[i].status != SOUK_ECANCELED;
    s->canceled += results[i].status == SOUK_ECANCELED;
  }
  if (souk_cli_flag(s->cli, "json")) {
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(list, souk_scrape_result_json(&results[i]));
    json_dumpf(list, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(list);
  } else {
    souk_scrape_print_summary(results, n, stdout);
  }
}

static int run(souk_cli *cli) {
  if (cli->argc == 0)
    return souk_cli_usage_error(cli, "give at least one store URL");
  const char *rate = souk_cli_opt(cli, "rate"), *per_host = souk_cli_opt(cli, "per-host");
  if (rate && souk_cli_set(cli, SOUK_CFG_HTTP_RATE, rate))
    return SOUK_EXIT_USAGE;
  if (per_host && souk_cli_set(cli, SOUK_CFG_HTTP_MAX_PER_HOST, per_host))
    return SOUK_EXIT_USAGE;
  const char *agent = souk_cli_opt(cli, "agent");

  souk_runtime rt;
  souk_store *store;
  souk_errinfo e = {0};
  int rc = souk_cli_open(cli, &rt, 0, agent, &store);
  if (rc)
    return rc;
  scrape_cli s = {.cli = cli};
  souk_job *job = NULL;
  int status = SOUK_EXIT_OK;
  if (souk_scrape_start(&rt, store, agent, (const char *const *)cli->argv, (size_t)cli->argc,
                        on_done, &s, &job, &e) != 0) {
    status = souk_cli_fail(cli, "%s", e.text);
  } else {
    souk_progress *p = souk_progress_attach(job, cli->quiet || souk_cli_flag(cli, "json"));
    rc = souk_runtime_run(&rt);
    souk_progress_free(p);
    if (rc == SOUK_EINTERRUPTED || s.canceled)
      status = SOUK_EXIT_INTERRUPTED;
    else if (s.failed)
      status = SOUK_EXIT_FAILURE;
  }
  return souk_cli_close(&rt, store, status);
}

const souk_command souk_cmd_scrape = {
    .name = "scrape",
    .summary = "crawl stores into the product store, headless",
    .usage = "souk scrape [options] URL...",
    .description =
        "Crawls every store concurrently on one event loop; one store's failure does not stop the\n"
        "others. Products are written page by page: a crawl stopped half-way (Ctrl-C, kill -9)\n"
        "and started again loses nothing and duplicates nothing. Real changes (price, compare-at\n"
        "price, availability, listing) are recorded with their time.\n"
        "Exit codes: 0 all stores done, 1 a store failed, 130 interrupted.",
    .options = options,
    .run = run,
};
