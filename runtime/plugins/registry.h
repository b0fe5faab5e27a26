/* SPDX-License-Identifier: MIT */
/* The agent registry: built-in agents and plugins loaded from the search path, each checked
 * against the ABI (major version, struct size, name) and given its own host services table.
 * Loop thread only. */
#ifndef SOUK_PLUGINS_REGISTRY_H
#define SOUK_PLUGINS_REGISTRY_H

#include <stddef.h>

#include "core/errinfo.h"
#include "souk/agent.h"

typedef struct souk_runtime souk_runtime;
typedef struct souk_agents souk_agents;

/* One loaded agent. */
typedef struct souk_agent {
  const souk_agent_desc *desc;
  void *state;                 /* from ops->init */
  void *dl;                    /* dlopen handle; NULL for a built-in agent */
  char *origin;                /* "built-in" or the file it came from */
  int log_sub;                 /* its log subsystem, named after it */
  souk_host host;              /* its services table; host.host_data points back here */
  souk_agents *agents;
  struct souk__host_timer *timers; /* timers it started and that have not ended */
} souk_agent;

/* Agents linked into the executable register their entry before the runtime starts. */
void souk_agents_register_builtin(souk_agent_entry_fn entry);

souk_agents *souk_agents_new(souk_runtime *rt);
/* Calls every agent's fini, stops the timers they left, unloads plugins. */
void souk_agents_free(souk_agents *agents);

/* Adds the registered built-in agents. */
void souk_agents_add_builtins(souk_agents *agents);
/* Adds one agent from its entry function; `origin` names it in messages. */
int souk_agents_add(souk_agents *agents, souk_agent_entry_fn entry, const char *origin,
                    souk_errinfo *e);
/* Loads one plugin file. A refusal is a SOUK_EABI / SOUK_EDUPLICATE / SOUK_EPLUGIN code
 * with the reason in e. */
int souk_agents_load_file(souk_agents *agents, const char *path, souk_errinfo *e);
/* Loads every *.so of each directory of a colon-separated list, in name order; each refusal
 * is one log line. Returns how many loaded. */
int souk_agents_load_path(souk_agents *agents, const char *path_list);

size_t souk_agents_count(const souk_agents *agents);
souk_agent *souk_agents_at(souk_agents *agents, size_t i);
souk_agent *souk_agents_find(souk_agents *agents, const char *name);
souk_runtime *souk_agents_runtime(souk_agents *agents);

/* host.c: fills an agent's host services table. */
void souk__host_init(souk_agent *agent);
/* host.c: stops and frees the timers an agent left behind. */
void souk__host_timers_close(souk_agent *agent);

#endif /* SOUK_PLUGINS_REGISTRY_H */
