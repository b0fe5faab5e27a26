/* SPDX-License-Identifier: MIT */
/* The store writer: a thread with its own handle on the store that writes what crawls hand
 * over, so that the event loop decodes the next pages (and answers MCP clients) while the
 * database works. Writes happen in the order they were queued; each reports back on the loop.
 *
 * Memory is bounded: when the queued pages exceed the limit, the next put waits on the loop
 * thread until the writer has caught up (the crawl then goes at the store's pace, as it would
 * without the writer).
 */
#ifndef SOUK_STORE_WRITER_H
#define SOUK_STORE_WRITER_H

#include <stddef.h>

#include <uv.h>

#include "core/errinfo.h"
#include "store/store.h"

typedef struct souk_store_writer souk_store_writer;

/* Runs on the loop thread once the write is done: rc 0 or SOUK_E* with the store's sentence. */
typedef void (*souk_store_put_cb)(void *ud, int rc, const souk_put_result *res, const char *err);
/* Any store operation, run on the writer's thread with the writer's handle. */
typedef int (*souk_store_op_fn)(souk_store *s, void *ud);
typedef void (*souk_store_op_cb)(void *ud, int rc, const char *err);

/* Starts a writer on a second handle of `store` (souk_store_reopen). NULL with e filled. */
souk_store_writer *souk_store_writer_new(uv_loop_t *loop, const souk_store *store,
                                         size_t max_queued_bytes, souk_errinfo *e);

/* Queues a page of products (copied now: the caller's memory may go when this returns).
 * Returns 0 (cb runs later exactly once) or SOUK_ENOMEM / SOUK_ESTATE (closing). */
int souk_store_writer_put(souk_store_writer *w, int64_t crawl_id, const char *origin,
                          const souk_product *products, size_t n, souk_store_put_cb cb, void *ud);

/* Queues an operation behind the pages already queued (crawl_begin, crawl_end, set_info). */
int souk_store_writer_call(souk_store_writer *w, souk_store_op_fn fn, void *ud,
                           souk_store_op_cb cb);

/* Writes what is queued, stops the thread, closes its handle; then frees itself once its
 * loop handle closed (the loop must run). Callbacks of queued work still run. */
void souk_store_writer_close(souk_store_writer *w);

#endif /* SOUK_STORE_WRITER_H */
