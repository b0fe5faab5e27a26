/* SPDX-License-Identifier: MIT */
/* Logging: levels, per-subsystem switches, text (colour on a TTY) or JSON lines, to stderr
 * or a file. Never to stdout, which belongs to the MCP stdio transport.
 *
 * A log macro checks the level before it evaluates its arguments:
 *     SOUK_WARN(HTTP, "retrying %s in %d ms", url, delay);
 * Levels are read without a lock; writing a line takes one, so threads may log.
 */
#ifndef SOUK_CORE_LOG_H
#define SOUK_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum souk_log_level {
  SOUK_LOG_OFF = 0,
  SOUK_LOG_ERROR,
  SOUK_LOG_WARN,
  SOUK_LOG_INFO,
  SOUK_LOG_DEBUG,
  SOUK_LOG_TRACE
} souk_log_level;

/* The built-in subsystems: XX(ENUM_SUFFIX, "name"). Plugins register their own at load. */
#define SOUK_LOG_SUBSYSTEMS(XX) \
  XX(CORE, "core")              \
  XX(CONFIG, "config")          \
  XX(LOOP, "loop")              \
  XX(HTTP, "http")              \
  XX(JOB, "job")                \
  XX(PLUGIN, "plugin")          \
  XX(STORE, "store")            \
  XX(AGENT, "agent")            \
  XX(CLI, "cli")                \
  XX(MCP, "mcp")                \
  XX(STDIO, "stdio")            \
  XX(WS, "ws")                  \
  XX(HTTPD, "httpd")            \
  XX(TOOLS, "tools")            \
  XX(LLM, "llm")

enum {
#define SOUK__LOG_SUB_ENUM(e, name) SOUK_LOG_SUB_##e,
  SOUK_LOG_SUBSYSTEMS(SOUK__LOG_SUB_ENUM)
#undef SOUK__LOG_SUB_ENUM
  SOUK_LOG_SUB_BUILTIN_COUNT
};

#define SOUK_LOG_MAX_SUBSYSTEMS 64

extern unsigned char souk__log_levels[SOUK_LOG_MAX_SUBSYSTEMS];

#define souk_log_enabled(sub, lvl) ((unsigned)(lvl) <= souk__log_levels[(sub)])

#define SOUK_LOG(sub, lvl, ...)                \
  do {                                         \
    if (souk_log_enabled((sub), (lvl)))        \
      souk_log_write((sub), (lvl), __VA_ARGS__); \
  } while (0)

#define SOUK_ERROR(sub, ...) SOUK_LOG(SOUK_LOG_SUB_##sub, SOUK_LOG_ERROR, __VA_ARGS__)
#define SOUK_WARN(sub, ...) SOUK_LOG(SOUK_LOG_SUB_##sub, SOUK_LOG_WARN, __VA_ARGS__)
#define SOUK_INFO(sub, ...) SOUK_LOG(SOUK_LOG_SUB_##sub, SOUK_LOG_INFO, __VA_ARGS__)
#define SOUK_DEBUG(sub, ...) SOUK_LOG(SOUK_LOG_SUB_##sub, SOUK_LOG_DEBUG, __VA_ARGS__)
#define SOUK_TRACE(sub, ...) SOUK_LOG(SOUK_LOG_SUB_##sub, SOUK_LOG_TRACE, __VA_ARGS__)

typedef enum souk_log_format { SOUK_LOG_TEXT = 0, SOUK_LOG_JSON } souk_log_format;
typedef enum souk_log_color { SOUK_LOG_COLOR_AUTO = 0, SOUK_LOG_COLOR_ALWAYS, SOUK_LOG_COLOR_NEVER } souk_log_color;

typedef struct souk_log_options {
  souk_log_level level;    /* every subsystem without a switch of its own */
  const char *switches;    /* "http:debug,ws:trace"; NULL or "" for none */
  souk_log_format format;
  souk_log_color color;
  const char *file;        /* append here instead of stderr; NULL for stderr */
} souk_log_options;

/* Applies the options. On a bad switch list or an unopenable file returns SOUK_ECONFIG and,
 * if errbuf is given, a sentence saying what is wrong. Logging keeps its previous state. */
int souk_log_configure(const souk_log_options *o, char *errbuf, unsigned errlen);

/* Parses "error|warn|info|debug|trace|off" (case-insensitive); -1 when unknown. */
int souk_log_level_parse(const char *s);
const char *souk_log_level_name(souk_log_level lvl);

/* Registers a subsystem by name (a plugin's name) and returns its index, the existing index
 * when the name is known, or -1 when the table is full. Switches naming it now apply. */
int souk_log_register(const char *name);
const char *souk_log_subsystem_name(int sub);

/* Names in the switch list that matched no subsystem, comma-separated, or NULL. Called after
 * plugins load, to warn about typos. The string lives until the next configure. */
const char *souk_log_unmatched_switches(void);

/* Every later line has each occurrence of `secret` replaced by "[redacted]". Values shorter
 * than 4 bytes are ignored (they would redact ordinary words). */
void souk_log_add_secret(const char *secret);

void souk_log_write(int sub, souk_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void souk_log_vwrite(int sub, souk_log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Closes the log file and forgets secrets and registered subsystems (tests, exit). */
void souk_log_reset(void);

#endif /* SOUK_CORE_LOG_H */
