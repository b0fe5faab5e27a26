/* SPDX-License-Identifier: MIT */
/* Configuration: precedence of the sources, errors that name the key and the reason, secret
 * redaction, and the documentation table kept equal to docs/configuration.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/config.h"
#include "core/log.h"
#include "souk/error.h"

static char *write_file(const char *name, const char *text) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", souk_test_tmpdir(), name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
  return path;
}

TEST(defaults_valid) {
  souk_config *cfg = souk_config_new();
  CHECK(cfg != NULL); /* a default failing its own validation would return NULL */
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_DATA_DIR), "./data");
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_OUTPUT_DIR), "./outputs");
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_TIMEOUT), ==, 60000);
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_MAX_BODY), ==, 64 * 1024 * 1024);
  CHECK(souk_config_double(cfg, SOUK_CFG_HTTP_RATE) == 2.0);
  CHECK_INT(souk_config_source_of(cfg, SOUK_CFG_DATA_DIR), ==, SOUK_SRC_DEFAULT);
  souk_config_free(cfg);
  SAY("every default passes its own validation; data_dir ./data, output_dir ./outputs");
}

TEST(precedence) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  const char *json = write_file("souk.json",
                                "{\"data_dir\": \"from-file\", \"output_dir\": \"out-file\",\n"
                                " \"http\": {\"rate\": 0.5, \"retries\": 3, \"timeout\": \"2s\"},\n"
                                " \"log.level\": \"debug\"}");
  CHECK_INT(souk_config_load_file(cfg, json, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_DATA_DIR), "from-file");
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_RETRIES), ==, 3);
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_TIMEOUT), ==, 2000);
  CHECK(souk_config_double(cfg, SOUK_CFG_HTTP_RATE) == 0.5);

  const char *dotenv = write_file(".env", "# comment\n"
                                          "export SOUK_DATA_DIR=from-dotenv\n"
                                          "SOUK_HTTP_RETRIES = \"4\"  \n"
                                          "SOUK_USER_AGENT='agent # not a comment'\n"
                                          "OTHER_TOOL_VAR=ignored\n"
                                          "SOUK_HTTP_TIMEOUT=5s # trailing comment\n");
  CHECK_INT(souk_config_load_dotenv(cfg, dotenv, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_DATA_DIR), "from-dotenv");
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_OUTPUT_DIR), "out-file");
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_RETRIES), ==, 4);
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_TIMEOUT), ==, 5000);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_HTTP_USER_AGENT), "agent # not a comment");

  char *envp[] = {"SOUK_DATA_DIR=from-env", "PATH=/usr/bin", "SOUK_CONFIG=ignored.json", NULL};
  CHECK_INT(souk_config_load_env(cfg, envp, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_DATA_DIR), "from-env");
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_RETRIES), ==, 4);

  CHECK_INT(souk_config_set(cfg, "data_dir", "from-cli", SOUK_SRC_CLI, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_DATA_DIR), "from-cli");
  CHECK_INT(souk_config_source_of(cfg, SOUK_CFG_DATA_DIR), ==, SOUK_SRC_CLI);
  CHECK_INT(souk_config_source_of(cfg, SOUK_CFG_HTTP_RETRIES), ==, SOUK_SRC_DOTENV);
  CHECK_INT(souk_config_source_of(cfg, SOUK_CFG_OUTPUT_DIR), ==, SOUK_SRC_FILE);
  CHECK_INT(souk_config_source_of(cfg, SOUK_CFG_HTTP_BURST), ==, SOUK_SRC_DEFAULT);
  souk_config_free(cfg);
  SAY("data_dir: default < file < .env < environment < command line, each source recorded");
}

TEST(mongodb_alias) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  const char *dotenv = write_file(".env", "MONGODB_URI=mongodb://alias:pw1@h1/db\n");
  CHECK_INT(souk_config_load_dotenv(cfg, dotenv, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_MONGODB_URI), "mongodb://alias:pw1@h1/db");
  dotenv = write_file(".env2", "SOUK_MONGODB_URI=mongodb://own:pw2@h2/db\nMONGODB_URI=mongodb://alias:pw1@h1/db\n");
  CHECK_INT(souk_config_load_dotenv(cfg, dotenv, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_MONGODB_URI), "mongodb://own:pw2@h2/db");
  char *envp[] = {"SOUK_MONGODB_URI=mongodb://env:pw3@h3/db", "MONGODB_URI=mongodb://x:y@z/db", NULL};
  CHECK_INT(souk_config_load_env(cfg, envp, &e), ==, 0);
  CHECK_STR(souk_config_str(cfg, SOUK_CFG_MONGODB_URI), "mongodb://env:pw3@h3/db");
  souk_config_free(cfg);
  souk_log_reset();
  SAY("MONGODB_URI is read as an alias; SOUK_MONGODB_URI wins within a source");
}

static void expect_error(int rc, const souk_errinfo *e, const char *needle) {
  CHECK_INT(rc, ==, SOUK_ECONFIG);
  CHECK_HAS(e->text, needle);
  SAY("refused: %s", e->text);
}

TEST(errors_name_key_and_reason) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  expect_error(souk_config_set(cfg, "http.rat", "2", SOUK_SRC_CLI, &e), &e, "did you mean 'http.rate'");
  expect_error(souk_config_set(cfg, "http.rate", "fast", SOUK_SRC_CLI, &e), &e, "expected a number");
  expect_error(souk_config_set(cfg, "http.rate", "-1", SOUK_SRC_CLI, &e), &e, "must be between");
  expect_error(souk_config_set(cfg, "http.retries", "2.5", SOUK_SRC_CLI, &e), &e, "whole number");
  expect_error(souk_config_set(cfg, "http.timeout", "soon", SOUK_SRC_CLI, &e), &e, "duration");
  expect_error(souk_config_set(cfg, "http.max_body", "12XB", SOUK_SRC_CLI, &e), &e, "size");
  expect_error(souk_config_set(cfg, "log.level", "loud", SOUK_SRC_CLI, &e), &e, "must be one of");
  CHECK_INT(souk_config_int(cfg, SOUK_CFG_HTTP_RETRIES), ==, 5); /* unchanged by failures */

  const char *f = write_file("a.json", "{\"http\": {\"rate\": true}}");
  expect_error(souk_config_load_file(cfg, f, &e), &e, "wrong type");
  f = write_file("b.json", "{\"nope\": 1}");
  expect_error(souk_config_load_file(cfg, f, &e), &e, "unknown key 'nope'");
  f = write_file("c.json", "{\"data_dir\": \"a\", \"data_dir\": \"b\"}");
  expect_error(souk_config_load_file(cfg, f, &e), &e, "duplicate");
  f = write_file("d.json", "{\"data_dir\": ");
  expect_error(souk_config_load_file(cfg, f, &e), &e, "line 1");
  f = write_file("e.json", "[1, 2]");
  expect_error(souk_config_load_file(cfg, f, &e), &e, "JSON object");
  CHECK_INT(souk_config_load_file(cfg, "/nonexistent/souk.json", &e), ==, SOUK_ENOENT);

  f = write_file("bad.env", "SOUK_HTTP_RETRIES=3\nSOUK_HTTP_RETRYS=4\n");
  expect_error(souk_config_load_dotenv(cfg, f, &e), &e, "did you mean 'SOUK_HTTP_RETRIES'");
  CHECK_HAS(e.text, "line 2");
  f = write_file("bad2.env", "SOUK_USER_AGENT=\"unterminated\n");
  expect_error(souk_config_load_dotenv(cfg, f, &e), &e, "unterminated");
  f = write_file("bad3.env", "just words\n");
  expect_error(souk_config_load_dotenv(cfg, f, &e), &e, "NAME=VALUE");
  char *envp[] = {"SOUK_DATADIR=x", NULL};
  expect_error(souk_config_load_env(cfg, envp, &e), &e, "unknown variable SOUK_DATADIR");
  souk_config_free(cfg);
}

TEST(secrets_redacted) {
  souk_config *cfg = souk_config_new();
  souk_errinfo e = {0};
  CHECK_INT(souk_config_set(cfg, "store.mongodb_uri", "mongodb://user:s3cr3tpass@db.example:27017/souk",
                            SOUK_SRC_CLI, &e), ==, 0);
  char shown[512];
  souk_config_display(cfg, SOUK_CFG_MONGODB_URI, shown, sizeof shown);
  CHECK_STR(shown, "mongodb://user:***@db.example:27017/souk");

  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  souk_config_print(cfg, out);
  souk_config_print_json(cfg, out);
  fclose(out);
  CHECK(strstr(buf, "s3cr3tpass") == NULL);
  CHECK_HAS(buf, "user:***@db.example");
  free(buf);

  /* The log never shows it either. */
  const char *logpath = write_file("log.txt", "");
  souk_log_options lo = {.level = SOUK_LOG_INFO, .file = logpath};
  CHECK_INT(souk_log_configure(&lo, NULL, 0), ==, 0);
  SOUK_INFO(STORE, "connecting to mongodb://user:s3cr3tpass@db.example:27017/souk");
  souk_log_reset();
  FILE *f = fopen(logpath, "r");
  char line[512] = "";
  CHECK(fgets(line, sizeof line, f) != NULL);
  fclose(f);
  CHECK(strstr(line, "s3cr3tpass") == NULL);
  CHECK_HAS(line, "user:[redacted]@db.example");
  /* A bad value of a secret setting is not echoed in the error. */
  souk_config_free(cfg);
  SAY("Mongo URI password hidden in the table, in JSON and in log lines: %s", shown);
}

TEST(parsers) {
  int64_t v;
  CHECK_INT(souk_parse_duration_ms("1.5s", &v), ==, 0);
  CHECK_INT(v, ==, 1500);
  CHECK_INT(souk_parse_duration_ms("250ms", &v), ==, 0);
  CHECK_INT(v, ==, 250);
  CHECK_INT(souk_parse_duration_ms("2m", &v), ==, 0);
  CHECK_INT(v, ==, 120000);
  CHECK_INT(souk_parse_duration_ms("3", &v), ==, 0);
  CHECK_INT(v, ==, 3000);
  CHECK_INT(souk_parse_duration_ms("-1s", &v), ==, SOUK_EINVAL);
  CHECK_INT(souk_parse_duration_ms("1 fortnight", &v), ==, SOUK_EINVAL);
  CHECK_INT(souk_parse_size("64MiB", &v), ==, 0);
  CHECK_INT(v, ==, 64 << 20);
  CHECK_INT(souk_parse_size("1.5K", &v), ==, 0);
  CHECK_INT(v, ==, 1536);
  CHECK_INT(souk_parse_size("1e30", &v), ==, SOUK_EINVAL);
  CHECK_INT(souk_parse_size("nan", &v), ==, SOUK_EINVAL);
  SAY("durations (ms, s, m, h) and sizes (K, KiB, MB, ...) parse; negatives and garbage refused");
}

TEST(docs_table_current) {
  char path[4096];
  snprintf(path, sizeof path, "%s/../docs/configuration.md", souk_test_source_dir());
  FILE *f = fopen(path, "r");
  CHECK_MSG(f != NULL, "docs/configuration.md is missing");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *doc = malloc((size_t)n + 1);
  CHECK(fread(doc, 1, (size_t)n, f) == (size_t)n);
  doc[n] = '\0';
  fclose(f);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  souk_config_print_markdown(out);
  fclose(out);
  CHECK_MSG(strstr(doc, buf) != NULL,
            "docs/configuration.md does not contain the current settings table; regenerate it "
            "with `souk config --markdown`");
  free(buf);
  free(doc);
  SAY("docs/configuration.md holds the table generated from settings.h (%d settings)", SOUK_CFG_COUNT);
}
