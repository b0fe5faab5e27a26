/* SPDX-License-Identifier: MIT */
/* Loading, validating, reading and printing the settings of core/settings.h. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/log.h"
#include "souk/error.h"

static const souk_setting_def defs[SOUK_CFG_COUNT] = {
#define SOUK__SETTING_DEF(id, key, env, alias, type, def, min, max, choices, flags, doc) \
  [SOUK_CFG_##id] = {key, env, alias, SOUK_SETTING_##type, def, min, max, choices, flags, doc},
    SOUK_SETTINGS(SOUK__SETTING_DEF)
#undef SOUK__SETTING_DEF
};

typedef struct config_value {
  char *str;       /* the value as given (owned) */
  int64_t i;       /* INT, BOOL, DURATION (ms), SIZE (bytes), ENUM (index) */
  double d;        /* DOUBLE */
  souk_config_source src;
} config_value;

struct souk_config {
  config_value v[SOUK_CFG_COUNT];
};

static const char *const source_names[] = {"default", "config file", ".env", "environment",
                                           "command line"};

const char *souk_config_source_name(souk_config_source src) {
  return (unsigned)src < sizeof source_names / sizeof *source_names ? source_names[src] : "?";
}

const souk_setting_def *souk_setting(souk_setting_id id) {
  return (unsigned)id < SOUK_CFG_COUNT ? &defs[id] : NULL;
}

int souk_setting_find(const char *key) {
  for (int i = 0; i < SOUK_CFG_COUNT; i++)
    if (strcmp(defs[i].key, key) == 0)
      return i;
  return -1;
}

int souk_setting_find_env(const char *env) {
  for (int i = 0; i < SOUK_CFG_COUNT; i++)
    if (strcmp(defs[i].env, env) == 0 || (defs[i].alias_env && strcmp(defs[i].alias_env, env) == 0))
      return i;
  return -1;
}

/* Edit distance, for "did you mean" hints on unknown keys. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63)
    return 99;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t best = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      prev = cur;
    }
  }
  return row[lb];
}

/* " (did you mean 'http.rate'?)" or "" */
static void suggest(const char *name, bool env, char *out, size_t len) {
  size_t best = 4;
  const char *pick = NULL;
  for (int i = 0; i < SOUK_CFG_COUNT; i++) {
    const char *cand = env ? defs[i].env : defs[i].key;
    size_t d = edit_distance(name, cand);
    if (d < best) {
      best = d;
      pick = cand;
    }
  }
  if (pick)
    snprintf(out, len, " (did you mean '%s'?)", pick);
  else
    out[0] = '\0';
}

int souk_parse_duration_ms(const char *s, int64_t *ms) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno || !isfinite(v) || v < 0)
    return SOUK_EINVAL;
  while (*end == ' ')
    end++;
  double mult;
  if (*end == '\0' || strcmp(end, "s") == 0)
    mult = 1000;
  else if (strcmp(end, "ms") == 0)
    mult = 1;
  else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
    mult = 60000;
  else if (strcmp(end, "h") == 0)
    mult = 3600000;
  else if (strcmp(end, "d") == 0)
    mult = 86400000;
  else
    return SOUK_EINVAL;
  double r = v * mult;
  if (r > 9e15)
    return SOUK_EINVAL;
  *ms = (int64_t)llround(r);
  return 0;
}

int souk_parse_size(const char *s, int64_t *bytes) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno || !isfinite(v) || v < 0)
    return SOUK_EINVAL;
  while (*end == ' ')
    end++;
  static const struct {
    const char *suffix;
    double mult;
  } units[] = {{"", 1},     {"B", 1},         {"K", 1024},           {"KiB", 1024},
               {"KB", 1000}, {"M", 1048576},   {"MiB", 1048576},      {"MB", 1e6},
               {"G", 1073741824.0}, {"GiB", 1073741824.0}, {"GB", 1e9}};
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if (strcmp(end, units[i].suffix) == 0) {
      double r = v * units[i].mult;
      if (r > 9e15)
        return SOUK_EINVAL;
      *bytes = (int64_t)llround(r);
      return 0;
    }
  }
  return SOUK_EINVAL;
}

/* Checks `value` against the setting and fills `out`; `where` names the source for errors. */
static int parse_value(souk_setting_id id, const char *value, config_value *out, const char *where,
                       souk_errinfo *e) {
  const souk_setting_def *d = &defs[id];
  /* A value that may hold a secret is never echoed in an error. */
  const char *shown = d->flags & (SOUK_SETTING_SECRET | SOUK_SETTING_URI_PASSWORD) ? "[redacted]" : value;
  char *end;
  switch (d->type) {
  case SOUK_SETTING_STRING:
  case SOUK_SETTING_PATH:
    break;
  case SOUK_SETTING_URL:
    if (*value && strncasecmp(value, "http://", 7) != 0 && strncasecmp(value, "https://", 8) != 0)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': expected an http:// or https:// URL",
                              where, d->key, shown);
    break;
  case SOUK_SETTING_INT: {
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (end == value || *end || errno)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': expected a whole number", where,
                              d->key, shown);
    if (v < d->min || v > d->max)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = %lld: must be between %.0f and %.0f",
                              where, d->key, v, d->min, d->max);
    out->i = v;
    break;
  }
  case SOUK_SETTING_DOUBLE: {
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end || errno || !isfinite(v))
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': expected a number", where, d->key,
                              shown);
    if (v < d->min || v > d->max)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = %g: must be between %g and %g", where,
                              d->key, v, d->min, d->max);
    out->d = v;
    break;
  }
  case SOUK_SETTING_BOOL:
    if (!strcasecmp(value, "1") || !strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
        !strcasecmp(value, "on"))
      out->i = 1;
    else if (!strcasecmp(value, "0") || !strcasecmp(value, "false") || !strcasecmp(value, "no") ||
             !strcasecmp(value, "off"))
      out->i = 0;
    else
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': expected true or false", where,
                              d->key, shown);
    break;
  case SOUK_SETTING_ENUM: {
    int index = 0;
    const char *c = d->choices;
    size_t vlen = strlen(value);
    while (c) {
      const char *bar = strchr(c, '|');
      size_t clen = bar ? (size_t)(bar - c) : strlen(c);
      if (clen == vlen && strncasecmp(c, value, vlen) == 0) {
        out->i = index;
        break;
      }
      index++;
      c = bar ? bar + 1 : NULL;
    }
    if (!c)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': must be one of %s", where, d->key,
                              shown, d->choices);
    break;
  }
  case SOUK_SETTING_DURATION:
  case SOUK_SETTING_SIZE: {
    bool dur = d->type == SOUK_SETTING_DURATION;
    int64_t v;
    if ((dur ? souk_parse_duration_ms(value, &v) : souk_parse_size(value, &v)) != 0)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': expected %s", where, d->key, shown,
                              dur ? "a duration such as 30s, 500ms, 2m"
                                  : "a size such as 1024, 512KiB, 64MiB");
    if (v < d->min || v > d->max)
      return souk_errinfo_set(e, SOUK_ECONFIG, "%s: %s = '%s': must be between %.0f and %.0f %s",
                              where, d->key, shown, d->min, d->max, dur ? "ms" : "bytes");
    out->i = v;
    break;
  }
  }
  return 0;
}

/* Registers the secret parts of a value with the log, so that no line ever shows them. */
static void register_secret(const souk_setting_def *d, const char *value) {
  if (!*value)
    return;
  if (d->flags & SOUK_SETTING_SECRET)
    souk_log_add_secret(value);
  if (d->flags & SOUK_SETTING_URI_PASSWORD) {
    const char *scheme = strstr(value, "://");
    const char *start = scheme ? scheme + 3 : value;
    const char *at = strrchr(start, '@');
    const char *colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
    if (colon && at > colon + 1) {
      char pw[256];
      size_t n = (size_t)(at - colon - 1);
      if (n < sizeof pw) {
        memcpy(pw, colon + 1, n);
        pw[n] = '\0';
        souk_log_add_secret(pw);
      }
    }
  }
}

/* Validates and stores one value; `where` names the source in error messages. */
static int config_assign(souk_config *cfg, souk_setting_id id, const char *value,
                         souk_config_source src, const char *where, souk_errinfo *e) {
  config_value nv = {0};
  int rc = parse_value(id, value, &nv, where, e);
  if (rc)
    return rc;
  nv.str = strdup(value);
  if (!nv.str)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  nv.src = src;
  free(cfg->v[id].str);
  cfg->v[id] = nv;
  register_secret(&defs[id], value);
  return 0;
}

int souk_config_set_id(souk_config *cfg, souk_setting_id id, const char *value,
                       souk_config_source src, souk_errinfo *e) {
  if ((unsigned)id >= SOUK_CFG_COUNT || !value)
    return souk_errinfo_set(e, SOUK_EINVAL, "no such setting");
  return config_assign(cfg, id, value, src, souk_config_source_name(src), e);
}

int souk_config_set(souk_config *cfg, const char *key, const char *value, souk_config_source src,
                    souk_errinfo *e) {
  int id = souk_setting_find(key);
  if (id < 0) {
    char hint[80];
    suggest(key, false, hint, sizeof hint);
    return souk_errinfo_set(e, SOUK_ECONFIG, "%s: unknown setting '%s'%s",
                            souk_config_source_name(src), key, hint);
  }
  return souk_config_set_id(cfg, (souk_setting_id)id, value, src, e);
}

souk_config *souk_config_new(void) {
  souk_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg)
    return NULL;
  for (int i = 0; i < SOUK_CFG_COUNT; i++) {
    if (souk_config_set_id(cfg, (souk_setting_id)i, defs[i].def, SOUK_SRC_DEFAULT, NULL) != 0) {
      /* A default that fails its own validation is a bug in settings.h; tests catch it. */
      souk_config_free(cfg);
      return NULL;
    }
  }
  return cfg;
}

void souk_config_free(souk_config *cfg) {
  if (!cfg)
    return;
  for (int i = 0; i < SOUK_CFG_COUNT; i++)
    free(cfg->v[i].str);
  free(cfg);
}

/* Walks a JSON object, joining nested keys with dots. */
static int load_json_object(souk_config *cfg, json_t *obj, const char *prefix, const char *path,
                            souk_errinfo *e) {
  const char *k;
  json_t *val;
  json_object_foreach(obj, k, val) {
    char key[128];
    int n = snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
    if (n < 0 || (size_t)n >= sizeof key)
      return souk_errinfo_set(e, SOUK_ECONFIG, "config file %s: key '%s' is too long", path, k);
    if (json_is_object(val)) {
      int rc = load_json_object(cfg, val, key, path, e);
      if (rc)
        return rc;
      continue;
    }
    int id = souk_setting_find(key);
    if (id < 0) {
      char hint[80];
      suggest(key, false, hint, sizeof hint);
      return souk_errinfo_set(e, SOUK_ECONFIG, "config file %s: unknown key '%s'%s", path, key,
                              hint);
    }
    const souk_setting_def *d = &defs[id];
    char text[64];
    const char *value = NULL;
    if (json_is_string(val)) {
      value = json_string_value(val);
    } else if (json_is_integer(val) && (d->type == SOUK_SETTING_INT || d->type == SOUK_SETTING_DOUBLE ||
                                        d->type == SOUK_SETTING_DURATION || d->type == SOUK_SETTING_SIZE)) {
      snprintf(text, sizeof text, "%lld", (long long)json_integer_value(val));
      value = text;
    } else if (json_is_real(val) && (d->type == SOUK_SETTING_DOUBLE || d->type == SOUK_SETTING_DURATION)) {
      snprintf(text, sizeof text, "%.17g", json_real_value(val));
      value = text;
    } else if (json_is_boolean(val) && d->type == SOUK_SETTING_BOOL) {
      value = json_is_true(val) ? "true" : "false";
    } else {
      static const char *const tn[] = {"a string", "a path", "a whole number", "a number",
                                       "true or false", "a string", "a duration", "a size", "a URL"};
      return souk_errinfo_set(e, SOUK_ECONFIG, "config file %s: %s: wrong type, expected %s", path,
                              key, tn[d->type]);
    }
    char where[300];
    snprintf(where, sizeof where, "config file %s", path);
    int rc = config_assign(cfg, (souk_setting_id)id, value, SOUK_SRC_FILE, where, e);
    if (rc)
      return rc;
  }
  return 0;
}

int souk_config_load_file(souk_config *cfg, const char *path, souk_errinfo *e) {
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    if (json_error_code(&jerr) == json_error_cannot_open_file)
      return souk_errinfo_set(e, SOUK_ENOENT, "config file %s: cannot be opened", path);
    return souk_errinfo_set(e, SOUK_ECONFIG, "config file %s: line %d column %d: %s", path,
                            jerr.line, jerr.column, jerr.text);
  }
  int rc;
  if (!json_is_object(root))
    rc = souk_errinfo_set(e, SOUK_ECONFIG, "config file %s: the top level must be a JSON object",
                          path);
  else
    rc = load_json_object(cfg, root, "", path, e);
  json_decref(root);
  return rc;
}

static bool is_bootstrap_env(const char *name) {
  return strcmp(name, "SOUK_CONFIG") == 0 || strcmp(name, "SOUK_ENV_FILE") == 0;
}

/* Applies one NAME=VALUE from the environment or a .env file. Variables that are not souk's
 * are ignored; an unknown SOUK_* name is an error (a typo would otherwise be silent). */
static int apply_env_var(souk_config *cfg, const char *name, const char *value,
                         souk_config_source src, const char *where, souk_errinfo *e) {
  if (is_bootstrap_env(name))
    return 0;
  int id = souk_setting_find_env(name);
  if (id < 0) {
    if (strncmp(name, "SOUK_", 5) != 0)
      return 0;
    char hint[80];
    suggest(name, true, hint, sizeof hint);
    return souk_errinfo_set(e, SOUK_ECONFIG, "%s: unknown variable %s%s", where, name, hint);
  }
  /* SOUK_MONGODB_URI beats its alias MONGODB_URI from the same source. */
  if (defs[id].alias_env && strcmp(name, defs[id].alias_env) == 0 && cfg->v[id].src == src)
    return 0;
  char w[300];
  snprintf(w, sizeof w, "%s: %s", where, name);
  return config_assign(cfg, (souk_setting_id)id, value, src, w, e);
}

int souk_config_load_env(souk_config *cfg, char *const *envp, souk_errinfo *e) {
  /* Two passes so that SOUK_* names beat their aliases whatever the order of envp. */
  for (int pass = 0; pass < 2; pass++) {
    for (char *const *p = envp; p && *p; p++) {
      const char *eq = strchr(*p, '=');
      if (!eq || (size_t)(eq - *p) >= 128)
        continue;
      char name[128];
      memcpy(name, *p, (size_t)(eq - *p));
      name[eq - *p] = '\0';
      bool is_alias = strncmp(name, "SOUK_", 5) != 0;
      if ((pass == 0) != is_alias)
        continue;
      int rc = apply_env_var(cfg, name, eq + 1, SOUK_SRC_ENV, "environment", e);
      if (rc)
        return rc;
    }
  }
  return 0;
}

/* Parses one .env value: bare (trailing comment allowed), 'single' (literal) or "double"
 * (with \n \t \" \\ escapes). */
static int dotenv_value(const char *p, souk_buf *out) {
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '\'' || *p == '"') {
    char q = *p++;
    while (*p && *p != q) {
      char c = *p++;
      if (q == '"' && c == '\\' && *p) {
        char n = *p++;
        c = n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
      }
      if (souk_buf_addc(out, c))
        return SOUK_ETOOBIG;
    }
    if (*p != q)
      return SOUK_EPARSE;
    p++;
    while (*p == ' ' || *p == '\t')
      p++;
    return (*p == '\0' || *p == '#') ? 0 : SOUK_EPARSE;
  }
  const char *end = p + strlen(p);
  const char *hash = strstr(p, " #");
  if (hash)
    end = hash;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  return souk_buf_add(out, p, (size_t)(end - p));
}

int souk_config_load_dotenv(souk_config *cfg, const char *path, souk_errinfo *e) {
  FILE *f = fopen(path, "r");
  if (!f)
    return souk_errinfo_set(e, SOUK_ENOENT, ".env file %s: cannot be opened", path);
  char line[8192];
  int lineno = 0, rc = 0;
  /* Collect first, apply SOUK_* after aliases so that they win. */
  struct {
    char *name, *value;
    int line;
  } vars[256];
  int nvars = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = souk_errinfo_set(e, SOUK_ECONFIG, ".env file %s: line %d is too long", path, lineno);
      break;
    }
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '\0' || *p == '#')
      continue;
    if (strncmp(p, "export ", 7) == 0)
      p += 7;
    char *eq = strchr(p, '=');
    if (!eq) {
      rc = souk_errinfo_set(e, SOUK_ECONFIG, ".env file %s: line %d: expected NAME=VALUE", path,
                            lineno);
      break;
    }
    char *name_end = eq;
    while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
      name_end--;
    *name_end = '\0';
    for (char *c = p; *c; c++) {
      if (!(isalnum((unsigned char)*c) || *c == '_')) {
        rc = souk_errinfo_set(e, SOUK_ECONFIG, ".env file %s: line %d: '%s' is not a variable name",
                              path, lineno, p);
        goto done;
      }
    }
    souk_buf val;
    souk_buf_init(&val, sizeof line);
    if (dotenv_value(eq + 1, &val) != 0) {
      souk_buf_free(&val);
      rc = souk_errinfo_set(e, SOUK_ECONFIG, ".env file %s: line %d: unterminated or malformed quoted value",
                            path, lineno);
      break;
    }
    if (nvars == (int)(sizeof vars / sizeof *vars)) {
      souk_buf_free(&val);
      rc = souk_errinfo_set(e, SOUK_ECONFIG, ".env file %s: too many variables", path);
      break;
    }
    vars[nvars].name = strdup(p);
    vars[nvars].value = souk_buf_steal(&val, NULL);
    vars[nvars].line = lineno;
    nvars++;
  }
  for (int pass = 0; pass < 2 && rc == 0; pass++) {
    for (int i = 0; i < nvars && rc == 0; i++) {
      bool is_alias = strncmp(vars[i].name, "SOUK_", 5) != 0;
      if ((pass == 0) != is_alias)
        continue;
      char where[300];
      snprintf(where, sizeof where, ".env file %s line %d", path, vars[i].line);
      rc = apply_env_var(cfg, vars[i].name, vars[i].value, SOUK_SRC_DOTENV, where, e);
    }
  }
done:
  for (int i = 0; i < nvars; i++) {
    free(vars[i].name);
    free(vars[i].value);
  }
  fclose(f);
  return rc;
}

const char *souk_config_str(const souk_config *cfg, souk_setting_id id) { return cfg->v[id].str; }
int64_t souk_config_int(const souk_config *cfg, souk_setting_id id) { return cfg->v[id].i; }
double souk_config_double(const souk_config *cfg, souk_setting_id id) {
  return defs[id].type == SOUK_SETTING_DOUBLE ? cfg->v[id].d : (double)cfg->v[id].i;
}
bool souk_config_bool(const souk_config *cfg, souk_setting_id id) { return cfg->v[id].i != 0; }
souk_config_source souk_config_source_of(const souk_config *cfg, souk_setting_id id) {
  return cfg->v[id].src;
}

const char *souk_config_display(const souk_config *cfg, souk_setting_id id, char *buf, size_t len) {
  const souk_setting_def *d = &defs[id];
  const char *v = cfg->v[id].str;
  if ((d->flags & SOUK_SETTING_SECRET) && *v) {
    snprintf(buf, len, "[redacted]");
  } else if (d->flags & SOUK_SETTING_URI_PASSWORD) {
    const char *scheme = strstr(v, "://");
    const char *start = scheme ? scheme + 3 : v;
    const char *at = strrchr(start, '@');
    const char *colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
    if (colon)
      snprintf(buf, len, "%.*s:***%s", (int)(colon - v), v, at);
    else
      snprintf(buf, len, "%s", v);
  } else {
    snprintf(buf, len, "%s", v);
  }
  return buf;
}

void souk_config_print(const souk_config *cfg, FILE *out) {
  for (int i = 0; i < SOUK_CFG_COUNT; i++) {
    char shown[512];
    souk_config_display(cfg, (souk_setting_id)i, shown, sizeof shown);
    fprintf(out, "%-22s %-40s (%s)\n", defs[i].key, *shown ? shown : "\"\"",
            souk_config_source_name(cfg->v[i].src));
  }
}

void souk_config_print_json(const souk_config *cfg, FILE *out) {
  json_t *root = json_object();
  for (int i = 0; i < SOUK_CFG_COUNT; i++) {
    char shown[512];
    souk_config_display(cfg, (souk_setting_id)i, shown, sizeof shown);
    json_object_set_new(root, defs[i].key,
                        json_pack("{s:s, s:s, s:s}", "value", shown, "source",
                                  souk_config_source_name(cfg->v[i].src), "env", defs[i].env));
  }
  json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', out);
  json_decref(root);
}

void souk_config_print_markdown(FILE *out) {
  static const char *const tn[] = {"string", "path", "integer", "number", "boolean",
                                   "choice", "duration", "size", "URL"};
  fprintf(out, "| key | environment | type | default | meaning |\n|---|---|---|---|---|\n");
  for (int i = 0; i < SOUK_CFG_COUNT; i++) {
    const souk_setting_def *d = &defs[i];
    fprintf(out, "| `%s` | `%s`", d->key, d->env);
    if (d->alias_env)
      fprintf(out, " (or `%s`)", d->alias_env);
    fprintf(out, " | %s", tn[d->type]);
    if (d->type == SOUK_SETTING_ENUM)
      fprintf(out, ": `%s`", d->choices);
    else if (d->type == SOUK_SETTING_INT || d->type == SOUK_SETTING_DOUBLE)
      fprintf(out, " %g to %g", d->min, d->max);
    fprintf(out, " | %s%s%s | %s%s |\n", *d->def ? "`" : "", *d->def ? d->def : "(empty)",
            *d->def ? "`" : "", d->doc,
            (d->flags & (SOUK_SETTING_SECRET | SOUK_SETTING_URI_PASSWORD)) ? " **Secret.**" : "");
  }
}
