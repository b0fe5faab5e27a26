/* SPDX-License-Identifier: MIT */
/* One MCP session over a line transport: lines in become session messages, session messages
 * become lines out, and end of input drains and ends the session. */
#include "souk/mcp_stdio.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/log.h"
#include "mcp_private.h"
#include "souk/stdio_lines.h"

struct souk_mcp_stdio {
  uv_loop_t *loop;
  souk_mcp_session *session;
  souk_stdio_lines *lines;
  uv_timer_t timer;          /* drain deadline, and deferred shutdown (0 ms) */
  unsigned drain_timeout_ms;
  bool eof, stopping, lines_closed, timer_closed;
  int status;
  void (*closed)(void *data, int status);
  void *data;
};

static void maybe_done(souk_mcp_stdio *x) {
  if (!x->lines_closed || !x->timer_closed)
    return;
  void (*closed)(void *, int) = x->closed;
  void *data = x->data;
  int status = x->status;
  free(x);
  if (closed)
    closed(data, status);
}

static void on_lines_closed(void *data) {
  souk_mcp_stdio *x = data;
  x->lines_closed = true;
  maybe_done(x);
}

static void on_timer_closed(uv_handle_t *h) {
  souk_mcp_stdio *x = h->data;
  x->timer_closed = true;
  maybe_done(x);
}

/* Runs from the loop, never from inside a session callback. */
static void shutdown_now(uv_timer_t *t) {
  souk_mcp_stdio *x = t->data;
  if (x->session) {
    if (souk_mcp_session_in_flight(x->session))
      SOUK_WARN(STDIO, "ending the session with %zu requests still running; they are cancelled",
                souk_mcp_session_in_flight(x->session));
    souk_mcp_session_free(x->session);
    x->session = NULL;
  }
  souk_stdio_lines_close(x->lines, on_lines_closed);
  uv_close((uv_handle_t *)&x->timer, on_timer_closed);
}

static void schedule_shutdown(souk_mcp_stdio *x, unsigned delay_ms) {
  if (x->stopping)
    return;
  if (delay_ms == 0)
    x->stopping = true;
  uv_timer_start(&x->timer, shutdown_now, delay_ms, 0);
}

static int on_send(void *data, const souk_mcp_message *m) {
  souk_mcp_stdio *x = data;
  return souk_stdio_lines_write(x->lines, m->json, m->len);
}

static void on_idle(void *data) {
  souk_mcp_stdio *x = data;
  if (x->eof)
    schedule_shutdown(x, 0);
}

static void on_line(void *data, const char *line, size_t len) {
  souk_mcp_stdio *x = data;
  if (x->session && !x->stopping)
    souk_mcp_session_receive(x->session, line, len);
}

static void on_oversized(void *data, size_t len) {
  souk_mcp_stdio *x = data;
  if (x->session && !x->stopping)
    souk_mcp_session_receive_error(x->session, SOUK_ETOOBIG, len, NULL);
}

static void on_eof(void *data, int status) {
  souk_mcp_stdio *x = data;
  x->eof = true;
  x->status = status;
  size_t n = x->session ? souk_mcp_session_in_flight(x->session) : 0;
  SOUK_DEBUG(STDIO, "end of input%s; %zu requests still running", status ? " (read error)" : "", n);
  schedule_shutdown(x, n ? x->drain_timeout_ms : 0);
}

souk_mcp_stdio *souk_mcp_stdio_start(uv_loop_t *loop, souk_mcp_server *server,
                                     const souk_mcp_stdio_options *o, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!loop || !server || !o) {
    souk_errinfo_set(e, SOUK_EINVAL, "serving over stdio needs a loop, a server and options");
    return NULL;
  }
  souk_mcp_stdio *x = calloc(1, sizeof *x);
  if (!x) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory starting the stdio server");
    return NULL;
  }
  x->loop = loop;
  x->closed = o->closed;
  x->data = o->data;
  x->drain_timeout_ms = o->drain_timeout_ms ? o->drain_timeout_ms : 10000;
  souk_stdio_lines_options lo = {o->in_fd, o->out_fd, server->limits.max_bytes, 0};
  souk_stdio_lines_callbacks cbs = {on_line, on_oversized, on_eof};
  x->lines = souk_stdio_lines_new(loop, &lo, &cbs, x, e);
  if (!x->lines) {
    free(x);
    return NULL;
  }
  souk_mcp_transport t = {on_send, NULL, on_idle, x};
  x->session = souk_mcp_session_new(server, loop, &t, e);
  int rc = x->session ? souk_stdio_lines_start(x->lines) : SOUK_ENOMEM;
  if (rc) {
    if (x->session)
      souk_errinfo_set(e, rc, "cannot read descriptor %d", o->in_fd);
    souk_mcp_session_free(x->session);
    x->session = NULL;
    /* the line transport closes asynchronously; the rest goes with it */
    x->timer_closed = true;
    x->closed = NULL;
    souk_stdio_lines_close(x->lines, on_lines_closed);
    return NULL;
  }
  uv_timer_init(loop, &x->timer);
  x->timer.data = x;
  return x;
}

void souk_mcp_stdio_stop(souk_mcp_stdio *x) {
  if (x)
    schedule_shutdown(x, 0);
}

souk_mcp_session *souk_mcp_stdio_session(const souk_mcp_stdio *x) {
  return x && !x->stopping ? x->session : NULL;
}
