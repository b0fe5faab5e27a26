/* SPDX-License-Identifier: MIT */
/* The scrape_store tool: a crawl of one store into the product store as a job. The job's
 * progress becomes MCP progress notifications, notifications/cancelled cancels the crawl, and
 * the answer is the crawl summary. The URL comes from a model: unless the operator allows
 * private hosts, a public-only request checks it first (after DNS, on every redirect), so
 * that a refused URL leaves nothing in the store, and the crawl's own requests are public-only
 * too (rt->agent_http_flags). A crawl that changed a store updates its resources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "plugins/registry.h"
#include "scrape/scrape.h"
#include "serve/serve_int.h"
#include "souk/error.h"
#include "souk/mcp_content.h"

enum { MAX_SCRAPES = 8, PREFLIGHT_TIMEOUT_MS = 20000 };

struct souk__scrape_item {
  souk_serve *sv;
  souk_mcp_call *call;
  souk_http_req *preflight;    /* the address check in flight, or NULL */
  souk_job *job;               /* the scrape's job while it runs */
  souk_job_observer obs;
  char url[2048];
  char agent[64];
  bool cancelled;
  bool progressed;
  double last_progress;
  souk__scrape_item *next;
};

static const char scrape_in[] =
    "{'type': 'object', 'additionalProperties': false, 'required': ['url'], 'properties': {"
    "'url': {'type': 'string', 'minLength': 8, 'maxLength': 2048, 'description': 'The store: "
    "its home page or any URL of it, http:// or https:// (https://shop.example). Every product "
    "it lists publicly is crawled.'},"
    "'agent': {'type': 'string', 'description': 'The platform agent that crawls it (default "
    "shopify).'}}}";

static const char scrape_out[] =
    "{'type': 'object', 'required': ['url', 'store', 'status', 'complete', 'products'],"
    "'properties': {'url': {'type': 'string'}, 'store': {'type': 'string', 'description': 'The "
    "store origin: pass it as store to the other tools'},"
    "'agent': {'type': 'string'},"
    "'status': {'type': 'string', 'description': 'ok, or the error code (SOUK_E...)'},"
    "'complete': {'type': 'boolean', 'description': 'Every product of the store was seen'},"
    "'products': {'type': 'integer', 'description': 'Products written'},"
    "'new': {'type': 'integer'}, 'changed': {'type': 'integer', 'description': 'Products with "
    "a real change since the last crawl'},"
    "'pages': {'type': 'integer'}, 'bytes': {'type': 'integer'},"
    "'http_errors': {'type': 'integer'}, 'seconds': {'type': 'number'},"
    "'message': {'type': 'string'}, 'crawl_id': {'type': 'integer'},"
    "'resources': {'type': 'array', 'items': {'type': 'string'}}}}";

static void item_release(souk__scrape_item *it) {
  souk_serve *sv = it->sv;
  for (souk__scrape_item **pp = &sv->scrapes; *pp; pp = &(*pp)->next)
    if (*pp == it) {
      *pp = it->next;
      break;
    }
  free(it);
  souk__serve_unref(sv);
}

static size_t running(const souk_serve *sv) {
  size_t n = 0;
  for (const souk__scrape_item *it = sv->scrapes; it; it = it->next)
    n++;
  return n;
}

static void on_progress(souk_job *job, void *ud) {
  souk__scrape_item *it = ud;
  double done = souk_job_done(job), total = souk_job_total(job);
  if (!it->call || (it->progressed && !(done > it->last_progress)))
    return;
  it->progressed = true;
  it->last_progress = done;
  souk_mcp_call_progress(it->call, done, total > 0 ? total : -1, souk_job_message(job));
}

static void scrape_done(souk_scrape *sc, const souk_scrape_result *results, size_t n, void *ud) {
  (void)sc;
  souk__scrape_item *it = ud;
  souk_serve *sv = it->sv;
  if (it->job)
    souk_job_unobserve(it->job, &it->obs);
  it->job = NULL;
  const souk_scrape_result *r = &results[0];
  json_t *sum = n ? souk_scrape_result_json(r) : NULL;
  char key[512];
  souk__serve_store_key(r->origin, key, sizeof key);
  json_t *links = json_array(), *uris = json_array();
  if (sum && r->crawl_id) {
    static const char *const tails[] = {"", "/products", "/crawls"};
    for (size_t i = 0; links && uris && i < sizeof tails / sizeof *tails; i++) {
      char uri[700];
      snprintf(uri, sizeof uri, SOUK__URI_STORES "/%s%s", key, tails[i]);
      json_array_append_new(uris, json_string(uri));
      if (i == 1)
        json_array_append_new(links, souk_mcp_resource_link_item(
                                         uri, key, "application/json",
                                         "The store's products, 50 per page"));
    }
    json_object_set(sum, "resources", uris);
  }
  json_decref(uris);
  if (!sv->freed && r->crawl_id) {
    if (r->put.products || r->status == 0)
      sv->generation++;
    souk__serve_store_updated(sv, r->origin);
  }
  if (it->cancelled || !sum) {
    json_decref(sum);
    json_decref(links);
    souk_mcp_call_tool_error(it->call, "The scrape of %s was cancelled.", it->url);
  } else if (r->status == 0) {
    souk__serve_tool_result(it->call, sum, links);
  } else {
    json_decref(links);
    char text[1700];
    snprintf(text, sizeof text, "Scraping %.1024s failed (%s): %.512s", it->url,
             souk_err_name(r->status),
             r->message[0] ? r->message : souk_strerror(r->status));
    souk_mcp_call_finish(it->call, souk_mcp_tool_result(json_pack("[o]", souk_mcp_text_item(text)),
                                                         sum, true));
  }
  it->call = NULL;
  item_release(it);
}

static void start_scrape(souk__scrape_item *it) {
  souk_serve *sv = it->sv;
  const char *urls[1] = {it->url};
  souk_errinfo e = {0};
  if (souk_scrape_start(sv->rt, sv->store, it->agent[0] ? it->agent : NULL, urls, 1, scrape_done,
                        it, &it->job, &e) != 0) {
    souk_mcp_call_tool_error(it->call, "Cannot scrape %s: %s", it->url, e.text);
    it->call = NULL;
    item_release(it);
    return;
  }
  it->obs = (souk_job_observer){.on_progress = on_progress, .ud = it};
  souk_job_observe(it->job, &it->obs);
  souk_mcp_call_progress(it->call, 0, -1, "crawling the store");
  it->progressed = true;
  it->last_progress = 0;
}

static void preflight_done(souk_http_req *req, souk_http_response *res, void *ud) {
  (void)req;
  souk__scrape_item *it = ud;
  it->preflight = NULL;
  if (it->cancelled || it->sv->freed) {
    souk_mcp_call_tool_error(it->call, "The scrape of %s was cancelled.", it->url);
    it->call = NULL;
    item_release(it);
    return;
  }
  if (res->error == SOUK_EFORBIDDEN) {
    SOUK_WARN(MCP, "serve: scrape_store refused %s: not a public address", it->url);
    souk_mcp_call_tool_error(
        it->call,
        "Refused to scrape %s: it reaches a loopback, private, link-local or cloud-metadata "
        "address (checked after DNS and on every redirect), and store URLs that come through "
        "MCP may only reach public addresses. Give the URL of a public store. If this store is "
        "on the operator's own network, the operator can allow it by starting souk with "
        "SOUK_ALLOW_PRIVATE_HOSTS=1 (setting net.allow_private_hosts).",
        it->url);
    it->call = NULL;
    item_release(it);
    return;
  }
  /* Any other outcome is the crawl's to report (and to record). */
  start_scrape(it);
}

static void on_call_cancel(souk_mcp_call *call, void *data, const char *reason) {
  (void)call;
  souk__scrape_item *it = data;
  SOUK_INFO(MCP, "serve: scrape of %s cancelled by the client%s%s", it->url, reason ? ": " : "",
            reason ? reason : "");
  it->cancelled = true;
  if (it->preflight)
    souk_http_cancel(it->preflight);
  if (it->job)
    souk_job_cancel(it->job);
}

void souk__serve_scrapes_cancel(souk_serve *sv) {
  for (souk__scrape_item *it = sv->scrapes; it; it = it->next) {
    it->cancelled = true;
    if (it->preflight)
      souk_http_cancel(it->preflight);
    if (it->job)
      souk_job_cancel(it->job);
  }
}

static void scrape_store(souk_mcp_call *call, const json_t *args, void *data) {
  souk_serve *sv = data;
  const char *url = json_string_value(json_object_get(args, "url"));
  const char *agent = json_string_value(json_object_get(args, "agent"));
  char origin[512];
  if (souk_store_origin(url, origin, sizeof origin) != 0) {
    souk_mcp_call_tool_error(call, "Invalid arguments for tool 'scrape_store': argument 'url' "
                             "must be an http:// or https:// URL of a store, got \"%.200s\".", url);
    return;
  }
  if (agent && !souk_agents_find(sv->rt->agents, agent)) {
    souk_mcp_call_tool_error(call, "Invalid arguments for tool 'scrape_store': no agent named "
                             "'%.60s' is loaded (see the enum of argument 'agent').", agent);
    return;
  }
  if (running(sv) >= MAX_SCRAPES) {
    souk_mcp_call_tool_error(call, "%zu scrapes are running, the most souk runs at once: wait "
                             "for one to end and call scrape_store again.", running(sv));
    return;
  }
  souk__scrape_item *it = calloc(1, sizeof *it);
  if (!it) {
    souk_mcp_call_tool_error(call, "out of memory");
    return;
  }
  it->sv = sv;
  it->call = call;
  snprintf(it->url, sizeof it->url, "%s", url);
  snprintf(it->agent, sizeof it->agent, "%s", agent ? agent : "");
  it->next = sv->scrapes;
  sv->scrapes = it;
  souk__serve_ref(sv);
  souk_mcp_call_on_cancel(call, on_call_cancel, it);
  if (it->cancelled) { /* cancelled before we got here: on_call_cancel ran already */
    souk_mcp_call_tool_error(call, "The scrape of %s was cancelled.", it->url);
    it->call = NULL;
    item_release(it);
    return;
  }
  if (sv->allow_private) {
    start_scrape(it);
    return;
  }
  souk_http_request req = {
      .url = url,
      .method = "HEAD",
      .flags = SOUK_HTTP_PUBLIC_ONLY | SOUK_HTTP_NO_RETRY | SOUK_HTTP_NO_RATE,
      .timeout_ms = PREFLIGHT_TIMEOUT_MS,
  };
  int rc = souk_http_start(sv->rt->http, &req, preflight_done, it, &it->preflight);
  if (rc) {
    souk_mcp_call_tool_error(call, "Cannot check %s before scraping it: %s", url, souk_strerror(rc));
    it->call = NULL;
    item_release(it);
  }
}

int souk__serve_tools_scrape(souk_serve *sv, souk_errinfo *e) {
  /* The agent enum lists the agents loaded now. */
  json_t *in = souk__serve_schema(scrape_in, e);
  json_t *names = json_array();
  for (size_t i = 0; in && names && i < souk_agents_count(sv->rt->agents); i++)
    json_array_append_new(names, json_string(souk_agents_at(sv->rt->agents, i)->desc->name));
  if (in && names && json_array_size(names))
    json_object_set(json_object_get(json_object_get(in, "properties"), "agent"), "enum", names);
  char *text = in ? json_dumps(in, JSON_COMPACT) : NULL;
  json_decref(in);
  json_decref(names);
  if (!text)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  int rc = souk__serve_tool(
      sv, "scrape_store", "Scrape a store",
      "Crawls every public product of a store (Shopify) into souk's product store and returns "
      "the crawl summary: products written, new and changed ones, pages, errors, and whether "
      "the crawl was complete. A job: it reports progress (products so far, of the announced "
      "total) when the request has a progressToken and stops when the request is cancelled; a "
      "big store takes minutes at the polite default rate. Crawling again records real price "
      "and stock changes (see price_history). Only public addresses may be reached.",
      text, scrape_out, SOUK__TOOL_OPEN_WORLD, scrape_store, e);
  free(text);
  return rc;
}
