/* SPDX-License-Identifier: MIT */
/* Agent plugins for the loader's tests, one source built several ways: a good one, one built
 * for another ABI major, one with a short descriptor, one reusing a name, one whose init
 * fails, one without an entry function. */
#include <string.h>

#include "souk/agent.h"

#ifndef FAKE_NAME
#define FAKE_NAME "fake"
#endif
#ifndef FAKE_MAJOR
#define FAKE_MAJOR SOUK_AGENT_ABI_MAJOR
#endif
#ifndef FAKE_SIZE
#define FAKE_SIZE sizeof(souk_agent_desc)
#endif

static int inits;

static int fake_init(const souk_host *h, void **state) {
  *state = (void *)h;
  inits++;
#ifdef FAKE_INIT_FAILS
  return SOUK_EIO;
#else
  h->log(h, SOUK_HOST_LOG_DEBUG, "fake agent %s initialised", FAKE_NAME);
  return 0;
#endif
}

/* Crawls nothing: reports one product and ends, on the next loop turn through a timer. */
typedef struct fake_crawl {
  const souk_host *h;
  souk_crawl *c;
} fake_crawl;

static fake_crawl pending;

static void finish(void *ud) {
  fake_crawl *fc = ud;
  souk_variant v = {.id = 11, .price = 1999, .compare_at_price = SOUK_NO_PRICE, .available = 1};
  souk_product p = {.id = 1, .title = "Fake product", .variants = &v, .nvariants = 1,
                    .price_decimals = 2};
  int rc = fc->h->crawl_put_products(fc->h, fc->c, &p, 1);
  fc->h->crawl_progress(fc->h, fc->c, 1, 1, "done");
  fc->h->crawl_done(fc->h, fc->c, rc, rc == 0, NULL);
}

static int fake_crawl_start(void *state, souk_crawl *c) {
  const souk_host *h = state;
  pending.h = h;
  pending.c = c;
  return h->timer_start(h, 1, finish, &pending, NULL);
}

static const souk_agent_ops ops = {.init = fake_init, .crawl_start = fake_crawl_start};

static const souk_agent_desc desc = {
    FAKE_MAJOR, SOUK_AGENT_ABI_MINOR, FAKE_SIZE, FAKE_NAME, "0.0.1", "An agent for tests.", &ops,
};

#ifndef FAKE_NO_ENTRY
SOUK_AGENT_API const souk_agent_desc *souk_agent_entry(const souk_host *h);
SOUK_AGENT_API const souk_agent_desc *souk_agent_entry(const souk_host *h) {
  (void)h;
  return &desc;
}
#else
SOUK_AGENT_API const souk_agent_desc *some_other_function(void);
SOUK_AGENT_API const souk_agent_desc *some_other_function(void) { return inits ? &desc : NULL; }
#endif
