/* SPDX-License-Identifier: MIT */
/* `souk ask` and the summary that ends `souk run`, as a user runs them: the souk executable
 * against the fixture store (real captures), offline and with a local server speaking the
 * OpenAI wire format; the key given in .env never shows in any output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

static souk_fixture_store *store_start(void) {
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  const char *paths[] = {souk_fixture_capture(ANNIE_A)};
  souk_storefront_options so = {.captures = paths, .ncaptures = 1, .copies = 1, .name = "Fixture",
                                .currency = "CAD", .mode = SOUK_STOREFRONT_OPEN};
  return souk_fixture_store_start(&so, 0);
}

/* souk with its data and outputs in the case's directory, no politeness delay. */
static int souk(const char *const *args, const char *const *extra_env, char **out, char **err) {
  const char *argv[32] = {SOUK_TEST_SOUK_BIN};
  int n = 1;
  static char data[4300], output[4300];
  snprintf(data, sizeof data, "--data-dir=%s/data", souk_test_tmpdir());
  snprintf(output, sizeof output, "--output-dir=%s/outputs", souk_test_tmpdir());
  argv[n++] = data;
  argv[n++] = output;
  for (const char *const *a = args; *a && n < 31; a++)
    argv[n++] = *a;
  argv[n] = NULL;
  const char *env[16] = {"no_proxy=*", "SOUK_HTTP_RATE=0", "SOUK_LOG_LEVEL=warn"};
  int e = 3;
  for (const char *const *x = extra_env; x && *x && e < 15; x++)
    env[e++] = *x;
  env[e] = NULL;
  return fx_spawn(argv, env, souk_test_tmpdir(), out, err, 60000);
}

TEST(ask_offline) {
  souk_fixture_store *fs = store_start();
  char goal[300];
  snprintf(goal, sizeof goal, "Which 3 products of %s should we feature, and why?",
           souk_fixture_store_url(fs));
  const char *args[] = {"ask", goal, "--save", NULL};
  char *out, *err;
  int rc = souk(args, NULL, &out, &err);
  CHECK_MSG(rc == 0, "exit %d\n%s\n%s", rc, out, err);
  CHECK_HAS(out, "# Summary");
  CHECK_HAS(out, "Written offline from templates (no language model configured)");
  CHECK_HAS(out, "**#3**");
  CHECK(!fx_text_has(out, "**#4**"));
  CHECK_HAS(out, "184 products");
  CHECK_HAS(err, "Tool calls (templates):");
  CHECK_HAS(err, "2. scrape_store {\"url\":\"");
  CHECK(!fx_text_has(out, "scrape_store {")); /* the plan is on stderr, stdout is the summary */
  char path[4300];
  snprintf(path, sizeof path, "%s/outputs/summary.md", souk_test_tmpdir());
  char *saved = fx_slurp(path);
  CHECK_STR(saved, out);
  free(saved);
  free(out);
  free(err);
  /* --json: the whole report; a second ask finds the store in souk and scrapes nothing. */
  const char *args2[] = {"ask", goal, "--json", NULL};
  rc = souk(args2, NULL, &out, &err);
  CHECK_INT(rc, ==, 0);
  json_t *report = json_loads(out, 0, NULL);
  CHECK(report != NULL);
  CHECK_STR(json_string_value(json_object_get(report, "provider")), "offline");
  CHECK_INT(json_array_size(json_object_get(report, "plan")), ==, 4);
  CHECK_INT(json_array_size(json_object_get(json_object_get(report, "verification"), "unsupported")),
            ==, 0);
  json_decref(report);
  free(out);
  free(err);
  souk_fixture_store_stop(fs);
  SAY("souk ask offline: the named store was scraped, the summary printed on stdout and saved "
      "to outputs/summary.md (the same text), the tool calls on stderr");
  SAY("--json prints the report; asked again, the store is in souk and nothing is scraped");
}

TEST(ask_usage) {
  char *out, *err;
  const char *none[] = {"ask", NULL};
  CHECK_INT(souk(none, NULL, &out, &err), ==, 2);
  CHECK_HAS(err, "say what you want to know");
  free(out);
  free(err);
  const char *sampling[] = {"ask", "--llm", "sampling", "hello", NULL};
  CHECK_INT(souk(sampling, NULL, &out, &err), ==, 2);
  CHECK_HAS(err, "--llm sampling: expected offline, openai or anthropic");
  free(out);
  free(err);
  const char *nomodel[] = {"ask", "--llm", "openai", "hello", NULL};
  CHECK_INT(souk(nomodel, NULL, &out, &err), ==, 2);
  CHECK_HAS(err, "llm.model is not set");
  free(out);
  free(err);
  const char *badstore[] = {"ask", "--store", "not a url", "hello", NULL};
  CHECK_INT(souk(badstore, NULL, &out, &err), ==, 2);
  CHECK_HAS(err, "'not a url' is not a store URL");
  free(out);
  free(err);
  const char *empty[] = {"ask", "What should we feature?", NULL};
  CHECK_INT(souk(empty, NULL, &out, &err), ==, 1);
  CHECK_HAS(err, "nothing to summarise");
  free(out);
  free(err);
  SAY("no goal, --llm sampling, a model service without a model, a bad store URL: exit 2 with "
      "a sentence; an empty store and no store named: exit 1, 'nothing to summarise'");
}

/* ---- with a model --------------------------------------------------------------------------- */

typedef struct cli_script {
  const char *store;
  llm_turn turn;
  char args[2][300];
  char text[600];
} cli_script;

static const llm_turn *cli_model(llm_server *srv, int index, const json_t *req, void *ud) {
  (void)srv;
  cli_script *s = ud;
  memset(&s->turn, 0, sizeof s->turn);
  if (index == 0) {
    snprintf(s->args[0], sizeof s->args[0], "{\"url\": \"%s\"}", s->store);
    s->turn.calls[0] = (llm_call){"scrape_store", s->args[0]};
    s->turn.ncalls = 1;
  } else if (index == 1) {
    snprintf(s->args[1], sizeof s->args[1], "{\"k\": 2, \"store\": \"%s\"}", s->store);
    s->turn.calls[0] = (llm_call){"top_k_products", s->args[1]};
    s->turn.ncalls = 1;
  } else {
    json_t *top = llm_tool_result(req, LLM_OPENAI, "top_k_products");
    const json_t *p = json_array_get(json_object_get(top, "top"), 0);
    snprintf(s->text, sizeof s->text,
             "## Feature\n\nProduct %lld has the best score, %.3f (top_k_products). Expect 31337 "
             "orders.",
             (long long)json_integer_value(json_object_get(p, "id")),
             json_real_value(json_object_get(p, "score")));
    json_decref(top);
    s->turn.text = s->text;
  }
  return &s->turn;
}

static void write_env(const char *path) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fprintf(f, "# the model service\nSOUK_LLM_API_KEY=%s\n", TEST_KEY);
  fclose(f);
}

TEST(ask_openai) {
  souk_fixture_store *fs = store_start();
  cli_script s = {.store = souk_fixture_store_url(fs)};
  llm_server *llm = llm_server_start(NULL, LLM_OPENAI, true, cli_model, &s);
  char envfile[4300], base[300], goal[300];
  snprintf(envfile, sizeof envfile, "--env-file=%s/.env", souk_test_tmpdir());
  write_env(envfile + strlen("--env-file="));
  snprintf(base, sizeof base, "SOUK_LLM_BASE_URL=%s", llm_server_base_url(llm));
  snprintf(goal, sizeof goal, "What should %s feature?", s.store);
  const char *env[] = {base, "SOUK_LLM_MODEL=scripted-model", NULL};
  const char *args[] = {envfile, "--log-level=trace", "ask", "--llm", "openai", goal, NULL};
  char *out, *err;
  int rc = souk(args, env, &out, &err);
  CHECK_MSG(rc == 0, "exit %d\n%s\n%s", rc, out, err);
  CHECK_HAS(out, "## Feature");
  CHECK_HAS(out, "(top_k_products). Expect [figure removed] orders.");
  CHECK_HAS(out, "_Written by the language model (openai) from souk's tool results");
  CHECK_HAS(err, "Tool calls (scripted-model):");
  CHECK(!fx_text_has(out, TEST_KEY));
  CHECK(!fx_text_has(err, TEST_KEY));
  CHECK_INT(llm_server_requests(llm), ==, 3);
  CHECK_STR(llm_server_header(llm, 0, "authorization"), "Bearer " TEST_KEY);
  free(out);
  free(err);
  /* `souk config` shows the key's setting, never its value. */
  const char *cfgargs[] = {envfile, "config", NULL};
  CHECK_INT(souk(cfgargs, NULL, &out, &err), ==, 0);
  CHECK_HAS(out, "llm.api_key");
  CHECK_HAS(out, "[redacted]");
  CHECK(!fx_text_has(out, TEST_KEY));
  free(out);
  free(err);
  llm_server_stop(llm);
  souk_fixture_store_stop(fs);
  SAY("souk ask --llm openai (key from .env, streamed answers): scrape, top-K, summary; the "
      "invented figure removed, the figures of the tools kept");
  SAY("the key went to the server in its header only: not in stdout, not in the trace-level "
      "log on stderr, shown as [redacted] by souk config");
}

static const llm_turn *cli_refuse(llm_server *srv, int index, const json_t *req, void *ud) {
  (void)srv;
  (void)index;
  (void)req;
  cli_script *s = ud;
  memset(&s->turn, 0, sizeof s->turn);
  s->turn.status = 401;
  s->turn.raw = "{\"error\":{\"message\":\"Incorrect API key provided: " TEST_KEY "\"}}";
  return &s->turn;
}

TEST(ask_key_refused) {
  cli_script s = {0};
  llm_server *llm = llm_server_start(NULL, LLM_ANTHROPIC, false, cli_refuse, &s);
  char envfile[4300], base[300];
  snprintf(envfile, sizeof envfile, "--env-file=%s/.env", souk_test_tmpdir());
  write_env(envfile + strlen("--env-file="));
  snprintf(base, sizeof base, "SOUK_LLM_BASE_URL=%s", llm_server_base_url(llm));
  const char *env[] = {base, "SOUK_LLM_MODEL=scripted-model", "SOUK_LLM_STREAM=false", NULL};
  const char *args[] = {envfile, "--log-level=trace", "ask", "--llm", "anthropic", "--json",
                        "Anything?", NULL};
  char *out, *err;
  CHECK_INT(souk(args, env, &out, &err), ==, 1);
  CHECK_HAS(err, "the API key was refused: HTTP 401");
  CHECK_HAS(err, "Incorrect API key provided: [redacted]");
  CHECK_HAS(err, "(SOUK_ELLM)");
  CHECK_HAS(out, "\"status\": \"SOUK_ELLM\"");
  CHECK(!fx_text_has(out, TEST_KEY));
  CHECK(!fx_text_has(err, TEST_KEY));
  CHECK_STR(llm_server_header(llm, 0, "x-api-key"), TEST_KEY);
  free(out);
  free(err);
  llm_server_stop(llm);
  SAY("a 401 whose body echoes the key: exit 1 with a sentence naming the refusal and "
      "[redacted]; the key is in no output, no log line, not the JSON report");
}

TEST(run_ends_with_summary) {
  souk_fixture_store *fs = store_start();
  const char *args[] = {"run", "--no-charts", souk_fixture_store_url(fs), NULL};
  char *out, *err;
  int rc = souk(args, NULL, &out, &err);
  CHECK_MSG(rc == 0, "exit %d\n%s\n%s", rc, out, err);
  const char *table = strstr(out, "rank  score");
  const char *summary = strstr(out, "# Summary");
  CHECK(table != NULL && summary != NULL && summary > table);
  CHECK_HAS(summary, "Written offline from templates");
  CHECK_HAS(summary, "**#10**");
  char path[4300];
  snprintf(path, sizeof path, "%s/outputs/summary.md", souk_test_tmpdir());
  struct stat st;
  CHECK_INT(stat(path, &st), ==, 0);
  free(out);
  free(err);
  souk_fixture_store_stop(fs);
  SAY("souk run ends with the offline summary after the top-K table (and writes "
      "outputs/summary.md)");
}
