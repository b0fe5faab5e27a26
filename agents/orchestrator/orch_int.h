/* SPDX-License-Identifier: MIT */
/* What the orchestrator's files share: the run (struct souk_orchestrator) and the souk__
 * functions of the guard (untrusted data, allow-list, hosts), the prompts, the fixed plan and
 * the template summary. Loop thread only. */
#ifndef SOUK_ORCHESTRATOR_INT_H
#define SOUK_ORCHESTRATOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "core/buf.h"
#include "llm.h"
#include "mcp_client.h"
#include "orchestrator.h"

#define SOUK__HOST_MAX 260
#define SOUK__MAX_STORES 16
#define SOUK__RESULT_BYTES ((size_t)12 * 1024) /* a tool result as the model sees it */
#define SOUK__STRING_CHARS 240                 /* a string inside it */
#define SOUK__ARRAY_ITEMS 25                   /* items of an array inside it */
#define SOUK__MAX_REPEATS 3                    /* identical tool calls before the loop stops */

typedef enum souk__mode { SOUK__MODE_FIXED = 0, SOUK__MODE_LLM } souk__mode;

struct souk_orchestrator {
  souk_runtime *rt;
  uv_loop_t *loop;
  souk_mcp_server *srv;
  souk_orchestrator_done_cb done;
  void *ud;

  /* What was asked (copies). */
  char *goal;
  char *stores[SOUK__MAX_STORES];   /* as the user named them */
  size_t nstores;
  char hosts[SOUK__MAX_STORES][SOUK__HOST_MAX]; /* host[:port], lower case: scrape allow-list */
  size_t nhosts;
  json_t *filter;
  size_t k;
  souk_llm_provider provider;
  souk__mode mode;
  char *model;
  int max_steps;
  int64_t max_time_ms, max_tokens, request_timeout_ms;
  souk_figures_mode figures_mode;
  char **allow;
  size_t nallow;
  souk_orchestrator_sample_fn sample;
  void *sample_data;
  bool plan_only;

  /* Machinery. */
  souk_job *job;
  souk__mcpc *mcp;
  souk__llm *llm;
  uv_timer_t deadline, defer;
  int open_handles;
  struct souk__ticket *ticket;      /* the sampling request in flight */

  /* State. */
  int phase;                        /* see orchestrator.c */
  json_t *tools;                    /* allowed tools: [{name, description, input_schema}] */
  json_t *messages;                 /* the conversation (LLM mode) */
  json_t *queue;                    /* tool calls still to make: [{id?, name, input, error?,
                                       why?, check_store?}] */
  json_t *plan;                     /* tool calls made (the report's plan) */
  json_t *results;                  /* successful results: [{tool, arguments, data}] */
  json_t *seen;                     /* "name args" -> times called */
  souk_figures *known;
  int repeats;
  int turns, calls;
  int64_t tokens_in, tokens_out;
  bool tokens_estimated;
  unsigned retries;
  int64_t op;                       /* MCP request in flight, 0 when none */
  bool llm_busy, sampling_busy, last_turn;
  uint64_t started;
  char *summary;                    /* before the check */
  char *summary_by;                 /* "offline", the model's name, "sampling: <model>" */
  bool summary_fallback;            /* written from templates after a stop */
  int status;
  char message[640];
  char stop_reason[40];
  bool stopping, finishing;
  json_t *report;
};

/* ---- guard.c: untrusted data, allow-list, hosts --------------------------------------------- */

/* "shop.example" or "shop.example:8080" (lower case) for a URL or a bare host name; 0, or
 * SOUK_EINVAL when it has no host. */
int souk__host_of(const char *url, char *out, size_t len);
/* The http(s) URLs written in a text (the goal), without the punctuation that ends a
 * sentence; returns how many (at most max). */
size_t souk__urls_in_text(const char *text, char (*urls)[1024], size_t max);
/* Adds the hosts of the URLs written in a text (the goal) to the run's allow-list. */
void souk__hosts_from_text(souk_orchestrator *o, const char *text);
bool souk__host_allowed(const souk_orchestrator *o, const char *host);
/* Whether every URL or host name among the call's arguments is one the user named (and there
 * is at least one). When not, fills `why` with a sentence for the model. */
bool souk__scrape_allowed(const souk_orchestrator *o, const json_t *input, char *why,
                          size_t len);
bool souk__tool_allowed(const souk_orchestrator *o, const char *name);
/* The data of a tools/call result: structuredContent, else the text items (parsed when they
 * are JSON). New reference; NULL when out of memory. */
json_t *souk__result_data(const json_t *result);
/* The first text item of a result, or "". */
const char *souk__result_text(const json_t *result);
/* A tool's data as the model sees it: strings cut to SOUK__STRING_CHARS with '<' and '>'
 * replaced, arrays cut to SOUK__ARRAY_ITEMS, the whole cut to SOUK__RESULT_BYTES, inside
 * <tool_result name="..."> ... </tool_result>. malloc'ed; NULL when out of memory. */
char *souk__guard_wrap(const char *tool, const json_t *data, bool is_error);
/* One line about a result for the plan ("10 products; best: ... (score 0.81)"). */
void souk__digest(const char *tool, const json_t *data, char *out, size_t len);
/* Markdown-safe, single-line, at most `chars` characters: for store text in summaries. */
void souk__md_text(const char *s, size_t chars, char *out, size_t len);

/* ---- prompt.c --------------------------------------------------------------------------------- */

/* The system prompt and the first user message (malloc'ed). */
char *souk__system_prompt(const souk_orchestrator *o);
char *souk__goal_message(const souk_orchestrator *o);
/* The summary request of the sampling provider: sampling/createMessage params. */
json_t *souk__sampling_params(const souk_orchestrator *o);

/* ---- plan.c: the fixed plan ------------------------------------------------------------------- */

/* The calls the fixed plan starts with (presence checks of the named stores, top-K, clusters,
 * price statistics), as queue entries, among the allowed tools the registry has. New
 * reference. */
json_t *souk__fixed_plan(const souk_orchestrator *o);
/* After a presence check of a store: the scrape entry to run next, or NULL when the store has
 * products. New reference. */
json_t *souk__after_check(const souk_orchestrator *o, const json_t *entry, const json_t *data,
                          bool ok);
/* The arguments of `tool` made from `base`, keeping only what its inputSchema accepts and
 * adding the run's filter. New reference. */
json_t *souk__args_for(const souk_orchestrator *o, const char *tool, json_t *base_new);
/* k from the goal ("top 10", "10 products"), or 0. */
size_t souk__k_from_goal(const char *goal);

/* ---- summary.c: the template summary --------------------------------------------------------- */

/* The summary from templates over the successful results (malloc'ed), with a first line that
 * says how it was written (`how`). NULL when there is nothing to summarise; *why then says so. */
char *souk__template_summary(const souk_orchestrator *o, const char *how, char *why,
                             size_t whylen);

#endif /* SOUK_ORCHESTRATOR_INT_H */
