/* SPDX-License-Identifier: MIT */
/* Showing a job's progress on stderr: a redrawn bar on a terminal, an occasional log line
 * otherwise (CI logs, pipes). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"

struct souk_progress {
  souk_job *job;
  souk_job_observer obs;
  bool tty, drawn, quiet;
  double last_ms;
};

static void draw(souk_progress *p, bool force) {
  souk_job *job = p->job;
  double now = souk_job_elapsed_ms(job);
  double interval = p->tty ? 100 : 2000;
  if (!force && now - p->last_ms < interval)
    return;
  p->last_ms = now;
  double done = souk_job_done(job), total = souk_job_total(job);
  const char *msg = souk_job_message(job);
  if (!p->tty) {
    if (total > 0)
      SOUK_INFO(CLI, "%s %s: %.0f/%.0f %s", souk_job_kind(job), souk_job_title(job), done, total, msg);
    else
      SOUK_INFO(CLI, "%s %s: %s", souk_job_kind(job), souk_job_title(job), msg);
    return;
  }
  char bar[32];
  int width = 24;
  if (total > 0) {
    int fill = (int)(done / total * width);
    if (fill > width)
      fill = width;
    for (int i = 0; i < width; i++)
      bar[i] = i < fill ? '#' : '.';
  } else {
    /* Unknown total: a bouncing marker. */
    int pos = (int)(now / 100) % (2 * width - 2);
    if (pos >= width)
      pos = 2 * width - 2 - pos;
    for (int i = 0; i < width; i++)
      bar[i] = i == pos ? '#' : '.';
  }
  bar[width] = '\0';
  char pct[16] = "";
  if (total > 0)
    snprintf(pct, sizeof pct, "%3.0f%% ", done / total * 100);
  fprintf(stderr, "\r\033[K[%s] %s%.60s %.1fs", bar, pct, msg, now / 1000);
  fflush(stderr);
  p->drawn = true;
}

static void on_progress(souk_job *job, void *ud) {
  (void)job;
  draw(ud, false);
}

static void on_done(souk_job *job, void *ud) {
  (void)job;
  souk_progress *p = ud;
  if (p->tty && p->drawn) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
  }
  p->job = NULL;
}

souk_progress *souk_progress_attach(souk_job *job, bool quiet) {
  souk_progress *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->job = job;
  p->quiet = quiet;
  p->tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
  if (quiet)
    return p;
  p->obs = (souk_job_observer){.on_progress = on_progress, .on_done = on_done, .ud = p};
  if (souk_job_observe(job, &p->obs) != 0)
    p->job = NULL;
  return p;
}

void souk_progress_free(souk_progress *p) {
  if (!p)
    return;
  if (p->job && !p->quiet)
    souk_job_unobserve(p->job, &p->obs);
  free(p);
}
