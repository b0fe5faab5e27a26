/* SPDX-License-Identifier: MIT */
/* Jobs: progress reaches observers, cancellation runs the owner's hook once, a job finishes
 * once, finished jobs are kept up to a limit. */
#include "check.h"
#include "jobs/job.h"
#include "souk/error.h"

static int progress_calls, done_calls, cancel_calls;
static double last_done;

static void on_progress(souk_job *job, void *ud) {
  (void)ud;
  progress_calls++;
  last_done = souk_job_done(job);
}
static void on_done(souk_job *job, void *ud) {
  (void)job, (void)ud;
  done_calls++;
}
static void on_cancel(souk_job *job, void *ud) {
  (void)ud;
  cancel_calls++;
  souk_job_finish(job, SOUK_ECANCELED, "stopped", NULL);
}

TEST(progress_and_finish) {
  souk_jobs *jobs = souk_jobs_new(4);
  souk_job *job = souk_job_create(jobs, "crawl", "https://shop.example");
  CHECK(job != NULL);
  CHECK_INT(souk_job_id(job), ==, 1);
  souk_job_observer obs = {on_progress, on_done, NULL};
  CHECK_INT(souk_job_observe(job, &obs), ==, 0);
  souk_job_progress(job, 3, 10, "page 3");
  souk_job_progress(job, 5, 10, NULL);
  CHECK_INT(progress_calls, ==, 2);
  CHECK(last_done == 5);
  CHECK_STR(souk_job_message(job), "page 3");
  CHECK_INT(souk_jobs_running(jobs), ==, 1);
  souk_job_finish(job, 0, "done", json_pack("{s:i}", "pages", 10));
  souk_job_finish(job, SOUK_EIO, "again", NULL); /* ignored */
  souk_job_progress(job, 9, 10, "late");          /* ignored */
  CHECK_INT(done_calls, ==, 1);
  CHECK_INT(progress_calls, ==, 2);
  CHECK_INT(souk_job_get_state(job), ==, SOUK_JOB_SUCCEEDED);
  CHECK_INT(json_integer_value(json_object_get(souk_job_result(job), "pages")), ==, 10);
  CHECK_INT(souk_jobs_running(jobs), ==, 0);
  CHECK(souk_jobs_find(jobs, 1) == job);
  souk_jobs_free(jobs);
  SAY("two progress updates observed, one finish honoured, the second and later updates ignored");
}

TEST(cancel) {
  souk_jobs *jobs = souk_jobs_new(4);
  souk_job *a = souk_job_create(jobs, "crawl", "a");
  souk_job *b = souk_job_create(jobs, "crawl", "b");
  souk_job_on_cancel(a, on_cancel, NULL);
  souk_job_on_cancel(b, on_cancel, NULL);
  CHECK(souk_job_cancel(a));
  CHECK(!souk_job_cancel(a));
  CHECK_INT(cancel_calls, ==, 1);
  CHECK_INT(souk_job_get_state(a), ==, SOUK_JOB_CANCELED);
  CHECK_INT(souk_jobs_cancel_all(jobs), ==, 1);
  CHECK_INT(cancel_calls, ==, 2);
  CHECK_INT(souk_job_get_state(b), ==, SOUK_JOB_CANCELED);
  CHECK_STR(souk_job_state_name(souk_job_get_state(b)), "canceled");
  souk_jobs_free(jobs);
  SAY("cancel runs the owner's hook once; cancel_all reaches every running job");
}

TEST(keeps_finished_up_to_limit) {
  souk_jobs *jobs = souk_jobs_new(2);
  for (int i = 0; i < 10; i++) {
    souk_job *j = souk_job_create(jobs, "analysis", "x");
    souk_job_finish(j, i % 2 ? SOUK_EIO : 0, i % 2 ? "failed" : NULL, NULL);
  }
  int kept = 0;
  for (uint64_t id = 1; id <= 10; id++)
    kept += souk_jobs_find(jobs, id) != NULL;
  CHECK_INT(kept, <=, 3); /* the limit, plus the one just finished */
  CHECK(souk_jobs_find(jobs, 10) != NULL);
  CHECK_INT(souk_job_get_state(souk_jobs_find(jobs, 10)), ==, SOUK_JOB_FAILED);
  souk_jobs_free(jobs);
  SAY("10 finished jobs, %d kept for status queries", kept);
}
