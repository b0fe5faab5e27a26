/* SPDX-License-Identifier: MIT */
/* souk's entry point: global options, configuration in precedence order, logging, and the
 * dispatch to a command of the table. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "souk/error.h"

extern char **environ;

/* Options every command accepts, before or after the command name. */
static const souk_option global_options[] = {
    {"config", 0, "FILE", "read settings from this JSON file (default ./souk.json if present)"},
    {"env-file", 0, "FILE", "read variables from this .env file (default ./.env if present)"},
    {"data-dir", 0, "DIR", "where the store and data exports live (default ./data)"},
    {"output-dir", 0, "DIR", "where analysis results go (default ./outputs)"},
    {"set", 0, "KEY=VALUE", "set any setting (repeatable); see `souk config`"},
    {"log-level", 0, "LEVEL", "off, error, warn, info, debug or trace"},
    {"log", 0, "SWITCHES", "per-subsystem levels, e.g. http:debug,store:trace"},
    {"log-json", 0, NULL, "log one JSON object per line"},
    {"log-file", 0, "FILE", "append logs to FILE instead of standard error"},
    {"verbose", 'v', NULL, "log at debug level"},
    {"quiet", 'q', NULL, "log warnings and errors only; no progress display"},
    {"help", 'h', NULL, "show help"},
    {0},
};

static void print_options(FILE *out, const souk_option *opts) {
  for (const souk_option *o = opts; o->name; o++) {
    char left[64];
    if (o->short_name)
      snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    else
      snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(out, "  %-28s %s\n", left, o->help);
  }
}

static void print_help(FILE *out) {
  fprintf(out,
          "souk %s: turns public storefronts into business intelligence and serves it to AI\n"
          "assistants over MCP.\n\n"
          "Usage: souk [options] COMMAND [command options] [arguments]\n\nCommands:\n",
          SOUK_VERSION_STRING);
  for (const souk_command *const *c = souk_commands; *c; c++)
    fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
  fprintf(out, "\nOptions (any command):\n");
  print_options(out, global_options);
  fprintf(out,
          "\nSettings come from defaults < souk.json < .env < environment < command line;\n"
          "`souk config` shows every setting and where its value came from.\n"
          "Run `souk COMMAND --help` for a command's options.\n");
}

static void print_command_help(const souk_command *cmd, FILE *out) {
  fprintf(out, "Usage: %s\n\n%s\n", cmd->usage, cmd->summary);
  if (cmd->description)
    fprintf(out, "\n%s\n", cmd->description);
  if (cmd->options && cmd->options->name) {
    fprintf(out, "\nOptions:\n");
    print_options(out, cmd->options);
  }
  fprintf(out, "\nOptions of every command:\n");
  print_options(out, global_options);
}

static const souk_command *find_command(const char *name) {
  for (const souk_command *const *c = souk_commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}

/* Finds `arg` ("--rate", "--rate=2", "-r") in a table; sets *value for "--x=v". */
static const souk_option *match(const souk_option *opts, const char *arg, const char **value) {
  *value = NULL;
  if (!opts)
    return NULL;
  if (arg[0] == '-' && arg[1] == '-') {
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (const souk_option *o = opts; o->name; o++) {
      if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
        if (eq)
          *value = eq + 1;
        return o;
      }
    }
    return NULL;
  }
  if (arg[0] == '-' && arg[1] && !arg[2])
    for (const souk_option *o = opts; o->name; o++)
      if (o->short_name == arg[1])
        return o;
  return NULL;
}

const char *souk_cli_opt(const souk_cli *cli, const char *name) {
  for (int i = 0; cli->cmd->options && cli->cmd->options[i].name; i++)
    if (strcmp(cli->cmd->options[i].name, name) == 0)
      return cli->opt[i];
  return NULL;
}

bool souk_cli_flag(const souk_cli *cli, const char *name) { return souk_cli_opt(cli, name) != NULL; }

int souk_cli_opt_all(const souk_cli *cli, const char *name, const char **out, int max) {
  int n = 0;
  for (int i = 0; i < cli->nraw; i++) {
    const char *value;
    const souk_option *o = match(cli->cmd->options, cli->raw[i], &value);
    if (!o || strcmp(o->name, name) != 0)
      continue;
    if (!value && o->arg && i + 1 < cli->nraw)
      value = cli->raw[++i];
    if (value && n < max)
      out[n] = value;
    if (value)
      n++;
  }
  return n;
}

int souk_cli_usage_error(const souk_cli *cli, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "souk%s%s: ", cli && cli->cmd ? " " : "", cli && cli->cmd ? cli->cmd->name : "");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cli && cli->cmd)
    fprintf(stderr, " (see `souk %s --help`)\n", cli->cmd->name);
  else
    fprintf(stderr, " (see `souk --help`)\n");
  return SOUK_EXIT_USAGE;
}

int souk_cli_fail(const souk_cli *cli, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "souk%s%s: ", cli && cli->cmd ? " " : "", cli && cli->cmd ? cli->cmd->name : "");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return SOUK_EXIT_FAILURE;
}

int souk_cli_set(souk_cli *cli, souk_setting_id id, const char *value) {
  souk_errinfo e = {0};
  if (souk_config_set_id(cli->cfg, id, value, SOUK_SRC_CLI, &e) != 0) {
    fprintf(stderr, "souk %s: %s\n", cli->cmd ? cli->cmd->name : "", e.text);
    return SOUK_EXIT_USAGE;
  }
  return 0;
}

int souk_cli_exit_code(int status) {
  if (status == 0)
    return SOUK_EXIT_OK;
  if (status == SOUK_EINTERRUPTED || status == SOUK_ECANCELED)
    return SOUK_EXIT_INTERRUPTED;
  if (status == SOUK_EUSAGE || status == SOUK_ECONFIG)
    return SOUK_EXIT_USAGE;
  if (status == SOUK_ECHECK)
    return SOUK_EXIT_CHECK;
  return SOUK_EXIT_FAILURE;
}

/* Loads configuration: defaults < file < .env < environment < global options. */
static int load_config(souk_cli *cli, const char **globals, char **sets, int nsets) {
  souk_errinfo e = {0};
  souk_config *cfg = souk_config_new();
  if (!cfg)
    return souk_cli_fail(cli, "out of memory");
  cli->cfg = cfg;

  const char *file = globals[0] ? globals[0] : getenv("SOUK_CONFIG");
  if (file) {
    if (souk_config_load_file(cfg, file, &e) != 0)
      goto bad;
  } else if (access("souk.json", F_OK) == 0 && souk_config_load_file(cfg, "souk.json", &e) != 0) {
    goto bad;
  }
  const char *envfile = globals[1] ? globals[1] : getenv("SOUK_ENV_FILE");
  if (envfile) {
    if (souk_config_load_dotenv(cfg, envfile, &e) != 0)
      goto bad;
  } else if (access(".env", F_OK) == 0 && souk_config_load_dotenv(cfg, ".env", &e) != 0) {
    goto bad;
  }
  if (souk_config_load_env(cfg, environ, &e) != 0)
    goto bad;

  static const struct {
    int opt;
    souk_setting_id id;
  } direct[] = {{2, SOUK_CFG_DATA_DIR}, {3, SOUK_CFG_OUTPUT_DIR}, {5, SOUK_CFG_LOG_LEVEL},
                {6, SOUK_CFG_LOG_SWITCHES}, {8, SOUK_CFG_LOG_FILE}};
  for (size_t i = 0; i < sizeof direct / sizeof *direct; i++)
    if (globals[direct[i].opt] &&
        souk_config_set_id(cfg, direct[i].id, globals[direct[i].opt], SOUK_SRC_CLI, &e) != 0)
      goto bad;
  if (globals[7] && souk_config_set_id(cfg, SOUK_CFG_LOG_FORMAT, "json", SOUK_SRC_CLI, &e) != 0)
    goto bad;
  if (globals[9] && souk_config_set_id(cfg, SOUK_CFG_LOG_LEVEL, "debug", SOUK_SRC_CLI, &e) != 0)
    goto bad;
  if (globals[10] && souk_config_set_id(cfg, SOUK_CFG_LOG_LEVEL, "warn", SOUK_SRC_CLI, &e) != 0)
    goto bad;
  for (int i = 0; i < nsets; i++) {
    char *eq = strchr(sets[i], '=');
    if (!eq) {
      fprintf(stderr, "souk: --set %s: expected KEY=VALUE\n", sets[i]);
      return SOUK_EXIT_USAGE;
    }
    *eq = '\0';
    int rc = souk_config_set(cfg, sets[i], eq + 1, SOUK_SRC_CLI, &e);
    *eq = '=';
    if (rc)
      goto bad;
  }
  return 0;
bad:
  fprintf(stderr, "souk: %s\n", e.text);
  return SOUK_EXIT_USAGE;
}

static int setup_logging(const souk_config *cfg) {
  souk_log_options lo = {
      .level = (souk_log_level)souk_log_level_parse(souk_config_str(cfg, SOUK_CFG_LOG_LEVEL)),
      .switches = souk_config_str(cfg, SOUK_CFG_LOG_SWITCHES),
      .format = souk_config_int(cfg, SOUK_CFG_LOG_FORMAT) == 1 ? SOUK_LOG_JSON : SOUK_LOG_TEXT,
      .color = (souk_log_color)souk_config_int(cfg, SOUK_CFG_LOG_COLOR),
      .file = souk_config_str(cfg, SOUK_CFG_LOG_FILE),
  };
  char err[256];
  if (souk_log_configure(&lo, err, sizeof err) != 0) {
    fprintf(stderr, "souk: %s\n", err);
    return SOUK_EXIT_USAGE;
  }
  return 0;
}

int main(int argc, char **argv) {
  souk_cli cli = {.prog = argv[0]};
  const char *globals[sizeof global_options / sizeof *global_options] = {0};
  char **sets = calloc((size_t)argc + 1, sizeof *sets);
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  char **positional = calloc((size_t)argc + 1, sizeof *positional);
  int nsets = 0, nrest = 0, npos = 0, status;
  const char *cmd_name = NULL;
  bool help = false, version = false, dashdash = false;
  if (!sets || !rest || !positional)
    return SOUK_EXIT_FAILURE;
  souk_cli_register_builtin_agents();

  /* Global options anywhere; the first word is the command; the rest is the command's. */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *value;
    if (!dashdash && strcmp(a, "--") == 0) {
      dashdash = true;
      continue;
    }
    if (!dashdash && strcmp(a, "--version") == 0 && !cmd_name) {
      version = true;
      continue;
    }
    const souk_option *o = dashdash ? NULL : match(global_options, a, &value);
    if (o) {
      int idx = (int)(o - global_options);
      if (o->arg && !value) {
        if (i + 1 >= argc) {
          status = souk_cli_usage_error(NULL, "option --%s needs a value (%s)", o->name, o->arg);
          goto out;
        }
        value = argv[++i];
      } else if (!o->arg && value) {
        status = souk_cli_usage_error(NULL, "option --%s takes no value", o->name);
        goto out;
      }
      if (strcmp(o->name, "set") == 0)
        sets[nsets++] = (char *)value;
      else if (strcmp(o->name, "help") == 0)
        help = true;
      else
        globals[idx] = o->arg ? value : "1";
      continue;
    }
    if (!cmd_name && (dashdash || a[0] != '-')) {
      cmd_name = a;
      continue;
    }
    rest[nrest++] = argv[i];
    if (dashdash)
      continue;
    /* A command option's value travels with it. */
  }

  if (version) {
    printf("souk %s\n", SOUK_VERSION_STRING);
    status = SOUK_EXIT_OK;
    goto out;
  }
  if (!cmd_name) {
    print_help(help ? stdout : stderr);
    status = help ? SOUK_EXIT_OK : SOUK_EXIT_USAGE;
    goto out;
  }
  cli.cmd = find_command(cmd_name);
  if (!cli.cmd) {
    status = souk_cli_usage_error(NULL, "unknown command '%s'", cmd_name);
    goto out;
  }
  if (help) {
    print_command_help(cli.cmd, stdout);
    status = SOUK_EXIT_OK;
    goto out;
  }

  /* The command's own options. */
  cli.raw = rest;
  cli.nraw = nrest;
  dashdash = false;
  for (int i = 0; i < nrest; i++) {
    const char *a = rest[i], *value;
    if (!dashdash && strcmp(a, "--") == 0) {
      dashdash = true;
      continue;
    }
    if (dashdash || a[0] != '-' || a[1] == '\0') {
      positional[npos++] = rest[i];
      continue;
    }
    const souk_option *o = match(cli.cmd->options, a, &value);
    if (!o) {
      status = souk_cli_usage_error(&cli, "unknown option '%s'", a);
      goto out;
    }
    int idx = (int)(o - cli.cmd->options);
    if (idx >= (int)(sizeof cli.opt / sizeof *cli.opt)) {
      status = SOUK_EXIT_FAILURE;
      goto out;
    }
    if (o->arg && !value) {
      if (i + 1 >= nrest) {
        status = souk_cli_usage_error(&cli, "option --%s needs a value (%s)", o->name, o->arg);
        goto out;
      }
      value = rest[++i];
    } else if (!o->arg && value) {
      status = souk_cli_usage_error(&cli, "option --%s takes no value", o->name);
      goto out;
    }
    cli.opt[idx] = o->arg ? value : "1";
  }
  cli.argc = npos;
  cli.argv = positional;
  cli.quiet = globals[10] != NULL;

  status = load_config(&cli, globals, sets, nsets);
  if (status == 0)
    status = setup_logging(cli.cfg);
  if (status == 0)
    status = cli.cmd->run(&cli);
out:
  souk_config_free(cli.cfg);
  souk_log_reset();
  free(sets);
  free(rest);
  free(positional);
  return status;
}
