/* SPDX-License-Identifier: MIT */
/* Logging: levels, per-subsystem switches, lazy arguments, JSON lines, bad switches. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/log.h"
#include "souk/error.h"

static char logpath[4096];

static void use_file(souk_log_level level, const char *switches, souk_log_format fmt) {
  snprintf(logpath, sizeof logpath, "%s/log.txt", souk_test_tmpdir());
  remove(logpath);
  souk_log_options lo = {.level = level, .switches = switches, .format = fmt, .file = logpath};
  char err[256];
  CHECK_INT(souk_log_configure(&lo, err, sizeof err), ==, 0);
}

static char *read_log(void) {
  souk_log_reset(); /* closes the file */
  FILE *f = fopen(logpath, "r");
  if (!f)
    return strdup("");
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static int evaluations;
static const char *counted(void) {
  evaluations++;
  return "x";
}

TEST(levels_and_switches) {
  use_file(SOUK_LOG_WARN, "http:debug,store:off", SOUK_LOG_TEXT);
  SOUK_INFO(CORE, "core info hidden");
  SOUK_WARN(CORE, "core warn shown");
  SOUK_DEBUG(HTTP, "http debug shown");
  SOUK_TRACE(HTTP, "http trace hidden");
  SOUK_ERROR(STORE, "store error hidden");
  evaluations = 0;
  SOUK_DEBUG(CORE, "not evaluated %s", counted());
  CHECK_INT(evaluations, ==, 0);
  char *text = read_log();
  CHECK(strstr(text, "core info hidden") == NULL);
  CHECK_HAS(text, "WARN  core: core warn shown");
  CHECK_HAS(text, "DEBUG http: http debug shown");
  CHECK(strstr(text, "http trace hidden") == NULL);
  CHECK(strstr(text, "store error hidden") == NULL);
  SAY("global warn, http:debug, store:off each held; disabled levels do not evaluate arguments");
}

TEST(star_and_plugin_subsystems) {
  use_file(SOUK_LOG_INFO, "*:error,myagent:trace", SOUK_LOG_TEXT);
  SOUK_WARN(HTTP, "hidden by star");
  int sub = souk_log_register("myagent");
  CHECK(sub >= SOUK_LOG_SUB_BUILTIN_COUNT);
  CHECK_INT(souk_log_register("myagent"), ==, sub);
  SOUK_LOG(sub, SOUK_LOG_TRACE, "agent trace %d", 7);
  CHECK(souk_log_unmatched_switches() == NULL);
  char *text = read_log();
  CHECK(strstr(text, "hidden by star") == NULL);
  CHECK_HAS(text, "myagent: agent trace 7");
  use_file(SOUK_LOG_INFO, "htp:debug", SOUK_LOG_TEXT);
  CHECK_STR(souk_log_unmatched_switches(), "htp");
  read_log();
  SAY("*:error sets the rest; a plugin's subsystem registered later gets its switch; typos reported");
}

TEST(json_lines) {
  use_file(SOUK_LOG_INFO, NULL, SOUK_LOG_JSON);
  SOUK_INFO(MCP, "quote \" backslash \\ newline \n tab \t ctrl \x01 done");
  char *text = read_log();
  json_error_t err;
  json_t *j = json_loads(text, 0, &err);
  CHECK_MSG(j != NULL, "not JSON: %s (%s)", text, err.text);
  CHECK_STR(json_string_value(json_object_get(j, "level")), "info");
  CHECK_STR(json_string_value(json_object_get(j, "subsystem")), "mcp");
  CHECK_STR(json_string_value(json_object_get(j, "msg")),
            "quote \" backslash \\ newline \n tab \t ctrl \x01 done");
  CHECK(json_string_value(json_object_get(j, "ts")) != NULL);
  json_decref(j);
  SAY("a JSON log line parses back to the exact message with ts, level and subsystem");
}

TEST(bad_switches) {
  char err[256];
  const char *bad[] = {"http:loud", "http", "Http:debug", ":debug", "a:b:c", NULL};
  for (int i = 0; bad[i]; i++) {
    souk_log_options lo = {.level = SOUK_LOG_INFO, .switches = bad[i]};
    int rc = souk_log_configure(&lo, err, sizeof err);
    if (strcmp(bad[i], "http") == 0) {
      CHECK_INT(rc, ==, SOUK_ECONFIG); /* "http" alone is not a level */
    } else {
      CHECK_INT(rc, ==, SOUK_ECONFIG);
    }
    SAY("'%s' refused: %s", bad[i], err);
  }
  souk_log_options lo = {.level = SOUK_LOG_INFO, .file = "/nonexistent-dir/x.log"};
  CHECK_INT(souk_log_configure(&lo, err, sizeof err), ==, SOUK_ECONFIG);
  CHECK_HAS(err, "cannot be opened");
  CHECK_INT(souk_log_level_parse("WARNING"), ==, SOUK_LOG_WARN);
  CHECK_INT(souk_log_level_parse("nope"), ==, -1);
  souk_log_reset();
}
