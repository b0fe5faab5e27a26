/* SPDX-License-Identifier: MIT */
/* Jobs: long work (a crawl, an analysis) with an id, a state, progress (done/total/message),
 * cancellation and a result. The CLI draws a job's progress as a bar; the MCP server turns
 * it into progress notifications. Loop thread only.
 *
 * The owner of the work creates the job, reports progress and finishes it exactly once.
 * Anyone may ask for cancellation; the owner's cancel hook runs and the owner then finishes
 * the job (usually with SOUK_ECANCELED). Observers subscribe to progress and completion.
 */
#ifndef SOUK_JOBS_JOB_H
#define SOUK_JOBS_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

typedef struct souk_jobs souk_jobs;
typedef struct souk_job souk_job;

typedef enum souk_job_state {
  SOUK_JOB_RUNNING = 0,
  SOUK_JOB_SUCCEEDED,
  SOUK_JOB_FAILED,
  SOUK_JOB_CANCELED
} souk_job_state;

typedef struct souk_job_observer {
  void (*on_progress)(souk_job *job, void *ud);   /* may be NULL */
  void (*on_done)(souk_job *job, void *ud);       /* may be NULL */
  void *ud;
} souk_job_observer;

/* A registry of jobs; keeps the last `keep_finished` finished jobs for status queries. */
souk_jobs *souk_jobs_new(unsigned keep_finished);
/* Frees the registry; every job must have finished. */
void souk_jobs_free(souk_jobs *jobs);

/* A new running job; `kind` ("crawl") and `title` ("https://shop.example") are copied.
 * NULL when out of memory. The job belongs to the registry. */
souk_job *souk_job_create(souk_jobs *jobs, const char *kind, const char *title);

/* The owner's hook, run once when cancellation is first asked for. */
void souk_job_on_cancel(souk_job *job, void (*cb)(souk_job *job, void *ud), void *ud);

/* Observers are told of progress and completion; up to 8 per job. Returns 0 or SOUK_ELIMIT. */
int souk_job_observe(souk_job *job, const souk_job_observer *obs);
void souk_job_unobserve(souk_job *job, const souk_job_observer *obs);

/* Progress: `total` 0 when unknown. The message is copied; NULL keeps the previous one. */
void souk_job_progress(souk_job *job, double done, double total, const char *message);

/* Asks the job to stop. Returns true the first time (the owner's hook ran). */
bool souk_job_cancel(souk_job *job);
bool souk_job_cancel_requested(const souk_job *job);

/* Ends the job: status 0 (succeeded), SOUK_ECANCELED (canceled) or another SOUK_E* (failed),
 * with a sentence for failures and an optional result (the job takes it over). Observers'
 * on_done run now. A second call is ignored. */
void souk_job_finish(souk_job *job, int status, const char *message, json_t *result);

uint64_t souk_job_id(const souk_job *job);
const char *souk_job_kind(const souk_job *job);
const char *souk_job_title(const souk_job *job);
souk_job_state souk_job_get_state(const souk_job *job);
const char *souk_job_state_name(souk_job_state s);
int souk_job_status(const souk_job *job);          /* 0 or SOUK_E* once finished */
const char *souk_job_message(const souk_job *job); /* last progress or failure sentence */
double souk_job_done(const souk_job *job);
double souk_job_total(const souk_job *job);
json_t *souk_job_result(const souk_job *job);      /* borrowed; NULL until finished */
double souk_job_elapsed_ms(const souk_job *job);

/* A job by id (running or recently finished), or NULL. */
souk_job *souk_jobs_find(souk_jobs *jobs, uint64_t id);
/* Asks every running job to stop (SIGINT, shutdown). Returns how many were running. */
int souk_jobs_cancel_all(souk_jobs *jobs);
int souk_jobs_running(const souk_jobs *jobs);
/* Calls fn for each job, running first, newest first. */
void souk_jobs_foreach(souk_jobs *jobs, void (*fn)(souk_job *job, void *ud), void *ud);

#endif /* SOUK_JOBS_JOB_H */
