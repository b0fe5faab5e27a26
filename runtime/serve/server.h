/* SPDX-License-Identifier: MIT */
/* souk's own MCP server: the tools (scrape_store, query_products, get_product, price_history,
 * store_stats, top_k_products, cluster_products, pca_projection, correlation_matrix,
 * export_csv), the souk:// resources and templates, the prompts and argument completion,
 * registered on one souk_mcp_server over a runtime and a product store. `souk serve` puts a
 * transport in front of it; the LLM orchestrator opens an in-process session on the very same
 * server. docs/mcp.md lists every tool, resource and prompt.
 *
 * Threads: everything here belongs to the runtime's loop thread. Reads of the store and the
 * analytics run on libuv's thread pool, each lane with its own store handle
 * (souk_store_reopen), so that the loop keeps answering while a big store is analysed.
 *
 * Ownership: the runtime, the store and the configuration are borrowed and must outlive the
 * souk_serve object; the server is owned by it.
 */
#ifndef SOUK_SERVE_SERVER_H
#define SOUK_SERVE_SERVER_H

#include "core/config.h"
#include "core/errinfo.h"
#include "loop/runtime.h"
#include "souk/mcp.h"
#include "store/store.h"

typedef struct souk_serve souk_serve;

/* Builds the MCP server with every tool, resource, template, prompt and the completion
 * provider. Unless net.allow_private_hosts (SOUK_ALLOW_PRIVATE_HOSTS) is on, every request
 * agents make from now on in this runtime is public-only (rt->agent_http_flags gets
 * SOUK_HTTP_PUBLIC_ONLY): store URLs come from a model. NULL with a sentence in e. */
souk_serve *souk_serve_new(souk_runtime *rt, souk_store *store, const souk_config *cfg,
                           souk_errinfo *e);

/* The server (borrowed; lives as long as sv): start a transport on it, or open an in-process
 * session (souk_mcp_session_new) to call the tools from C. */
souk_mcp_server *souk_serve_server(souk_serve *sv);

/* Cancels the scrapes it started, frees the server (and the sessions still attached to it)
 * and restores the runtime's agent request flags. Work already running on the thread pool
 * ends later on the loop: keep running the loop (souk_runtime_run) until it is idle before
 * closing the store. NULL is ignored. Not from inside a callback of the server's sessions. */
void souk_serve_free(souk_serve *sv);

/* The hook for tools of agents and other parts of souk registered after start (a plugin's
 * own tools, the orchestrator's): added to or removed from the same registry, and every
 * initialized session is told (notifications/tools/list_changed). A name souk already uses
 * is refused (SOUK_EDUPLICATE); souk's own tools cannot be removed (SOUK_EINVAL). */
int souk_serve_add_tool(souk_serve *sv, const souk_mcp_tool *t, souk_errinfo *e);
int souk_serve_remove_tool(souk_serve *sv, const char *name);

/* Tells subscribed sessions that a store's data changed (a crawl made outside the
 * scrape_store tool): notifications/resources/updated for its souk:// resources, and
 * resources/list_changed when the store is new. `store` is any URL of the store. */
void souk_serve_store_changed(souk_serve *sv, const char *store);

/* What souk_serve's objects are built over (borrowed). */
souk_runtime *souk_serve_runtime(souk_serve *sv);
souk_store *souk_serve_store(souk_serve *sv);

#endif /* SOUK_SERVE_SERVER_H */
