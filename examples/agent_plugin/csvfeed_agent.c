/* SPDX-License-Identifier: MIT */
/* A minimal platform agent, built as a plugin: it reads a store's catalog from one CSV file
 * (id,title,price,available), as some small shops publish for marketplaces. It shows the whole
 * agent ABI in one page; docs/plugins.md walks through it.
 *
 * Build it like the project does (a MODULE library with SOUK_AGENT_BUILD_MODULE defined), put
 * the .so in a directory named by SOUK_PLUGIN_PATH, then `souk scrape --agent csvfeed URL`.
 */
#include <stdlib.h>
#include <string.h>

#include "souk/agent.h"

typedef struct feed_crawl {
  const souk_host *host;
  souk_crawl *crawl;
  souk_host_request *req;   /* the request in flight, for cancellation */
} feed_crawl;

/* Parses an unsigned decimal with up to two fractional digits into cents; -1 if malformed. */
static int64_t parse_cents(const char *s, const char *end) {
  int64_t v = 0;
  int frac = -1;
  if (s == end)
    return -1;
  for (; s < end; s++) {
    if (*s == '.' && frac < 0) {
      frac = 0;
    } else if (*s >= '0' && *s <= '9' && frac < 2 && v < INT64_MAX / 100) {
      v = v * 10 + (*s - '0');
      if (frac >= 0)
        frac++;
    } else {
      return -1;
    }
  }
  for (int i = frac < 0 ? 0 : frac; i < 2; i++)
    v *= 10;
  return v;
}

/* Splits one CSV line (no quoting in this simple format) into at most n fields. */
static size_t split(char *line, char **fields, size_t n) {
  size_t k = 0;
  while (k < n) {
    fields[k++] = line;
    char *comma = strchr(line, ',');
    if (!comma)
      break;
    *comma = '\0';
    line = comma + 1;
  }
  return k;
}

static void on_feed(const souk_host_http_response *res, void *ud) {
  feed_crawl *fc = ud;
  const souk_host *h = fc->host;
  souk_crawl *c = fc->crawl;
  free(fc);
  if (res->error) {
    h->crawl_done(h, c, res->error, 0, res->error_text);
    return;
  }
  h->crawl_page_done(h, c, res->status, res->body_len);
  if (res->status != 200) {
    h->crawl_done(h, c, SOUK_EHTTP, 0, "the feed did not answer 200");
    return;
  }
  if (strncmp(res->content_type, "text/csv", 8) != 0 &&
      strncmp(res->content_type, "text/plain", 10) != 0) {
    h->crawl_done(h, c, SOUK_ECONTENT, 0, "the feed is not CSV (check its Content-Type)");
    return;
  }
  char *text = malloc(res->body_len + 1);
  if (!text) {
    h->crawl_done(h, c, SOUK_ENOMEM, 0, NULL);
    return;
  }
  memcpy(text, res->body, res->body_len);
  text[res->body_len] = '\0';

  size_t lines = 0, bad = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    if (lines++ == 0)
      continue; /* header: id,title,price,available */
    char *f[4];
    int64_t cents;
    if (split(line, f, 4) != 4 || (cents = parse_cents(f[2], f[2] + strlen(f[2]))) < 0) {
      bad++;
      continue;
    }
    souk_variant v = {.id = strtoll(f[0], NULL, 10), .title = "Default Title", .price = cents,
                      .compare_at_price = SOUK_NO_PRICE, .available = strcmp(f[3], "1") == 0};
    souk_product p = {.id = v.id, .title = f[1], .variants = &v, .nvariants = 1,
                      .price_decimals = 2};
    int rc = h->crawl_put_products(h, c, &p, 1);
    if (rc) {
      free(text);
      h->crawl_done(h, c, rc, 0, "the host refused a product");
      return;
    }
  }
  free(text);
  if (bad)
    h->log(h, SOUK_HOST_LOG_WARN, "%zu malformed line%s skipped", bad, bad == 1 ? "" : "s");
  h->crawl_progress(h, c, 1, 1, "feed read");
  h->crawl_done(h, c, 0, bad == 0, NULL);
}

static int feed_init(const souk_host *h, void **state) {
  *state = (void *)h; /* the only state this agent needs is the host table */
  return 0;
}

static int feed_crawl_start(void *state, souk_crawl *c) {
  const souk_host *h = state;
  feed_crawl *fc = calloc(1, sizeof *fc);
  if (!fc)
    return SOUK_ENOMEM;
  fc->host = h;
  fc->crawl = c;
  souk_host_http_request req = {.url = h->crawl_url(h, c)};
  int rc = h->http_get(h, &req, on_feed, fc, &fc->req);
  if (rc)
    free(fc);
  return rc;
}

static const souk_agent_ops ops = {
    .init = feed_init,
    .crawl_start = feed_crawl_start,
    /* One request: canceling the crawl lets it finish; the request is short. */
};

static const souk_agent_desc desc = {
    SOUK_AGENT_DESC_INIT,
    .name = "csvfeed",
    .version = "1.0.0",
    .description = "Reads a catalog from one CSV file: id,title,price,available.",
    .ops = &ops,
};

const souk_agent_desc *souk_agent_csvfeed_entry(const souk_host *h);
const souk_agent_desc *souk_agent_csvfeed_entry(const souk_host *h) {
  if (h->abi_major != SOUK_AGENT_ABI_MAJOR || h->struct_size < sizeof *h)
    return NULL; /* a host older than this agent's header */
  return &desc;
}

SOUK_AGENT_EXPORT(souk_agent_csvfeed_entry)
