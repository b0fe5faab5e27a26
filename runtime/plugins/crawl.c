/* SPDX-License-Identifier: MIT */
/* A crawl from the host's side: the job, the counters, and the calls an agent makes about it. */
#include "plugins/crawl.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "loop/runtime.h"
#include "plugins/registry.h"

struct souk_crawl {
  souk_runtime *rt;
  souk_agent *agent;
  char *url;
  souk_job *job;
  souk_crawl_sink sink;
  souk_crawl_stats stats;
  int sink_error;              /* the sink refused products: the crawl ends with this */
  bool done;
};

const char *souk_crawl_get_url(const souk_crawl *c) { return c->url; }
const char *souk_crawl_agent_name(const souk_crawl *c) { return c->agent->desc->name; }
souk_job *souk_crawl_job(const souk_crawl *c) { return c->job; }
const souk_crawl_stats *souk_crawl_get_stats(const souk_crawl *c) { return &c->stats; }

static void on_cancel(souk_job *job, void *ud) {
  (void)job;
  souk_crawl *c = ud;
  if (!c->done && c->agent->desc->ops->crawl_cancel)
    c->agent->desc->ops->crawl_cancel(c->agent->state, c);
}

int souk_crawl_start(souk_runtime *rt, const char *agent_name, const char *url,
                     const souk_crawl_sink *sink, souk_job **job_out, souk_errinfo *e) {
  if (job_out)
    *job_out = NULL;
  souk_agent *agent = souk_agents_find(rt->agents, agent_name);
  if (!agent)
    return souk_errinfo_set(e, SOUK_ENOENT, "no agent named '%s' is loaded", agent_name);
  if (rt->stopping)
    return souk_errinfo_set(e, SOUK_ESTATE, "souk is stopping");
  souk_crawl *c = calloc(1, sizeof *c);
  if (!c || !(c->url = strdup(url))) {
    free(c);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  }
  c->rt = rt;
  c->agent = agent;
  c->sink = *sink;
  c->job = souk_job_create(rt->jobs, "crawl", url);
  if (!c->job) {
    free(c->url);
    free(c);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  }
  souk_job_on_cancel(c->job, on_cancel, c);
  int rc = agent->desc->ops->crawl_start(agent->state, c);
  if (rc) {
    souk_errinfo_set(e, rc, "%s agent could not start crawling %s: %s", agent->desc->name, url,
                     souk_strerror(rc));
    souk_job_finish(c->job, rc, e ? e->text : NULL, NULL);
    free(c->url);
    free(c);
    return rc;
  }
  if (job_out)
    *job_out = c->job;
  return 0;
}

/* ---- host services about a crawl (called by agents through souk_host) ---------------- */

const char *souk__crawl_url(souk_crawl *c) { return c->url; }

int souk__crawl_put_products(souk_crawl *c, const souk_product *p, size_t n) {
  if (c->done)
    return SOUK_ESTATE;
  if (c->sink_error)
    return c->sink_error;
  int rc = c->sink.put_products ? c->sink.put_products(c->sink.ud, c, p, n) : 0;
  if (rc) {
    c->sink_error = rc;
    return rc;
  }
  c->stats.products += n;
  return 0;
}

int souk__crawl_set_info(souk_crawl *c, const souk_store_info *info) {
  if (c->done)
    return SOUK_ESTATE;
  return c->sink.set_info ? c->sink.set_info(c->sink.ud, c, info) : 0;
}

void souk__crawl_page_done(souk_crawl *c, int status, size_t bytes) {
  c->stats.pages++;
  c->stats.bytes += bytes;
  if (status >= 400)
    c->stats.http_errors++;
}

void souk__crawl_progress(souk_crawl *c, double done, double total, const char *message) {
  if (!c->done)
    souk_job_progress(c->job, done, total, message);
}

int souk__crawl_cancelled(souk_crawl *c) {
  return souk_job_cancel_requested(c->job) || c->sink_error != 0;
}

void souk__crawl_done(souk_crawl *c, int status, int complete, const char *message) {
  if (c->done) {
    SOUK_ERROR(PLUGIN, "agent %s ended the crawl of %s twice", c->agent->desc->name, c->url);
    return;
  }
  c->done = true;
  if (status == 0 && c->sink_error) {
    status = c->sink_error;
    message = "the store refused the products";
    complete = 0;
  }
  if (status == 0 && souk_job_cancel_requested(c->job)) {
    status = SOUK_ECANCELED;
    complete = 0;
  }
  c->stats.elapsed_ms = souk_job_elapsed_ms(c->job);
  if (c->sink.done)
    c->sink.done(c->sink.ud, c, status, complete, message, &c->stats);
  json_t *result = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:f}", "url", c->url, "agent",
                             c->agent->desc->name, "pages", (json_int_t)c->stats.pages, "bytes",
                             (json_int_t)c->stats.bytes, "products", (json_int_t)c->stats.products,
                             "http_errors", (json_int_t)c->stats.http_errors, "complete",
                             complete != 0, "elapsed_ms", c->stats.elapsed_ms);
  souk_job_finish(c->job, status, message, result);
  free(c->url);
  free(c);
}
