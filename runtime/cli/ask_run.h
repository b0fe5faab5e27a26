/* SPDX-License-Identifier: MIT */
/* What `souk ask` and `souk run` share: the LLM orchestrator (agents/orchestrator) run over
 * souk's own MCP tool registry (runtime/serve), with its summary on stdout and optionally in
 * <output_dir>/summary.md, and its plan on stderr. */
#ifndef SOUK_CLI_ASK_RUN_H
#define SOUK_CLI_ASK_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "loop/runtime.h"
#include "store/store.h"

typedef struct souk_cli_ask_request {
  const char *goal;
  const char *const *stores;   /* URLs the user named (URLs in the goal count too) */
  size_t nstores;
  size_t k;                    /* 0: from the goal, else 10 */
  bool save;                   /* also write <output_dir>/summary.md */
  bool json;                   /* the whole report as JSON on stdout instead of the summary */
  bool plan_only;              /* list the plan, run nothing */
  bool plan_to_stderr;         /* print the tool calls made on stderr */
} souk_cli_ask_request;

/* Runs the orchestrator to its end on rt's loop (SIGINT cancels it) and prints the result.
 * llm.provider sampling, which needs an MCP client, runs offline here (and says so).
 * Returns an exit code. */
int souk_cli_ask(souk_cli *cli, souk_runtime *rt, souk_store *store, const souk_cli_ask_request *a);

#endif /* SOUK_CLI_ASK_RUN_H */
