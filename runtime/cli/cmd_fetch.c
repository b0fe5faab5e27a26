/* SPDX-License-Identifier: MIT */
/* `souk fetch URL...`: fetches URLs through souk's HTTP client (its limits, retries and
 * timeouts) and reports what each request measured; --body prints the body. A diagnostic for
 * "what does this store answer souk?". */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "loop/runtime.h"
#include "souk/error.h"

static const souk_option options[] = {
    {"body", 'b', NULL, "write the response body of each URL to standard output"},
    {"no-redirect", 0, NULL, "report a redirect instead of following it"},
    {"rate", 0, "N", "requests per second per host (0: no limit); sets http.rate"},
    {0},
};

typedef struct fetch_state {
  souk_cli *cli;
  int failures;
} fetch_state;

static void on_done(souk_http_req *req, souk_http_response *res, void *ud) {
  (void)req;
  fetch_state *st = ud;
  if (res->error) {
    st->failures++;
    fprintf(stderr, "%s: %s: %s\n", res->effective_url ? res->effective_url : "?",
            souk_err_name(res->error), res->error_text);
    return;
  }
  if (res->status >= 400)
    st->failures++;
  fprintf(stderr, "%s: HTTP %ld, %s, %zu bytes, %u retr%s, %.1f ms (connect %.1f, first byte %.1f)%s%s\n",
          res->effective_url, res->status, *res->content_type ? res->content_type : "no content type",
          res->bytes, res->retries, res->retries == 1 ? "y" : "ies", res->elapsed_ms,
          res->connect_ms, res->ttfb_ms, res->location ? ", Location: " : "",
          res->location ? res->location : "");
  if (souk_cli_flag(st->cli, "body") && res->body.data) {
    fwrite(res->body.data, 1, res->body.len, stdout);
    if (res->body.len && res->body.data[res->body.len - 1] != '\n')
      fputc('\n', stdout);
  }
}

static int run(souk_cli *cli) {
  if (cli->argc == 0)
    return souk_cli_usage_error(cli, "give at least one URL");
  const char *rate = souk_cli_opt(cli, "rate");
  if (rate && souk_cli_set(cli, SOUK_CFG_HTTP_RATE, rate))
    return SOUK_EXIT_USAGE;
  souk_runtime rt;
  souk_errinfo e = {0};
  if (souk_runtime_init(&rt, cli->cfg, SOUK_RT_NO_PLUGINS, &e) != 0)
    return souk_cli_fail(cli, "%s", e.text);
  fetch_state st = {.cli = cli};
  int status = SOUK_EXIT_OK;
  for (int i = 0; i < cli->argc; i++) {
    souk_http_request r = {.url = cli->argv[i],
                           .flags = souk_cli_flag(cli, "no-redirect") ? SOUK_HTTP_NO_REDIRECT : 0};
    int rc = souk_http_start(rt.http, &r, on_done, &st, NULL);
    if (rc) {
      status = souk_cli_usage_error(cli, "'%s' is not an http:// or https:// URL", cli->argv[i]);
      break;
    }
  }
  int rc = souk_runtime_run(&rt);
  if (souk_runtime_close(&rt) != 0 && status == 0)
    status = SOUK_EXIT_FAILURE;
  if (status)
    return status;
  if (rc)
    return souk_cli_exit_code(rc);
  return st.failures ? SOUK_EXIT_FAILURE : SOUK_EXIT_OK;
}

const souk_command souk_cmd_fetch = {
    .name = "fetch",
    .summary = "fetch URLs through souk's HTTP client and report what each answered",
    .usage = "souk fetch [options] URL...",
    .description = "Every request goes through the same client as a crawl: per-host rate and\n"
                   "concurrency limits, retries with backoff on 429/5xx, timeouts, body limit.\n"
                   "Exit code 1 when a request failed or answered 4xx/5xx.",
    .options = options,
    .run = run,
};
