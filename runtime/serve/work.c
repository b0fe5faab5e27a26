/* SPDX-License-Identifier: MIT */
/* The work lanes of souk's MCP server: jobs that read the store run on libuv's thread pool, one
 * at a time per lane, each lane with its own store handle, so that the loop goes on answering
 * (pings, progress, other sessions) while a big store is queried or analysed. */
#include <stdarg.h>
#include <stdio.h>

#include "core/log.h"
#include "serve/serve_int.h"
#include "souk/error.h"

int souk__job_fail(souk__job *j, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->error, sizeof j->error, fmt, ap);
  va_end(ap);
  j->status = code;
  return code;
}

static void start_next(souk__lane *l);

static void work_cb(uv_work_t *req) {
  souk__lane *l = req->data;
  if (!l->inline_mode)
    l->running->status = l->running->run(l->running, l->store);
}

static void after_cb(uv_work_t *req, int status) {
  souk__lane *l = req->data;
  souk_serve *sv = l->sv;
  souk__job *j = l->running;
  if (l->inline_mode && status == 0)
    j->status = j->run(j, sv->store);
  l->running = NULL;
  l->busy = false;
  j->done(j);
  if (!sv->freed)
    start_next(l);
  souk__serve_unref(sv);
}

static void start_next(souk__lane *l) {
  souk_serve *sv = l->sv;
  if (l->busy || !l->head)
    return;
  souk__job *j = l->head;
  l->head = j->next;
  if (!l->head)
    l->tail = NULL;
  l->queued--;
  j->next = NULL;
  if (!l->store && !l->inline_mode) {
    souk_errinfo e = {0};
    l->store = souk_store_reopen(sv->store, &e);
    if (!l->store) {
      l->inline_mode = true;
      SOUK_DEBUG(MCP, "serve: %s lane reads on the loop thread: %s", l->name, e.text);
    }
  }
  l->running = j;
  l->busy = true;
  l->req.data = l;
  souk__serve_ref(sv);
  int rc = uv_queue_work(&sv->rt->loop, &l->req, work_cb, after_cb);
  if (rc) { /* libuv refuses only bad arguments; end the job the same way, from here */
    SOUK_ERROR(MCP, "serve: cannot queue work: %s", uv_strerror(rc));
    souk__job_fail(j, SOUK_EIO, "internal error: the thread pool refused the work");
    after_cb(&l->req, rc);
  }
}

int souk__serve_submit(souk_serve *sv, int lane, souk__job *j) {
  j->sv = sv;
  if (sv->freed)
    return souk__job_fail(j, SOUK_ESTATE, "souk is shutting down");
  souk__lane *l = &sv->lanes[lane];
  if (l->queued >= SOUK__LANE_MAX_QUEUED)
    return souk__job_fail(j, SOUK_EBUSY,
                          "souk is busy: %zu requests are waiting for the store; try again in a "
                          "moment", l->queued);
  j->next = NULL;
  j->status = 0;
  j->error[0] = '\0';
  if (l->tail)
    l->tail->next = j;
  else
    l->head = j;
  l->tail = j;
  l->queued++;
  start_next(l);
  return 0;
}

void souk__serve_lanes_cancel(souk_serve *sv) {
  for (int i = 0; i < SOUK__LANE_COUNT; i++) {
    souk__lane *l = &sv->lanes[i];
    while (l->head) {
      souk__job *j = l->head;
      l->head = j->next;
      l->queued--;
      j->next = NULL;
      souk__job_fail(j, SOUK_ECANCELED, "souk is shutting down");
      j->done(j);
    }
    l->tail = NULL;
  }
}

void souk__serve_lanes_close(souk_serve *sv) {
  for (int i = 0; i < SOUK__LANE_COUNT; i++) {
    souk_store_close(sv->lanes[i].store);
    sv->lanes[i].store = NULL;
  }
}
