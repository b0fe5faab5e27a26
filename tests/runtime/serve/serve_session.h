/* SPDX-License-Identifier: MIT */
/* An in-process MCP session on souk's own server (runtime/serve/) for its tests: a runtime on
 * its own loop, an SQLite store in the case's directory, the server, and a session whose
 * transport records every message; calls run the loop until their answer arrives. */
#ifndef SOUK_TEST_SERVE_SESSION_H
#define SOUK_TEST_SERVE_SESSION_H

#include "check.h"
#include "fixture_store.h"
#include "loop/runtime.h"
#include "serve/server.h"

typedef struct serve_env {
  souk_config *cfg;
  souk_runtime rt;
  souk_store *store;
  souk_serve *sv;
  souk_mcp_session *session;
  json_t *out;                 /* every message the server sent, in order */
  int next_id;
} serve_env;

/* Starts everything; `settings` are "key=value" lines (NULL-terminated, or NULL), applied
 * after data_dir and output_dir (the case's directory) and http.rate=0 (loopback). With
 * `memory` the store is SQLite ":memory:". The session is initialized. */
void env_start(serve_env *t, const char *const *settings, bool memory);
/* Ends the session and the server, drains the loop, closes the store and the runtime: the loop
 * must close cleanly. */
void env_finish(serve_env *t);

/* Sends a request (params: JSON text or NULL) and returns its id. */
int env_send(serve_env *t, const char *method, const char *params);
/* Sends a raw message. */
void env_send_raw(serve_env *t, const char *json);
/* Runs the loop until the response to `id` arrives (at most `seconds`); returns it (borrowed). */
json_t *env_wait(serve_env *t, int id, double seconds);
/* A request and its response's result (borrowed; fails the case on an error response). */
json_t *env_result(serve_env *t, const char *method, const char *params);
/* A request and its error code (fails the case on a result); message in *msg if given. */
int env_error(serve_env *t, const char *method, const char *params, const char **msg);
/* tools/call with arguments (JSON text): the result (borrowed). */
json_t *env_call(serve_env *t, const char *tool, const char *args);
/* Runs the loop for a while (ms) or until cond(t, ud) holds. */
void env_run_until(serve_env *t, double seconds, bool (*cond)(serve_env *t, void *ud), void *ud);

/* The params of every notification `method` received so far (a new array). */
json_t *env_notifications(serve_env *t, const char *method);
/* The index of the response to id in t->out, or -1. */
long env_index_of(serve_env *t, int id);

/* The first text item of a tools/call result, and its structuredContent. */
const char *env_text(const json_t *result);
json_t *env_structured(const json_t *result);
bool env_is_error(const json_t *result);

/* Scrapes a fixture store through scrape_store (private hosts must be allowed); returns the
 * structured summary (borrowed). */
json_t *env_scrape(serve_env *t, const char *url);

/* A fixture store of the Annie Thompson capture (copies times), optionally slow. */
souk_fixture_store *env_fixture(unsigned copies, unsigned delay_ms);

#endif /* SOUK_TEST_SERVE_SESSION_H */
