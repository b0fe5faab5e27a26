/* SPDX-License-Identifier: MIT */
/* Internals of the HTTP client shared by its files: the client, per-host state and request
 * structs, and the functions one file offers the others. Loop thread only. */
#ifndef SOUK_HTTP_INT_H
#define SOUK_HTTP_INT_H

#include <stdbool.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "http/client.h"

/* A minimal intrusive doubly linked list with a sentinel head. */
typedef struct http_link {
  struct http_link *prev, *next;
} http_link;

static inline void http_list_init(http_link *h) { h->prev = h->next = h; }
static inline bool http_list_empty(const http_link *h) { return h->next == h; }
static inline void http_list_remove(http_link *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}
static inline void http_list_push_back(http_link *h, http_link *n) {
  n->prev = h->prev;
  n->next = h;
  h->prev->next = n;
  h->prev = n;
}
static inline void http_list_push_front(http_link *h, http_link *n) {
  n->next = h->next;
  n->prev = h;
  h->next->prev = n;
  h->next = n;
}
#define HTTP_CONTAINER(ptr, type, field) ((type *)((char *)(ptr)-offsetof(type, field)))

#define HTTP_HOST_BUCKETS 256

/* What the client knows of one origin (scheme://host:port). */
typedef struct http_host {
  char *key;
  struct http_host *hash_next;
  http_link pending;           /* requests waiting for a slot or a token, FIFO */
  http_link active_link;       /* in client->active while pending is not empty */
  bool active;
  int in_flight, peak;
  int no_rate_pending;         /* SOUK_HTTP_NO_RATE requests in pending */
  double tokens;               /* token bucket */
  uint64_t refilled_at;        /* loop ms */
  uint64_t blocked_until;      /* loop ms; set by a 429 or a 503 with Retry-After */
} http_host;

typedef enum http_req_state {
  HTTP_REQ_QUEUED,             /* in host->pending */
  HTTP_REQ_WAITING,            /* in client->waiting: backoff before a retry */
  HTTP_REQ_RUNNING,            /* in client->running, easy handle in the multi */
  HTTP_REQ_DONE                /* in client->done: callback due */
} http_req_state;

struct souk_http_req {
  souk_http *c;
  http_host *host;
  http_link link;              /* in exactly one list, by state */
  http_req_state state;
  char *url, *method;
  struct curl_slist *headers;
  char *body;
  size_t body_len;
  unsigned flags;
  size_t max_body;
  int64_t timeout_ms;
  int64_t low_speed_time_ms;
  int (*on_data)(const char *, size_t, void *);
  souk_http_cb cb;
  void *ud;
  CURL *easy;
  char errbuf[CURL_ERROR_SIZE];
  char ctype[256];             /* response strings, owned here: the easy handle is gone */
  char *eff_url, *loc_url;
  uint64_t not_before;         /* loop ms, for WAITING */
  uint64_t t_start, t_first;   /* hrtime ns: accepted, first attempt started */
  unsigned attempts;
  bool streamed, forbidden, too_big, headers_too_big, stopped_by_reader;
  bool cancel_pending;         /* canceled while libcurl was calling us: ends from the loop */
  souk_http_response res;
};

/* A socket libcurl asked us to watch. */
typedef struct http_sock {
  uv_poll_t poll;
  curl_socket_t fd;
  souk_http *c;
  http_link link;              /* in client->socks */
} http_sock;

struct souk_http {
  uv_loop_t *loop;
  CURLM *multi;
  CURLSH *share;               /* DNS cache shared by every easy handle */
  souk_http_options o;
  char *user_agent;
  uv_timer_t curl_timer;       /* libcurl's own timeout */
  uv_timer_t dispatch_timer;   /* wakes when a token, a penalty or a backoff ends */
  uv_timer_t done_timer;       /* runs due callbacks from the loop */
  http_host *buckets[HTTP_HOST_BUCKETS];
  http_link active;            /* hosts with pending requests, round robin */
  http_link waiting;           /* requests in backoff */
  http_link running;
  http_link done;
  http_link socks;
  int queued, nwaiting, in_flight, nreqs;
  int open_handles;            /* uv handles not yet closed */
  int in_curl;                 /* > 0 while inside curl_multi_socket_action: libcurl's
                                  callbacks must not add or remove easy handles then */
  bool closing, handles_closing, dispatching;
  uint64_t rng;
  souk_http_stats st;
};

/* schedule.c */
http_host *souk__http_host_get(souk_http *c, const char *url);
void souk__http_hosts_free(souk_http *c);
void souk__http_enqueue(souk_http *c, souk_http_req *r, bool front);
void souk__http_dequeue(souk_http *c, souk_http_req *r); /* out of its host's pending queue */
void souk__http_dispatch(souk_http *c);

/* client.c */
int souk__http_attempt_start(souk_http_req *r);
void souk__http_attempt_done(souk_http_req *r, CURLcode rc);
void souk__http_finish(souk_http_req *r, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Asks the loop to run due callbacks, deferred cancellations and the dispatcher soon. */
void souk__http_kick(souk_http *c);

/* curl_uv.c */
int souk__http_glue_init(souk_http *c);
void souk__http_glue_close(souk_http *c);

/* retry.c */
typedef enum http_verdict { HTTP_DONE, HTTP_RETRY, HTTP_FAIL } http_verdict;
/* What to do after an attempt: finish, retry after *delay_ms, or fail with *error. */
http_verdict souk__http_judge(souk_http_req *r, CURLcode rc, int64_t *delay_ms, int *error,
                              bool *penalise_host);
/* Retry-After value to milliseconds from `now` (Unix seconds); -1 when unparseable. */
int64_t souk__http_retry_after_ms(const char *value, int64_t now);
/* Equal jitter: a uniform draw in [c/2, c], where c = min(max, base * 2^(attempt-1)). */
int64_t souk__http_backoff_ms(souk_http *c, unsigned attempt);
int souk__http_curl_error(CURLcode rc);

/* address.c */
bool souk__http_address_allowed(const struct sockaddr *sa);

#endif /* SOUK_HTTP_INT_H */
