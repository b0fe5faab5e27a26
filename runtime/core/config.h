/* SPDX-License-Identifier: MIT */
/* Configuration: every setting of core/settings.h, loaded in increasing precedence from
 * defaults, a JSON config file, a .env file, the environment and the command line.
 *
 * A bad key or value is an error naming the key, the source and the reason; nothing falls
 * back to a default silently. Secrets are redacted wherever configuration is printed and are
 * registered with the log so that they never reach a log line either.
 */
#ifndef SOUK_CORE_CONFIG_H
#define SOUK_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/errinfo.h"
#include "souk_version.h"
#include "core/settings.h"

typedef enum souk_setting_id {
#define SOUK__SETTING_ID(id, ...) SOUK_CFG_##id,
  SOUK_SETTINGS(SOUK__SETTING_ID)
#undef SOUK__SETTING_ID
  SOUK_CFG_COUNT
} souk_setting_id;

typedef enum souk_setting_type {
  SOUK_SETTING_STRING,
  SOUK_SETTING_PATH,
  SOUK_SETTING_INT,
  SOUK_SETTING_DOUBLE,
  SOUK_SETTING_BOOL,
  SOUK_SETTING_ENUM,
  SOUK_SETTING_DURATION,
  SOUK_SETTING_SIZE,
  SOUK_SETTING_URL
} souk_setting_type;

enum { SOUK_SETTING_SECRET = 1, SOUK_SETTING_URI_PASSWORD = 2 };

/* Where a value came from, in increasing precedence. */
typedef enum souk_config_source {
  SOUK_SRC_DEFAULT = 0,
  SOUK_SRC_FILE,
  SOUK_SRC_DOTENV,
  SOUK_SRC_ENV,
  SOUK_SRC_CLI
} souk_config_source;

typedef struct souk_setting_def {
  const char *key;
  const char *env;
  const char *alias_env; /* NULL or a second accepted variable (MONGODB_URI) */
  souk_setting_type type;
  const char *def;
  double min, max;
  const char *choices;
  unsigned flags;
  const char *doc;
} souk_setting_def;

typedef struct souk_config souk_config;

/* A configuration holding the defaults; NULL when out of memory. */
souk_config *souk_config_new(void);
void souk_config_free(souk_config *cfg);

const souk_setting_def *souk_setting(souk_setting_id id);
/* The id of `key` ("http.rate"), or -1. */
int souk_setting_find(const char *key);
/* The id whose environment variable (or alias) is `env`, or -1. */
int souk_setting_find_env(const char *env);

/* Each returns 0 or SOUK_ECONFIG / SOUK_EIO / SOUK_ENOENT with a sentence in `e`. */
int souk_config_load_file(souk_config *cfg, const char *path, souk_errinfo *e);
int souk_config_load_dotenv(souk_config *cfg, const char *path, souk_errinfo *e);
/* Reads SOUK_* variables (and aliases) from `envp` (NULL-terminated "K=V"); an unknown
 * SOUK_* variable is an error. Bootstrap variables (SOUK_CONFIG, SOUK_ENV_FILE) are skipped. */
int souk_config_load_env(souk_config *cfg, char *const *envp, souk_errinfo *e);
/* Sets one key from a given source ("http.rate", "0.5"). */
int souk_config_set(souk_config *cfg, const char *key, const char *value,
                    souk_config_source src, souk_errinfo *e);
int souk_config_set_id(souk_config *cfg, souk_setting_id id, const char *value,
                       souk_config_source src, souk_errinfo *e);

/* Typed reads. Strings live as long as the configuration or until the setting changes. */
const char *souk_config_str(const souk_config *cfg, souk_setting_id id);
int64_t souk_config_int(const souk_config *cfg, souk_setting_id id);    /* INT, DURATION ms, SIZE */
double souk_config_double(const souk_config *cfg, souk_setting_id id);
bool souk_config_bool(const souk_config *cfg, souk_setting_id id);
souk_config_source souk_config_source_of(const souk_config *cfg, souk_setting_id id);
const char *souk_config_source_name(souk_config_source src);

/* The value as it may be shown: secrets become "[redacted]", URI passwords "***".
 * Writes into buf and returns it. */
const char *souk_config_display(const souk_config *cfg, souk_setting_id id, char *buf, size_t len);

/* Prints every setting: a table, a JSON object or the Markdown documentation table. */
void souk_config_print(const souk_config *cfg, FILE *out);
void souk_config_print_json(const souk_config *cfg, FILE *out);
void souk_config_print_markdown(FILE *out);

/* Parsers shared with the command line: "1.5s" -> 1500, "64MiB" -> 67108864. */
int souk_parse_duration_ms(const char *s, int64_t *ms);
int souk_parse_size(const char *s, int64_t *bytes);

#endif /* SOUK_CORE_CONFIG_H */
