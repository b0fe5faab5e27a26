/* SPDX-License-Identifier: MIT */
/* The HTTP client's public face and a request's life: accepted, queued, attempted (one easy
 * handle per attempt), judged, retried or finished, and its callback run from the loop. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http_int.h"
#include "souk/error.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

void souk_http_options_from_config(souk_http_options *o, const souk_config *cfg) {
  o->user_agent = souk_config_str(cfg, SOUK_CFG_HTTP_USER_AGENT);
  o->rate = souk_config_double(cfg, SOUK_CFG_HTTP_RATE);
  o->burst = (int)souk_config_int(cfg, SOUK_CFG_HTTP_BURST);
  o->max_connections = (int)souk_config_int(cfg, SOUK_CFG_HTTP_MAX_CONNECTIONS);
  o->max_per_host = (int)souk_config_int(cfg, SOUK_CFG_HTTP_MAX_PER_HOST);
  o->retries = (int)souk_config_int(cfg, SOUK_CFG_HTTP_RETRIES);
  o->backoff_base_ms = souk_config_int(cfg, SOUK_CFG_HTTP_BACKOFF_BASE);
  o->backoff_max_ms = souk_config_int(cfg, SOUK_CFG_HTTP_BACKOFF_MAX);
  o->retry_after_max_ms = souk_config_int(cfg, SOUK_CFG_HTTP_RETRY_AFTER_MAX);
  o->connect_timeout_ms = souk_config_int(cfg, SOUK_CFG_HTTP_CONNECT_TIMEOUT);
  o->timeout_ms = souk_config_int(cfg, SOUK_CFG_HTTP_TIMEOUT);
  o->low_speed_time_ms = souk_config_int(cfg, SOUK_CFG_HTTP_LOW_SPEED_TIME);
  o->low_speed_limit = souk_config_int(cfg, SOUK_CFG_HTTP_LOW_SPEED_LIMIT);
  o->max_redirects = (int)souk_config_int(cfg, SOUK_CFG_HTTP_MAX_REDIRECTS);
  o->max_body = (size_t)souk_config_int(cfg, SOUK_CFG_HTTP_MAX_BODY);
}

static void done_timer_cb(uv_timer_t *t);
static void attempt_detach(souk_http_req *r);

souk_http *souk_http_new(uv_loop_t *loop, const souk_http_options *o, souk_errinfo *e) {
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc != CURLE_OK) {
    souk_errinfo_set(e, SOUK_ENETWORK, "libcurl failed to initialise: %s",
                     curl_easy_strerror(curl_init_rc));
    return NULL;
  }
  if (o->max_connections < 1 || o->max_per_host < 1 || o->rate < 0 || o->retries < 0 ||
      o->burst < 0 || o->max_redirects < 0 || o->max_body < 1 || o->backoff_base_ms < 0 ||
      o->backoff_max_ms < 0 || o->retry_after_max_ms < 0 || o->connect_timeout_ms < 0 ||
      o->timeout_ms < 0 || o->low_speed_time_ms < 0 || o->low_speed_limit < 0) {
    souk_errinfo_set(e, SOUK_EINVAL,
                     "HTTP client options out of range: max_connections, max_per_host and "
                     "max_body must be at least 1, the others not negative");
    return NULL;
  }
  souk_http *c = calloc(1, sizeof *c);
  if (!c) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  c->loop = loop;
  c->o = *o;
  c->user_agent = strdup(o->user_agent ? o->user_agent : "souk/" SOUK_VERSION_STRING);
  c->multi = curl_multi_init();
  c->share = curl_share_init();
  if (!c->user_agent || !c->multi || !c->share) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    if (c->multi)
      curl_multi_cleanup(c->multi);
    if (c->share)
      curl_share_cleanup(c->share);
    free(c->user_agent);
    free(c);
    return NULL;
  }
  c->o.user_agent = c->user_agent;
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  http_list_init(&c->active);
  http_list_init(&c->waiting);
  http_list_init(&c->running);
  http_list_init(&c->done);
  http_list_init(&c->socks);
  uv_timer_init(loop, &c->curl_timer);
  uv_timer_init(loop, &c->dispatch_timer);
  uv_timer_init(loop, &c->done_timer);
  c->curl_timer.data = c->dispatch_timer.data = c->done_timer.data = c;
  c->open_handles = 3;
  c->rng = (uv_hrtime() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)c) | 1;
  souk__http_glue_init(c);
  return c;
}

static void req_free(souk_http_req *r) {
  free(r->url);
  free(r->method);
  free(r->body);
  free(r->eff_url);
  free(r->loc_url);
  curl_slist_free_all(r->headers);
  souk_buf_free(&r->res.body);
  souk_buf_free(&r->res.headers);
  free(r);
}

static void begin_closing_if_idle(souk_http *c) {
  if (c->closing && c->nreqs == 0 && !c->handles_closing)
    souk__http_glue_close(c);
}

void souk__http_kick(souk_http *c) {
  if (!c->handles_closing)
    uv_timer_start(&c->done_timer, done_timer_cb, 0, 0);
}

static void done_timer_cb(uv_timer_t *t) {
  souk_http *c = t->data;
  /* Cancellations asked for while libcurl was calling us (from on_data, say). */
  http_link *l = c->running.next;
  while (l != &c->running) {
    souk_http_req *r = HTTP_CONTAINER(l, souk_http_req, link);
    l = l->next;
    if (r->cancel_pending) {
      attempt_detach(r);
      souk__http_finish(r, SOUK_ECANCELED, "canceled");
    }
  }
  while (!http_list_empty(&c->done)) {
    souk_http_req *r = HTTP_CONTAINER(c->done.next, souk_http_req, link);
    http_list_remove(&r->link);
    SOUK_DEBUG(HTTP, "%s %s -> %ld%s%s (%zu bytes, %u retries, %.1f ms)",
               r->method ? r->method : "GET", r->url, r->res.status, r->res.error ? ", " : "",
               r->res.error ? r->res.error_text : "", r->res.bytes, r->res.retries,
               r->res.elapsed_ms);
    r->cb(r, &r->res, r->ud);
    c->nreqs--;
    c->st.completed++;
    req_free(r);
  }
  souk__http_dispatch(c);
  begin_closing_if_idle(c);
}

void souk__http_finish(souk_http_req *r, int error, const char *fmt, ...) {
  souk_http *c = r->c;
  r->res.error = error;
  if (error && fmt && !r->res.error_text[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res.error_text, sizeof r->res.error_text, fmt, ap);
    va_end(ap);
  }
  if (!error)
    r->res.error_text[0] = '\0';
  r->res.elapsed_ms = (double)(uv_hrtime() - r->t_start) / 1e6;
  if (r->attempts == 0)
    r->res.queued_ms = r->res.elapsed_ms;
  r->res.retries = r->attempts ? r->attempts - 1 : 0;
  if (!r->res.content_type)
    r->res.content_type = ""; /* never attempted: no response, but never NULL either */
  if (!r->res.effective_url)
    r->res.effective_url = r->url;
  /* Zeros after the body (the buffer's maximum leaves room for them). */
  if (souk_buf_reserve(&r->res.body, SOUK_HTTP_BODY_PADDING) == 0)
    memset(r->res.body.data + r->res.body.len, 0, SOUK_HTTP_BODY_PADDING + 1);
  r->state = HTTP_REQ_DONE;
  http_list_push_back(&c->done, &r->link);
  souk__http_kick(c);
}

/* ---- one attempt ---------------------------------------------------------------------- */

static size_t write_cb(char *data, size_t size, size_t n, void *ud) {
  souk_http_req *r = ud;
  size_t len = size * n;
  if (r->cancel_pending)
    return 0;
  r->res.bytes += len;
  if (r->res.bytes > r->max_body) {
    r->too_big = true;
    return 0;
  }
  if (r->on_data && r->res.status == 0)
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->res.status);
  if (r->on_data && r->res.status >= 200 && r->res.status < 300) {
    r->streamed = true;
    if (r->on_data(data, len, r->ud) != 0) {
      r->stopped_by_reader = true;
      return 0;
    }
    return len;
  }
  if (r->res.body.cap == 0) {
    /* The first bytes: make room for the whole body at once when its length is announced
     * (a 1 MB page would otherwise be copied eleven times while doubling). */
    curl_off_t announced = -1;
    curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
    if (announced > 0 && (uint64_t)announced <= r->max_body)
      souk_buf_reserve(&r->res.body, (size_t)announced + SOUK_HTTP_BODY_PADDING);
  }
  if (souk_buf_add(&r->res.body, data, len) != 0) {
    r->too_big = true;
    return 0;
  }
  return len;
}

static size_t header_cb(char *data, size_t size, size_t n, void *ud) {
  souk_http_req *r = ud;
  size_t len = size * n;
  if (r->cancel_pending)
    return 0;
  /* A status line starts a new response (after a redirect or a 100 Continue). */
  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
    souk_buf_reset(&r->res.headers);
  if (souk_buf_add(&r->res.headers, data, len) != 0) {
    r->headers_too_big = true;
    return 0;
  }
  return len;
}

static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *addr) {
  souk_http_req *r = ud;
  (void)purpose;
  if (!souk__http_address_allowed(&addr->addr)) {
    r->forbidden = true;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

/* Runs before every request on a connection, new or reused: a connection another request
 * opened to a private address must not carry a public-only request either. */
static int prereq_cb(void *ud, char *primary_ip, char *local_ip, int primary_port,
                     int local_port) {
  souk_http_req *r = ud;
  (void)local_ip, (void)primary_port, (void)local_port;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, primary_ip, &in4->sin_addr) == 1)
    ss.ss_family = AF_INET;
  else if (inet_pton(AF_INET6, primary_ip, &in6->sin6_addr) == 1)
    ss.ss_family = AF_INET6;
  if (!souk__http_address_allowed((struct sockaddr *)&ss)) {
    r->forbidden = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

int souk__http_attempt_start(souk_http_req *r) {
  souk_http *c = r->c;
  const souk_http_options *o = &c->o;
  CURL *e = curl_easy_init();
  if (!e) {
    snprintf(r->errbuf, sizeof r->errbuf, "out of memory");
    return SOUK_ENOMEM;
  }
  r->easy = e;
  r->errbuf[0] = '\0';
  r->too_big = r->headers_too_big = r->forbidden = false;
  r->res.status = 0;
  r->res.bytes = 0;
  r->res.location = NULL;
  souk_buf_reset(&r->res.body);
  souk_buf_reset(&r->res.headers);

  curl_easy_setopt(e, CURLOPT_URL, r->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_SHARE, c->share);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl decodes */
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, (r->flags & SOUK_HTTP_NO_REDIRECT) ? 0L : 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)o->max_redirects);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout_ms ? r->timeout_ms : o->timeout_ms));
  int64_t low_speed_ms = r->low_speed_time_ms ? r->low_speed_time_ms : o->low_speed_time_ms;
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, low_speed_ms > 0 ? (long)o->low_speed_limit : 0L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, low_speed_ms > 0 ? (long)((low_speed_ms + 999) / 1000) : 0L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  if (r->headers)
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
  bool post = r->method && strcmp(r->method, "POST") == 0;
  if (r->body || post) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
  }
  if (r->method && strcmp(r->method, "HEAD") == 0)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L); /* a HEAD answer has no body to wait for */
  else if (r->method && strcmp(r->method, r->body || post ? "POST" : "GET") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  if (r->flags & SOUK_HTTP_PUBLIC_ONLY) {
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, r);
  }

  CURLMcode mrc = curl_multi_add_handle(c->multi, e);
  if (mrc != CURLM_OK) {
    snprintf(r->errbuf, sizeof r->errbuf, "%s", curl_multi_strerror(mrc));
    curl_easy_cleanup(e);
    r->easy = NULL;
    return SOUK_ENETWORK;
  }
  if (r->attempts++ == 0) {
    r->t_first = uv_hrtime();
    r->res.queued_ms = (double)(r->t_first - r->t_start) / 1e6;
  }
  c->st.attempts++;
  r->state = HTTP_REQ_RUNNING;
  http_list_push_back(&c->running, &r->link);
  c->in_flight++;
  r->host->in_flight++;
  if (c->in_flight > c->st.peak_in_flight)
    c->st.peak_in_flight = c->in_flight;
  if (r->host->in_flight > r->host->peak)
    r->host->peak = r->host->in_flight;
  if (r->host->peak > c->st.peak_per_host)
    c->st.peak_per_host = r->host->peak;
  return 0;
}

/* Takes the easy handle out of the multi and records what the attempt measured. */
static void attempt_detach(souk_http_req *r) {
  souk_http *c = r->c;
  CURL *e = r->easy;
  curl_off_t connect = 0, ttfb = 0, total = 0;
  long connects = 0;
  char *ct = NULL, *eff = NULL, *loc = NULL;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->res.status);
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
  curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
  curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc);
  r->res.connect_ms = (double)connect / 1000.0;
  r->res.ttfb_ms = (double)ttfb / 1000.0;
  r->res.total_ms = (double)total / 1000.0;
  r->res.reused = r->res.status != 0 && connects == 0;
  if (r->res.reused)
    c->st.reused_connections++;
  /* Copied: these strings belong to the easy handle, which goes now. */
  snprintf(r->ctype, sizeof r->ctype, "%s", ct ? ct : "");
  free(r->eff_url);
  r->eff_url = strdup(eff ? eff : r->url);
  free(r->loc_url);
  r->loc_url = loc && (r->flags & SOUK_HTTP_NO_REDIRECT) ? strdup(loc) : NULL;
  r->res.content_type = r->ctype;
  r->res.effective_url = r->eff_url ? r->eff_url : r->url;
  r->res.location = r->loc_url;

  curl_multi_remove_handle(c->multi, e);
  curl_easy_cleanup(e);
  r->easy = NULL;
  http_list_remove(&r->link);
  c->in_flight--;
  r->host->in_flight--;
}

void souk__http_attempt_done(souk_http_req *r, CURLcode rc) {
  souk_http *c = r->c;
  attempt_detach(r);
  if (r->cancel_pending) {
    souk__http_finish(r, SOUK_ECANCELED, "canceled");
    souk__http_dispatch(c);
    return;
  }
  int64_t delay = 0;
  int error = 0;
  bool penalise = false;
  switch (souk__http_judge(r, rc, &delay, &error, &penalise)) {
  case HTTP_DONE:
    souk__http_finish(r, 0, NULL);
    break;
  case HTTP_FAIL:
    if (rc != CURLE_OK)
      souk_buf_reset(&r->res.body); /* no partial body: a failed transfer holds nothing */
    souk__http_finish(r, error, "%s", curl_easy_strerror(rc));
    break;
  case HTTP_RETRY: {
    uint64_t now = uv_now(c->loop);
    c->st.retries++;
    char why[300];
    if (rc == CURLE_OK)
      snprintf(why, sizeof why, "HTTP %ld", r->res.status);
    else
      snprintf(why, sizeof why, "%s", r->res.error_text);
    SOUK_INFO(HTTP, "%s: %s; retry %u of %d in %lld ms", r->url, why, r->attempts, c->o.retries,
              (long long)delay);
    r->res.error_text[0] = '\0';
    r->not_before = now + (uint64_t)delay;
    if (penalise && r->host->blocked_until < r->not_before)
      r->host->blocked_until = r->not_before;
    r->state = HTTP_REQ_WAITING;
    http_list_push_back(&c->waiting, &r->link);
    c->nwaiting++;
    break;
  }
  }
  souk__http_dispatch(c);
}

/* ---- public API --------------------------------------------------------------------- */

int souk_http_start(souk_http *c, const souk_http_request *q, souk_http_cb cb, void *ud,
                    souk_http_req **out) {
  if (out)
    *out = NULL;
  if (!c || !q || !q->url || !cb)
    return SOUK_EINVAL;
  if (c->closing)
    return SOUK_ESTATE;
  souk_http_req *r = calloc(1, sizeof *r);
  if (!r)
    return SOUK_ENOMEM;
  r->c = c;
  http_list_init(&r->link);
  r->host = souk__http_host_get(c, q->url);
  if (!r->host) {
    free(r);
    return SOUK_EINVAL;
  }
  r->url = strdup(q->url);
  r->method = q->method ? strdup(q->method) : NULL;
  r->flags = q->flags;
  r->max_body = q->max_body ? q->max_body : c->o.max_body;
  r->timeout_ms = q->timeout_ms;
  r->low_speed_time_ms = q->low_speed_time_ms;
  r->on_data = q->on_data;
  r->cb = cb;
  r->ud = ud;
  souk_buf_init(&r->res.body, r->max_body + SOUK_HTTP_BODY_PADDING);
  souk_buf_init(&r->res.headers, 64 * 1024);
  bool ok = r->url && (!q->method || r->method);
  if (ok && q->body) {
    r->body = malloc(q->body_len ? q->body_len : 1);
    ok = r->body != NULL;
    if (ok)
      memcpy(r->body, q->body, q->body_len);
    r->body_len = q->body_len;
  }
  for (const char *const *h = q->headers; ok && h && *h; h++) {
    struct curl_slist *n = curl_slist_append(r->headers, *h);
    ok = n != NULL;
    if (n)
      r->headers = n;
  }
  if (!ok) {
    req_free(r);
    return SOUK_ENOMEM;
  }
  r->t_start = uv_hrtime();
  c->nreqs++;
  c->st.started++;
  souk__http_enqueue(c, r, false);
  if (out)
    *out = r;
  souk__http_dispatch(c);
  return 0;
}

void souk_http_cancel(souk_http_req *r) {
  if (!r)
    return;
  souk_http *c = r->c;
  switch (r->state) {
  case HTTP_REQ_QUEUED:
    souk__http_dequeue(c, r);
    break;
  case HTTP_REQ_WAITING:
    http_list_remove(&r->link);
    c->nwaiting--;
    break;
  case HTTP_REQ_RUNNING:
    if (c->in_curl) {
      /* Inside one of libcurl's callbacks the easy handle cannot leave the multi: the
       * transfer stops at its next callback, or from the loop at the latest. */
      r->cancel_pending = true;
      souk__http_kick(c);
      return;
    }
    attempt_detach(r);
    break;
  case HTTP_REQ_DONE:
    return;
  }
  souk__http_finish(r, SOUK_ECANCELED, "canceled");
}

void souk_http_close(souk_http *c) {
  if (!c || c->closing)
    return;
  c->closing = true;
  for (int b = 0; b < HTTP_HOST_BUCKETS; b++)
    for (http_host *h = c->buckets[b]; h; h = h->hash_next)
      while (!http_list_empty(&h->pending))
        souk_http_cancel(HTTP_CONTAINER(h->pending.next, souk_http_req, link));
  while (!http_list_empty(&c->waiting))
    souk_http_cancel(HTTP_CONTAINER(c->waiting.next, souk_http_req, link));
  while (!http_list_empty(&c->running))
    souk_http_cancel(HTTP_CONTAINER(c->running.next, souk_http_req, link));
  uv_timer_stop(&c->dispatch_timer);
  begin_closing_if_idle(c);
}

const char *souk_http_response_header(const souk_http_response *res, const char *name,
                                      char *buf, size_t len) {
  size_t nlen = strlen(name);
  const char *p = res->headers.data;
  while (p && *p) {
    const char *eol = strchr(p, '\n');
    size_t llen = eol ? (size_t)(eol - p) : strlen(p);
    if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
      const char *v = p + nlen + 1;
      const char *end = p + llen;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
      snprintf(buf, len, "%.*s", (int)(end - v), v);
      return buf;
    }
    p = eol ? eol + 1 : NULL;
  }
  return NULL;
}

void souk_http_get_stats(const souk_http *c, souk_http_stats *st) {
  *st = c->st;
  st->in_flight = c->in_flight;
  st->queued = c->queued;
  st->waiting = c->nwaiting;
}
