/* SPDX-License-Identifier: MIT */
/* Loading agents: dlopen, the entry function, the ABI checks that refuse a plugin with one
 * clear log line, and the list of what is loaded. */
#include "plugins/registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "loop/runtime.h"

#define MAX_BUILTINS 16

/* The smallest descriptor a plugin may hand over: ABI 1.0 ends with `ops`. */
#define DESC_MIN_SIZE (offsetof(souk_agent_desc, ops) + sizeof(const souk_agent_ops *))

static souk_agent_entry_fn builtins[MAX_BUILTINS];
static size_t nbuiltins;

struct souk_agents {
  souk_runtime *rt;
  souk_agent **list;
  size_t n, cap;
};

void souk_agents_register_builtin(souk_agent_entry_fn entry) {
  for (size_t i = 0; i < nbuiltins; i++)
    if (builtins[i] == entry)
      return;
  if (nbuiltins < MAX_BUILTINS)
    builtins[nbuiltins++] = entry;
}

souk_agents *souk_agents_new(souk_runtime *rt) {
  souk_agents *a = calloc(1, sizeof *a);
  if (a)
    a->rt = rt;
  return a;
}

souk_runtime *souk_agents_runtime(souk_agents *agents) { return agents->rt; }

static void agent_free(souk_agent *ag) {
  if (ag->desc && ag->desc->ops->fini && ag->state)
    ag->desc->ops->fini(ag->state);
  souk__host_timers_close(ag);
  if (ag->dl)
    dlclose(ag->dl);
  free(ag->origin);
  free(ag);
}

void souk_agents_free(souk_agents *agents) {
  if (!agents)
    return;
  for (size_t i = agents->n; i-- > 0;)
    agent_free(agents->list[i]);
  free(agents->list);
  free(agents);
}

static bool valid_name(const char *name) {
  if (!name || !*name || strlen(name) > 32)
    return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
      return false;
  return true;
}

/* Checks a descriptor; fills e with the reason for a refusal. */
static int check_desc(souk_agents *agents, const souk_agent_desc *d, const char *origin,
                      souk_errinfo *e) {
  if (!d)
    return souk_errinfo_set(e, SOUK_EPLUGIN, "agent %s: its entry function refused to load",
                            origin);
  if (d->abi_major != SOUK_AGENT_ABI_MAJOR)
    return souk_errinfo_set(e, SOUK_EABI,
                            "agent %s: built for agent ABI %u.%u, this souk speaks %d.%d "
                            "(rebuild it against this souk's <souk/agent.h>)",
                            origin, d->abi_major, d->abi_minor, SOUK_AGENT_ABI_MAJOR,
                            SOUK_AGENT_ABI_MINOR);
  if (d->struct_size < DESC_MIN_SIZE)
    return souk_errinfo_set(e, SOUK_EABI,
                            "agent %s: descriptor is %zu bytes, shorter than the %zu of ABI %d.0",
                            origin, d->struct_size, (size_t)DESC_MIN_SIZE, SOUK_AGENT_ABI_MAJOR);
  if (!valid_name(d->name))
    return souk_errinfo_set(e, SOUK_EPLUGIN,
                            "agent %s: name '%s' is not 1 to 32 characters of [a-z0-9_-]", origin,
                            d->name ? d->name : "(null)");
  if (!d->ops || !d->ops->crawl_start)
    return souk_errinfo_set(e, SOUK_EPLUGIN, "agent %s (%s): it has no crawl_start operation",
                            origin, d->name);
  souk_agent *other = souk_agents_find(agents, d->name);
  if (other)
    return souk_errinfo_set(e, SOUK_EDUPLICATE,
                            "agent %s: the name '%s' is already taken by the agent from %s", origin,
                            d->name, other->origin);
  return 0;
}

static int add_agent(souk_agents *agents, souk_agent_entry_fn entry, void *dl, const char *origin,
                     souk_errinfo *e) {
  souk_agent *ag = calloc(1, sizeof *ag);
  if (!ag)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  ag->agents = agents;
  ag->origin = strdup(origin);
  ag->log_sub = SOUK_LOG_SUB_PLUGIN;
  souk__host_init(ag);
  const souk_agent_desc *d = entry(&ag->host);
  int rc = ag->origin ? check_desc(agents, d, origin, e)
                      : souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  if (rc == 0 && agents->n == agents->cap) {
    size_t cap = agents->cap ? agents->cap * 2 : 4;
    souk_agent **l = realloc(agents->list, cap * sizeof *l);
    if (!l)
      rc = souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    else {
      agents->list = l;
      agents->cap = cap;
    }
  }
  if (rc == 0) {
    int sub = souk_log_register(d->name);
    if (sub >= 0)
      ag->log_sub = sub;
    if (d->ops->init) {
      rc = d->ops->init(&ag->host, &ag->state);
      if (rc)
        souk_errinfo_set(e, SOUK_EPLUGIN, "agent %s (%s): its init failed: %s", origin, d->name,
                         souk_strerror(rc));
      if (rc)
        rc = SOUK_EPLUGIN;
    }
  }
  if (rc) {
    souk__host_timers_close(ag);
    free(ag->origin);
    free(ag);
    (void)dl;
    return rc;
  }
  ag->desc = d;
  ag->dl = dl;
  agents->list[agents->n++] = ag;
  SOUK_DEBUG(PLUGIN, "agent %s %s loaded from %s", d->name, d->version ? d->version : "?", origin);
  return 0;
}

int souk_agents_add(souk_agents *agents, souk_agent_entry_fn entry, const char *origin,
                    souk_errinfo *e) {
  return add_agent(agents, entry, NULL, origin, e);
}

void souk_agents_add_builtins(souk_agents *agents) {
  for (size_t i = 0; i < nbuiltins; i++) {
    souk_errinfo e = {0};
    if (add_agent(agents, builtins[i], NULL, "built-in", &e) != 0)
      SOUK_ERROR(PLUGIN, "%s", e.text);
  }
}

int souk_agents_load_file(souk_agents *agents, const char *path, souk_errinfo *e) {
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl)
    return souk_errinfo_set(e, SOUK_EPLUGIN, "plugin %s: cannot be loaded: %s", path, dlerror());
  void *sym = dlsym(dl, SOUK_AGENT_ENTRY_SYMBOL);
  if (!sym) {
    dlclose(dl);
    return souk_errinfo_set(e, SOUK_EPLUGIN, "plugin %s: it exports no %s() function", path,
                            SOUK_AGENT_ENTRY_SYMBOL);
  }
  souk_agent_entry_fn entry;
  memcpy(&entry, &sym, sizeof entry); /* object pointer to function pointer, as POSIX allows */
  int rc = add_agent(agents, entry, dl, path, e);
  if (rc)
    dlclose(dl);
  return rc;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int souk_agents_load_path(souk_agents *agents, const char *path_list) {
  int loaded = 0;
  const char *p = path_list;
  while (p && *p) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    char dir[4096];
    if (len && len < sizeof dir) {
      memcpy(dir, p, len);
      dir[len] = '\0';
      DIR *d = opendir(dir);
      if (!d) {
        SOUK_WARN(PLUGIN, "plugin_path: directory %s cannot be read", dir);
      } else {
        char *names[256];
        size_t n = 0;
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL && n < 256) {
          size_t l = strlen(ent->d_name);
          if (l > 3 && strcmp(ent->d_name + l - 3, ".so") == 0)
            names[n++] = strdup(ent->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 0; i < n; i++) {
          char file[8192];
          if (names[i]) {
            snprintf(file, sizeof file, "%s/%s", dir, names[i]);
            souk_errinfo e = {0};
            if (souk_agents_load_file(agents, file, &e) == 0)
              loaded++;
            else
              SOUK_WARN(PLUGIN, "%s", e.text);
          }
          free(names[i]);
        }
      }
    }
    p = colon ? colon + 1 : NULL;
  }
  return loaded;
}

size_t souk_agents_count(const souk_agents *agents) { return agents->n; }
souk_agent *souk_agents_at(souk_agents *agents, size_t i) {
  return i < agents->n ? agents->list[i] : NULL;
}

souk_agent *souk_agents_find(souk_agents *agents, const char *name) {
  for (size_t i = 0; i < agents->n; i++)
    if (strcmp(agents->list[i]->desc->name, name) == 0)
      return agents->list[i];
  return NULL;
}
