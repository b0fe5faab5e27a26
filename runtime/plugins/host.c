/* SPDX-License-Identifier: MIT */
/* The host services table handed to each agent: logging under the agent's name, HTTP through
 * the runtime's client, one-shot timers, and the crawl calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/client.h"
#include "loop/runtime.h"
#include "plugins/crawl.h"
#include "plugins/registry.h"

static souk_agent *agent_of(const souk_host *h) { return h->host_data; }

static void host_log(const souk_host *h, int level, const char *fmt, ...) {
  souk_agent *ag = agent_of(h);
  if (level < SOUK_HOST_LOG_ERROR || level > SOUK_HOST_LOG_TRACE)
    level = SOUK_HOST_LOG_INFO;
  if (!souk_log_enabled(ag->log_sub, level))
    return;
  va_list ap;
  va_start(ap, fmt);
  souk_log_vwrite(ag->log_sub, (souk_log_level)level, fmt, ap);
  va_end(ap);
}

static int host_log_enabled(const souk_host *h, int level) {
  return souk_log_enabled(agent_of(h)->log_sub, level);
}

/* ---- HTTP ---------------------------------------------------------------------------- */

/* The client pads bodies with zeros for parsers that read ahead; so must an absent body. */
_Static_assert(SOUK_HOST_BODY_PADDING <= SOUK_HTTP_BODY_PADDING, "body padding");
static const char empty_body[SOUK_HOST_BODY_PADDING + 1];

typedef struct host_http_ctx {
  souk_host_http_cb cb;
  void *ud;
} host_http_ctx;

static void host_http_done(souk_http_req *req, souk_http_response *res, void *ud) {
  (void)req;
  host_http_ctx *ctx = ud;
  souk_host_http_response r = {
      .error = res->error,
      .error_text = res->error ? res->error_text : NULL,
      .status = (int)res->status,
      .content_type = res->content_type ? res->content_type : "",
      .effective_url = res->effective_url,
      .location = res->location,
      .body = res->body.data ? res->body.data : empty_body,
      .body_len = res->body.len,
      .retries = res->retries,
      .elapsed_ms = res->elapsed_ms,
  };
  ctx->cb(&r, ctx->ud);
  free(ctx);
}

static int host_http_get(const souk_host *h, const souk_host_http_request *req,
                         souk_host_http_cb cb, void *ud, souk_host_request **out) {
  souk_agent *ag = agent_of(h);
  souk_runtime *rt = souk_agents_runtime(ag->agents);
  if (out)
    *out = NULL;
  if (!req || !req->url || !cb)
    return SOUK_EINVAL;
  host_http_ctx *ctx = malloc(sizeof *ctx);
  if (!ctx)
    return SOUK_ENOMEM;
  ctx->cb = cb;
  ctx->ud = ud;
  souk_http_request r = {
      .url = req->url,
      .headers = req->headers,
      .max_body = req->max_body,
      .flags = ((req->flags & SOUK_HOST_HTTP_NO_REDIRECT) ? SOUK_HTTP_NO_REDIRECT : 0) |
               ((req->flags & SOUK_HOST_HTTP_NO_RETRY) ? SOUK_HTTP_NO_RETRY : 0) |
               rt->agent_http_flags, /* SOUK_HTTP_PUBLIC_ONLY for stores a model named */
  };
  souk_http_req *hr;
  int rc = rt->http ? souk_http_start(rt->http, &r, host_http_done, ctx, &hr) : SOUK_ESTATE;
  if (rc) {
    free(ctx);
    return rc;
  }
  if (out)
    *out = (souk_host_request *)hr;
  return 0;
}

static void host_http_cancel(const souk_host *h, souk_host_request *req) {
  (void)h;
  souk_http_cancel((souk_http_req *)req);
}

/* ---- timers -------------------------------------------------------------------------- */

struct souk__host_timer {
  uv_timer_t timer;
  souk_host_timer_cb cb;
  void *ud;
  souk_agent *agent;
  struct souk__host_timer *next;
};

static void timer_unlink(struct souk__host_timer *t) {
  for (struct souk__host_timer **pp = &t->agent->timers; *pp; pp = &(*pp)->next) {
    if (*pp == t) {
      *pp = t->next;
      return;
    }
  }
}

static void timer_free_cb(uv_handle_t *h) { free(h->data); }

static void timer_fire(uv_timer_t *ut) {
  struct souk__host_timer *t = ut->data;
  timer_unlink(t);
  uv_close((uv_handle_t *)&t->timer, timer_free_cb);
  t->cb(t->ud);
}

static int host_timer_start(const souk_host *h, uint64_t ms, souk_host_timer_cb cb, void *ud,
                            souk_host_timer **out) {
  souk_agent *ag = agent_of(h);
  souk_runtime *rt = souk_agents_runtime(ag->agents);
  if (out)
    *out = NULL;
  if (!cb)
    return SOUK_EINVAL;
  struct souk__host_timer *t = calloc(1, sizeof *t);
  if (!t)
    return SOUK_ENOMEM;
  uv_timer_init(&rt->loop, &t->timer);
  t->timer.data = t;
  t->cb = cb;
  t->ud = ud;
  t->agent = ag;
  t->next = ag->timers;
  ag->timers = t;
  uv_timer_start(&t->timer, timer_fire, ms, 0);
  if (out)
    *out = (souk_host_timer *)t;
  return 0;
}

static void host_timer_stop(const souk_host *h, souk_host_timer *ht) {
  (void)h;
  struct souk__host_timer *t = (struct souk__host_timer *)ht;
  if (!t || uv_is_closing((uv_handle_t *)&t->timer))
    return;
  timer_unlink(t);
  uv_timer_stop(&t->timer);
  uv_close((uv_handle_t *)&t->timer, timer_free_cb);
}

void souk__host_timers_close(souk_agent *ag) {
  int n = 0;
  while (ag->timers) {
    struct souk__host_timer *t = ag->timers;
    ag->timers = t->next;
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, timer_free_cb);
    n++;
  }
  if (n)
    SOUK_DEBUG(PLUGIN, "agent %s left %d timer%s running; stopped", ag->desc ? ag->desc->name : "?",
               n, n == 1 ? "" : "s");
}

/* ---- crawls -------------------------------------------------------------------------- */

static const char *host_crawl_url(const souk_host *h, souk_crawl *c) {
  (void)h;
  return souk__crawl_url(c);
}
static int host_crawl_put_products(const souk_host *h, souk_crawl *c, const souk_product *p,
                                   size_t n) {
  (void)h;
  return souk__crawl_put_products(c, p, n);
}
static int host_crawl_set_info(const souk_host *h, souk_crawl *c, const souk_store_info *info) {
  (void)h;
  return souk__crawl_set_info(c, info);
}
static void host_crawl_page_done(const souk_host *h, souk_crawl *c, int status, size_t bytes) {
  (void)h;
  souk__crawl_page_done(c, status, bytes);
}
static void host_crawl_progress(const souk_host *h, souk_crawl *c, double done, double total,
                                const char *message) {
  (void)h;
  souk__crawl_progress(c, done, total, message);
}
static int host_crawl_cancelled(const souk_host *h, souk_crawl *c) {
  (void)h;
  return souk__crawl_cancelled(c);
}
static void host_crawl_done(const souk_host *h, souk_crawl *c, int status, int complete,
                            const char *message) {
  (void)h;
  souk__crawl_done(c, status, complete, message);
}

void souk__host_init(souk_agent *ag) {
  souk_host *h = &ag->host;
  memset(h, 0, sizeof *h);
  h->abi_major = SOUK_AGENT_ABI_MAJOR;
  h->abi_minor = SOUK_AGENT_ABI_MINOR;
  h->struct_size = sizeof *h;
  h->host_data = ag;
  h->log = host_log;
  h->log_enabled = host_log_enabled;
  h->http_get = host_http_get;
  h->http_cancel = host_http_cancel;
  h->timer_start = host_timer_start;
  h->timer_stop = host_timer_stop;
  h->crawl_url = host_crawl_url;
  h->crawl_put_products = host_crawl_put_products;
  h->crawl_set_info = host_crawl_set_info;
  h->crawl_page_done = host_crawl_page_done;
  h->crawl_progress = host_crawl_progress;
  h->crawl_cancelled = host_crawl_cancelled;
  h->crawl_done = host_crawl_done;
}
