/* SPDX-License-Identifier: MIT */
/* The job registry: job records, progress fan-out to observers, cancellation, completion. */
#include "jobs/job.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "souk/error.h"

#define JOB_MAX_OBSERVERS 8

struct souk_job {
  souk_jobs *jobs;
  souk_job *next;              /* registry list, newest first */
  uint64_t id;
  char *kind, *title, *message;
  souk_job_state state;
  int status;
  double done, total;
  bool cancel_requested;
  void (*cancel_cb)(souk_job *, void *);
  void *cancel_ud;
  souk_job_observer obs[JOB_MAX_OBSERVERS];
  int nobs;
  json_t *result;
  struct timespec started, ended;
};

struct souk_jobs {
  souk_job *head;
  uint64_t next_id;
  unsigned keep_finished;
  int running;
};

static const char *const state_names[] = {"running", "succeeded", "failed", "canceled"};

const char *souk_job_state_name(souk_job_state s) {
  return (unsigned)s < 4 ? state_names[s] : "?";
}

souk_jobs *souk_jobs_new(unsigned keep_finished) {
  souk_jobs *jobs = calloc(1, sizeof *jobs);
  if (jobs) {
    jobs->next_id = 1;
    jobs->keep_finished = keep_finished;
  }
  return jobs;
}

static void job_free(souk_job *j) {
  free(j->kind);
  free(j->title);
  free(j->message);
  json_decref(j->result);
  free(j);
}

void souk_jobs_free(souk_jobs *jobs) {
  if (!jobs)
    return;
  souk_job *j = jobs->head;
  while (j) {
    souk_job *next = j->next;
    if (j->state == SOUK_JOB_RUNNING)
      SOUK_WARN(JOB, "job %llu (%s %s) freed while running", (unsigned long long)j->id, j->kind,
                j->title);
    job_free(j);
    j = next;
  }
  free(jobs);
}

souk_job *souk_job_create(souk_jobs *jobs, const char *kind, const char *title) {
  souk_job *j = calloc(1, sizeof *j);
  if (!j)
    return NULL;
  j->kind = strdup(kind ? kind : "job");
  j->title = strdup(title ? title : "");
  if (!j->kind || !j->title) {
    job_free(j);
    return NULL;
  }
  j->jobs = jobs;
  j->id = jobs->next_id++;
  j->state = SOUK_JOB_RUNNING;
  clock_gettime(CLOCK_MONOTONIC, &j->started);
  j->next = jobs->head;
  jobs->head = j;
  jobs->running++;
  SOUK_DEBUG(JOB, "job %llu started: %s %s", (unsigned long long)j->id, j->kind, j->title);
  return j;
}

void souk_job_on_cancel(souk_job *job, void (*cb)(souk_job *, void *), void *ud) {
  job->cancel_cb = cb;
  job->cancel_ud = ud;
}

int souk_job_observe(souk_job *job, const souk_job_observer *obs) {
  if (job->nobs == JOB_MAX_OBSERVERS)
    return SOUK_ELIMIT;
  job->obs[job->nobs++] = *obs;
  return 0;
}

void souk_job_unobserve(souk_job *job, const souk_job_observer *obs) {
  for (int i = 0; i < job->nobs; i++) {
    if (job->obs[i].ud == obs->ud && job->obs[i].on_progress == obs->on_progress &&
        job->obs[i].on_done == obs->on_done) {
      memmove(&job->obs[i], &job->obs[i + 1], sizeof *job->obs * (size_t)(job->nobs - i - 1));
      job->nobs--;
      return;
    }
  }
}

void souk_job_progress(souk_job *job, double done, double total, const char *message) {
  if (job->state != SOUK_JOB_RUNNING)
    return;
  job->done = done;
  job->total = total;
  if (message) {
    char *m = strdup(message);
    if (m) {
      free(job->message);
      job->message = m;
    }
  }
  /* Observers may unobserve themselves: iterate over a copy. */
  souk_job_observer obs[JOB_MAX_OBSERVERS];
  int n = job->nobs;
  memcpy(obs, job->obs, sizeof *obs * (size_t)n);
  for (int i = 0; i < n; i++)
    if (obs[i].on_progress)
      obs[i].on_progress(job, obs[i].ud);
}

bool souk_job_cancel(souk_job *job) {
  if (job->state != SOUK_JOB_RUNNING || job->cancel_requested)
    return false;
  job->cancel_requested = true;
  SOUK_INFO(JOB, "job %llu (%s %s): cancellation requested", (unsigned long long)job->id,
            job->kind, job->title);
  if (job->cancel_cb)
    job->cancel_cb(job, job->cancel_ud);
  return true;
}

bool souk_job_cancel_requested(const souk_job *job) { return job->cancel_requested; }

/* Drops the oldest finished jobs beyond keep_finished, never `spare` (just finished: its
 * owner may still be looking at it until it returns to the loop). */
static void prune(souk_jobs *jobs, const souk_job *spare) {
  unsigned kept = 0;
  souk_job **pp = &jobs->head;
  while (*pp) {
    souk_job *j = *pp;
    if (j != spare && j->state != SOUK_JOB_RUNNING && kept++ >= jobs->keep_finished) {
      *pp = j->next;
      job_free(j);
      continue;
    }
    pp = &j->next;
  }
}

void souk_job_finish(souk_job *job, int status, const char *message, json_t *result) {
  if (job->state != SOUK_JOB_RUNNING) {
    json_decref(result);
    return;
  }
  job->status = status;
  job->state = status == 0 ? SOUK_JOB_SUCCEEDED
               : status == SOUK_ECANCELED ? SOUK_JOB_CANCELED
                                          : SOUK_JOB_FAILED;
  if (message) {
    char *m = strdup(message);
    if (m) {
      free(job->message);
      job->message = m;
    }
  }
  job->result = result;
  clock_gettime(CLOCK_MONOTONIC, &job->ended);
  job->jobs->running--;
  SOUK_DEBUG(JOB, "job %llu %s: %s", (unsigned long long)job->id, souk_job_state_name(job->state),
             job->message ? job->message : "");
  souk_job_observer obs[JOB_MAX_OBSERVERS];
  int n = job->nobs;
  memcpy(obs, job->obs, sizeof *obs * (size_t)n);
  job->nobs = 0;
  for (int i = 0; i < n; i++)
    if (obs[i].on_done)
      obs[i].on_done(job, obs[i].ud);
  prune(job->jobs, job);
}

uint64_t souk_job_id(const souk_job *job) { return job->id; }
const char *souk_job_kind(const souk_job *job) { return job->kind; }
const char *souk_job_title(const souk_job *job) { return job->title; }
souk_job_state souk_job_get_state(const souk_job *job) { return job->state; }
int souk_job_status(const souk_job *job) { return job->status; }
const char *souk_job_message(const souk_job *job) { return job->message ? job->message : ""; }
double souk_job_done(const souk_job *job) { return job->done; }
double souk_job_total(const souk_job *job) { return job->total; }
json_t *souk_job_result(const souk_job *job) { return job->result; }

double souk_job_elapsed_ms(const souk_job *job) {
  struct timespec end = job->ended;
  if (job->state == SOUK_JOB_RUNNING)
    clock_gettime(CLOCK_MONOTONIC, &end);
  return (double)(end.tv_sec - job->started.tv_sec) * 1e3 +
         (double)(end.tv_nsec - job->started.tv_nsec) / 1e6;
}

souk_job *souk_jobs_find(souk_jobs *jobs, uint64_t id) {
  for (souk_job *j = jobs->head; j; j = j->next)
    if (j->id == id)
      return j;
  return NULL;
}

int souk_jobs_cancel_all(souk_jobs *jobs) {
  int n = 0;
  /* A cancel hook may finish its job (pruning the list): restart after each cancellation. */
  bool again = true;
  while (again) {
    again = false;
    for (souk_job *j = jobs->head; j; j = j->next) {
      if (j->state == SOUK_JOB_RUNNING && !j->cancel_requested) {
        n++;
        souk_job_cancel(j);
        again = true;
        break;
      }
    }
  }
  return n;
}

int souk_jobs_running(const souk_jobs *jobs) { return jobs->running; }

void souk_jobs_foreach(souk_jobs *jobs, void (*fn)(souk_job *, void *), void *ud) {
  for (int pass = 0; pass < 2; pass++)
    for (souk_job *j = jobs->head; j; j = j->next)
      if ((j->state == SOUK_JOB_RUNNING) == (pass == 0))
        fn(j, ud);
}
