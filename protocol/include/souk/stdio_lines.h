/* SPDX-License-Identifier: MIT */
/* A line transport on libuv: reads newline-separated messages from one file descriptor and
 * writes them to another, whether those are pipes, sockets, terminals or regular files
 * (standard input and output of a stdio MCP server). It knows nothing of JSON or MCP.
 *
 * Lines longer than the limit are dropped whole (the callback is told how long they were)
 * and reading goes on with the next line. A trailing '\r' is removed; blank lines are skipped.
 * Output is queued without blocking the loop, up to a bound.
 *
 * Writing to a pipe whose reader has gone raises SIGPIPE, which ends a process by default: a
 * program serving on stdout should ignore it (signal(SIGPIPE, SIG_IGN)); writes then fail
 * with an error instead.
 */
#ifndef SOUK_STDIO_LINES_H
#define SOUK_STDIO_LINES_H

#include <stddef.h>

#include <uv.h>

#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct souk_stdio_lines souk_stdio_lines;

typedef struct souk_stdio_lines_callbacks {
  /* One line, without its newline. `line` is valid during the call only. */
  void (*line)(void *data, const char *line, size_t len);
  /* A line longer than max_line was dropped; `len` is how many bytes it had. Optional. */
  void (*oversized)(void *data, size_t len);
  /* Input ended: status 0 at end of file, SOUK_EIO on a read error. Called once. */
  void (*eof)(void *data, int status);
} souk_stdio_lines_callbacks;

typedef struct souk_stdio_lines_options {
  int in_fd, out_fd;    /* e.g. 0 and 1 */
  size_t max_line;      /* longest line accepted, newline excluded; 0: 4 MiB */
  size_t max_queued;    /* most output bytes waiting to be written; 0: 64 MiB */
} souk_stdio_lines_options;

/* Creates the transport (reading starts with souk_stdio_lines_start). NULL with e filled when
 * a descriptor is of an unusable kind or out of memory. `cbs` is copied. */
souk_stdio_lines *souk_stdio_lines_new(uv_loop_t *loop, const souk_stdio_lines_options *o,
                                       const souk_stdio_lines_callbacks *cbs, void *data,
                                       souk_errinfo *e);

/* Starts reading. 0 or SOUK_EIO / SOUK_ESTATE. */
int souk_stdio_lines_start(souk_stdio_lines *l);

/* Queues one line (a newline is added). 0; SOUK_EINVAL when `bytes` holds a newline;
 * SOUK_ETOOBIG when the queue would exceed max_queued; SOUK_EIO once the output has failed;
 * SOUK_ESTATE after close; SOUK_ENOMEM. */
int souk_stdio_lines_write(souk_stdio_lines *l, const char *bytes, size_t len);

/* Bytes queued and not yet written. */
size_t souk_stdio_lines_queued(const souk_stdio_lines *l);

/* Stops reading, lets queued output drain, closes the handles (not the descriptors), then
 * calls closed(data) (optional) and frees the transport. No callback of `cbs` runs after
 * this call. */
void souk_stdio_lines_close(souk_stdio_lines *l, void (*closed)(void *data));

#ifdef __cplusplus
}
#endif
#endif /* SOUK_STDIO_LINES_H */
