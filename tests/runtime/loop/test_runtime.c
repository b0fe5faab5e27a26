/* SPDX-License-Identifier: MIT */
/* The runtime: a signal drains running jobs and the loop closes with no handle left open. */
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "loop/runtime.h"
#include "souk/error.h"

typedef struct work {
  uv_timer_t tick, kill;
  souk_job *job;
  int ticks;
} work;

static void closed(uv_handle_t *h) { (void)h; }

static void on_cancel(souk_job *job, void *ud) {
  work *w = ud;
  uv_close((uv_handle_t *)&w->tick, closed);
  souk_job_finish(job, SOUK_ECANCELED, "stopped by signal", NULL);
}

static void tick(uv_timer_t *t) {
  work *w = t->data;
  souk_job_progress(w->job, ++w->ticks, 0, "working");
}

static void send_signal(uv_timer_t *t) {
  uv_close((uv_handle_t *)t, closed);
  raise((int)(intptr_t)t->data);
}

static void run_until_signal(int signum) {
  souk_config *cfg = souk_config_new();
  souk_runtime rt;
  souk_errinfo e = {0};
  CHECK_INT(souk_runtime_init(&rt, cfg, SOUK_RT_NO_PLUGINS, &e), ==, 0);
  work w = {0};
  w.job = souk_job_create(rt.jobs, "test", "endless work");
  souk_job_on_cancel(w.job, on_cancel, &w);
  uv_timer_init(&rt.loop, &w.tick);
  w.tick.data = &w;
  uv_timer_start(&w.tick, tick, 5, 5);
  uv_timer_init(&rt.loop, &w.kill);
  w.kill.data = (void *)(intptr_t)signum;
  uv_timer_start(&w.kill, send_signal, 50, 0);
  CHECK_INT(souk_runtime_run(&rt), ==, SOUK_EINTERRUPTED);
  CHECK_INT(rt.stop_signal, ==, signum);
  CHECK_INT(souk_job_get_state(w.job), ==, SOUK_JOB_CANCELED);
  CHECK(w.ticks > 0);
  CHECK_INT(souk_runtime_close(&rt), ==, 0); /* uv_loop_close() == 0 */
  souk_config_free(cfg);
  SAY("%s after %d ticks: job canceled, loop drained and closed with no open handle",
      signum == SIGINT ? "SIGINT" : "SIGTERM", w.ticks);
}

TEST(sigint_drains) { run_until_signal(SIGINT); }
TEST(sigterm_drains) { run_until_signal(SIGTERM); }

TEST(leaked_handle_reported) {
  souk_config *cfg = souk_config_new();
  souk_runtime rt;
  CHECK_INT(souk_runtime_init(&rt, cfg, SOUK_RT_NO_PLUGINS | SOUK_RT_NO_SIGNALS, NULL), ==, 0);
  uv_timer_t leak;
  uv_timer_init(&rt.loop, &leak);
  uv_unref((uv_handle_t *)&leak);
  CHECK_INT(souk_runtime_close(&rt), ==, SOUK_EBUSY);
  uv_close((uv_handle_t *)&leak, NULL);
  uv_run(&rt.loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&rt.loop), ==, 0);
  souk_config_free(cfg);
  SAY("a handle left open makes souk_runtime_close fail with SOUK_EBUSY");
}
