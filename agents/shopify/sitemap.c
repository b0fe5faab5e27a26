/* SPDX-License-Identifier: MIT */
/* <loc> extraction from XML sitemaps and product handles from product URLs. */
#include "sitemap.h"

#include <stdlib.h>
#include <string.h>

#define LOC_MAX 2048

/* Appends the UTF-8 encoding of cp to out (at least 4 bytes free). */
static size_t utf8(unsigned long cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes XML entities of p[0..n) into out (LOC_MAX + 1 bytes); -1 if too long. */
static int decode(const char *p, size_t n, char *out) {
  static const struct {
    const char *name;
    char c;
  } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    if (o + 4 > LOC_MAX)
      return -1;
    if (p[i] != '&') {
      out[o++] = p[i++];
      continue;
    }
    size_t k;
    for (k = 0; k < sizeof named / sizeof *named; k++) {
      size_t l = strlen(named[k].name);
      if (i + 1 + l <= n && memcmp(p + i + 1, named[k].name, l) == 0) {
        out[o++] = named[k].c;
        i += 1 + l;
        break;
      }
    }
    if (k < sizeof named / sizeof *named)
      continue;
    if (i + 2 < n && p[i + 1] == '#') {
      size_t j = i + 2;
      int base = 10;
      if (j < n && (p[j] == 'x' || p[j] == 'X')) {
        base = 16;
        j++;
      }
      unsigned long cp = 0;
      size_t digits = 0;
      while (j < n && digits < 8) {
        char c = p[j];
        int d = c >= '0' && c <= '9'                 ? c - '0'
                : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
        if (d < 0)
          break;
        cp = cp * (unsigned long)base + (unsigned long)d;
        j++;
        digits++;
      }
      if (digits && j < n && p[j] == ';' && cp > 0 && cp <= 0x10FFFF &&
          !(cp >= 0xD800 && cp <= 0xDFFF)) {
        o += utf8(cp, out + o);
        i = j + 1;
        continue;
      }
    }
    out[o++] = p[i++];
  }
  out[o] = '\0';
  return 0;
}

size_t souk_sitemap_locs(const char *xml, size_t len, int (*fn)(const char *, void *), void *ud) {
  size_t found = 0;
  const char *p = xml, *end = xml + len;
  char value[LOC_MAX + 1];
  while (p < end) {
    const char *open = memmem(p, (size_t)(end - p), "<loc>", 5);
    if (!open)
      break;
    const char *start = open + 5;
    const char *close = memmem(start, (size_t)(end - start), "</loc>", 6);
    if (!close)
      break;
    p = close + 6;
    /* Trim whitespace; a CDATA section is taken as is. */
    const char *a = start, *b = close;
    while (a < b && (*a == ' ' || *a == '\n' || *a == '\r' || *a == '\t'))
      a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\n' || b[-1] == '\r' || b[-1] == '\t'))
      b--;
    if ((size_t)(b - a) > 12 && memcmp(a, "<![CDATA[", 9) == 0 && memcmp(b - 3, "]]>", 3) == 0) {
      a += 9;
      b -= 3;
      if ((size_t)(b - a) > LOC_MAX)
        continue;
      memcpy(value, a, (size_t)(b - a));
      value[b - a] = '\0';
    } else if ((size_t)(b - a) > LOC_MAX || decode(a, (size_t)(b - a), value) != 0) {
      continue;
    }
    if (!value[0])
      continue;
    found++;
    if (fn && fn(value, ud))
      break;
  }
  return found;
}

int souk_sitemap_product_handle(const char *url, char *out, size_t len) {
  const char *p = strstr(url, "/products/");
  if (!p)
    return -1;
  p += 10;
  size_t n = strcspn(p, "/?#");
  if (n == 0 || n >= len)
    return -1;
  /* ".../products/handle/" is the page; ".../products/handle/more" is not. */
  if (p[n] == '/' && p[n + 1] != '\0' && p[n + 1] != '?' && p[n + 1] != '#')
    return -1;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    /* Handles are URL path segments: keep them as they are, but refuse what would change the
     * request's meaning. */
    if (c == '\\' || c == ' ' || c == '"' || (unsigned char)c < 0x20)
      return -1;
  }
  memcpy(out, p, n);
  out[n] = '\0';
  if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
    return -1;
  return 0;
}
