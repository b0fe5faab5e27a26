/* SPDX-License-Identifier: MIT */
/* `souk ask "GOAL"`: the LLM orchestrator from the command line, headless — it plans calls of
 * souk's MCP tools (through an in-process session on the same registry `souk serve` exposes),
 * makes them, and prints a Markdown summary whose every figure came from a tool. Also the
 * summary step that ends `souk run` (ask_run.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ask_run.h"
#include "core/log.h"
#include "orchestrator/orchestrator.h"
#include "serve/server.h"
#include "souk/error.h"
#include "store/export.h"

static const souk_option options[] = {
    {"store", 's', "URL", "a store to analyse (repeatable); scraped first when souk does not hold "
                          "it yet; URLs in the goal count too"},
    {"llm", 0, "PROVIDER", "offline, openai or anthropic (sets llm.provider; default offline)"},
    {"model", 'm', "NAME", "the model (sets llm.model)"},
    {"k", 'k', "N", "how many top products to cite (default: from the goal, else 10)"},
    {"max-steps", 0, "N", "model turns at most (sets llm.max_steps)"},
    {"save", 0, NULL, "also write the summary to <output_dir>/summary.md"},
    {"json", 0, NULL, "print the whole report (plan, summary, checks, usage) as JSON"},
    {"plan-only", 0, NULL, "print the plan the offline planner would follow, run nothing"},
    {0},
};

typedef struct ask_state {
  uv_loop_t *loop;
  bool done;
  int status;
  char message[700];
  char *summary;
  json_t *report;
} ask_state;

static void on_done(souk_orchestrator *o, const souk_orchestrator_result *r, void *ud) {
  (void)o;
  ask_state *st = ud;
  st->done = true;
  st->status = r->status;
  snprintf(st->message, sizeof st->message, "%s", r->message);
  st->summary = r->summary ? strdup(r->summary) : NULL;
  st->report = json_incref((json_t *)r->report);
  uv_stop(st->loop); /* demo stores may keep the loop alive */
}

/* Writes <dir>/summary.md through a temporary file. */
static int save_summary(const char *dir, const char *text, char *path, size_t len,
                        souk_errinfo *e) {
  int rc = souk_mkdirs(dir, e);
  if (rc)
    return rc;
  char tmp[4200];
  snprintf(path, len, "%s/summary.md", dir);
  snprintf(tmp, sizeof tmp, "%s/.summary.md.tmp", dir);
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return souk_errinfo_set(e, SOUK_EIO, "cannot write %s: %s", tmp, strerror(errno));
  bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return souk_errinfo_set(e, SOUK_EIO, "cannot write %s", path);
  }
  return 0;
}

int souk_cli_ask(souk_cli *cli, souk_runtime *rt, souk_store *store, const souk_cli_ask_request *a) {
  souk_errinfo e = {0};
  /* The orchestrator lets scrape_store fetch only the stores the user named on this command
   * line, so an address the user typed (a store on the local network, the demo stores) is as
   * fine as for `souk scrape`; the registry's public-only rule is for URLs from a model. */
  souk_config_set_id(cli->cfg, SOUK_CFG_NET_ALLOW_PRIVATE_HOSTS, "true", SOUK_SRC_CLI, NULL);
  souk_serve *sv = souk_serve_new(rt, store, cli->cfg, &e);
  if (!sv)
    return souk_cli_fail(cli, "%s", e.text);

  souk_orchestrator_options o;
  souk_orchestrator_options_from_config(&o, cli->cfg);
  if (o.provider == SOUK_LLM_SAMPLING) {
    fprintf(stderr, "souk: llm.provider sampling needs an MCP client (souk serve); planning "
                    "offline here\n");
    o.provider = SOUK_LLM_OFFLINE;
  }
  o.goal = a->goal;
  o.stores = a->stores;
  o.nstores = a->nstores;
  o.k = a->k;
  o.plan_only = a->plan_only;
  ask_state st = {.loop = &rt->loop};
  souk_orchestrator *run = NULL;
  int status;
  if (souk_orchestrator_start(rt, souk_serve_server(sv), &o, on_done, &st, &run, &e) != 0) {
    status = e.code == SOUK_ECONFIG || e.code == SOUK_EINVAL ? souk_cli_usage_error(cli, "%s", e.text)
                                                             : souk_cli_fail(cli, "%s", e.text);
  } else {
    souk_progress *p = souk_progress_attach(souk_orchestrator_job(run), cli->quiet || a->json);
    while (!st.done) {
      souk_runtime_run(rt);
      if (!st.done && !uv_loop_alive(&rt->loop))
        break; /* cannot happen: the run holds a timer until it is done */
    }
    souk_progress_free(p);
    status = st.done ? souk_cli_exit_code(st.status) : SOUK_EXIT_FAILURE;
  }
  souk_serve_free(sv);
  if (!st.done)
    return status;

  if (a->json) {
    json_dumpf(st.report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
  } else if (a->plan_only) {
    printf("Plan for: %s\n", a->goal);
    souk_orchestrator_print_plan(st.report, stdout);
  } else {
    if (a->plan_to_stderr && !cli->quiet && json_array_size(json_object_get(st.report, "plan"))) {
      fprintf(stderr, "Tool calls (%s):\n",
              json_string_value(json_object_get(st.report, "summary_by"))
                  ? json_string_value(json_object_get(st.report, "summary_by"))
                  : json_string_value(json_object_get(st.report, "provider")));
      souk_orchestrator_print_plan(st.report, stderr);
      fputc('\n', stderr);
    }
    if (st.summary)
      printf("%s\n", st.summary);
  }
  fflush(stdout);
  if (st.summary && a->save) {
    char path[4300];
    if (save_summary(souk_config_str(cli->cfg, SOUK_CFG_OUTPUT_DIR), st.summary, path,
                     sizeof path, &e) != 0)
      status = souk_cli_fail(cli, "%s", e.text);
    else if (!cli->quiet)
      fprintf(stderr, "Summary written to %s\n", path);
  }
  if (st.status)
    souk_cli_fail(cli, "%s (%s)", st.message, souk_err_name(st.status));
  free(st.summary);
  json_decref(st.report);
  return status;
}

static int number_opt(souk_cli *cli, const char *name, long lo, long hi, long *out) {
  const char *v = souk_cli_opt(cli, name);
  if (!v)
    return 0;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (end == v || *end || errno || n < lo || n > hi)
    return souk_cli_usage_error(cli, "--%s %s: expected a whole number from %ld to %ld", name, v,
                                lo, hi);
  *out = n;
  return 0;
}

static int run(souk_cli *cli) {
  if (cli->argc == 0)
    return souk_cli_usage_error(cli, "say what you want to know: souk ask \"Which products of "
                                     "https://shop.example should we feature, and why?\"");
  char goal[4096] = "";
  for (int i = 0; i < cli->argc; i++) {
    size_t used = strlen(goal);
    if (used + strlen(cli->argv[i]) + 2 >= sizeof goal)
      return souk_cli_usage_error(cli, "the goal is longer than %zu bytes", sizeof goal - 1);
    snprintf(goal + used, sizeof goal - used, "%s%s", i ? " " : "", cli->argv[i]);
  }
  const char *llm = souk_cli_opt(cli, "llm");
  if (llm) {
    int p = souk_llm_provider_parse(llm);
    if (p < 0 || p == SOUK_LLM_SAMPLING)
      return souk_cli_usage_error(cli, "--llm %s: expected offline, openai or anthropic", llm);
    if (souk_cli_set(cli, SOUK_CFG_LLM_PROVIDER, llm))
      return SOUK_EXIT_USAGE;
  }
  const char *model = souk_cli_opt(cli, "model");
  if (model && souk_cli_set(cli, SOUK_CFG_LLM_MODEL, model))
    return SOUK_EXIT_USAGE;
  const char *steps = souk_cli_opt(cli, "max-steps");
  if (steps && souk_cli_set(cli, SOUK_CFG_LLM_MAX_STEPS, steps))
    return SOUK_EXIT_USAGE;
  long k = 0;
  if (number_opt(cli, "k", 1, 100, &k))
    return SOUK_EXIT_USAGE;
  const char *stores[16];
  int n = souk_cli_opt_all(cli, "store", stores, 16);
  if (n > 16)
    return souk_cli_usage_error(cli, "at most 16 --store URLs");

  souk_runtime rt;
  souk_store *store;
  int rc = souk_cli_open(cli, &rt, 0, NULL, &store);
  if (rc)
    return rc;
  souk_cli_ask_request a = {
      .goal = goal,
      .stores = stores,
      .nstores = (size_t)n,
      .k = (size_t)k,
      .save = souk_cli_flag(cli, "save"),
      .json = souk_cli_flag(cli, "json"),
      .plan_only = souk_cli_flag(cli, "plan-only"),
      .plan_to_stderr = true,
  };
  rc = souk_cli_ask(cli, &rt, store, &a);
  return souk_cli_close(&rt, store, rc);
}

const souk_command souk_cmd_ask = {
    .name = "ask",
    .summary = "ask a question about stores; souk plans tool calls and writes a checked summary",
    .usage = "souk ask [options] \"GOAL\"",
    .description =
        "Plans calls of souk's tools for a goal in plain words (\"Which 10 products of\n"
        "https://shop.example should we feature, and why?\"), makes them, and prints a Markdown\n"
        "summary on stdout; the tool calls go to stderr. Every number in the summary is checked\n"
        "against what the tools returned (llm.unsupported_figures: strip or flag the others).\n"
        "Offline (the default) follows a fixed plan — scrape the named stores souk does not hold\n"
        "yet, top-K, clusters, price statistics — and writes the summary from templates. With\n"
        "--llm openai (any OpenAI-compatible server: OpenAI, Ollama, llama.cpp, vLLM, the Hugging\n"
        "Face router) or --llm anthropic a model plans and writes, within llm.max_steps turns,\n"
        "llm.max_time and llm.max_tokens; set llm.model, llm.base_url and llm.api_key\n"
        "(SOUK_LLM_API_KEY, best in .env). Only the stores you name may be scraped.",
    .options = options,
    .run = run,
};
