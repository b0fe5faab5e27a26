/* SPDX-License-Identifier: MIT */
/* The command-line interface: the command table, the option parser every command uses, and
 * what the commands share (configuration, exit codes, progress display). */
#ifndef SOUK_CLI_H
#define SOUK_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "jobs/job.h"

/* Exit codes (docs/cli.md). */
enum {
  SOUK_EXIT_OK = 0,
  SOUK_EXIT_FAILURE = 1,      /* the work failed (network, store, ...) */
  SOUK_EXIT_USAGE = 2,        /* bad command line or configuration */
  SOUK_EXIT_CHECK = 3,        /* `souk check` found problems in the data */
  SOUK_EXIT_INTERRUPTED = 130 /* stopped by SIGINT or SIGTERM */
};

/* One option of a command. `arg` names its value in help ("N", "FILE"), NULL for a flag. */
typedef struct souk_option {
  const char *name;           /* long name without dashes: "rate" */
  char short_name;            /* 'r', or 0 */
  const char *arg;
  const char *help;
} souk_option;

typedef struct souk_cli souk_cli;

typedef struct souk_command {
  const char *name;
  const char *summary;        /* one line for `souk --help` */
  const char *usage;          /* "souk scrape [options] URL..." */
  const char *description;    /* paragraph(s) for `souk CMD --help` */
  const souk_option *options; /* terminated by {0} */
  int (*run)(souk_cli *cli);
} souk_command;

/* Parsed command line, handed to a command's run(). */
struct souk_cli {
  const souk_command *cmd;
  souk_config *cfg;
  int argc;                   /* positional arguments of the command */
  char **argv;
  /* Options given to the command: values by index into cmd->options (NULL = not given; flags
   * get "1"). A repeated option keeps its last value; see souk_cli_opt_all for lists. */
  const char *opt[32];
  char **raw;                 /* the command's own arguments as given, for repeated options */
  int nraw;
  const char *prog;
  bool quiet;                 /* -q: no progress display */
};

const char *souk_cli_opt(const souk_cli *cli, const char *name);
bool souk_cli_flag(const souk_cli *cli, const char *name);
/* Each value of a repeatable option, in order: returns the count, fills up to max. */
int souk_cli_opt_all(const souk_cli *cli, const char *name, const char **out, int max);
/* Applies an option's value to a setting (command-line precedence); prints the error. */
int souk_cli_set(souk_cli *cli, souk_setting_id id, const char *value);

/* Prints "souk: <message>" to stderr; returns SOUK_EXIT_USAGE or SOUK_EXIT_FAILURE. */
int souk_cli_usage_error(const souk_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int souk_cli_fail(const souk_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit code for a SOUK_E* status. */
int souk_cli_exit_code(int status);

/* Shows a job's progress on stderr until it ends: a bar on a terminal, a log line every few
 * seconds otherwise. Returns an opaque handle to free after the job ended. */
typedef struct souk_progress souk_progress;
souk_progress *souk_progress_attach(souk_job *job, bool quiet);
void souk_progress_free(souk_progress *p);

/* Starts the runtime (souk_runtime_init flags), checks that the agent exists (NULL: any) and
 * opens the store (open.c). Returns 0, or an exit code after saying why, nothing left open. */
struct souk_runtime;
struct souk_store;
int souk_cli_open(souk_cli *cli, struct souk_runtime *rt, unsigned flags, const char *agent,
                  struct souk_store **store);
/* Closes the store and the runtime; returns `status`, or SOUK_EXIT_FAILURE when it was OK but
 * the loop did not close cleanly. */
int souk_cli_close(struct souk_runtime *rt, struct souk_store *store, int status);

/* Registers the agents linked into the executable (builtin_agents.c). */
void souk_cli_register_builtin_agents(void);

/* The command table (commands.c). */
extern const souk_command *const souk_commands[];

#endif /* SOUK_CLI_H */
