/* SPDX-License-Identifier: MIT */
/* Internals of souk's MCP server shared by its files: the souk_serve object, the work lanes
 * that read the store on the thread pool, the analysis snapshots, argument parsing and the
 * JSON shapes of products, stores and crawls.
 *
 * Threads: the souk_serve object, the lanes' queues, the store cache and the snapshots'
 * reference counts belong to the loop thread. A job's run function runs on the thread pool
 * with the lane's own store handle and touches nothing but its job (and, on the heavy lane, the
 * snapshot it holds a reference to: heavy jobs run one at a time).
 */
#ifndef SOUK_SERVE_INT_H
#define SOUK_SERVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "analytics/analysis.h"
#include "analytics/charts.h"
#include "analytics/metrics.h"
#include "analytics/store_load.h"
#include "serve/server.h"

/* ---- work lanes ------------------------------------------------------------------------ */

typedef struct souk__job souk__job;

/* Runs on the thread pool with the lane's store handle (or on the loop thread with the main
 * handle when the store cannot be reopened, e.g. ":memory:"). Returns 0 or a SOUK_E* code. */
typedef int (*souk__job_run_fn)(souk__job *j, souk_store *s);
/* Runs on the loop thread once the run is over (or with status SOUK_ECANCELED when the server
 * was freed before it ran); frees the job. Check j->sv->freed before touching the server. */
typedef void (*souk__job_done_fn)(souk__job *j);

struct souk__job {
  souk_serve *sv;
  souk__job_run_fn run;
  souk__job_done_fn done;
  souk__job *next;
  int status;                  /* what run returned */
  char error[1024];            /* a sentence when status != 0 */
};

/* Quick: bounded reads (queries, one product, history, the data check, completion values).
 * Heavy: analyses, charts and exports, one at a time. */
enum { SOUK__LANE_QUICK = 0, SOUK__LANE_HEAVY, SOUK__LANE_COUNT };

#define SOUK__LANE_MAX_QUEUED 64

typedef struct souk__lane {
  souk_serve *sv;
  const char *name;
  souk_store *store;           /* own handle, opened at first use */
  bool inline_mode;            /* no second handle: runs on the loop thread */
  bool busy;
  uv_work_t req;
  souk__job *running, *head, *tail;
  size_t queued;
} souk__lane;

/* Queues a job. 0 (done runs later, exactly once), SOUK_EBUSY (too many queued: j->error says
 * so) or SOUK_ESTATE (the server is being freed); done never runs on failure. */
int souk__serve_submit(souk_serve *sv, int lane, souk__job *j);
/* Frees what the lanes hold once nothing runs (serve refcount reached zero). */
void souk__serve_lanes_close(souk_serve *sv);
/* At souk_serve_free: queued jobs end with SOUK_ECANCELED. */
void souk__serve_lanes_cancel(souk_serve *sv);

/* Fills j->error and returns code. */
int souk__job_fail(souk__job *j, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- analysis snapshots ----------------------------------------------------------------- */

/* One analysis of a selection of products, kept for the next tool calls with the same
 * selection and options (and for the top-K and chart resources) until the data changes. */
typedef struct souk__snapshot {
  int refs;                    /* loop thread */
  char *key;                   /* the canonical selection and options */
  uint64_t generation;         /* sv->generation when it was computed */
  uint64_t kept_at;            /* loop time (ms) it became the latest */
  char computed_at[32];
  souk_metrics *table;
  souk_analysis *analysis;
  souk_store_load_info info;
  /* Rendered on the heavy lane on first use. */
  unsigned char *png[SOUK_CHART_COUNT];
  size_t png_len[SOUK_CHART_COUNT];
} souk__snapshot;

void souk__snapshot_unref(souk__snapshot *s);

/* What an analysis is over and with which options; strings owned by `args`. */
typedef struct souk__analysis_req {
  json_t *args;                /* a private copy of the arguments */
  souk_query filter;
  const char *stores[20];
  size_t nstores;
  souk_popularity_source popularity;
  souk_analysis_options options;
  char *key;
} souk__analysis_req;

/* Parses the selection and analysis arguments (filters, stores, weights, popularity,
 * clusters, restarts, seed) into req, copying args. 0 or SOUK_EINVAL with a sentence. */
int souk__analysis_req_init(souk__analysis_req *r, const json_t *args, char *why, size_t len);
void souk__analysis_req_free(souk__analysis_req *r);

/* In a heavy job: loads the products and analyses them. NULL with a sentence in e. */
souk__snapshot *souk__snapshot_build(souk_store *s, const souk__analysis_req *r, uint64_t generation,
                                     souk_errinfo *e);
/* In a heavy job: the PNG of chart c (rendered once, then kept). 0 or SOUK_E* with e. */
int souk__snapshot_chart(souk__snapshot *snap, souk_chart c, souk_errinfo *e);

/* The cached snapshot for `key` (a new reference), or NULL. */
souk__snapshot *souk__serve_cached(souk_serve *sv, const char *key);
/* Keeps `snap` as the latest analysis (takes a reference). */
void souk__serve_keep(souk_serve *sv, souk__snapshot *snap);

/* ---- the server ----------------------------------------------------------------------- */

typedef struct souk__scrape_item souk__scrape_item;

/* The data of a chart resource's read handler. */
typedef struct souk__chart_ref {
  souk_serve *sv;
  souk_chart chart;
} souk__chart_ref;

struct souk_serve {
  souk_runtime *rt;
  souk_store *store;
  const souk_config *cfg;
  souk_mcp_server *server;
  unsigned saved_agent_flags;
  bool allow_private;
  bool freed;                  /* souk_serve_free ran; async work is winding down */
  int refs;                    /* the object itself + each piece of async work */
  uint64_t generation;         /* bumped whenever a crawl changed the data */
  souk__lane lanes[SOUK__LANE_COUNT];
  souk__snapshot *latest;      /* the latest analysis */
  souk__scrape_item *scrapes;  /* running scrape_store calls */
  json_t *stores;              /* cache of the store list: [{origin, key, name, ...}] */
  json_t *exports;             /* {file name: path} of the files export_csv wrote */
  json_t *completions;         /* {"vendor <origin>": {"generation", "values"}} */
  json_t *builtin_tools;       /* names of souk's own tools */
  souk__chart_ref charts[SOUK_CHART_COUNT];
};

void souk__serve_ref(souk_serve *sv);
void souk__serve_unref(souk_serve *sv);

/* Registration, one per file. Each returns 0 or SOUK_E* with e filled. */
int souk__serve_tools_store(souk_serve *sv, souk_errinfo *e);
int souk__serve_tools_scrape(souk_serve *sv, souk_errinfo *e);
int souk__serve_tools_analytics(souk_serve *sv, souk_errinfo *e);
int souk__serve_resources(souk_serve *sv, souk_errinfo *e);
int souk__serve_prompts(souk_serve *sv, souk_errinfo *e);
int souk__serve_completion(souk_serve *sv, souk_errinfo *e);

/* tools_scrape.c: cancels every running scrape (souk_serve_free). */
void souk__serve_scrapes_cancel(souk_serve *sv);

/* Registers one of souk's tools. The schemas are JSON written with single quotes (they become
 * double quotes: no apostrophes in descriptions); with `filters` the product filter properties
 * (schema.c) are merged into the input schema. */
enum { SOUK__TOOL_READ_ONLY = 1u << 0, SOUK__TOOL_OPEN_WORLD = 1u << 1,
       SOUK__TOOL_WRITES = 1u << 2, SOUK__TOOL_FILTERS = 1u << 3 };
int souk__serve_tool(souk_serve *sv, const char *name, const char *title, const char *description,
                     const char *input_schema, const char *output_schema, unsigned flags,
                     souk_mcp_handler_fn fn, souk_errinfo *e);

/* Finishes a tools/call with structuredContent, the same JSON as a text item, then the extra
 * content items (resource links; may be NULL). */
void souk__serve_tool_result(souk_mcp_call *c, json_t *structured_new, json_t *extra_new);

/* ---- schemas and arguments (schema.c) ------------------------------------------------------ */

/* A schema written with single quotes; NULL (with e) when it does not parse. */
json_t *souk__serve_schema(const char *text, souk_errinfo *e);
/* The product filter properties: store, vendor, product_type, tag, search, min_price,
 * max_price, available, changed_since, include_delisted (a new reference). */
json_t *souk__serve_filter_properties(void);
/* Fills q from those arguments; strings are borrowed from args. 0 or SOUK_EINVAL (why). */
int souk__serve_filter_from_args(const json_t *args, souk_query *q, char *why, size_t len);
/* An integer argument, or dflt when absent. */
int64_t souk__serve_int_arg(const json_t *args, const char *name, int64_t dflt);

/* ---- JSON shapes (json_shapes.c) -------------------------------------------------------- */

/* A string, with bytes that are not UTF-8 replaced by '?'; null for NULL. */
json_t *souk__serve_str(const char *s);
/* The same, cut to at most max_chars code points (sets *cut when it was longer). */
json_t *souk__serve_str_cut(const char *s, size_t max_chars, bool *cut);
/* "19.99" from 1999 minor units with 2 decimals; null for SOUK_NO_PRICE. */
json_t *souk__serve_money(int64_t minor, int decimals);
/* A mean or median in minor units as a decimal string with the currency's decimals. */
json_t *souk__serve_money_d(double minor, int decimals);
/* "shop.example" or "127.0.0.1:8080": the origin without its scheme, as souk:// URIs use it. */
void souk__serve_store_key(const char *origin, char *key, size_t len);
/* The product as query_products lists it, and as get_product gives it (variants, images,
 * options, description cut to max_description code points). */
json_t *souk__serve_product(const souk_stored_product *p);
json_t *souk__serve_product_full(const souk_stored_product *p, size_t max_description);
/* A souk_store_query callback appending souk__serve_product of each row to c->list. */
typedef struct souk__product_list {
  json_t *list;
  int rc;                      /* SOUK_ENOMEM when a row could not be added */
} souk__product_list;
int souk__serve_list_product(const souk_stored_product *p, void *ud);
json_t *souk__serve_crawl(const souk_crawl_record *r);
json_t *souk__serve_store_summary(const souk_store_summary *s);

/* ---- the store list cache (resources.c) ----------------------------------------------- */

/* Reloads sv->stores from the store (loop thread, main handle). 0 or SOUK_E*. */
int souk__serve_load_stores(souk_serve *sv);
/* The origin of a store named by a souk:// key ("shop.example"), an origin or any URL of it,
 * looked up in the cache. 0, or SOUK_ENOENT when souk has no such store. */
int souk__serve_resolve_store(souk_serve *sv, const char *name, char *origin, size_t len);
/* Tells sessions that a store's data changed (after a crawl): resources/updated for its
 * resources, list_changed when it is new (the cache is reloaded first). */
void souk__serve_store_updated(souk_serve *sv, const char *origin);

/* The URIs of a store's resources. */
#define SOUK__URI_STORES "souk://stores"
#define SOUK__URI_CRAWLS "souk://crawls"
#define SOUK__URI_TOPK "souk://analysis/top-k"

/* ---- analytics outputs (tools_analytics.c), shared with resources.c ------------------- */

/* Finishes `call` with the latest top-K (computing a default analysis of every listed product
 * when none ran yet) as resource contents. */
void souk__serve_read_topk(souk_serve *sv, souk_mcp_call *call);
/* Finishes `call` with chart c of the latest analysis as a PNG blob. */
void souk__serve_read_chart(souk_serve *sv, souk_mcp_call *call, souk_chart c);

#endif /* SOUK_SERVE_INT_H */
