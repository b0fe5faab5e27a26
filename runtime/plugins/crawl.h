/* SPDX-License-Identifier: MIT */
/* The host's side of a crawl: one store crawled by one agent, as a job. Products, store
 * information and the end of the crawl go to a sink (the product store, or a test). */
#ifndef SOUK_PLUGINS_CRAWL_H
#define SOUK_PLUGINS_CRAWL_H

#include <stddef.h>
#include <stdint.h>

#include "core/errinfo.h"
#include "jobs/job.h"
#include "souk/agent.h"

typedef struct souk_runtime souk_runtime;

/* What a crawl counted; also the crawl record the store keeps. */
typedef struct souk_crawl_stats {
  uint64_t pages;              /* responses the agent counted as pages */
  uint64_t bytes;
  uint64_t products;           /* products handed over (a product may come twice) */
  uint64_t http_errors;        /* pages answered with a status >= 400 */
  double elapsed_ms;
} souk_crawl_stats;

typedef struct souk_crawl_sink {
  /* Products of one page; return 0 or a SOUK_E* code that stops the crawl. */
  int (*put_products)(void *ud, souk_crawl *c, const souk_product *products, size_t n);
  int (*set_info)(void *ud, souk_crawl *c, const souk_store_info *info);   /* may be NULL */
  /* The crawl ended; `stats` final. Runs exactly once per started crawl. */
  void (*done)(void *ud, souk_crawl *c, int status, int complete, const char *message,
               const souk_crawl_stats *stats);
  void *ud;
} souk_crawl_sink;

/* Starts crawling `url` with the named agent. Returns 0 (the sink's done runs later exactly
 * once) or a SOUK_E* code with a sentence in e (done never runs). `job_out` (may be NULL)
 * receives the crawl's job, which can be observed and canceled. */
int souk_crawl_start(souk_runtime *rt, const char *agent_name, const char *url,
                     const souk_crawl_sink *sink, souk_job **job_out, souk_errinfo *e);

const char *souk_crawl_get_url(const souk_crawl *c);
const char *souk_crawl_agent_name(const souk_crawl *c);
souk_job *souk_crawl_job(const souk_crawl *c);
const souk_crawl_stats *souk_crawl_get_stats(const souk_crawl *c);

/* The host services an agent calls about its crawl (host.c forwards to these). */
const char *souk__crawl_url(souk_crawl *c);
int souk__crawl_put_products(souk_crawl *c, const souk_product *p, size_t n);
int souk__crawl_set_info(souk_crawl *c, const souk_store_info *info);
void souk__crawl_page_done(souk_crawl *c, int status, size_t bytes);
void souk__crawl_progress(souk_crawl *c, double done, double total, const char *message);
int souk__crawl_cancelled(souk_crawl *c);
void souk__crawl_done(souk_crawl *c, int status, int complete, const char *message);

#endif /* SOUK_PLUGINS_CRAWL_H */
