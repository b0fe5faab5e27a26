/* SPDX-License-Identifier: MIT */
/* The log writer: level switches per subsystem, text or JSON lines, secret redaction. */
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "souk/error.h"

#define LOG_MAX_SECRETS 16
#define LOG_LINE_MAX (64 * 1024)

unsigned char souk__log_levels[SOUK_LOG_MAX_SUBSYSTEMS] = {
#define SOUK__LOG_SUB_DEFAULT(e, name) [SOUK_LOG_SUB_##e] = SOUK_LOG_INFO,
    SOUK_LOG_SUBSYSTEMS(SOUK__LOG_SUB_DEFAULT)
#undef SOUK__LOG_SUB_DEFAULT
};

typedef struct log_switch {
  char name[32];
  unsigned char level;
  bool matched;
} log_switch;

static struct {
  pthread_mutex_t lock;
  char *names[SOUK_LOG_MAX_SUBSYSTEMS]; /* registered (non built-in) names */
  int count;                            /* subsystems known, built-ins included */
  souk_log_level level;
  log_switch switches[SOUK_LOG_MAX_SUBSYSTEMS];
  int nswitches;
  souk_log_format format;
  bool color;
  FILE *file; /* NULL: stderr */
  char *secrets[LOG_MAX_SECRETS];
  int nsecrets;
  char unmatched[256];
} L = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .count = SOUK_LOG_SUB_BUILTIN_COUNT,
    .level = SOUK_LOG_INFO,
};

static const char *const builtin_names[] = {
#define SOUK__LOG_SUB_NAME(e, name) name,
    SOUK_LOG_SUBSYSTEMS(SOUK__LOG_SUB_NAME)
#undef SOUK__LOG_SUB_NAME
};

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};

const char *souk_log_level_name(souk_log_level lvl) {
  return (unsigned)lvl < sizeof level_names / sizeof *level_names ? level_names[lvl] : "?";
}

int souk_log_level_parse(const char *s) {
  if (!s)
    return -1;
  for (unsigned i = 0; i < sizeof level_names / sizeof *level_names; i++)
    if (strcasecmp(s, level_names[i]) == 0)
      return (int)i;
  if (strcasecmp(s, "warning") == 0)
    return SOUK_LOG_WARN;
  return -1;
}

const char *souk_log_subsystem_name(int sub) {
  if (sub < 0 || sub >= L.count)
    return "?";
  return sub < SOUK_LOG_SUB_BUILTIN_COUNT ? builtin_names[sub] : L.names[sub];
}

static int find_subsystem(const char *name, size_t len) {
  for (int i = 0; i < L.count; i++) {
    const char *n = souk_log_subsystem_name(i);
    if (strlen(n) == len && strncmp(n, name, len) == 0)
      return i;
  }
  return -1;
}

/* Recomputes every subsystem's level from the global level and the switches. */
static void apply_levels(void) {
  for (int i = 0; i < L.count; i++)
    souk__log_levels[i] = (unsigned char)L.level;
  for (int s = 0; s < L.nswitches; s++) {
    int sub = find_subsystem(L.switches[s].name, strlen(L.switches[s].name));
    if (sub >= 0) {
      souk__log_levels[sub] = L.switches[s].level;
      L.switches[s].matched = true;
    }
  }
}

static void set_err(char *errbuf, unsigned errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errbuf, unsigned errlen, const char *fmt, ...) {
  if (errbuf && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
  }
}

/* Parses "http:debug,ws:trace,*:warn" into switches; "debug" alone sets the global level. */
static int parse_switches(const char *spec, log_switch *out, int *nout, souk_log_level *global,
                          char *errbuf, unsigned errlen) {
  *nout = 0;
  const char *p = spec;
  while (p && *p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *colon = memchr(p, ':', len);
    char lvl[16];
    if (!colon) {
      if (len >= sizeof lvl)
        goto bad_level;
      memcpy(lvl, p, len);
      lvl[len] = '\0';
      int l = souk_log_level_parse(lvl);
      if (l < 0)
        goto bad_level;
      *global = (souk_log_level)l;
    } else {
      size_t nlen = (size_t)(colon - p), llen = len - nlen - 1;
      if (nlen == 0 || nlen >= sizeof out->name) {
        set_err(errbuf, errlen, "log switch '%.*s': expected NAME:LEVEL", (int)len, p);
        return SOUK_ECONFIG;
      }
      if (llen >= sizeof lvl)
        goto bad_level;
      memcpy(lvl, colon + 1, llen);
      lvl[llen] = '\0';
      int l = souk_log_level_parse(lvl);
      if (l < 0)
        goto bad_level;
      if (nlen == 1 && p[0] == '*') {
        *global = (souk_log_level)l;
      } else {
        if (*nout >= SOUK_LOG_MAX_SUBSYSTEMS) {
          set_err(errbuf, errlen, "log switches: too many entries at '%.*s'", (int)len, p);
          return SOUK_ECONFIG;
        }
        for (size_t i = 0; i < nlen; i++) {
          char c = p[i];
          if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
            set_err(errbuf, errlen, "log switch '%.*s': subsystem names are lower-case words", (int)len, p);
            return SOUK_ECONFIG;
          }
        }
        log_switch *sw = &out[(*nout)++];
        memcpy(sw->name, p, nlen);
        sw->name[nlen] = '\0';
        sw->level = (unsigned char)l;
        sw->matched = false;
      }
    }
    p = end ? end + 1 : NULL;
    continue;
  bad_level:
    set_err(errbuf, errlen,
            "log switch '%.*s': the level must be one of off, error, warn, info, debug, trace",
            (int)len, p);
    return SOUK_ECONFIG;
  }
  return 0;
}

int souk_log_configure(const souk_log_options *o, char *errbuf, unsigned errlen) {
  log_switch sw[SOUK_LOG_MAX_SUBSYSTEMS];
  int nsw = 0;
  souk_log_level global = o->level;
  if ((unsigned)global > SOUK_LOG_TRACE) {
    set_err(errbuf, errlen, "log level %d is out of range", (int)global);
    return SOUK_ECONFIG;
  }
  int rc = parse_switches(o->switches, sw, &nsw, &global, errbuf, errlen);
  if (rc)
    return rc;
  FILE *f = NULL;
  if (o->file && *o->file) {
    f = fopen(o->file, "a");
    if (!f) {
      set_err(errbuf, errlen, "log file '%s' cannot be opened for appending", o->file);
      return SOUK_ECONFIG;
    }
    setvbuf(f, NULL, _IOLBF, 0);
  }

  pthread_mutex_lock(&L.lock);
  if (L.file)
    fclose(L.file);
  L.file = f;
  L.level = global;
  memcpy(L.switches, sw, sizeof(log_switch) * (size_t)nsw);
  L.nswitches = nsw;
  L.format = o->format;
  FILE *out = L.file ? L.file : stderr;
  L.color = o->color == SOUK_LOG_COLOR_ALWAYS ||
            (o->color == SOUK_LOG_COLOR_AUTO && o->format == SOUK_LOG_TEXT && isatty(fileno(out)) &&
             !getenv("NO_COLOR"));
  apply_levels();
  pthread_mutex_unlock(&L.lock);
  return 0;
}

int souk_log_register(const char *name) {
  pthread_mutex_lock(&L.lock);
  int sub = find_subsystem(name, strlen(name));
  if (sub < 0 && L.count < SOUK_LOG_MAX_SUBSYSTEMS) {
    char *copy = strdup(name);
    if (copy) {
      sub = L.count++;
      L.names[sub] = copy;
      apply_levels();
    }
  }
  pthread_mutex_unlock(&L.lock);
  return sub;
}

const char *souk_log_unmatched_switches(void) {
  pthread_mutex_lock(&L.lock);
  apply_levels();
  L.unmatched[0] = '\0';
  size_t used = 0;
  for (int s = 0; s < L.nswitches; s++) {
    if (L.switches[s].matched)
      continue;
    int n = snprintf(L.unmatched + used, sizeof L.unmatched - used, "%s%s", used ? "," : "",
                     L.switches[s].name);
    if (n < 0 || (size_t)n >= sizeof L.unmatched - used)
      break;
    used += (size_t)n;
  }
  pthread_mutex_unlock(&L.lock);
  return used ? L.unmatched : NULL;
}

void souk_log_add_secret(const char *secret) {
  if (!secret || strlen(secret) < 4)
    return;
  pthread_mutex_lock(&L.lock);
  bool known = false;
  for (int i = 0; i < L.nsecrets; i++)
    known = known || strcmp(L.secrets[i], secret) == 0;
  if (!known && L.nsecrets < LOG_MAX_SECRETS) {
    char *copy = strdup(secret);
    if (copy)
      L.secrets[L.nsecrets++] = copy;
  }
  pthread_mutex_unlock(&L.lock);
}

void souk_log_reset(void) {
  pthread_mutex_lock(&L.lock);
  if (L.file)
    fclose(L.file);
  L.file = NULL;
  for (int i = 0; i < L.nsecrets; i++)
    free(L.secrets[i]);
  L.nsecrets = 0;
  for (int i = SOUK_LOG_SUB_BUILTIN_COUNT; i < L.count; i++) {
    free(L.names[i]);
    L.names[i] = NULL;
  }
  L.count = SOUK_LOG_SUB_BUILTIN_COUNT;
  L.nswitches = 0;
  L.level = SOUK_LOG_INFO;
  L.format = SOUK_LOG_TEXT;
  L.color = false;
  apply_levels();
  pthread_mutex_unlock(&L.lock);
}

/* Replaces each registered secret in `msg` (in place, in a buffer) by "[redacted]". */
static void redact(souk_buf *msg) {
  for (int i = 0; i < L.nsecrets; i++) {
    const char *secret = L.secrets[i];
    size_t slen = strlen(secret);
    char *hit;
    size_t from = 0;
    while (msg->data && (hit = strstr(msg->data + from, secret)) != NULL) {
      size_t at = (size_t)(hit - msg->data);
      souk_buf out;
      souk_buf_init(&out, LOG_LINE_MAX);
      souk_buf_add(&out, msg->data, at);
      souk_buf_adds(&out, "[redacted]");
      souk_buf_adds(&out, hit + slen);
      souk_buf_free(msg);
      *msg = out;
      from = at + 10;
    }
  }
}

static void json_escape(souk_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': souk_buf_adds(b, "\\\""); break;
    case '\\': souk_buf_adds(b, "\\\\"); break;
    case '\n': souk_buf_adds(b, "\\n"); break;
    case '\r': souk_buf_adds(b, "\\r"); break;
    case '\t': souk_buf_adds(b, "\\t"); break;
    default:
      if (*p < 0x20)
        souk_buf_printf(b, "\\u%04x", *p);
      else
        souk_buf_addc(b, (char)*p);
    }
  }
}

void souk_log_vwrite(int sub, souk_log_level lvl, const char *fmt, va_list ap) {
  static const char *const upper[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
  static const char *const colors[] = {"", "\033[1;31m", "\033[33m", "\033[32m", "\033[36m", "\033[2m"};
  if ((unsigned)lvl > SOUK_LOG_TRACE || lvl == SOUK_LOG_OFF)
    return;

  souk_buf msg;
  souk_buf_init(&msg, LOG_LINE_MAX);
  if (souk_buf_vprintf(&msg, fmt, ap) == SOUK_ETOOBIG)
    souk_buf_adds(&msg, "(log message too long)");

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[64];
  snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);

  pthread_mutex_lock(&L.lock);
  redact(&msg);
  const char *subname = souk_log_subsystem_name(sub);
  souk_buf line;
  souk_buf_init(&line, LOG_LINE_MAX * 2);
  if (L.format == SOUK_LOG_JSON) {
    souk_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"subsystem\":\"", when, level_names[lvl]);
    json_escape(&line, subname);
    souk_buf_adds(&line, "\",\"msg\":\"");
    json_escape(&line, msg.data ? msg.data : "");
    souk_buf_adds(&line, "\"}\n");
  } else if (L.color) {
    souk_buf_printf(&line, "\033[2m%.12s\033[0m %s%-5s\033[0m \033[35m%-8s\033[0m %s\n", when + 11,
                    colors[lvl], upper[lvl], subname, msg.data ? msg.data : "");
  } else {
    souk_buf_printf(&line, "%s %-5s %s: %s\n", when, upper[lvl], subname, msg.data ? msg.data : "");
  }
  FILE *out = L.file ? L.file : stderr;
  if (line.data)
    fwrite(line.data, 1, line.len, out);
  fflush(out);
  pthread_mutex_unlock(&L.lock);
  souk_buf_free(&line);
  souk_buf_free(&msg);
}

void souk_log_write(int sub, souk_log_level lvl, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  souk_log_vwrite(sub, lvl, fmt, ap);
  va_end(ap);
}
