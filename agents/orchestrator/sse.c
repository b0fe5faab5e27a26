/* SPDX-License-Identifier: MIT */
/* The server-sent events parser (sse.h). */
#include "sse.h"

#include <string.h>

#include "souk/error.h"

void souk__sse_init(souk__sse *p, size_t max, souk__sse_event_fn fn, void *ud) {
  memset(p, 0, sizeof *p);
  if (!max)
    max = (size_t)1 << 20;
  souk_buf_init(&p->line, max);
  souk_buf_init(&p->data, max);
  p->fn = fn;
  p->ud = ud;
}

void souk__sse_free(souk__sse *p) {
  souk_buf_free(&p->line);
  souk_buf_free(&p->data);
}

static int dispatch(souk__sse *p) {
  int rc = 0;
  if (p->has_data) {
    /* The data of an event ends with the newline added after its last line: drop it. */
    if (p->data.len && p->data.data[p->data.len - 1] == '\n')
      p->data.data[--p->data.len] = '\0';
    rc = p->fn(p->ud, p->event[0] ? p->event : "message", p->data.data ? p->data.data : "",
               p->data.len);
  }
  souk_buf_reset(&p->data);
  p->event[0] = '\0';
  p->has_data = 0;
  return rc;
}

static int line(souk__sse *p, const char *s, size_t len) {
  if (len == 0)
    return dispatch(p);
  if (s[0] == ':')
    return 0; /* a comment (keep-alive) */
  const char *colon = memchr(s, ':', len);
  size_t nlen = colon ? (size_t)(colon - s) : len;
  const char *v = colon ? colon + 1 : s + len;
  size_t vlen = colon ? len - nlen - 1 : 0;
  if (vlen && *v == ' ') {
    v++;
    vlen--;
  }
  if (nlen == 4 && memcmp(s, "data", 4) == 0) {
    int rc = souk_buf_add(&p->data, v, vlen);
    if (!rc)
      rc = souk_buf_addc(&p->data, '\n');
    p->has_data = 1;
    return rc;
  }
  if (nlen == 5 && memcmp(s, "event", 5) == 0) {
    size_t n = vlen < sizeof p->event - 1 ? vlen : sizeof p->event - 1;
    memcpy(p->event, v, n);
    p->event[n] = '\0';
  }
  return 0; /* id, retry and unknown fields: nothing to do here */
}

int souk__sse_feed(souk__sse *p, const char *bytes, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (p->skip_lf) {
      p->skip_lf = 0;
      if (bytes[i] == '\n') {
        i++;
        continue;
      }
    }
    size_t j = i;
    while (j < len && bytes[j] != '\n' && bytes[j] != '\r')
      j++;
    int rc = souk_buf_add(&p->line, bytes + i, j - i);
    if (rc)
      return rc;
    if (j == len)
      break;
    p->skip_lf = bytes[j] == '\r';
    rc = line(p, p->line.data ? p->line.data : "", p->line.len);
    souk_buf_reset(&p->line);
    if (rc)
      return rc;
    i = j + 1;
  }
  return 0;
}

int souk__sse_end(souk__sse *p) {
  int pending = p->line.len > 0 || p->has_data;
  souk_buf_reset(&p->line);
  souk_buf_reset(&p->data);
  p->has_data = 0;
  return pending;
}
