/* SPDX-License-Identifier: MIT */
/* The orchestrator tests' fixture (fixture.h). */
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "plugins/registry.h"
#include "scrape/scrape.h"

const souk_agent_desc *souk_agent_shopify_entry(const souk_host *h);

static void scraped(souk_scrape *sc, const souk_scrape_result *r, size_t n, void *ud) {
  (void)sc;
  CHECK_INT(n, ==, 1);
  CHECK_MSG(r[0].status == 0, "pre-scrape failed: %s", r[0].message);
  *(int *)ud = (int)r[0].put.products;
}

void fx_init(fx *f, const char *capture, bool scrape) {
  memset(f, 0, sizeof *f);
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  setenv("no_proxy", "*", 1);
  const char *level = getenv("SOUK_TEST_LOG"); /* "debug" to see what happens */
  if (level && souk_log_level_parse(level) >= 0) {
    souk_log_options lo = {.level = (souk_log_level)souk_log_level_parse(level)};
    souk_log_configure(&lo, NULL, 0);
  }
  f->cfg = souk_config_new();
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/data", souk_test_tmpdir());
  souk_errinfo e = {0};
  CHECK_INT(souk_config_set(f->cfg, "data_dir", dir, SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(f->cfg, "http.rate", "0", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(f->cfg, "http.backoff_base", "10ms", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(f->cfg, "http.backoff_max", "50ms", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_INT(souk_config_set(f->cfg, "http.retries", "2", SOUK_SRC_CLI, &e), ==, 0);
  /* The fixture store and the model servers live on 127.0.0.1. */
  CHECK_INT(souk_config_set(f->cfg, "net.allow_private_hosts", "true", SOUK_SRC_CLI, &e), ==, 0);
  souk_agents_register_builtin(souk_agent_shopify_entry);
  CHECK_INT(souk_runtime_init(&f->rt, f->cfg, SOUK_RT_NO_SIGNALS | SOUK_RT_NO_PLUGINS, &e), ==, 0);
  f->store = souk_store_open(f->cfg, &e);
  CHECK_MSG(f->store != NULL, "%s", e.text);
  const char *paths[] = {capture ? capture : souk_fixture_capture(ANNIE_A)};
  souk_storefront_options so = {.captures = paths, .ncaptures = 1, .copies = 1,
                                .name = "Fixture", .currency = "CAD",
                                .mode = SOUK_STOREFRONT_OPEN};
  f->fs = souk_fixture_store_start(&so, 0);
  f->store_url = souk_fixture_store_url(f->fs);
  if (scrape) {
    int products = -1;
    CHECK_INT(souk_scrape_start(&f->rt, f->store, "shopify", &f->store_url, 1, scraped, &products,
                                NULL, &e),
              ==, 0);
    CHECK_INT(souk_runtime_run(&f->rt), ==, 0);
    CHECK(products > 0);
  }
  f->serve = souk_serve_new(&f->rt, f->store, f->cfg, &e);
  CHECK_MSG(f->serve != NULL, "souk_serve_new: %s", e.text);
}

void fx_llm(fx *f, int api, bool sse, llm_script_fn fn, void *ud) {
  f->llm = llm_server_start(&f->rt.loop, api, sse, fn, ud);
}

void fx_options(fx *f, souk_orchestrator_options *o, souk_llm_provider provider) {
  souk_orchestrator_options_from_config(o, f->cfg);
  o->provider = provider;
  if (f->llm)
    o->base_url = llm_server_base_url(f->llm);
  o->model = "scripted-model";
  o->api_key = TEST_KEY;
  o->request_timeout_ms = 10000;
  o->max_time_ms = 60000;
  o->max_steps = 6;
}

static void on_done(souk_orchestrator *o, const souk_orchestrator_result *r, void *ud) {
  fx *f = ud;
  CHECK(!f->done); /* exactly once */
  CHECK(o == f->run);
  f->done = true;
  f->status = r->status;
  snprintf(f->message, sizeof f->message, "%s", r->message);
  f->summary = r->summary ? strdup(r->summary) : NULL;
  f->report = json_deep_copy(r->report);
  uv_stop(&f->rt.loop);
}

static void on_limit(uv_timer_t *t) {
  fx *f = t->data;
  if (!f->done)
    souk_test_fail(__FILE__, __LINE__, "the orchestrator did not finish in time");
}

void fx_run(fx *f, const souk_orchestrator_options *o, unsigned limit_ms) {
  souk_errinfo e = {0};
  uv_timer_t limit;
  uv_timer_init(&f->rt.loop, &limit);
  limit.data = f;
  uv_timer_start(&limit, on_limit, limit_ms, 0);
  CHECK_MSG(souk_orchestrator_start(&f->rt, souk_serve_server(f->serve), o, on_done, f, &f->run, &e) == 0,
            "start: %s", e.text);
  while (!f->done)
    uv_run(&f->rt.loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&limit, NULL);
  uv_run(&f->rt.loop, UV_RUN_NOWAIT);
}

void fx_finish(fx *f) {
  if (f->llm)
    llm_server_stop(f->llm);
  souk_serve_free(f->serve);
  uv_run(&f->rt.loop, UV_RUN_DEFAULT); /* work still on the thread pool ends */
  souk_store_close(f->store);
  CHECK_INT(souk_runtime_close(&f->rt), ==, 0); /* uv_loop_close() == 0 */
  souk_fixture_store_stop(f->fs);
  souk_config_free(f->cfg);
  free(f->summary);
  json_decref(f->report);
}

int fx_plan_count(const fx *f, const char *tool, bool ok) {
  int n = 0;
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(f->report, "plan"), i, p) {
    if (strcmp(json_string_value(json_object_get(p, "tool")), tool) == 0 &&
        json_is_true(json_object_get(p, "ok")) == ok)
      n++;
  }
  return n;
}

int fx_refused(const fx *f, const char *tool) {
  int n = 0;
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(f->report, "plan"), i, p) {
    if (strcmp(json_string_value(json_object_get(p, "tool")), tool) == 0 &&
        json_is_true(json_object_get(p, "refused")))
      n++;
  }
  return n;
}

bool fx_text_has(const char *text, const char *needle) {
  return text && needle && strstr(text, needle) != NULL;
}

char *fx_slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return strdup("");
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
  size_t got = n > 0 ? fread(buf, 1, (size_t)n, fp) : 0;
  buf[got] = '\0';
  fclose(fp);
  return buf;
}

int fx_spawn(const char *const *argv, const char *const *env, const char *cwd, char **out,
             char **err, unsigned limit_ms) {
  static int seq;
  char opath[4200], epath[4200];
  snprintf(opath, sizeof opath, "%s/spawn-%d.out", souk_test_tmpdir(), ++seq);
  snprintf(epath, sizeof epath, "%s/spawn-%d.err", souk_test_tmpdir(), seq);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int fo = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fi = open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || dup2(fi, 0) < 0)
      _exit(126);
    for (const char *const *e = env; e && *e; e++)
      putenv((char *)*e);
    if (cwd && chdir(cwd) != 0)
      _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  unsigned waited = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (waited >= limit_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      souk_test_fail(__FILE__, __LINE__, "%s did not end within %u ms", argv[0], limit_ms);
    }
    usleep(10000);
    waited += 10;
  }
  *out = fx_slurp(opath);
  *err = fx_slurp(epath);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
