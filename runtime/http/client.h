/* SPDX-License-Identifier: MIT */
/* The asynchronous HTTP client: libcurl's multi interface driven by the libuv loop, with
 * global and per-host concurrency limits, a per-host token-bucket rate, retries with
 * exponential backoff and equal jitter (Retry-After honoured), timeouts, bounded redirects and
 * bodies, compressed responses, keep-alive reuse and cancellation. No threads.
 *
 * Everything runs on the loop thread that owns the client. Proxies come from the standard
 * environment variables (http_proxy, https_proxy, all_proxy, no_proxy), read by libcurl.
 */
#ifndef SOUK_HTTP_CLIENT_H
#define SOUK_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/errinfo.h"

typedef struct souk_http souk_http;
typedef struct souk_http_req souk_http_req;

typedef struct souk_http_options {
  const char *user_agent;
  double rate;                 /* requests per second per host; 0: unlimited */
  int burst;                   /* token bucket size */
  int max_connections;         /* requests in flight, all hosts */
  int max_per_host;            /* requests in flight per host */
  int retries;                 /* retries after 429, 5xx, network errors */
  int64_t backoff_base_ms, backoff_max_ms, retry_after_max_ms;
  int64_t connect_timeout_ms, timeout_ms, low_speed_time_ms, low_speed_limit;
  int max_redirects;
  size_t max_body;
} souk_http_options;

/* Options from the configuration's http.* settings. */
void souk_http_options_from_config(souk_http_options *o, const souk_config *cfg);

/* Request flags. */
enum {
  SOUK_HTTP_NO_REDIRECT = 1u << 0, /* report a 3xx instead of following it */
  SOUK_HTTP_NO_RETRY = 1u << 1,    /* one attempt only */
  SOUK_HTTP_PUBLIC_ONLY = 1u << 2, /* refuse loopback, private, link-local and metadata
                                      addresses, after DNS and on every redirect */
  SOUK_HTTP_NO_RATE = 1u << 3      /* exempt from the per-host token bucket (not from limits) */
};

typedef struct souk_http_request {
  const char *url;
  const char *method;          /* NULL: GET, or POST when body is set */
  const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
  const void *body;
  size_t body_len;
  unsigned flags;
  size_t max_body;             /* 0: the client's */
  int64_t timeout_ms;          /* 0: the client's */
  int64_t low_speed_time_ms;   /* 0: the client's; < 0: no low-speed abort (a server that
                                  thinks for a long time before it answers, a language model) */
  /* Streaming: with on_data set, the bytes of a 2xx body are handed over as they arrive
   * instead of being collected; return non-zero to stop (the request ends SOUK_ECANCELED).
   * A request that has streamed data is not retried. */
  int (*on_data)(const char *data, size_t len, void *ud);
} souk_http_request;

/* A collected body is followed by this many zero bytes (not counted in its length), so that
 * parsers that read ahead (simdjson) can use it in place. */
#define SOUK_HTTP_BODY_PADDING 64

typedef struct souk_http_response {
  int error;                   /* 0 when a response arrived (any status), else SOUK_E* */
  char error_text[256];        /* a sentence when error != 0 */
  long status;                 /* 0 when no response arrived */
  const char *content_type;    /* "" when none */
  const char *effective_url;
  const char *location;        /* Location of a 3xx not followed, else NULL */
  souk_buf body;               /* collected body; empty when streamed or when the transfer
                                  failed (no partial bodies); steal it if wanted */
  souk_buf headers;            /* raw header lines of the final response */
  size_t bytes;                /* body bytes received (after decompression) */
  unsigned retries;            /* attempts beyond the first */
  int reused;                  /* the last attempt reused a kept-alive connection */
  double queued_ms;            /* waiting for a slot or a token before the first attempt */
  double connect_ms, ttfb_ms, total_ms; /* of the last attempt */
  double elapsed_ms;           /* from souk_http_start to completion */
} souk_http_response;

/* Runs exactly once per request that souk_http_start accepted, on the loop thread. The
 * response is valid during the call only (steal body.data with souk_buf_steal to keep it). */
typedef void (*souk_http_cb)(souk_http_req *req, souk_http_response *res, void *ud);

/* NULL when libcurl or libuv refuse; e says why. */
souk_http *souk_http_new(uv_loop_t *loop, const souk_http_options *o, souk_errinfo *e);

/* Cancels every request (their callbacks run with SOUK_ECANCELED), closes the client's
 * handles and frees it once they are closed; the loop must run for that to happen. */
void souk_http_close(souk_http *c);

/* Queues a request. Returns 0 and later runs cb exactly once; or returns SOUK_EINVAL (bad
 * URL or options), SOUK_ESTATE (closing) or SOUK_ENOMEM and never runs cb. `out` (may be
 * NULL) receives a handle valid until cb returns. */
int souk_http_start(souk_http *c, const souk_http_request *r, souk_http_cb cb, void *ud,
                    souk_http_req **out);

/* Stops a request; its callback runs later from the loop with SOUK_ECANCELED. Does nothing
 * when the request has already completed. */
void souk_http_cancel(souk_http_req *req);

/* The value of a response header (case-insensitive name), copied into buf; NULL if absent. */
const char *souk_http_response_header(const souk_http_response *res, const char *name,
                                      char *buf, size_t len);

typedef struct souk_http_stats {
  uint64_t started, completed, attempts, retries, reused_connections;
  int in_flight, queued, waiting;  /* now: on the wire, waiting for a slot, in backoff */
  int peak_in_flight;              /* all hosts */
  int peak_per_host;               /* the most any one host had at once */
} souk_http_stats;

void souk_http_get_stats(const souk_http *c, souk_http_stats *st);

#endif /* SOUK_HTTP_CLIENT_H */
