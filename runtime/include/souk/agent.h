/* SPDX-License-Identifier: MIT */
/* The platform agent plugin ABI: what a plugin exports, and the host services it may call.
 *
 * Modelled on SQLite's VFS and nginx modules. A plugin is a shared object that exports one
 * function, souk_agent_entry(). The host calls it with a table of host services and gets back
 * a const descriptor naming the agent and its operations. Both structs start with
 * {abi_major, abi_minor, struct_size}; new fields are only ever appended (and bump the minor
 * version), so an older plugin keeps working with a newer host and vice versa. The loader
 * refuses a different major version, a struct shorter than this header's, or a name already
 * taken, and says which in one log line.
 *
 * Plugins call the host's services and never link libuv, libcurl or the store drivers
 * themselves; this header includes nothing but the C library. Everything runs on the host's
 * event loop thread: an operation must not block, and a callback from the host runs on that
 * thread too. See docs/plugins.md for a walk-through.
 */
#ifndef SOUK_AGENT_H
#define SOUK_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "souk/error.h"
#include "souk/product.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOUK_AGENT_ABI_MAJOR 1
#define SOUK_AGENT_ABI_MINOR 0

#if defined(__GNUC__)
#define SOUK_AGENT_API __attribute__((visibility("default")))
#define SOUK__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SOUK_AGENT_API
#define SOUK__PRINTF(f, a)
#endif

/* ---- host services --------------------------------------------------------------------- */

typedef struct souk_host souk_host;
typedef struct souk_host_request souk_host_request; /* an HTTP request in flight */
typedef struct souk_host_timer souk_host_timer;
typedef struct souk_crawl souk_crawl;               /* one crawl of one store, owned by the host */

enum { SOUK_HOST_LOG_ERROR = 1, SOUK_HOST_LOG_WARN, SOUK_HOST_LOG_INFO, SOUK_HOST_LOG_DEBUG,
       SOUK_HOST_LOG_TRACE };

/* Request flags. */
enum {
  SOUK_HOST_HTTP_NO_REDIRECT = 1u << 0, /* report a 3xx instead of following it */
  SOUK_HOST_HTTP_NO_RETRY = 1u << 1     /* no retries on 429, 5xx or network errors */
};

typedef struct souk_host_http_request {
  const char *url;
  const char *const *headers;   /* NULL-terminated "Name: value" lines, or NULL */
  unsigned flags;               /* SOUK_HOST_HTTP_* */
  size_t max_body;              /* 0: the host's http.max_body */
} souk_host_http_request;

typedef struct souk_host_http_response {
  int error;                    /* 0 when a response arrived (any status), else SOUK_E* */
  const char *error_text;       /* a sentence when error != 0, else NULL */
  int status;                   /* HTTP status, 0 when none arrived */
  const char *content_type;     /* "" when the server sent none */
  const char *effective_url;    /* after redirects */
  const char *location;         /* the Location header of a 3xx, or NULL */
  const char *body;             /* followed by SOUK_HOST_BODY_PADDING zero bytes (so also
                                   NUL-terminated); body_len counts neither */
  size_t body_len;
  unsigned retries;             /* attempts beyond the first */
  double elapsed_ms;            /* from the first attempt to completion, waits included */
} souk_host_http_response;

/* Readable zero bytes after every response body: parsers that read ahead of the data
 * (simdjson needs 64) can parse the body in place. */
#define SOUK_HOST_BODY_PADDING 64

/* Runs exactly once per successful souk_host.http_get, on the loop thread. The response and
 * everything it points to are valid only during the call. */
typedef void (*souk_host_http_cb)(const souk_host_http_response *res, void *ud);
typedef void (*souk_host_timer_cb)(void *ud);

/* What a crawl learned about the store besides its products. */
typedef struct souk_store_info {
  const char *name;             /* shop name, or NULL */
  const char *currency;         /* ISO 4217 code, or NULL when the store does not say */
  int64_t product_count;        /* what the store announces, or -1 */
} souk_store_info;

struct souk_host {
  unsigned abi_major, abi_minor;
  size_t struct_size;           /* sizeof(souk_host) as the host was built */
  void *host_data;              /* the host's own; plugins leave it alone */

  /* Logging under the plugin's name, at the host's levels. */
  void (*log)(const souk_host *h, int level, const char *fmt, ...) SOUK__PRINTF(3, 4);
  int (*log_enabled)(const souk_host *h, int level);

  /* HTTP through the host's client: rate limits, retries, timeouts and body limits apply.
   * Returns 0 and later runs cb exactly once, or returns a SOUK_E* code and never runs it.
   * `out` (may be NULL) receives a handle for http_cancel, valid until cb runs. */
  int (*http_get)(const souk_host *h, const souk_host_http_request *req, souk_host_http_cb cb,
                  void *ud, souk_host_request **out);
  /* The callback then runs with error SOUK_ECANCELED, from the loop, not from this call. */
  void (*http_cancel)(const souk_host *h, souk_host_request *req);

  /* One-shot timers. timer_stop before it fires means cb never runs; the handle is freed by
   * the host after cb runs or after timer_stop. */
  int (*timer_start)(const souk_host *h, uint64_t ms, souk_host_timer_cb cb, void *ud,
                     souk_host_timer **out);
  void (*timer_stop)(const souk_host *h, souk_host_timer *t);

  /* A crawl: store products, report progress, say when it is over. */
  const char *(*crawl_url)(const souk_host *h, souk_crawl *c);  /* the store URL as given */
  int (*crawl_put_products)(const souk_host *h, souk_crawl *c, const souk_product *products,
                            size_t n);
  int (*crawl_set_info)(const souk_host *h, souk_crawl *c, const souk_store_info *info);
  /* Counts one fetched page for the crawl record and for progress. */
  void (*crawl_page_done)(const souk_host *h, souk_crawl *c, int http_status, size_t bytes);
  void (*crawl_progress)(const souk_host *h, souk_crawl *c, double done, double total,
                         const char *message);
  /* Non-zero once the user asked to stop; the agent should then finish soon with
   * SOUK_ECANCELED. */
  int (*crawl_cancelled)(const souk_host *h, souk_crawl *c);
  /* Ends the crawl: status 0, or a SOUK_E* code and a sentence for the user. `complete` says
   * that every product of the store was seen (a full crawl), which lets the host mark the
   * products it did not see as missing. Call exactly once per crawl_start that returned 0. */
  void (*crawl_done)(const souk_host *h, souk_crawl *c, int status, int complete,
                     const char *message);
};

/* ---- the agent's side ------------------------------------------------------------------ */

typedef struct souk_agent_ops {
  /* Called once after loading; *state is passed back to every other operation. */
  int (*init)(const souk_host *h, void **state);
  void (*fini)(void *state);
  /* Starts crawling the store behind host->crawl_url(c). Returns 0 and calls crawl_done
   * later exactly once, or returns SOUK_E* and never calls it. */
  int (*crawl_start)(void *state, souk_crawl *c);
  /* Asks a running crawl to stop soon; it still ends with crawl_done (SOUK_ECANCELED). */
  void (*crawl_cancel)(void *state, souk_crawl *c);
} souk_agent_ops;

typedef struct souk_agent_desc {
  unsigned abi_major, abi_minor;
  size_t struct_size;           /* sizeof(souk_agent_desc) as the plugin was built */
  const char *name;             /* platform name, [a-z0-9_-]+: "shopify" */
  const char *version;          /* the agent's own version: "1.2.0" */
  const char *description;      /* one sentence */
  const souk_agent_ops *ops;
} souk_agent_desc;

/* The one function a plugin exports. Returns NULL to refuse loading (after logging why). */
typedef const souk_agent_desc *(*souk_agent_entry_fn)(const souk_host *h);

#define SOUK_AGENT_ENTRY_SYMBOL "souk_agent_entry"

/* SOUK_AGENT_DESC_INIT fills the header of a descriptor:
 *     static const souk_agent_desc desc = { SOUK_AGENT_DESC_INIT, "shopify", "1.0.0", ... }; */
#define SOUK_AGENT_DESC_INIT SOUK_AGENT_ABI_MAJOR, SOUK_AGENT_ABI_MINOR, sizeof(souk_agent_desc)

/* An agent's source defines a uniquely named entry function (souk_agent_shopify_entry), so
 * that several agents can be linked into one binary, and exports it as souk_agent_entry when
 * built as a loadable module (the build defines SOUK_AGENT_BUILD_MODULE):
 *     SOUK_AGENT_EXPORT(souk_agent_shopify_entry) */
#ifdef SOUK_AGENT_BUILD_MODULE
#define SOUK_AGENT_EXPORT(fn)                                                         \
  SOUK_AGENT_API const souk_agent_desc *souk_agent_entry(const souk_host *h);         \
  SOUK_AGENT_API const souk_agent_desc *souk_agent_entry(const souk_host *h) { return fn(h); }
#else
#define SOUK_AGENT_EXPORT(fn)
#endif

#ifdef __cplusplus
}
#endif
#endif /* SOUK_AGENT_H */
