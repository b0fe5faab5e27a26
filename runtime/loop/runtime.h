/* SPDX-License-Identifier: MIT */
/* The runtime: the one libuv loop that owns all I/O, and what lives on it — the HTTP client,
 * the job registry, the agents, the store — plus SIGINT/SIGTERM handling that drains jobs and
 * closes every handle so that the loop closes cleanly. */
#ifndef SOUK_LOOP_RUNTIME_H
#define SOUK_LOOP_RUNTIME_H

#include <stdbool.h>

#include <uv.h>

#include "core/config.h"
#include "core/errinfo.h"
#include "http/client.h"
#include "jobs/job.h"

typedef struct souk_runtime souk_runtime;
typedef struct souk_agents souk_agents;
typedef struct souk_store souk_store;

/* Something to close when the runtime stops (a listener, a server). Runs once. */
typedef struct souk_stop_hook {
  void (*fn)(souk_runtime *rt, void *ud);
  void *ud;
  struct souk_stop_hook *next;
} souk_stop_hook;

enum {
  SOUK_RT_NO_SIGNALS = 1u << 0,  /* tests: leave SIGINT/SIGTERM alone */
  SOUK_RT_NO_PLUGINS = 1u << 1   /* only the built-in agents, nothing from plugin_path */
};

struct souk_runtime {
  uv_loop_t loop;
  const souk_config *cfg;        /* borrowed; outlives the runtime */
  souk_http *http;
  souk_jobs *jobs;
  souk_agents *agents;
  souk_store *store;             /* opened on demand by the commands that need it */
  /* Flags added to every HTTP request agents make through their host services:
   * SOUK_HTTP_PUBLIC_ONLY while the stores crawled come from a model (set by souk_serve_new
   * unless net.allow_private_hosts is on). 0 by default. */
  unsigned agent_http_flags;
  uv_signal_t sigint, sigterm;
  unsigned flags;
  int stop_signal;               /* the signal that stopped us, 0 if none */
  bool stopping, closed;
  bool loop_open, signals_on;
  souk_stop_hook *hooks;
};

/* Sets up the loop, HTTP client, jobs and agents (built-in and from plugin_path). */
int souk_runtime_init(souk_runtime *rt, const souk_config *cfg, unsigned flags, souk_errinfo *e);

/* Runs the loop until nothing is left to do. Returns 0, or SOUK_EINTERRUPTED when a signal
 * stopped the work. */
int souk_runtime_run(souk_runtime *rt);

/* Drains: asks every job to stop and runs the stop hooks. The loop then winds down. */
void souk_runtime_stop(souk_runtime *rt);

void souk_runtime_add_stop_hook(souk_runtime *rt, souk_stop_hook *hook);
void souk_runtime_remove_stop_hook(souk_runtime *rt, souk_stop_hook *hook);

/* Closes everything and the loop. Returns 0, or SOUK_EBUSY when a handle was left open (each
 * is logged): uv_loop_close() must succeed. */
int souk_runtime_close(souk_runtime *rt);

#endif /* SOUK_LOOP_RUNTIME_H */
