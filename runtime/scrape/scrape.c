/* SPDX-License-Identifier: MIT */
/* Many crawls under one job: each crawl's products go to the store page by page, its record
 * is opened and closed there, and the job reports the sum of the crawls' progress. */
#include "scrape/scrape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "loop/runtime.h"
#include "souk/error.h"
#include "store/writer.h"

typedef struct scrape_item {
  souk_scrape *sc;
  souk_scrape_result *res;
  souk_job *job;               /* the crawl's job while it runs */
  souk_job_observer obs;
  double done;                 /* products seen so far */
  bool finished;
  int write_error;             /* a page could not be stored: the crawl stops with this */
} scrape_item;

struct souk_scrape {
  souk_runtime *rt;
  souk_store *store;
  souk_store_writer *writer;   /* the store's second handle on its own thread, or NULL */
  souk_job *job;               /* the whole scrape */
  souk_scrape_result *results;
  scrape_item *items;
  size_t n, finished;
  souk_scrape_done_cb done;
  void *ud;
  uv_timer_t end_timer;        /* ends the scrape from the loop when nothing could start */
};

static void update_progress(souk_scrape *sc) {
  double products = 0, announced = 0;
  bool all_known = true;
  for (size_t i = 0; i < sc->n; i++) {
    products += sc->items[i].done;
    double t = sc->items[i].job ? souk_job_total(sc->items[i].job) : 0;
    if (t > 0)
      announced += t;
    else if (!sc->items[i].finished)
      all_known = false;
  }
  char msg[160];
  if (sc->n == 1)
    snprintf(msg, sizeof msg, "%.100s: %.0f products", sc->results[0].origin[0] ? sc->results[0].origin
                                                                           : sc->results[0].url,
             products);
  else
    snprintf(msg, sizeof msg, "%zu of %zu stores done, %.0f products", sc->finished, sc->n, products);
  souk_job_progress(sc->job, products, all_known && announced >= products ? announced : 0, msg);
}

static void on_crawl_progress(souk_job *job, void *ud) {
  scrape_item *it = ud;
  it->done = souk_job_done(job);
  update_progress(it->sc);
}

static void end_closed(uv_handle_t *h) {
  souk_scrape *sc = h->data;
  free(sc->items);
  free(sc->results);
  free(sc);
}

/* Ends the whole scrape once every crawl has. */
static void maybe_end(souk_scrape *sc) {
  if (sc->finished < sc->n)
    return;
  int failed = 0, canceled = 0;
  uint64_t products = 0;
  json_t *list = json_array();
  for (size_t i = 0; i < sc->n; i++) {
    failed += sc->results[i].status != 0 && sc->results[i].status != SOUK_ECANCELED;
    canceled += sc->results[i].status == SOUK_ECANCELED;
    products += sc->results[i].put.products;
    json_array_append_new(list, souk_scrape_result_json(&sc->results[i]));
  }
  char msg[200];
  snprintf(msg, sizeof msg, "%zu store%s, %llu products, %d failed", sc->n, sc->n == 1 ? "" : "s",
           (unsigned long long)products, failed);
  int status = canceled ? SOUK_ECANCELED : failed == (int)sc->n ? sc->results[0].status : 0;
  if (sc->done)
    sc->done(sc, sc->results, sc->n, sc->ud);
  souk_job_finish(sc->job, status, msg, json_pack("{s:o}", "stores", list));
  souk_store_writer_close(sc->writer); /* everything it had is written by now */
  sc->writer = NULL;
  uv_close((uv_handle_t *)&sc->end_timer, end_closed);
}

static void item_finish(scrape_item *it) {
  if (it->finished)
    return;
  it->finished = true;
  it->sc->finished++;
  update_progress(it->sc);
}

/* ---- the crawl sink: products to the store --------------------------------------------- */
/* With a writer (the usual case), pages are copied to the writer's thread and stored there
 * while the loop goes on; the crawl's record is closed behind its last page. Without one (a
 * store that cannot be reopened, such as ":memory:"), everything is written here. */

static void add_put(scrape_item *it, const souk_put_result *r) {
  it->res->put.products += r->products;
  it->res->put.new_products += r->new_products;
  it->res->put.changed += r->changed;
  it->res->put.events += r->events;
}

static void on_put(void *ud, int rc, const souk_put_result *r, const char *err) {
  scrape_item *it = ud;
  if (rc) {
    if (!it->write_error) {
      it->write_error = rc;
      SOUK_ERROR(STORE, "%s: %s", it->res->origin, err ? err : souk_strerror(rc));
      snprintf(it->res->message, sizeof it->res->message, "%s", err ? err : souk_strerror(rc));
    }
    return;
  }
  add_put(it, r);
}

static int sink_put(void *ud, souk_crawl *c, const souk_product *p, size_t n) {
  (void)c;
  scrape_item *it = ud;
  if (it->write_error)
    return it->write_error; /* an earlier page failed: the agent stops */
  if (it->sc->writer)
    return souk_store_writer_put(it->sc->writer, it->res->crawl_id, it->res->origin, p, n, on_put, it);
  souk_put_result r = {0};
  int rc = souk_store_put_products(it->sc->store, it->res->crawl_id, it->res->origin, p, n, &r);
  if (rc)
    on_put(it, rc, NULL, souk_store_errmsg(it->sc->store));
  else
    add_put(it, &r);
  return rc;
}

typedef struct info_op {
  char origin[512];
  char name[256], currency[16];
  souk_store_info info;
} info_op;

static int write_info(souk_store *s, void *ud) {
  info_op *op = ud;
  return souk_store_set_info(s, op->origin, &op->info);
}

static void info_written(void *ud, int rc, const char *err) {
  info_op *op = ud;
  if (rc)
    SOUK_WARN(STORE, "%s: store information not saved: %s", op->origin, err);
  free(op);
}

static int sink_info(void *ud, souk_crawl *c, const souk_store_info *info) {
  (void)c;
  scrape_item *it = ud;
  info_op *op = calloc(1, sizeof *op);
  if (!op)
    return 0;
  snprintf(op->origin, sizeof op->origin, "%s", it->res->origin);
  snprintf(op->name, sizeof op->name, "%s", info->name ? info->name : "");
  snprintf(op->currency, sizeof op->currency, "%s", info->currency ? info->currency : "");
  op->info = (souk_store_info){.name = info->name ? op->name : NULL,
                               .currency = info->currency ? op->currency : NULL,
                               .product_count = info->product_count};
  if (it->sc->writer && souk_store_writer_call(it->sc->writer, write_info, op, info_written) == 0)
    return 0;
  info_written(op, write_info(it->sc->store, op), souk_store_errmsg(it->sc->store));
  return 0; /* not worth failing a crawl for */
}

/* The crawl record is closed once the pages before it are written. */
typedef struct end_op {
  scrape_item *it;
  souk_crawl_end end;
} end_op;

static int write_end(souk_store *s, void *ud) {
  end_op *op = ud;
  return souk_store_crawl_end(s, op->it->res->crawl_id, &op->end);
}

static void end_written(void *ud, int rc, const char *err) {
  end_op *op = ud;
  scrape_item *it = op->it;
  souk_scrape_result *r = it->res;
  free(op);
  if (rc)
    SOUK_ERROR(STORE, "%s: the crawl record was not closed: %s", r->origin, err);
  if (r->status == 0 && it->write_error) {
    r->status = it->write_error;
    r->complete = false;
  }
  if (r->status == 0)
    SOUK_INFO(AGENT, "%s: %llu products (%llu new, %llu changed) in %llu pages, %.1f s", r->origin,
              (unsigned long long)r->put.products, (unsigned long long)r->put.new_products,
              (unsigned long long)r->put.changed, (unsigned long long)r->stats.pages,
              r->stats.elapsed_ms / 1000);
  else
    SOUK_WARN(AGENT, "%s: %s", r->origin, r->message);
  item_finish(it);
  maybe_end(it->sc);
}

static void sink_done(void *ud, souk_crawl *c, int status, int complete, const char *message,
                      const souk_crawl_stats *st) {
  (void)c;
  scrape_item *it = ud;
  souk_scrape_result *r = it->res;
  r->status = status;
  r->complete = status == 0 && complete && !it->write_error;
  r->stats = *st;
  if (message && !(status == 0 && r->message[0]))
    snprintf(r->message, sizeof r->message, "%s", message);
  else if (status && !r->message[0])
    snprintf(r->message, sizeof r->message, "%s", souk_strerror(status));
  souk_job_unobserve(it->job, &it->obs);
  it->job = NULL;
  end_op *op = calloc(1, sizeof *op);
  if (!op) {
    end_written(NULL, SOUK_ENOMEM, "out of memory");
    return;
  }
  op->it = it;
  op->end = (souk_crawl_end){.status = status, .complete = r->complete,
                             .message = r->message[0] ? r->message : NULL, .pages = st->pages,
                             .bytes = st->bytes, .http_errors = st->http_errors};
  if (it->sc->writer && souk_store_writer_call(it->sc->writer, write_end, op, end_written) == 0)
    return;
  int rc = write_end(it->sc->store, op);
  end_written(op, rc, souk_store_errmsg(it->sc->store));
}

static void on_scrape_cancel(souk_job *job, void *ud) {
  (void)job;
  souk_scrape *sc = ud;
  for (size_t i = 0; i < sc->n; i++)
    if (sc->items[i].job)
      souk_job_cancel(sc->items[i].job);
}

static void end_timer_cb(uv_timer_t *t) { maybe_end(t->data); }

int souk_scrape_start(souk_runtime *rt, souk_store *store, const char *agent,
                      const char *const *urls, size_t n, souk_scrape_done_cb done, void *ud,
                      souk_job **job_out, souk_errinfo *e) {
  if (job_out)
    *job_out = NULL;
  if (n == 0)
    return souk_errinfo_set(e, SOUK_EINVAL, "no store URL given");
  agent = agent ? agent : "shopify";
  souk_scrape *sc = calloc(1, sizeof *sc);
  if (sc) {
    sc->results = calloc(n, sizeof *sc->results);
    sc->items = calloc(n, sizeof *sc->items);
  }
  if (!sc || !sc->results || !sc->items) {
    if (sc) {
      free(sc->results);
      free(sc->items);
    }
    free(sc);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  }
  sc->rt = rt;
  sc->store = store;
  sc->n = n;
  sc->done = done;
  sc->ud = ud;
  char title[256];
  snprintf(title, sizeof title, n == 1 ? "%s" : "%s and %zu more", urls[0], n - 1);
  sc->job = souk_job_create(rt->jobs, "scrape", title);
  if (!sc->job) {
    free(sc->results);
    free(sc->items);
    free(sc);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  }
  souk_job_on_cancel(sc->job, on_scrape_cancel, sc);
  souk_errinfo we = {0};
  sc->writer = souk_store_writer_new(&rt->loop, store, 0, &we);
  if (!sc->writer)
    SOUK_DEBUG(STORE, "writing in the loop thread: %s", we.text);
  uv_timer_init(&rt->loop, &sc->end_timer);
  sc->end_timer.data = sc;
  if (job_out)
    *job_out = sc->job;

  for (size_t i = 0; i < n; i++) {
    scrape_item *it = &sc->items[i];
    souk_scrape_result *r = &sc->results[i];
    it->sc = sc;
    it->res = r;
    snprintf(r->url, sizeof r->url, "%s", urls[i]);
    snprintf(r->agent, sizeof r->agent, "%s", agent);
    if (souk_store_origin(urls[i], r->origin, sizeof r->origin) != 0) {
      r->status = SOUK_EINVAL;
      snprintf(r->message, sizeof r->message, "'%s' is not an http:// or https:// store URL", urls[i]);
      item_finish(it);
      continue;
    }
    if (souk_store_crawl_begin(store, r->origin, agent, &r->crawl_id) != 0) {
      r->status = SOUK_ESTORE;
      snprintf(r->message, sizeof r->message, "%s", souk_store_errmsg(store));
      item_finish(it);
      continue;
    }
    souk_crawl_sink sink = {.put_products = sink_put, .set_info = sink_info, .done = sink_done, .ud = it};
    souk_errinfo ce = {0};
    if (souk_crawl_start(rt, agent, urls[i], &sink, &it->job, &ce) != 0) {
      r->status = ce.code ? ce.code : SOUK_EPLUGIN;
      snprintf(r->message, sizeof r->message, "%s", ce.text);
      souk_crawl_end end = {.status = r->status, .message = r->message};
      souk_store_crawl_end(store, r->crawl_id, &end);
      item_finish(it);
      continue;
    }
    it->obs = (souk_job_observer){.on_progress = on_crawl_progress, .ud = it};
    souk_job_observe(it->job, &it->obs);
  }
  /* When nothing could start, the scrape still ends from the loop, never from this call. */
  if (sc->finished == sc->n)
    uv_timer_start(&sc->end_timer, end_timer_cb, 0, 0);
  return 0;
}

json_t *souk_scrape_result_json(const souk_scrape_result *r) {
  json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "url", r->url,
                        "store", r->origin, "agent", r->agent, "complete", r->complete, "status",
                        r->status ? souk_err_name(r->status) : "ok", "products",
                        (json_int_t)r->put.products, "new", (json_int_t)r->put.new_products,
                        "changed", (json_int_t)r->put.changed, "pages", (json_int_t)r->stats.pages,
                        "bytes", (json_int_t)r->stats.bytes, "http_errors",
                        (json_int_t)r->stats.http_errors, "seconds", r->stats.elapsed_ms / 1000);
  if (j && r->message[0])
    json_object_set_new(j, "message", json_string(r->message));
  if (j && r->crawl_id)
    json_object_set_new(j, "crawl_id", json_integer(r->crawl_id));
  return j;
}

void souk_scrape_print_summary(const souk_scrape_result *results, size_t n, FILE *out) {
  size_t w = 5;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(results[i].origin[0] ? results[i].origin : results[i].url);
    if (l > w)
      w = l;
  }
  if (w > 48)
    w = 48;
  fprintf(out, "%-*s  %-10s %9s %7s %8s %6s %8s\n", (int)w, "STORE", "RESULT", "PRODUCTS", "NEW",
          "CHANGED", "PAGES", "TIME");
  for (size_t i = 0; i < n; i++) {
    const souk_scrape_result *r = &results[i];
    const char *res = r->status == 0 ? (r->complete ? "complete" : "partial")
                      : r->status == SOUK_ECANCELED ? "canceled"
                                                    : "failed";
    fprintf(out, "%-*.*s  %-10s %9llu %7llu %8llu %6llu %7.1fs\n", (int)w, (int)w,
            r->origin[0] ? r->origin : r->url, res, (unsigned long long)r->put.products,
            (unsigned long long)r->put.new_products, (unsigned long long)r->put.changed,
            (unsigned long long)r->stats.pages, r->stats.elapsed_ms / 1000);
    if (r->message[0])
      fprintf(out, "%*s  %s\n", (int)w, "", r->message);
  }
}
