/* SPDX-License-Identifier: MIT */
/* The store writer's thread, its queue, and the hand-back of results to the loop. */
#include "store/writer.h"
#include "store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "souk/error.h"

typedef struct job {
  struct job *next;
  bool is_put;
  /* put */
  int64_t crawl_id;
  char *origin;
  souk_product *products;
  souk_facts_view *views;      /* computed on the loop thread, stored by the writer's */
  size_t n;
  souk_arena arena;            /* the copied page */
  size_t bytes;
  souk_store_put_cb put_cb;
  souk_put_result res;
  /* call */
  souk_store_op_fn fn;
  souk_store_op_cb op_cb;
  void *ud;
  int rc;
  char err[512];
} job;

struct souk_store_writer {
  uv_loop_t *loop;
  uv_async_t async;            /* the thread says: results are ready */
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t more;         /* work for the thread, or stop */
  pthread_cond_t room;         /* the queue shrank */
  job *head, *tail;            /* to do */
  job *done_head, *done_tail;  /* done, for the loop */
  job *held_head, *held_tail;  /* pages written in the open batch, reported once it commits */
  size_t queued_bytes, max_bytes;
  bool stop, started, closing;
  souk_store *store;           /* the thread's handle */
  souk_product_facts scratch;  /* the loop thread's, for computing facts */
};

/* ---- copying a page ---------------------------------------------------------------------- */

static const char *pdup(souk_arena *a, const char *s) { return s ? souk_arena_strdup(a, s) : NULL; }

static const char *const *dup_list(souk_arena *a, const char *const *v, size_t n) {
  if (!v)
    return NULL;
  const char **out = souk_arena_calloc(a, n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++)
    out[i] = pdup(a, v[i]);
  return out;
}

static int copy_product(souk_arena *a, souk_product *d, const souk_product *s) {
  *d = *s;
  d->handle = pdup(a, s->handle);
  d->url = pdup(a, s->url);
  d->title = pdup(a, s->title);
  d->vendor = pdup(a, s->vendor);
  d->product_type = pdup(a, s->product_type);
  d->tags = dup_list(a, s->tags, s->ntags);
  d->body_html = pdup(a, s->body_html);
  d->created_at = pdup(a, s->created_at);
  d->updated_at = pdup(a, s->updated_at);
  d->published_at = pdup(a, s->published_at);
  d->option_names = dup_list(a, s->option_names, s->noption_names);
  souk_variant *v = s->nvariants ? souk_arena_calloc(a, s->nvariants, sizeof *v) : NULL;
  for (size_t i = 0; v && i < s->nvariants; i++) {
    v[i] = s->variants[i];
    v[i].title = pdup(a, s->variants[i].title);
    v[i].sku = pdup(a, s->variants[i].sku);
    for (int k = 0; k < 3; k++)
      v[i].options[k] = pdup(a, s->variants[i].options[k]);
  }
  d->variants = v;
  souk_image *im = s->nimages ? souk_arena_calloc(a, s->nimages, sizeof *im) : NULL;
  for (size_t i = 0; im && i < s->nimages; i++) {
    im[i] = s->images[i];
    im[i].src = pdup(a, s->images[i].src);
  }
  d->images = im;
  return (s->nvariants && !v) || (s->nimages && !im) ? SOUK_ENOMEM : 0;
}

/* ---- the thread ---------------------------------------------------------------------------- */
/* Group commit: the thread keeps one transaction open while pages keep coming, and commits
 * when none came for BATCH_LINGER_MS, when the transaction is BATCH_MAX_MS old, or before any
 * other operation. Each page's own commit rewrote every b-tree page it touched (the tables'
 * and their seven indexes'): batching cuts that by the number of pages in the batch. A crash
 * loses at most the open batch (the restarted crawl writes it again); a page that fails undoes
 * its batch, and every page of it reports that failure; callbacks run after the commit. */
#define BATCH_LINGER_MS 100
#define BATCH_MAX_MS 1000

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Waits on `more` for at most ms_from_now (the condition variable's clock is monotonic). */
static int wait_until(souk_store_writer *w, uint64_t ms_from_now) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += (time_t)(ms_from_now / 1000u);
  t.tv_nsec += (long)(ms_from_now % 1000u) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return pthread_cond_timedwait(&w->more, &w->lock, &t);
}

/* Appends the chain first..last to the list *head..*tail. */
static void append(job **head, job **tail, job *first, job *last) {
  last->next = NULL;
  if (*tail)
    (*tail)->next = first;
  else
    *head = first;
  *tail = last;
}

/* With the lock: moves jobs to the loop's list and wakes it. */
static void hand_back(souk_store_writer *w, job *first, job *last) {
  if (!first)
    return;
  append(&w->done_head, &w->done_tail, first, last);
  uv_async_send(&w->async);
}

/* Fails every page of a batch that was undone. */
static void batch_failed(job *held, int rc, const char *err) {
  for (job *j = held; j; j = j->next)
    if (!j->rc) {
      j->rc = rc;
      snprintf(j->err, sizeof j->err, "%s", err);
    }
}

/* Without the lock: ends the open batch. */
static void batch_end(souk_store_writer *w, job *held) {
  int rc = souk__store_batch_end(w->store, true);
  if (rc)
    batch_failed(held, rc, souk_store_errmsg(w->store));
}

static void *writer_main(void *arg) {
  souk_store_writer *w = arg;
  bool batch = false;
  uint64_t batch_started = 0;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    uint64_t waited_from = now_ms();
    while (!w->head && !w->stop) {
      if (!batch) {
        pthread_cond_wait(&w->more, &w->lock);
        continue;
      }
      uint64_t t = now_ms(), linger_end = waited_from + BATCH_LINGER_MS;
      if (t >= linger_end || t >= batch_started + BATCH_MAX_MS ||
          wait_until(w, linger_end - t) == ETIMEDOUT)
        break;
    }
    job *j = w->head;
    bool keep_batch = batch && j && j->is_put && now_ms() < batch_started + BATCH_MAX_MS;
    if (batch && !keep_batch) {
      job *held = w->held_head, *held_tail = w->held_tail;
      w->held_head = w->held_tail = NULL;
      pthread_mutex_unlock(&w->lock);
      batch_end(w, held);
      batch = false;
      pthread_mutex_lock(&w->lock);
      hand_back(w, held, held_tail);
      continue;
    }
    if (!j)
      break; /* stopping, and nothing left */
    w->head = j->next;
    if (!w->head)
      w->tail = NULL;
    pthread_mutex_unlock(&w->lock);

    if (j->is_put && !batch && souk__store_can_batch(w->store) &&
        souk__store_batch_begin(w->store) == 0) {
      batch = true;
      batch_started = now_ms();
    }
    if (j->is_put)
      j->rc = souk__store_put_prepared(w->store, j->crawl_id, j->origin, j->products, j->views,
                                       j->n, &j->res);
    else
      j->rc = j->fn(w->store, j->ud);
    if (j->rc)
      snprintf(j->err, sizeof j->err, "%s", souk_store_errmsg(w->store));
    if (j->is_put) {
      /* The page is in the database's hands: its copy can go now. */
      souk_arena_free(&j->arena);
      j->products = NULL;
      j->views = NULL;
    }

    pthread_mutex_lock(&w->lock);
    w->queued_bytes -= j->bytes;
    pthread_cond_broadcast(&w->room);
    j->next = NULL;
    if (!batch) {
      hand_back(w, j, j);
      continue;
    }
    append(&w->held_head, &w->held_tail, j, j);
    if (j->rc) {
      /* The store undid the batch: its pages failed with this one. */
      batch_failed(w->held_head, j->rc, j->err);
      hand_back(w, w->held_head, j);
      w->held_head = w->held_tail = NULL;
      batch = false;
    }
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

static void job_free(job *j) {
  free(j->origin);
  souk_arena_free(&j->arena);
  free(j);
}

static void writer_closed(uv_handle_t *h) {
  souk_store_writer *w = h->data;
  souk__facts_free(&w->scratch);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->more);
  pthread_cond_destroy(&w->room);
  free(w);
}

/* On the loop: run the callbacks of finished work. */
static void on_async(uv_async_t *a) {
  souk_store_writer *w = a->data;
  pthread_mutex_lock(&w->lock);
  job *j = w->done_head;
  w->done_head = w->done_tail = NULL;
  pthread_mutex_unlock(&w->lock);
  while (j) {
    job *next = j->next;
    if (j->is_put && j->put_cb)
      j->put_cb(j->ud, j->rc, &j->res, j->rc ? j->err : NULL);
    else if (!j->is_put && j->op_cb)
      j->op_cb(j->ud, j->rc, j->rc ? j->err : NULL);
    job_free(j);
    j = next;
  }
}

souk_store_writer *souk_store_writer_new(uv_loop_t *loop, const souk_store *store,
                                         size_t max_queued_bytes, souk_errinfo *e) {
  souk_store_writer *w = calloc(1, sizeof *w);
  if (!w) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  w->loop = loop;
  souk__facts_init(&w->scratch);
  w->max_bytes = max_queued_bytes ? max_queued_bytes : (4u << 20);
  w->store = souk_store_reopen(store, e);
  if (!w->store) {
    souk__facts_free(&w->scratch);
    free(w);
    return NULL;
  }
  pthread_mutex_init(&w->lock, NULL);
  pthread_condattr_t monotonic;
  pthread_condattr_init(&monotonic);
  pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
  pthread_cond_init(&w->more, &monotonic);
  pthread_condattr_destroy(&monotonic);
  pthread_cond_init(&w->room, NULL);
  if (uv_async_init(loop, &w->async, on_async) != 0) {
    souk_store_close(w->store);
    free(w);
    souk_errinfo_set(e, SOUK_EIO, "cannot set up the store writer");
    return NULL;
  }
  w->async.data = w;
  if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
    souk_store_close(w->store);
    uv_close((uv_handle_t *)&w->async, writer_closed);
    souk_errinfo_set(e, SOUK_EIO, "cannot start the store writer's thread");
    return NULL;
  }
  w->started = true;
  return w;
}

static int enqueue(souk_store_writer *w, job *j) {
  pthread_mutex_lock(&w->lock);
  /* Backpressure: wait for room rather than let memory grow with the crawl. */
  while (j->bytes && w->queued_bytes > 0 && w->queued_bytes + j->bytes > w->max_bytes && !w->stop)
    pthread_cond_wait(&w->room, &w->lock);
  w->queued_bytes += j->bytes;
  append(&w->head, &w->tail, j, j);
  pthread_cond_signal(&w->more);
  pthread_mutex_unlock(&w->lock);
  return 0;
}

int souk_store_writer_put(souk_store_writer *w, int64_t crawl_id, const char *origin,
                          const souk_product *products, size_t n, souk_store_put_cb cb, void *ud) {
  if (w->closing)
    return SOUK_ESTATE;
  job *j = calloc(1, sizeof *j);
  if (!j)
    return SOUK_ENOMEM;
  j->is_put = true;
  j->crawl_id = crawl_id;
  j->put_cb = cb;
  j->ud = ud;
  j->n = n;
  souk_arena_init(&j->arena, 256 * 1024);
  j->origin = strdup(origin);
  j->products = n ? souk_arena_calloc(&j->arena, n, sizeof *j->products) : NULL;
  j->views = n ? souk_arena_calloc(&j->arena, n, sizeof *j->views) : NULL;
  int rc = j->origin && (!n || (j->products && j->views)) ? 0 : SOUK_ENOMEM;
  /* The facts (visible text, JSON columns) are computed here, on the loop thread, so that the
   * writer's thread only talks to the database. */
  for (size_t i = 0; i < n && !rc; i++) {
    rc = copy_product(&j->arena, &j->products[i], &products[i]);
    if (!rc)
      rc = souk__facts_compute(&w->scratch, &products[i]);
    if (!rc)
      rc = souk__facts_view_copy(&j->arena, &w->scratch, &j->views[i]);
  }
  if (rc) {
    job_free(j);
    return rc;
  }
  j->bytes = j->arena.used + 1;
  return enqueue(w, j);
}

int souk_store_writer_call(souk_store_writer *w, souk_store_op_fn fn, void *ud,
                           souk_store_op_cb cb) {
  if (w->closing)
    return SOUK_ESTATE;
  job *j = calloc(1, sizeof *j);
  if (!j)
    return SOUK_ENOMEM;
  j->fn = fn;
  j->op_cb = cb;
  j->ud = ud;
  souk_arena_init(&j->arena, 1024);
  return enqueue(w, j);
}

void souk_store_writer_close(souk_store_writer *w) {
  if (!w || w->closing)
    return;
  w->closing = true;
  pthread_mutex_lock(&w->lock);
  w->stop = true;
  pthread_cond_signal(&w->more);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL); /* it writes what was queued first */
  souk_store_close(w->store);
  w->store = NULL;
  on_async(&w->async);           /* the callbacks of the last work */
  uv_close((uv_handle_t *)&w->async, writer_closed);
}
