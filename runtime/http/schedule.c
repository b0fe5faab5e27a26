/* SPDX-License-Identifier: MIT */
/* Who goes next: per-host queues, global and per-host concurrency limits, the per-host token
 * bucket and penalties after 429, and the timer that wakes the dispatcher. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/http_int.h"

static unsigned hash_key(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h % HTTP_HOST_BUCKETS;
}

/* "https://shop.example:443" from a URL; NULL when the URL is not http(s) or malformed. */
static char *origin_of(const char *url) {
  CURLU *u = curl_url();
  if (!u)
    return NULL;
  char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
    size_t n = strlen(scheme) + strlen(host) + strlen(port) + 5;
    key = malloc(n);
    if (key) {
      snprintf(key, n, "%s://%s:%s", scheme, host, port);
      for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
          *p = (char)(*p - 'A' + 'a');
    }
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return key;
}

http_host *souk__http_host_get(souk_http *c, const char *url) {
  char *key = origin_of(url);
  if (!key)
    return NULL;
  unsigned b = hash_key(key);
  for (http_host *h = c->buckets[b]; h; h = h->hash_next) {
    if (strcmp(h->key, key) == 0) {
      free(key);
      return h;
    }
  }
  http_host *h = calloc(1, sizeof *h);
  if (!h) {
    free(key);
    return NULL;
  }
  h->key = key;
  http_list_init(&h->pending);
  http_list_init(&h->active_link);
  h->tokens = c->o.burst > 0 ? c->o.burst : 1;
  h->refilled_at = uv_now(c->loop);
  h->hash_next = c->buckets[b];
  c->buckets[b] = h;
  return h;
}

void souk__http_hosts_free(souk_http *c) {
  for (int b = 0; b < HTTP_HOST_BUCKETS; b++) {
    http_host *h = c->buckets[b];
    while (h) {
      http_host *next = h->hash_next;
      free(h->key);
      free(h);
      h = next;
    }
    c->buckets[b] = NULL;
  }
}

static void activate(souk_http *c, http_host *h) {
  if (!h->active) {
    h->active = true;
    http_list_push_back(&c->active, &h->active_link);
  }
}

void souk__http_enqueue(souk_http *c, souk_http_req *r, bool front) {
  r->state = HTTP_REQ_QUEUED;
  if (front)
    http_list_push_front(&r->host->pending, &r->link);
  else
    http_list_push_back(&r->host->pending, &r->link);
  c->queued++;
  if (r->flags & SOUK_HTTP_NO_RATE)
    r->host->no_rate_pending++;
  activate(c, r->host);
}

void souk__http_dequeue(souk_http *c, souk_http_req *r) {
  http_list_remove(&r->link);
  c->queued--;
  if (r->flags & SOUK_HTTP_NO_RATE)
    r->host->no_rate_pending--;
}

/* The first request of the host's queue that the token bucket does not hold back. */
static souk_http_req *first_no_rate(http_host *h) {
  if (h->no_rate_pending == 0)
    return NULL;
  for (http_link *l = h->pending.next; l != &h->pending; l = l->next) {
    souk_http_req *r = HTTP_CONTAINER(l, souk_http_req, link);
    if (r->flags & SOUK_HTTP_NO_RATE)
      return r;
  }
  return NULL;
}

/* Refills the bucket and takes a token; else returns the ms until one is available. */
static uint64_t take_token(souk_http *c, http_host *h, uint64_t now) {
  double rate = c->o.rate;
  if (rate <= 0)
    return 0;
  double burst = c->o.burst > 0 ? c->o.burst : 1;
  h->tokens += (double)(now - h->refilled_at) * rate / 1000.0;
  if (h->tokens > burst)
    h->tokens = burst;
  h->refilled_at = now;
  if (h->tokens >= 1.0) {
    h->tokens -= 1.0;
    return 0;
  }
  uint64_t wait = (uint64_t)ceil((1.0 - h->tokens) * 1000.0 / rate);
  return wait ? wait : 1;
}

static void dispatch_timer_cb(uv_timer_t *t) {
  souk__http_dispatch(t->data);
}

void souk__http_dispatch(souk_http *c) {
  if (c->dispatching || c->handles_closing)
    return;
  if (c->in_curl) {
    souk__http_kick(c); /* no curl_multi_add_handle from inside libcurl's callbacks */
    return;
  }
  c->dispatching = true;
  uint64_t now = uv_now(c->loop);
  uint64_t wake = UINT64_MAX;

  /* Backoffs that have ended go back to the head of their host's queue. */
  http_link *l = c->waiting.next;
  while (l != &c->waiting) {
    souk_http_req *r = HTTP_CONTAINER(l, souk_http_req, link);
    l = l->next;
    if (r->not_before <= now) {
      http_list_remove(&r->link);
      c->nwaiting--;
      souk__http_enqueue(c, r, true);
    } else if (r->not_before < wake) {
      wake = r->not_before;
    }
  }

  bool progress = true;
  while (progress && c->in_flight < c->o.max_connections) {
    progress = false;
    http_link *hl = c->active.next;
    while (hl != &c->active && c->in_flight < c->o.max_connections) {
      http_host *h = HTTP_CONTAINER(hl, http_host, active_link);
      hl = hl->next;
      if (http_list_empty(&h->pending)) {
        http_list_remove(&h->active_link);
        h->active = false;
        continue;
      }
      if (h->in_flight >= c->o.max_per_host)
        continue;
      if (h->blocked_until > now) {
        if (h->blocked_until < wake)
          wake = h->blocked_until;
        continue;
      }
      souk_http_req *r = HTTP_CONTAINER(h->pending.next, souk_http_req, link);
      if (!(r->flags & SOUK_HTTP_NO_RATE)) {
        uint64_t wait = take_token(c, h, now);
        if (wait) {
          if (now + wait < wake)
            wake = now + wait;
          /* A request exempt from the rate does not wait behind those that are not. */
          r = first_no_rate(h);
          if (!r)
            continue;
        }
      }
      souk__http_dequeue(c, r);
      /* Round robin: this host goes to the back of the line. */
      http_list_remove(&h->active_link);
      http_list_push_back(&c->active, &h->active_link);
      int rc = souk__http_attempt_start(r);
      if (rc)
        souk__http_finish(r, rc, "the request could not be started: %s", r->errbuf);
      progress = true;
    }
  }

  if (wake != UINT64_MAX && !c->closing) {
    uint64_t delay = wake > now ? wake - now : 0;
    c->dispatch_timer.data = c;
    uv_timer_start(&c->dispatch_timer, dispatch_timer_cb, delay, 0);
  } else {
    uv_timer_stop(&c->dispatch_timer);
  }
  c->dispatching = false;
}
