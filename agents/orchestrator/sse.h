/* SPDX-License-Identifier: MIT */
/* A parser of server-sent events (the WHATWG event-stream format) as the streaming LLM APIs
 * send them: bytes in any pieces, events out with their name and data. Bounded: a line or an
 * event's data over the limit is an error, never unbounded memory. Owned by one request. */
#ifndef SOUK_ORCHESTRATOR_SSE_H
#define SOUK_ORCHESTRATOR_SSE_H

#include <stddef.h>

#include "core/buf.h"

/* One event: `event` is "message" when the stream named none; `data` is NUL-terminated.
 * Return 0 to go on, or a SOUK_E* code to stop (souk__sse_feed returns it). */
typedef int (*souk__sse_event_fn)(void *ud, const char *event, const char *data, size_t len);

typedef struct souk__sse {
  souk_buf line;           /* the line being read */
  souk_buf data;           /* the event's data so far */
  char event[64];
  int has_data;
  int skip_lf;             /* the last line ended with CR: a following LF belongs to it */
  souk__sse_event_fn fn;
  void *ud;
} souk__sse;

/* `max` bounds a line and an event's data (0: 1 MiB). */
void souk__sse_init(souk__sse *p, size_t max, souk__sse_event_fn fn, void *ud);
void souk__sse_free(souk__sse *p);
/* Returns 0, SOUK_ETOOBIG, SOUK_ENOMEM or what the callback returned. */
int souk__sse_feed(souk__sse *p, const char *bytes, size_t len);
/* The end of the stream: an event not followed by a blank line is dropped, as the format
 * says. Returns 1 when such a partial event or line was pending, else 0. */
int souk__sse_end(souk__sse *p);

#endif /* SOUK_ORCHESTRATOR_SSE_H */
