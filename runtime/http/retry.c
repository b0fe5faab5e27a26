/* SPDX-License-Identifier: MIT */
/* Retry policy: which outcomes are worth another attempt, how long to wait (exponential
 * backoff with equal jitter, or the server's Retry-After), and the SOUK_E* code of a failure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http_int.h"
#include "souk/error.h"

int souk__http_curl_error(CURLcode rc) {
  switch (rc) {
  case CURLE_OK:
    return 0;
  case CURLE_OPERATION_TIMEDOUT:
    return SOUK_ETIMEDOUT;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return SOUK_EDNS;
  case CURLE_COULDNT_CONNECT:
    return SOUK_ECONNREFUSED;
  case CURLE_TOO_MANY_REDIRECTS:
    return SOUK_EREDIRECTS;
  case CURLE_FILESIZE_EXCEEDED:
    return SOUK_ETOOBIG;
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    return SOUK_EINVAL;
  case CURLE_OUT_OF_MEMORY:
    return SOUK_ENOMEM;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
    return SOUK_ETLS;
  case CURLE_BAD_CONTENT_ENCODING:
    return SOUK_EPARSE;
  default:
    return SOUK_ENETWORK;
  }
}

/* Network failures that a later attempt may not meet. */
static bool transient(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_HTTP3:
  case CURLE_SSL_CONNECT_ERROR:
    return true;
  default:
    return false;
  }
}

static bool retryable_status(long status) {
  return status == 429 || status == 408 ||
         (status >= 500 && status <= 599 && status != 501 && status != 505);
}

int64_t souk__http_retry_after_ms(const char *value, int64_t now) {
  while (*value == ' ' || *value == '\t')
    value++;
  if (*value >= '0' && *value <= '9') {
    char *end;
    errno = 0;
    long long s = strtoll(value, &end, 10);
    while (*end == ' ' || *end == '\t')
      end++;
    if (errno || *end || s < 0 || s > 100000000LL)
      return -1;
    return (int64_t)s * 1000;
  }
  time_t when = curl_getdate(value, NULL); /* IMF-fixdate, RFC 850 and asctime forms */
  if (when == (time_t)-1)
    return -1;
  return when > now ? ((int64_t)when - now) * 1000 : 0;
}

int64_t souk__http_backoff_ms(souk_http *c, unsigned attempt) {
  int64_t ceiling = c->o.backoff_base_ms;
  for (unsigned i = 1; i < attempt && ceiling < c->o.backoff_max_ms; i++)
    ceiling *= 2;
  if (ceiling > c->o.backoff_max_ms)
    ceiling = c->o.backoff_max_ms;
  /* xorshift64*: the jitter needs no cryptographic quality, only independence per client. */
  c->rng ^= c->rng >> 12;
  c->rng ^= c->rng << 25;
  c->rng ^= c->rng >> 27;
  uint64_t x = c->rng * 2685821657736338717ULL;
  /* Equal jitter: at least half the ceiling, so a retry after a 429 always backs off. */
  int64_t least = ceiling / 2;
  return least + (int64_t)(x % (uint64_t)(ceiling - least + 1));
}

http_verdict souk__http_judge(souk_http_req *r, CURLcode rc, int64_t *delay_ms, int *error,
                              bool *penalise_host) {
  souk_http *c = r->c;
  *penalise_host = false;
  *error = 0;
  bool may_retry = !(r->flags & SOUK_HTTP_NO_RETRY) && !r->streamed &&
                   r->attempts <= (unsigned)c->o.retries && !c->closing;

  if (rc == CURLE_OK) {
    if (!retryable_status(r->res.status))
      return HTTP_DONE;
    char value[128];
    const char *ra = souk_http_response_header(&r->res, "retry-after", value, sizeof value);
    int64_t wait = ra ? souk__http_retry_after_ms(ra, (int64_t)time(NULL)) : -1;
    if (wait > c->o.retry_after_max_ms) {
      *error = SOUK_ERATELIMIT;
      snprintf(r->res.error_text, sizeof r->res.error_text,
               "HTTP %ld: the server asks to wait %lld s (Retry-After), longer than "
               "http.retry_after_max",
               r->res.status, (long long)(wait / 1000));
      return HTTP_FAIL;
    }
    if (!may_retry)
      return HTTP_DONE; /* the caller sees the last status */
    *delay_ms = wait >= 0 ? wait : souk__http_backoff_ms(c, r->attempts);
    /* A 429, or any answer with Retry-After, slows the whole host, not just this request. */
    *penalise_host = r->res.status == 429 || wait >= 0;
    return HTTP_RETRY;
  }

  if (r->stopped_by_reader) {
    *error = SOUK_ECANCELED;
    snprintf(r->res.error_text, sizeof r->res.error_text, "stopped by the reader of the body");
    return HTTP_FAIL;
  }
  if (r->headers_too_big) {
    *error = SOUK_ETOOBIG;
    snprintf(r->res.error_text, sizeof r->res.error_text,
             "the response headers are larger than the limit of %zu bytes",
             r->res.headers.max);
    return HTTP_FAIL;
  }
  if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    *error = SOUK_ETOOBIG;
    snprintf(r->res.error_text, sizeof r->res.error_text,
             "the response body is larger than the limit of %zu bytes", r->max_body);
    return HTTP_FAIL;
  }
  if (r->forbidden) {
    *error = SOUK_EFORBIDDEN;
    snprintf(r->res.error_text, sizeof r->res.error_text,
             "refused to connect to a loopback, private, link-local or metadata address "
             "(this request may only reach public addresses)");
    return HTTP_FAIL;
  }
  *error = souk__http_curl_error(rc);
  if (rc == CURLE_PARTIAL_FILE)
    snprintf(r->res.error_text, sizeof r->res.error_text, "truncated body: %.200s",
             r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
  else
    snprintf(r->res.error_text, sizeof r->res.error_text, "%s",
             r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
  if (transient(rc) && may_retry) {
    *delay_ms = souk__http_backoff_ms(c, r->attempts);
    return HTTP_RETRY;
  }
  return HTTP_FAIL;
}
