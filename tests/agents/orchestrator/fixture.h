/* SPDX-License-Identifier: MIT */
/* What the orchestrator's tests share: a runtime with a real store in a temporary data dir,
 * the fixture store serving a real capture (scraped first when asked), souk's MCP tool registry
 * over them (runtime/serve, loopback stores allowed), optionally a scripted language-model
 * server, and a run of the orchestrator that waits for its result. */
#ifndef SOUK_TEST_ORCH_FIXTURE_H
#define SOUK_TEST_ORCH_FIXTURE_H

#include <stdbool.h>

#include "check.h"
#include "fixture_store.h"
#include "llm_server.h"
#include "loop/runtime.h"
#include "orchestrator/orchestrator.h"
#include "serve/server.h"
#include "store/store.h"

#define ANNIE_A "annie-thompson_products_snapshot-a.json"
#define SOUL "soulandmore-eg_products_page1.json"
#define TEST_KEY "sk-souk-test-4f9c2a7e1b3d5f60"

typedef struct fx {
  souk_config *cfg;
  souk_runtime rt;
  souk_store *store;
  souk_fixture_store *fs;
  const char *store_url;
  souk_serve *serve;
  llm_server *llm;
  souk_orchestrator *run;
  /* the result */
  bool done;
  int status;
  char message[700];
  char *summary;
  json_t *report;
} fx;

/* Starts everything but the model server. `capture` is a path (NULL: annie-thompson); with
 * `scrape`, the store is crawled into souk first. */
void fx_init(fx *f, const char *capture, bool scrape);
/* Starts the scripted model server on the runtime's loop. */
void fx_llm(fx *f, int api, bool sse, llm_script_fn fn, void *ud);
/* Options from the configuration, pointed at the model server when there is one. */
void fx_options(fx *f, souk_orchestrator_options *o, souk_llm_provider provider);
/* Runs the orchestrator to its end (or fails the test after `limit_ms`). */
void fx_run(fx *f, const souk_orchestrator_options *o, unsigned limit_ms);
/* Frees everything and checks that the loop closes (uv_loop_close() == 0). */
void fx_finish(fx *f);

/* The plan's entries of one tool that succeeded (ok) or not; and those refused. */
int fx_plan_count(const fx *f, const char *tool, bool ok);
int fx_refused(const fx *f, const char *tool);
bool fx_text_has(const char *text, const char *needle);

/* Runs a program (argv[0] a path) with `env` ("K=V", NULL-terminated, may be NULL) added, in
 * `cwd` (NULL: here); its stdout and stderr come back as malloc'ed strings. Returns its exit
 * status; a program still running after `limit_ms` fails the test. */
int fx_spawn(const char *const *argv, const char *const *env, const char *cwd, char **out,
             char **err, unsigned limit_ms);
/* A whole file as a malloc'ed string ("" when it cannot be read). */
char *fx_slurp(const char *path);

#endif /* SOUK_TEST_ORCH_FIXTURE_H */
