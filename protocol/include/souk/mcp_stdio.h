/* SPDX-License-Identifier: MIT */
/* Serving one MCP session over standard input and output (or any two descriptors): the glue
 * between the line transport (souk/stdio_lines.h) and a session (souk/mcp.h).
 *
 * One JSON-RPC message per line each way, nothing else on the output. An input line longer
 * than the server's max_message_bytes is answered with an error and reading goes on. At end
 * of input the session drains: requests still running may finish (up to drain_timeout_ms,
 * then they are cancelled), their answers are written, and the session ends.
 */
#ifndef SOUK_MCP_STDIO_H
#define SOUK_MCP_STDIO_H

#include <uv.h>

#include "core/errinfo.h"
#include "souk/mcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct souk_mcp_stdio souk_mcp_stdio;

typedef struct souk_mcp_stdio_options {
  int in_fd, out_fd;          /* set both: 0 and 1 for the process's stdin and stdout */
  unsigned drain_timeout_ms;  /* after end of input; 0: 10 s */
  /* Called once when everything is closed (after end of input, a read error or
   * souk_mcp_stdio_stop); `status` is 0 or the SOUK_E* code of a read error. Optional. */
  void (*closed)(void *data, int status);
  void *data;
} souk_mcp_stdio_options;

/* Starts serving: creates the session and reads. NULL with e filled on failure. */
souk_mcp_stdio *souk_mcp_stdio_start(uv_loop_t *loop, souk_mcp_server *server,
                                     const souk_mcp_stdio_options *o, souk_errinfo *e);

/* Ends the session now (e.g. on SIGTERM): running calls are cancelled, queued output is
 * written, then `closed` runs. Safe to call more than once, and from any callback. */
void souk_mcp_stdio_stop(souk_mcp_stdio *x);

/* The session, for server-initiated messages; NULL once it is ending. */
souk_mcp_session *souk_mcp_stdio_session(const souk_mcp_stdio *x);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_MCP_STDIO_H */
