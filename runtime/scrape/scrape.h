/* SPDX-License-Identifier: MIT */
/* Scraping: crawls of one or many stores, concurrently on the loop, written into the product
 * store as they arrive, under one job whose progress sums the crawls'. Used by `souk scrape`,
 * `souk run` and the MCP scrape_store tool. One store's failure does not stop the others. */
#ifndef SOUK_SCRAPE_H
#define SOUK_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/errinfo.h"
#include "jobs/job.h"
#include "plugins/crawl.h"
#include "store/store.h"

typedef struct souk_runtime souk_runtime;

/* What happened to one store. */
typedef struct souk_scrape_result {
  char url[1024];              /* as given */
  char origin[512];
  char agent[64];
  int status;                  /* 0 or SOUK_E* */
  char message[512];           /* a sentence when status != 0, or a note */
  bool complete;               /* every product of the store was seen */
  int64_t crawl_id;            /* the store's crawl record; 0 if none was made */
  souk_crawl_stats stats;      /* pages, bytes, products, http errors, elapsed */
  souk_put_result put;         /* products written, new, changed, history events */
} souk_scrape_result;

typedef struct souk_scrape souk_scrape;

/* Runs at the end with every store's result, in the order given. */
typedef void (*souk_scrape_done_cb)(souk_scrape *sc, const souk_scrape_result *results,
                                    size_t n, void *ud);

/* Starts crawling each URL with the named agent (NULL: "shopify") into `store`. Returns 0 and
 * runs done exactly once later, or SOUK_EINVAL / SOUK_ENOMEM with e filled (done never runs).
 * URLs that are not store URLs or whose crawl cannot start end up as failed results, not as
 * an error of the whole. `job_out` receives the job of the whole scrape (cancel it to stop
 * every crawl). */
int souk_scrape_start(souk_runtime *rt, souk_store *store, const char *agent,
                      const char *const *urls, size_t n, souk_scrape_done_cb done, void *ud,
                      souk_job **job_out, souk_errinfo *e);

/* The results table as text, for the terminal. */
void souk_scrape_print_summary(const souk_scrape_result *results, size_t n, FILE *out);

/* A JSON object per result (for MCP and --json). */
json_t *souk_scrape_result_json(const souk_scrape_result *r);

#endif /* SOUK_SCRAPE_H */
