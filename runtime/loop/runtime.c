/* SPDX-License-Identifier: MIT */
/* Bringing the runtime up and down: loop, HTTP client, jobs, agents, signals. */
#include "loop/runtime.h"

#include <signal.h>
#include <string.h>

#include "core/log.h"
#include "plugins/registry.h"
#include "souk/error.h"

static void on_signal(uv_signal_t *s, int signum) {
  souk_runtime *rt = s->data;
  SOUK_WARN(LOOP, "%s: stopping after the current work (press Ctrl-C again to quit at once)",
            signum == SIGINT ? "interrupted" : "terminated");
  rt->stop_signal = signum;
  /* Closing our handlers restores the default action: a second signal ends the process. */
  if (!uv_is_closing((uv_handle_t *)&rt->sigint))
    uv_close((uv_handle_t *)&rt->sigint, NULL);
  if (!uv_is_closing((uv_handle_t *)&rt->sigterm))
    uv_close((uv_handle_t *)&rt->sigterm, NULL);
  souk_runtime_stop(rt);
}

int souk_runtime_init(souk_runtime *rt, const souk_config *cfg, unsigned flags, souk_errinfo *e) {
  memset(rt, 0, sizeof *rt);
  rt->cfg = cfg;
  rt->flags = flags;
  int rc = uv_loop_init(&rt->loop);
  if (rc)
    return souk_errinfo_set(e, SOUK_EIO, "event loop: %s", uv_strerror(rc));
  rt->loop_open = true;

  souk_http_options ho;
  souk_http_options_from_config(&ho, cfg);
  rt->http = souk_http_new(&rt->loop, &ho, e);
  rt->jobs = souk_jobs_new(64);
  if (!rt->http || !rt->jobs) {
    if (!rt->http && e && !e->code)
      souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    souk_runtime_close(rt);
    return e ? e->code : SOUK_ENOMEM;
  }
  rt->agents = souk_agents_new(rt);
  if (!rt->agents) {
    souk_runtime_close(rt);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  }
  souk_agents_add_builtins(rt->agents);
  if (!(flags & SOUK_RT_NO_PLUGINS))
    souk_agents_load_path(rt->agents, souk_config_str(cfg, SOUK_CFG_PLUGIN_PATH));
  const char *unmatched = souk_log_unmatched_switches();
  if (unmatched)
    SOUK_WARN(CONFIG, "log.switches names subsystems that do not exist: %s", unmatched);

  if (!(flags & SOUK_RT_NO_SIGNALS)) {
    uv_signal_init(&rt->loop, &rt->sigint);
    uv_signal_init(&rt->loop, &rt->sigterm);
    rt->sigint.data = rt->sigterm.data = rt;
    uv_signal_start(&rt->sigint, on_signal, SIGINT);
    uv_signal_start(&rt->sigterm, on_signal, SIGTERM);
    /* Signals alone do not keep the loop running. */
    uv_unref((uv_handle_t *)&rt->sigint);
    uv_unref((uv_handle_t *)&rt->sigterm);
    rt->signals_on = true;
  }
  return 0;
}

int souk_runtime_run(souk_runtime *rt) {
  uv_run(&rt->loop, UV_RUN_DEFAULT);
  return rt->stop_signal ? SOUK_EINTERRUPTED : 0;
}

void souk_runtime_stop(souk_runtime *rt) {
  if (rt->stopping)
    return;
  rt->stopping = true;
  int n = rt->jobs ? souk_jobs_cancel_all(rt->jobs) : 0;
  if (n)
    SOUK_INFO(LOOP, "canceling %d running job%s", n, n == 1 ? "" : "s");
  while (rt->hooks) {
    souk_stop_hook *h = rt->hooks;
    rt->hooks = h->next;
    h->next = NULL;
    h->fn(rt, h->ud);
  }
}

void souk_runtime_add_stop_hook(souk_runtime *rt, souk_stop_hook *hook) {
  hook->next = rt->hooks;
  rt->hooks = hook;
}

void souk_runtime_remove_stop_hook(souk_runtime *rt, souk_stop_hook *hook) {
  for (souk_stop_hook **pp = &rt->hooks; *pp; pp = &(*pp)->next) {
    if (*pp == hook) {
      *pp = hook->next;
      hook->next = NULL;
      return;
    }
  }
}

static void log_open_handle(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    SOUK_ERROR(LOOP, "handle left open at exit: %s %p", uv_handle_type_name(uv_handle_get_type(h)),
               (void *)h);
}

int souk_runtime_close(souk_runtime *rt) {
  if (rt->closed || !rt->loop_open)
    return 0;
  rt->closed = true;
  rt->stopping = true;
  if (rt->agents) {
    souk_agents_free(rt->agents);
    rt->agents = NULL;
  }
  if (rt->http) {
    souk_http_close(rt->http);
    rt->http = NULL;
  }
  if (rt->signals_on) {
    if (!uv_is_closing((uv_handle_t *)&rt->sigint))
      uv_close((uv_handle_t *)&rt->sigint, NULL);
    if (!uv_is_closing((uv_handle_t *)&rt->sigterm))
      uv_close((uv_handle_t *)&rt->sigterm, NULL);
  }
  uv_run(&rt->loop, UV_RUN_DEFAULT); /* close callbacks, canceled requests */
  if (rt->jobs) {
    souk_jobs_free(rt->jobs);
    rt->jobs = NULL;
  }
  int rc = uv_loop_close(&rt->loop);
  if (rc == UV_EBUSY) {
    uv_walk(&rt->loop, log_open_handle, NULL);
    return SOUK_EBUSY;
  }
  return 0;
}
