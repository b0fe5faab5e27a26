/* SPDX-License-Identifier: MIT */
/* The floor of the stdio benchmark: a "server" that answers every JSON-RPC line at once with an
 * empty result and does nothing else (no parsing, no session, no validation). What bench_mcp
 * measures against it is the cost of the pipes, the scheduler and the client itself: no MCP
 * server can do better on the same machine. Not an MCP server; only for tests/bench/mcp/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  static char in[1 << 20], out[1 << 21];
  size_t len = 0;
  for (;;) {
    ssize_t k = read(0, in + len, sizeof in - 1 - len);
    if (k <= 0)
      return 0;
    len += (size_t)k;
    in[len] = '\0';
    size_t olen = 0, start = 0;
    char *nl;
    while ((nl = memchr(in + start, '\n', len - start)) != NULL) {
      *nl = '\0';
      const char *id = strstr(in + start, "\"id\":");
      if (id && olen < sizeof out - 128)
        olen += (size_t)snprintf(out + olen, sizeof out - olen,
                                 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{}}\n",
                                 strtol(id + 5, NULL, 10));
      start = (size_t)(nl - in) + 1;
    }
    memmove(in, in + start, len - start);
    len -= start;
    for (size_t off = 0; off < olen;) {
      ssize_t w = write(1, out + off, olen - off);
      if (w <= 0)
        return 1;
      off += (size_t)w;
    }
  }
}
