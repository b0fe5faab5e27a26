/* SPDX-License-Identifier: MIT */
/* The plugin loader: a good plugin loads and crawls; wrong ABI, short struct, duplicate name,
 * failing init and a missing entry function are refused with the reason. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/config.h"
#include "core/log.h"
#include "loop/runtime.h"
#include "plugins/crawl.h"
#include "plugins/registry.h"
#include "souk/error.h"

static char dir[4096];

static const char *plugin(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s.so", SOUK_TEST_PLUGIN_DIR, name);
  return path;
}

static void runtime_up(souk_runtime *rt, souk_config **cfg) {
  *cfg = souk_config_new();
  souk_errinfo e = {0};
  CHECK_INT(souk_runtime_init(rt, *cfg, SOUK_RT_NO_SIGNALS | SOUK_RT_NO_PLUGINS, &e), ==, 0);
}

static void runtime_down(souk_runtime *rt, souk_config *cfg) {
  CHECK_INT(souk_runtime_close(rt), ==, 0);
  souk_config_free(cfg);
}

TEST(good_plugin_loads) {
  souk_runtime rt;
  souk_config *cfg;
  runtime_up(&rt, &cfg);
  souk_errinfo e = {0};
  CHECK_INT(souk_agents_load_file(rt.agents, plugin("fake_good"), &e), ==, 0);
  souk_agent *ag = souk_agents_find(rt.agents, "fake");
  CHECK(ag != NULL);
  CHECK_STR(ag->desc->version, "0.0.1");
  CHECK_HAS(ag->origin, "fake_good.so");
  CHECK_INT(souk_agents_load_file(rt.agents, SOUK_TEST_EXAMPLE_PLUGIN, &e), ==, 0);
  CHECK(souk_agents_find(rt.agents, "csvfeed") != NULL);
  runtime_down(&rt, cfg);
  SAY("fake_good.so and the example csvfeed.so load; name, version and origin recorded");
}

static void expect_refusal(souk_agents *agents, const char *name, int code, const char *needle) {
  souk_errinfo e = {0};
  int rc = souk_agents_load_file(agents, plugin(name), &e);
  CHECK_INT(rc, ==, code);
  CHECK_HAS(e.text, needle);
  SAY("%s refused (%s): %s", name, souk_err_name(rc), e.text);
}

TEST(bad_plugins_refused) {
  souk_runtime rt;
  souk_config *cfg;
  runtime_up(&rt, &cfg);
  souk_errinfo e = {0};
  CHECK_INT(souk_agents_load_file(rt.agents, plugin("fake_good"), &e), ==, 0);
  expect_refusal(rt.agents, "fake_abi2", SOUK_EABI, "built for agent ABI 2.0, this souk speaks 1.");
  expect_refusal(rt.agents, "fake_short", SOUK_EABI, "shorter than");
  expect_refusal(rt.agents, "fake_dup", SOUK_EDUPLICATE, "the name 'fake' is already taken");
  expect_refusal(rt.agents, "fake_initfails", SOUK_EPLUGIN, "its init failed");
  expect_refusal(rt.agents, "fake_noentry", SOUK_EPLUGIN, "exports no souk_agent_entry()");
  CHECK_INT(souk_agents_load_file(rt.agents, "/nonexistent/x.so", &e), ==, SOUK_EPLUGIN);
  CHECK_HAS(e.text, "cannot be loaded");
  CHECK_INT(souk_agents_count(rt.agents), ==, 1);
  runtime_down(&rt, cfg);
}

TEST(search_path_and_one_log_line) {
  /* A directory with good and bad plugins: the good ones load, each refusal is one log line. */
  snprintf(dir, sizeof dir, "%s", SOUK_TEST_PLUGIN_DIR);
  char logpath[4096];
  snprintf(logpath, sizeof logpath, "%s/log.txt", souk_test_tmpdir());
  souk_log_options lo = {.level = SOUK_LOG_INFO, .file = logpath};
  CHECK_INT(souk_log_configure(&lo, NULL, 0), ==, 0);
  souk_runtime rt;
  souk_config *cfg;
  runtime_up(&rt, &cfg);
  int loaded = souk_agents_load_path(rt.agents, dir);
  CHECK_INT(loaded, ==, 1);
  runtime_down(&rt, cfg);
  souk_log_reset();
  FILE *f = fopen(logpath, "r");
  char line[1024];
  int lines = 0;
  while (fgets(line, sizeof line, f)) {
    lines++;
    CHECK_HAS(line, "WARN  plugin:");
  }
  fclose(f);
  /* fake_dup and fake_good share the name "fake": the first in name order loads */
  CHECK_INT(lines, ==, 5);
  SAY("plugin_path with 6 plugins: 1 loaded, 5 refusals, one log line each");
}

static int done_calls, products_seen;
static int sink_put(void *ud, souk_crawl *c, const souk_product *p, size_t n) {
  (void)ud, (void)c;
  products_seen += (int)n;
  CHECK_STR(p[0].title, "Fake product");
  CHECK_INT(p[0].variants[0].price, ==, 1999);
  return 0;
}
static void sink_done(void *ud, souk_crawl *c, int status, int complete, const char *message,
                      const souk_crawl_stats *st) {
  (void)ud, (void)c, (void)message;
  done_calls++;
  CHECK_INT(status, ==, 0);
  CHECK(complete);
  CHECK_INT(st->products, ==, 1);
}

TEST(crawl_through_plugin) {
  souk_runtime rt;
  souk_config *cfg;
  runtime_up(&rt, &cfg);
  souk_errinfo e = {0};
  CHECK_INT(souk_agents_load_file(rt.agents, plugin("fake_good"), &e), ==, 0);
  souk_crawl_sink sink = {.put_products = sink_put, .done = sink_done};
  souk_job *job;
  CHECK_INT(souk_crawl_start(&rt, "fake", "http://shop.invalid/", &sink, &job, &e), ==, 0);
  uint64_t id = souk_job_id(job);
  CHECK_INT(souk_crawl_start(&rt, "nope", "http://shop.invalid/", &sink, NULL, &e), ==, SOUK_ENOENT);
  CHECK_HAS(e.text, "no agent named 'nope'");
  CHECK_INT(souk_runtime_run(&rt), ==, 0);
  CHECK_INT(done_calls, ==, 1);
  CHECK_INT(products_seen, ==, 1);
  job = souk_jobs_find(rt.jobs, id);
  CHECK(job != NULL);
  CHECK_INT(souk_job_get_state(job), ==, SOUK_JOB_SUCCEEDED);
  CHECK_INT(json_integer_value(json_object_get(souk_job_result(job), "products")), ==, 1);
  runtime_down(&rt, cfg);
  SAY("a crawl through a loaded plugin: products reach the sink, done runs once, job succeeded");
}
