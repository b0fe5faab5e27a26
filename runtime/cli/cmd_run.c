/* SPDX-License-Identifier: MIT */
/* `souk run [URL...]`: the main job — crawl the stores, analyse them, print the top-K table,
 * the cluster summary and where the files are. With no URL, or when no store can be reached
 * (no internet), it serves the bundled real captures on loopback as demo stores and runs on
 * them. */
#include <stdlib.h>
#include <string.h>

#include "cli/analyze_run.h"
#include "cli/ask_run.h"
#include "cli/demo_store.h"
#include "loop/runtime.h"
#include "plugins/registry.h"
#include "scrape/scrape.h"
#include "souk/error.h"

static const souk_option options[] = {
    {"agent", 'a', "NAME", "platform agent (default shopify)"},
    {"rate", 'r', "N", "requests per second per host, 0 for no limit (sets http.rate)"},
    {"demo", 0, NULL, "run on the demo stores even when URLs are given"},
    SOUK_ANALYSIS_OPTIONS,
    {0},
};

typedef struct run_state {
  souk_cli *cli;
  uv_loop_t *loop;
  souk_scrape_result *results;
  size_t n;
} run_state;

static void on_scraped(souk_scrape *sc, const souk_scrape_result *results, size_t n, void *ud) {
  (void)sc;
  run_state *st = ud;
  st->results = malloc(n * sizeof *results);
  if (st->results) {
    memcpy(st->results, results, n * sizeof *results);
    st->n = n;
  }
  souk_scrape_print_summary(results, n, stdout);
  printf("\n");
  /* The demo stores keep the loop alive: the crawl is over, so is this run of the loop. */
  uv_stop(st->loop);
}

/* A failure that says the network is not there, rather than the store being wrong. */
static bool unreachable(int status) {
  return status == SOUK_EDNS || status == SOUK_ECONNREFUSED || status == SOUK_ETIMEDOUT ||
         status == SOUK_ENETWORK || status == SOUK_ETLS;
}

/* Crawls `urls` and fills st. Returns 0, or an exit code. */
static int crawl(souk_cli *cli, souk_runtime *rt, souk_store *store, const char *const *urls,
                 size_t n, run_state *st) {
  souk_errinfo e = {0};
  souk_job *job = NULL;
  if (souk_scrape_start(rt, store, souk_cli_opt(cli, "agent"), urls, n, on_scraped, st, &job, &e) != 0)
    return souk_cli_fail(cli, "%s", e.text);
  souk_progress *p = souk_progress_attach(job, cli->quiet);
  int rc = souk_runtime_run(rt);
  souk_progress_free(p);
  return rc == SOUK_EINTERRUPTED ? SOUK_EXIT_INTERRUPTED : 0;
}

static int run(souk_cli *cli) {
  const char *rate = souk_cli_opt(cli, "rate");
  if (rate && souk_cli_set(cli, SOUK_CFG_HTTP_RATE, rate))
    return SOUK_EXIT_USAGE;
  const char *agent = souk_cli_opt(cli, "agent");
  souk_runtime rt;
  souk_store *store;
  souk_errinfo e = {0};
  int rc = souk_cli_open(cli, &rt, 0, agent, &store);
  if (rc)
    return rc;
  run_state st = {.cli = cli, .loop = &rt.loop};
  souk_demo *demo = NULL;
  int status = 0;
  bool use_demo = cli->argc == 0 || souk_cli_flag(cli, "demo");

  if (!use_demo) {
    status = crawl(cli, &rt, store, (const char *const *)cli->argv, (size_t)cli->argc, &st);
    bool all_unreachable = st.n > 0;
    for (size_t i = 0; i < st.n; i++)
      all_unreachable = all_unreachable && unreachable(st.results[i].status);
    if (status == 0 && all_unreachable) {
      printf("No store could be reached (no internet?): running on the demo stores instead.\n\n");
      use_demo = true;
      free(st.results);
      st.results = NULL;
      st.n = 0;
    }
  }
  if (status == 0 && use_demo) {
    demo = souk_demo_start(&rt.loop, 0, &e);
    if (!demo) {
      status = souk_cli_fail(cli, "%s", e.text);
    } else {
      const char *urls[SOUK_DEMO_MAX_STORES];
      printf("Demo stores (real storefront captures served on loopback):\n");
      for (size_t i = 0; i < souk_demo_count(demo); i++) {
        urls[i] = souk_demo_url(demo, i);
        printf("  %-34s %s\n", souk_demo_name(demo, i), urls[i]);
      }
      printf("\n");
      /* Loopback: no need to be polite to ourselves. */
      souk_http_close(rt.http);
      souk_config_set_id(cli->cfg, SOUK_CFG_HTTP_RATE, "0", SOUK_SRC_CLI, NULL);
      souk_http_options ho;
      souk_http_options_from_config(&ho, cli->cfg);
      rt.http = souk_http_new(&rt.loop, &ho, &e);
      status = rt.http ? crawl(cli, &rt, store, urls, souk_demo_count(demo), &st)
                       : souk_cli_fail(cli, "%s", e.text);
    }
  }

  /* Analyse what this run crawled successfully, together. */
  const char *stores[64];
  size_t nstores = 0;
  for (size_t i = 0; i < st.n && nstores < 64; i++)
    if (st.results[i].put.products > 0)
      stores[nstores++] = st.results[i].origin;
  if (status == 0 && nstores == 0)
    status = souk_cli_fail(cli, "no store was crawled: nothing to analyse");
  if (status == 0)
    status = souk_cli_analyze(cli, store, NULL, stores, nstores);
  /* The main job ends with the summary (and outputs/summary.md): offline, from templates,
   * unless a language model is configured (llm.provider). */
  if (status == 0) {
    const char *k = souk_cli_opt(cli, "k");
    souk_cli_ask_request a = {
        .goal = "Which products of these stores should we feature, and why?",
        .stores = stores,
        .nstores = nstores < 16 ? nstores : 16,
        .k = k && atoi(k) > 0 && atoi(k) <= 100 ? (size_t)atoi(k) : 10,
        .save = true,
    };
    printf("\n");
    status = souk_cli_ask(cli, &rt, store, &a);
  }
  if (demo)
    souk_demo_stop(demo);
  free(st.results);
  return souk_cli_close(&rt, store, status);
}

const souk_command souk_cmd_run = {
    .name = "run",
    .summary = "the main job: crawl stores, analyse them, print the top products and clusters",
    .usage = "souk run [options] [URL...]",
    .description =
        "Crawls the stores (concurrently), analyses the products it found together, writes\n"
        "top_k.csv, products_scored.csv, analysis.json and the charts into the outputs\n"
        "directory, and prints the top-K table and the cluster summary. With no URL, or when\n"
        "no store can be reached, it runs on demo stores: real storefront captures served on\n"
        "127.0.0.1 by souk's Shopify storefront emulator.",
    .options = options,
    .run = run,
};
