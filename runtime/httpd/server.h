/* SPDX-License-Identifier: MIT */
/* A small HTTP/1.1 server on libuv for loopback services — the demo store of `souk run` and
 * the servers of the tests — routed per path: each route's handler fills a response (status,
 * headers, body) and may delay it, stall it mid-body, cut it short, gzip it, send it chunked,
 * redirect or drop the connection (the misbehaviours let tests play a bad server). It counts
 * requests and the requests in flight (now and at peak) per path and overall. MCP's network
 * transports use libwebsockets instead (protocol/).
 *
 * Two ways to run it:
 *   - on a loop the caller owns (options.loop set): handlers, timers and counters run on that
 *     loop's thread, nothing else runs a thread. This is the way for code that is itself on a
 *     libuv loop (souk's runtime, the HTTP client's tests): one loop, no locks. The caller
 *     runs the loop; after souk_httpd_close() it keeps running it until every handle is
 *     closed, and then uv_loop_close() returns 0.
 *   - on its own loop and thread (options.loop NULL): for callers whose code blocks (a test
 *     driving a child process, a synchronous call). Routes and extra listen addresses must be set before
 *     souk_httpd_start(); handlers run on the server's thread; souk_httpd_close()
 *     stops the thread, closes every handle and frees the server before it returns.
 *
 * Keep-alive is the default (HTTP/1.1, or HTTP/1.0 with "Connection: keep-alive"); requests
 * on one connection are answered in order. "Expect: 100-continue" is answered. Every buffer
 * is bounded: a request head over max_head gets 431, a body over max_body gets 413, a
 * malformed request gets 400, each followed by closing the connection.
 *
 * Statistics may be read from any thread. Everything else belongs to the server's loop thread.
 */
#ifndef SOUK_HTTPD_SERVER_H
#define SOUK_HTTPD_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "core/errinfo.h"

typedef struct souk_httpd souk_httpd;
typedef struct souk_httpd_response souk_httpd_response;

/* One request, valid during the handler call. Strings are NUL-terminated. */
typedef struct souk_httpd_request {
  const char *method;      /* "GET" */
  const char *target;      /* as sent: "/products.json?page=2" */
  const char *path;        /* "/products.json" (not decoded) */
  const char *query;       /* "page=2" (not decoded), "" when none */
  const char *body;        /* the request body (NUL-terminated too), "" when none */
  size_t body_len;
  unsigned seq;            /* 1 for the first request to this path since the last reset */
  unsigned conn_seq;       /* 1 for the first request on its connection; > 1: kept alive */
  unsigned conn_id;        /* 1 for the first connection the server accepted */
  const struct souk_httpd_conn *conn; /* private */
} souk_httpd_request;

/* Fills `res`. Runs on the server's loop thread, once per request. */
typedef void (*souk_httpd_handler)(const souk_httpd_request *req, souk_httpd_response *res,
                                  void *ud);

typedef struct souk_httpd_options {
  uv_loop_t *loop;         /* run on this loop; NULL: own loop on own thread (see above) */
  size_t max_head;         /* request line and headers; 0: 16 KiB */
  size_t max_body;         /* request body; 0: 1 MiB */
  size_t max_response;     /* response body a handler may build; 0: 64 MiB */
  int max_connections;     /* open at once; more are accepted and closed; 0: 1024 */
} souk_httpd_options;

/* A server that does not listen yet; NULL when out of memory or libuv refuses (e says why). */
souk_httpd *souk_httpd_new(const souk_httpd_options *o, souk_errinfo *e);

/* Routes `path` to `fn`. A path ending in '*' matches every path with that prefix ("*" alone
 * matches all). The first route added that matches wins; a request without a route gets
 * 404. Returns 0, SOUK_EINVAL, SOUK_ENOMEM or SOUK_ESTATE (own thread, already started). */
int souk_httpd_route(souk_httpd *s, const char *path, souk_httpd_handler fn,
                           void *ud);

/* Binds an address ("127.0.0.1", "::1"; NULL for 127.0.0.1) and port (0: ephemeral); the
 * bound port goes to *port_out (may be NULL). At most 8 addresses. Returns 0 or SOUK_EINVAL,
 * SOUK_EIO (bind failed), SOUK_ESTATE (own thread, already started). */
int souk_httpd_listen(souk_httpd *s, const char *addr, int port, int *port_out);

/* Starts accepting; binds 127.0.0.1 on an ephemeral port first if nothing was bound. With
 * its own loop, starts the server's thread. Returns 0, SOUK_EIO or SOUK_ESTATE. */
int souk_httpd_start(souk_httpd *s);

/* The port of the first address bound. */
int souk_httpd_port(const souk_httpd *s);

/* "http://127.0.0.1:PORT" followed by `target` ("/path?query"), written into buf; returns buf. */
const char *souk_httpd_url(const souk_httpd *s, const char *target, char *buf,
                                 size_t len);

/* Stops listening and closes every connection, stalled and kept-alive ones too. On a loop the
 * test owns, the server is freed once its handles are closed (keep running the loop) and this
 * returns 0; with its own thread, it is stopped and freed before this returns, and the result
 * is SOUK_EBUSY if its loop still had a handle open (a bug in the server), else 0. */
int souk_httpd_close(souk_httpd *s);

/* ---- what happened ------------------------------------------------------------------- */

typedef struct souk_httpd_path_stats {
  unsigned requests;       /* requests received */
  unsigned completed;      /* responses sent as scripted (a truncated one too) */
  unsigned aborted;        /* connection closed first (by the client, a drop, a stall's end) */
  int in_flight;           /* received, response not yet written in full */
  int peak;                /* the most in flight at once */
} souk_httpd_path_stats;

typedef struct souk_httpd_stats {
  souk_httpd_path_stats all;
  unsigned connections;      /* accepted since start */
  int open_connections;
  int peak_connections;
  unsigned bad_requests;     /* answered 400, 413 or 431 */
} souk_httpd_stats;

void souk_httpd_stats_get(souk_httpd *s, souk_httpd_stats *st);
/* Statistics of one path ("/slow"; without the query); all zero if it was never requested. */
void souk_httpd_stats_path(souk_httpd *s, const char *path,
                                 souk_httpd_path_stats *st);
/* Forgets every counter except what is in flight now (and the connection numbers). */
void souk_httpd_reset_stats(souk_httpd *s);

/* ---- the request ----------------------------------------------------------------------- */

/* The first header named `name` (any case), or NULL. */
const char *souk_httpd_request_header(const souk_httpd_request *r, const char *name);
/* The number of headers, and the i-th as name and value. */
size_t souk_httpd_request_header_count(const souk_httpd_request *r);
const char *souk_httpd_request_header_at(const souk_httpd_request *r, size_t i,
                                        const char **value);
/* The first query parameter `name`, percent- and '+'-decoded into buf; NULL when absent or
 * when it does not fit. */
const char *souk_httpd_request_param(const souk_httpd_request *r, const char *name, char *buf,
                                    size_t len);

/* ---- the response builder (handlers only) ---------------------------------------------- */

/* 200 unless set. */
void souk_httpd_response_status(souk_httpd_response *res, int status);
/* Adds a header line. Content-Length and Transfer-Encoding are written by the server; setting
 * Content-Length yourself replaces its own (to send a wrong one on purpose). Returns 0 or
 * SOUK_ETOOBIG (all headers over 16 KiB) or SOUK_EINVAL (CR or LF inside). */
int souk_httpd_response_header(souk_httpd_response *res, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends to the body. Each returns 0, SOUK_ETOOBIG (over max_response) or SOUK_ENOMEM. */
int souk_httpd_response_body(souk_httpd_response *res, const void *data, size_t len);
int souk_httpd_response_printf(souk_httpd_response *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a file's contents; SOUK_ENOENT / SOUK_EIO when it cannot be read. */
int souk_httpd_response_file(souk_httpd_response *res, const char *path);
/* Appends `len` bytes of filler text. */
int souk_httpd_response_fill(souk_httpd_response *res, size_t len);
/* `status` (a 3xx) with "Location: location" and a short body. */
int souk_httpd_response_redirect(souk_httpd_response *res, int status, const char *location);

/* Waits `ms` before sending anything. */
void souk_httpd_response_delay(souk_httpd_response *res, unsigned ms);
/* Sends the head and the first `after` bytes of the body (as on the wire), then nothing
 * more: the request stays in flight until the client closes the connection. */
void souk_httpd_response_stall(souk_httpd_response *res, size_t after);
/* Sends the head (with the full Content-Length) and the first `after` bytes of the body (as
 * on the wire), then closes the connection: a truncated body. */
void souk_httpd_response_truncate(souk_httpd_response *res, size_t after);
/* Compresses the body with gzip when it is sent and says so (Content-Encoding: gzip). */
void souk_httpd_response_gzip(souk_httpd_response *res);
/* Sends the body with Transfer-Encoding: chunked (chunks of at most 4 KiB) instead of a
 * Content-Length. */
void souk_httpd_response_chunked(souk_httpd_response *res);
/* Closes the connection after this response (and says "Connection: close"). */
void souk_httpd_response_close(souk_httpd_response *res);
/* Sends nothing at all and closes the connection (the client gets an empty reply). */
void souk_httpd_response_drop(souk_httpd_response *res);

#endif /* SOUK_HTTPD_SERVER_H */
