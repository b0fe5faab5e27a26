/* SPDX-License-Identifier: MIT */
/* The LLM orchestrator agent (docs/orchestrator.md): given a goal in plain words ("Which 10
 * products of https://shop.example should we feature, and why?"), it decides which of souk's
 * MCP tools to call, calls them through an in-process MCP session on the tool registry, and
 * writes a Markdown summary a merchant or analyst can act on. Every figure of the summary is
 * checked against the numbers the tools returned (figures.h); one that no tool returned is
 * stripped or flagged.
 *
 * Who plans and writes:
 *   offline    (the default) a fixed plan — scrape the named stores that are not in the store
 *              yet, top-K, clusters, price statistics — and a summary from templates filled
 *              with the tools' figures, labelled as offline;
 *   openai     an OpenAI-compatible Chat Completions server (OpenAI, Ollama, llama.cpp, vLLM,
 *              the Hugging Face router) runs a tool-calling loop;
 *   anthropic  the Anthropic Messages API runs it;
 *   sampling   the fixed plan, and the summary written by the MCP client's own model through
 *              sampling/createMessage (souk running as an MCP server).
 * The loop is bounded by steps (model turns), time and a token budget; it runs as a job
 * (progress, cancellation). Store text is data, never instructions: tool results reach the
 * model delimited and truncated; the tools are an explicit allow-list fixed before the first
 * turn; scrape_store may only fetch hosts the user named (in the goal or as stores).
 *
 * Threads: everything on the runtime's loop thread.
 */
#ifndef SOUK_ORCHESTRATOR_H
#define SOUK_ORCHESTRATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/config.h"
#include "core/errinfo.h"
#include "figures.h"
#include "jobs/job.h"
#include "souk/mcp.h"

typedef struct souk_runtime souk_runtime;
typedef struct souk_orchestrator souk_orchestrator;

/* In the order of the llm.provider setting's choices. */
typedef enum souk_llm_provider {
  SOUK_LLM_OFFLINE = 0,
  SOUK_LLM_OPENAI,
  SOUK_LLM_ANTHROPIC,
  SOUK_LLM_SAMPLING
} souk_llm_provider;

const char *souk_llm_provider_name(souk_llm_provider p);  /* "offline", ... */
int souk_llm_provider_parse(const char *name);            /* the provider, or -1 */

/* The tools the orchestrator may call unless told otherwise (export_csv, which writes files,
 * and souk's own orchestrator tools are not among them), NULL-terminated. */
extern const char *const souk_orchestrator_default_tools[];

/* The MCP client's model for the sampling provider: sends sampling/createMessage with
 * params_new and runs cb exactly once when it returns 0 (souk_mcp_call_sample's shape: pass
 * it with the tool call as `data`). */
typedef int (*souk_orchestrator_sample_fn)(void *data, json_t *params_new, unsigned timeout_ms,
                                           souk_mcp_reply_fn cb, void *cb_data);

typedef struct souk_orchestrator_options {
  const char *goal;                 /* required; copied */
  const char *const *stores;        /* store URLs the user named (URLs in the goal count too) */
  size_t nstores;
  const json_t *filter;             /* optional query filter for the fixed plan's tools
                                       ({"vendor": "Acme"}): members a tool's inputSchema
                                       accepts are passed on */
  size_t k;                         /* how many top products; 0: from the goal ("top 10"), else 10 */
  souk_llm_provider provider;
  const char *base_url, *model, *api_key; /* copied; the key never leaves the request header */
  bool stream;
  int64_t request_timeout_ms;       /* one model request */
  int max_steps;                    /* model turns */
  int64_t max_time_ms;              /* the whole run */
  int64_t max_tokens;               /* input + output tokens of the whole run */
  souk_figures_mode figures;
  const char *const *allow_tools;   /* NULL: souk_orchestrator_default_tools */
  size_t nallow_tools;
  souk_orchestrator_sample_fn sample; /* required for SOUK_LLM_SAMPLING */
  void *sample_data;
  bool plan_only;                   /* list the fixed plan (report.plan, each step "planned")
                                       without calling any tool or model */
} souk_orchestrator_options;

/* Fills the options from the llm.* settings (strings borrowed from cfg); goal, stores and k
 * stay empty. */
void souk_orchestrator_options_from_config(souk_orchestrator_options *o, const souk_config *cfg);

typedef struct souk_orchestrator_result {
  /* 0; SOUK_ELIMIT (step limit or token budget), SOUK_ETIMEDOUT (time limit, or the model did
   * not answer in time), SOUK_ELLM (the model service refused, failed or answered nonsense),
   * SOUK_ERATELIMIT, SOUK_ECANCELED, SOUK_EEMPTY (no products to analyse), ... */
  int status;
  const char *message;              /* a sentence when status != 0, else a note or "" */
  /* The checked Markdown summary. With a limit reached it is written from templates out of
   * the tool results gathered so far (and says so); NULL when nothing could be written. */
  const char *summary;
  /* Everything, as JSON: goal, provider, model, status, stop_reason, message, plan (each tool
   * call: step, tool, arguments, ok, result in short, ms), summary, verification (figures,
   * supported, unsupported, mode), usage (model turns, tokens, retries), elapsed_ms. */
  const json_t *report;
} souk_orchestrator_result;

/* Runs once at the end; the result is borrowed for the call. The orchestrator frees itself
 * afterwards (its handles close on the loop). */
typedef void (*souk_orchestrator_done_cb)(souk_orchestrator *o, const souk_orchestrator_result *r,
                                          void *ud);

/* Starts a run against the tools of `tools` (the MCP server the orchestrator becomes a client
 * of), using rt's loop, HTTP client and jobs. Returns 0 and runs done exactly once later; or
 * SOUK_EINVAL / SOUK_ECONFIG / SOUK_ENOMEM with e filled, and done never runs. `out` (may be
 * NULL) receives the run, valid until done returns. */
int souk_orchestrator_start(souk_runtime *rt, souk_mcp_server *tools,
                            const souk_orchestrator_options *o, souk_orchestrator_done_cb done,
                            void *ud, souk_orchestrator **out, souk_errinfo *e);

/* The run's job (kind "ask"): progress is model turns and tool calls; cancelling it cancels
 * the run. */
souk_job *souk_orchestrator_job(const souk_orchestrator *o);
/* Stops the run; done runs soon with SOUK_ECANCELED. */
void souk_orchestrator_cancel(souk_orchestrator *o);

/* The plan of a report as text lines (one per tool call) for a terminal. */
void souk_orchestrator_print_plan(const json_t *report, FILE *out);

/* ---- MCP tools: summarize_insights and plan_analysis ---------------------------------------- */

typedef struct souk_orchestrator_tools souk_orchestrator_tools;

/* Registers `summarize_insights` (store or filter, k: runs the orchestrator on `srv` itself
 * and returns the checked summary and the plan; with a client that declared sampling, and
 * llm.provider offline or sampling, the summary is written by the client's model) and
 * `plan_analysis` (goal: the plan the orchestrator would follow, without running it) on srv.
 * Returns 0 and *out (free it with souk_orchestrator_tools_free before the server), or
 * SOUK_E* with e filled. */
int souk_orchestrator_register_tools(souk_mcp_server *srv, souk_runtime *rt,
                                     const souk_config *cfg, souk_orchestrator_tools **out,
                                     souk_errinfo *e);
/* Cancels the summaries still running and removes the tools. The runs end on the loop (their
 * calls are finished then): keep the server alive and the loop running until they have. */
void souk_orchestrator_tools_free(souk_orchestrator_tools *t);

#endif /* SOUK_ORCHESTRATOR_H */
