/* SPDX-License-Identifier: MIT */
/* The network listener's checks: the listen address, Host and Origin against DNS rebinding and
 * foreign web pages, the bearer token (compared in constant time), token buckets for request
 * rates, and the mcp.* settings. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_private.h"

/* ---- the listen address ---- */

int souk_mcp_net_parse_listen(const char *spec, char *addr, size_t addrlen, int *port,
                              souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!spec || !*spec || !addr || addrlen < 2 || !port)
    return souk_errinfo_set(e, SOUK_EUSAGE, "expected [ADDR:]PORT, e.g. 8080 or 127.0.0.1:8080");
  const char *colon = strrchr(spec, ':');
  const char *ps = spec;
  char host[64] = "127.0.0.1";
  if (spec[0] == '[') { /* [v6]:port */
    const char *close = strchr(spec, ']');
    if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host)
      return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': an IPv6 address is written [ADDR]:PORT, "
                              "e.g. [::1]:8080", spec);
    memcpy(host, spec + 1, (size_t)(close - spec - 1));
    host[close - spec - 1] = '\0';
    ps = close + 2;
  } else if (colon) {
    if (colon == spec)
      return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': give an address before the colon "
                              "(127.0.0.1:PORT, 0.0.0.0:PORT) or the port alone", spec);
    if (strchr(spec, ':') != colon)
      return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': an IPv6 address is written [ADDR]:PORT",
                              spec);
    if ((size_t)(colon - spec) >= sizeof host)
      return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': the address is too long", spec);
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    ps = colon + 1;
  }
  if (strcasecmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");
  unsigned char tmp[16];
  if (inet_pton(AF_INET, host, tmp) != 1 && inet_pton(AF_INET6, host, tmp) != 1)
    return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': '%s' is not an IP address (use 127.0.0.1, "
                            "0.0.0.0, ::1 or an address of this machine)", spec, host);
  char *end;
  errno = 0;
  long p = strtol(ps, &end, 10);
  if (!*ps || *end || errno || p < 0 || p > 65535)
    return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': the port must be a number from 0 to 65535",
                            spec);
  if (strlen(host) >= addrlen)
    return souk_errinfo_set(e, SOUK_EUSAGE, "'%s': the address is too long", spec);
  memcpy(addr, host, strlen(host) + 1);
  *port = (int)p;
  return 0;
}

/* ---- lists ---- */

void souk__net_list_free(char **list) {
  if (!list)
    return;
  for (char **p = list; *p; p++)
    free(*p);
  free(list);
}

int souk__net_list_parse(const char *list, char ***out, bool *any) {
  *out = NULL;
  *any = false;
  size_t n = 0, cap = 4;
  char **v = calloc(cap + 1, sizeof *v);
  if (!v)
    return SOUK_ENOMEM;
  const char *p = list ? list : "";
  while (*p) {
    while (*p == ',' || isspace((unsigned char)*p))
      p++;
    const char *s = p;
    while (*p && *p != ',')
      p++;
    const char *t = p;
    while (t > s && isspace((unsigned char)t[-1]))
      t--;
    while (t > s && t[-1] == '/') /* "https://a.example/" is the origin "https://a.example" */
      t--;
    if (t == s)
      continue;
    if (t - s == 1 && *s == '*') {
      *any = true;
      continue;
    }
    if (n == cap) {
      char **nv = realloc(v, (2 * cap + 1) * sizeof *v);
      if (!nv) {
        souk__net_list_free(v);
        return SOUK_ENOMEM;
      }
      v = nv;
      cap *= 2;
    }
    char *item = strndup(s, (size_t)(t - s));
    if (!item) {
      souk__net_list_free(v);
      return SOUK_ENOMEM;
    }
    for (char *c = item; *c; c++)
      *c = (char)tolower((unsigned char)*c);
    v[n++] = item;
    v[n] = NULL;
  }
  *out = v;
  return 0;
}

static bool in_list(char *const *list, const char *s, size_t len) {
  for (char *const *p = list; p && *p; p++)
    if (strlen(*p) == len && strncasecmp(*p, s, len) == 0)
      return true;
  return false;
}

/* ---- Host and Origin ---- */

/* Splits "host[:port]" or "[v6][:port]" into the host part (without brackets). */
static bool host_part(const char *hp, size_t hplen, char *out, size_t outlen) {
  const char *s = hp, *e;
  if (hplen && hp[0] == '[') {
    e = memchr(hp, ']', hplen);
    if (!e)
      return false;
    s = hp + 1;
  } else {
    e = memchr(hp, ':', hplen);
    if (!e)
      e = hp + hplen;
  }
  size_t n = (size_t)(e - s);
  if (n == 0 || n >= outlen)
    return false;
  memcpy(out, s, n);
  out[n] = '\0';
  return true;
}

static bool is_ip_literal(const char *h) {
  unsigned char tmp[16];
  return inet_pton(AF_INET, h, tmp) == 1 || inet_pton(AF_INET6, h, tmp) == 1;
}

static bool is_loopback_name(const char *h) {
  if (strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0)
    return true;
  struct in_addr a;
  return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool souk__net_host_ok(const souk_mcp_net *n, const char *host) {
  if (!host || !*host)
    return true; /* HTTP/1.0 without Host: not a browser being rebound */
  if (n->any_host)
    return true;
  char h[256];
  if (!host_part(host, strlen(host), h, sizeof h))
    return false;
  /* A DNS rebinding attack always arrives with the attacker's host name; an IP address in Host
   * means the client asked for this address itself. */
  if (is_ip_literal(h) || strcasecmp(h, "localhost") == 0)
    return true;
  return in_list(n->hosts, h, strlen(h));
}

bool souk__net_origin_ok(const souk_mcp_net *n, const char *origin) {
  if (!origin)
    return true; /* not from a browser */
  if (n->any_origin)
    return true;
  size_t len = strlen(origin);
  while (len && origin[len - 1] == '/')
    len--;
  if (in_list(n->origins, origin, len))
    return true;
  const char *sep = strstr(origin, "://");
  if (!sep)
    return false; /* "null" (sandboxed pages, files) and anything malformed */
  size_t scheme = (size_t)(sep - origin);
  if (!((scheme == 4 && strncasecmp(origin, "http", 4) == 0) ||
        (scheme == 5 && strncasecmp(origin, "https", 5) == 0)))
    return false;
  const char *hp = sep + 3;
  size_t hplen = len - (size_t)(hp - origin);
  if (memchr(hp, '/', hplen) || memchr(hp, '@', hplen))
    return false;
  char h[256];
  return host_part(hp, hplen, h, sizeof h) && is_loopback_name(h);
}

/* ---- the bearer token ---- */

/* Compares in time that depends only on the length of the expected token. */
static bool same_secret(const char *expected, size_t elen, const char *given, size_t glen) {
  unsigned char diff = (unsigned char)(elen != glen);
  for (size_t i = 0; i < elen; i++) {
    unsigned char g = i < glen ? (unsigned char)given[i] : 0;
    diff |= (unsigned char)(g ^ (unsigned char)expected[i]);
  }
  return diff == 0;
}

bool souk__net_token_ok(const souk_mcp_net *n, const char *authorization,
                        const char *query_token) {
  if (!n->token_len)
    return true;
  bool ok = false;
  if (authorization) {
    const char *p = authorization;
    while (*p == ' ')
      p++;
    if (strncasecmp(p, "bearer", 6) == 0 && p[6] == ' ') {
      p += 7;
      while (*p == ' ')
        p++;
      size_t glen = strlen(p);
      while (glen && p[glen - 1] == ' ')
        glen--;
      ok = same_secret(n->token, n->token_len, p, glen);
    }
  }
  if (!ok && query_token)
    ok = same_secret(n->token, n->token_len, query_token, strlen(query_token));
  return ok;
}

/* ---- token buckets ---- */

void souk__bucket_init(souk__bucket *b, double rate, uint64_t now_ms) {
  b->rate = rate > 0 ? rate : 0;
  b->burst = b->rate > 0 ? (2 * b->rate < 1 ? 1 : 2 * b->rate) : 0;
  b->tokens = b->burst;
  b->last_ms = now_ms;
}

static void refill(souk__bucket *b, uint64_t now_ms) {
  if (now_ms > b->last_ms) {
    b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
    if (b->tokens > b->burst)
      b->tokens = b->burst;
  }
  b->last_ms = now_ms;
}

uint64_t souk__bucket_wait(souk__bucket *b, uint64_t now_ms) {
  if (b->rate <= 0)
    return 0;
  refill(b, now_ms);
  if (b->tokens >= 1)
    return 0;
  uint64_t ms = (uint64_t)((1 - b->tokens) * 1000.0 / b->rate) + 1;
  return ms;
}

uint64_t souk__bucket_take(souk__bucket *b, uint64_t now_ms) {
  uint64_t wait = souk__bucket_wait(b, now_ms);
  if (wait == 0 && b->rate > 0)
    b->tokens -= 1;
  return wait;
}

/* ---- settings ---- */

void souk_mcp_net_options_from_config(souk_mcp_net_options *o, const souk_config *cfg) {
  if (!o || !cfg)
    return;
  o->token = souk_config_str(cfg, SOUK_CFG_MCP_TOKEN);
  o->allowed_origins = souk_config_str(cfg, SOUK_CFG_MCP_ALLOWED_ORIGINS);
  o->allowed_hosts = souk_config_str(cfg, SOUK_CFG_MCP_ALLOWED_HOSTS);
  o->max_sessions = (size_t)souk_config_int(cfg, SOUK_CFG_MCP_MAX_SESSIONS);
  o->max_message_bytes = (size_t)souk_config_int(cfg, SOUK_CFG_MCP_MAX_MESSAGE);
  o->rate = souk_config_double(cfg, SOUK_CFG_MCP_RATE);
  o->session_timeout_ms = (unsigned)souk_config_int(cfg, SOUK_CFG_MCP_SESSION_TIMEOUT);
}
