/* SPDX-License-Identifier: MIT */
/* Newline-separated messages over two file descriptors on libuv: pipes, sockets and terminals
 * as streams, regular files and devices through the thread pool; bounded lines, bounded
 * output queue, orderly close after the output has drained. */
#include "souk/stdio_lines.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/error.h"

#define READ_CHUNK 65536
#define CLOSE_FLUSH_MS 5000 /* how long close waits for a reader that does not read */

enum kind { K_STREAM, K_FILE };

union stream_handle {
  uv_handle_t handle;
  uv_stream_t stream;
  uv_pipe_t pipe;
  uv_tty_t tty;
  uv_tcp_t tcp;
};

/* Output waiting for a file write. */
typedef struct chunk {
  struct chunk *next;
  size_t len, off;
  char data[];
} chunk;

/* Output waiting for a stream write. */
typedef struct wreq {
  uv_write_t req;
  souk_stdio_lines *l;
  size_t len;
  char data[];
} wreq;

struct souk_stdio_lines {
  uv_loop_t *loop;
  souk_stdio_lines_callbacks cbs;
  void *data;
  size_t max_line, max_queued;
  int in_fd, out_fd;
  enum kind in_kind, out_kind;
  union stream_handle in, out;
  bool in_init, out_init;
  uv_timer_t timer; /* the close flush deadline; also makes every close asynchronous */

  /* input */
  char rbuf[READ_CHUNK];
  uv_fs_t rreq;
  bool rbusy, started, input_done;
  char *line;
  size_t line_len, line_cap;
  bool discarding;
  size_t discard_len;

  /* output */
  size_t queued;
  size_t writes_in_flight;
  char *cork;           /* output gathered while an input chunk is handled */
  size_t cork_len, cork_cap;
  bool corked;
  bool out_failed;
  chunk *fq_head, *fq_tail;
  uv_fs_t wreq;
  bool wbusy;

  /* closing */
  bool closing, force, handles_closing;
  int closes_pending;
  void (*closed)(void *data);
};

static void maybe_finish(souk_stdio_lines *l);
static void cork(souk_stdio_lines *l);
static void uncork(souk_stdio_lines *l);

/* What libuv makes of a descriptor: a stream kind, a file, or an error. */
static int side_kind(int fd, enum kind *kind, souk_errinfo *e) {
  uv_handle_type t = uv_guess_handle(fd);
  switch (t) {
  case UV_TTY:
  case UV_NAMED_PIPE:
  case UV_TCP:
    *kind = K_STREAM;
    return 0;
  case UV_FILE:
    *kind = K_FILE;
    return 0;
  default:
    return souk_errinfo_set(e, SOUK_EINVAL, "descriptor %d is neither a pipe, a socket, a "
                            "terminal nor a file (%s)", fd,
                            t == UV_UNKNOWN_HANDLE ? "closed or unknown" : uv_handle_type_name(t));
  }
}

static int open_stream(souk_stdio_lines *l, union stream_handle *h, int fd, bool readable,
                       bool *init, souk_errinfo *e) {
  int rc;
  switch (uv_guess_handle(fd)) {
  case UV_TTY:
    rc = uv_tty_init(l->loop, &h->tty, fd, readable);
    break;
  case UV_NAMED_PIPE:
    rc = uv_pipe_init(l->loop, &h->pipe, 0);
    if (!rc) {
      *init = true;
      rc = uv_pipe_open(&h->pipe, fd);
    }
    break;
  default: /* UV_TCP */
    rc = uv_tcp_init(l->loop, &h->tcp);
    if (!rc) {
      *init = true;
      rc = uv_tcp_open(&h->tcp, fd);
    }
    break;
  }
  h->handle.data = l;
  if (!rc)
    *init = true;
  if (rc)
    return souk_errinfo_set(e, SOUK_EIO, "cannot use descriptor %d: %s", fd, uv_strerror(rc));
  return 0;
}

static void on_handle_closed(uv_handle_t *h) {
  souk_stdio_lines *l = h->data;
  if (--l->closes_pending > 0)
    return;
  void (*closed)(void *) = l->closed;
  void *data = l->data;
  while (l->fq_head) {
    chunk *c = l->fq_head;
    l->fq_head = c->next;
    free(c);
  }
  free(l->line);
  free(l->cork);
  free(l);
  if (closed)
    closed(data);
}

/* Closes every handle; the memory goes in the last close callback. */
static void close_handles(souk_stdio_lines *l) {
  if (l->handles_closing)
    return;
  l->handles_closing = true;
  l->closes_pending = 1 + (l->in_init ? 1 : 0) + (l->out_init ? 1 : 0);
  if (l->in_init)
    uv_close(&l->in.handle, on_handle_closed);
  if (l->out_init)
    uv_close(&l->out.handle, on_handle_closed);
  uv_close((uv_handle_t *)&l->timer, on_handle_closed);
}

souk_stdio_lines *souk_stdio_lines_new(uv_loop_t *loop, const souk_stdio_lines_options *o,
                                       const souk_stdio_lines_callbacks *cbs, void *data,
                                       souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!loop || !o || !cbs || !cbs->line || !cbs->eof) {
    souk_errinfo_set(e, SOUK_EINVAL, "a line transport needs a loop and line and eof callbacks");
    return NULL;
  }
  enum kind in_kind = K_STREAM, out_kind = K_STREAM; /* set by side_kind() */
  if (side_kind(o->in_fd, &in_kind, e) || side_kind(o->out_fd, &out_kind, e))
    return NULL;
  souk_stdio_lines *l = calloc(1, sizeof *l);
  if (!l) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory creating the stdio transport");
    return NULL;
  }
  l->loop = loop;
  l->cbs = *cbs;
  l->data = data;
  l->max_line = o->max_line ? o->max_line : (size_t)4 * 1024 * 1024;
  l->max_queued = o->max_queued ? o->max_queued : (size_t)64 * 1024 * 1024;
  l->in_fd = o->in_fd;
  l->out_fd = o->out_fd;
  l->in_kind = in_kind;
  l->out_kind = out_kind;
  uv_timer_init(loop, &l->timer);
  l->timer.data = l;
  if ((in_kind == K_STREAM && open_stream(l, &l->in, o->in_fd, true, &l->in_init, e)) ||
      (out_kind == K_STREAM && open_stream(l, &l->out, o->out_fd, false, &l->out_init, e))) {
    /* Handles close asynchronously: the memory goes when the loop has run their callbacks. */
    l->closing = true;
    close_handles(l);
    return NULL;
  }
  return l;
}

/* ---- input ---- */

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return false;
  return true;
}

static void deliver(souk_stdio_lines *l, const char *s, size_t n) {
  if (n && s[n - 1] == '\r')
    n--;
  if (!blank(s, n))
    l->cbs.line(l->data, s, n);
}

static bool line_append(souk_stdio_lines *l, const char *p, size_t n) {
  if (l->line_len + n > l->line_cap) {
    size_t cap = l->line_cap ? l->line_cap : 4096;
    while (cap < l->line_len + n)
      cap *= 2;
    if (cap > l->max_line + 1)
      cap = l->max_line + 1;
    char *nl = realloc(l->line, cap);
    if (!nl)
      return false;
    l->line = nl;
    l->line_cap = cap;
  }
  memcpy(l->line + l->line_len, p, n);
  l->line_len += n;
  return true;
}

static void feed(souk_stdio_lines *l, const char *p, size_t n) {
  while (n && !l->closing) {
    const char *nl = memchr(p, '\n', n);
    size_t chunk_len = nl ? (size_t)(nl - p) : n;
    if (l->discarding) {
      l->discard_len += chunk_len;
    } else if (l->line_len + chunk_len > l->max_line) {
      l->discarding = true;
      l->discard_len = l->line_len + chunk_len;
      l->line_len = 0;
    } else if (nl && l->line_len == 0) {
      /* the whole line is in this buffer: no copy */
      deliver(l, p, chunk_len);
      p = nl + 1;
      n -= chunk_len + 1;
      continue;
    } else if (!line_append(l, p, chunk_len)) {
      SOUK_ERROR(STDIO, "out of memory holding a line of %zu bytes; dropped",
                 l->line_len + chunk_len);
      l->discarding = true;
      l->discard_len = l->line_len + chunk_len;
      l->line_len = 0;
    }
    if (!nl)
      return;
    if (l->discarding) {
      size_t len = l->discard_len;
      l->discarding = false;
      l->discard_len = 0;
      SOUK_WARN(STDIO, "dropped an input line of %zu bytes (limit %zu)", len, l->max_line);
      if (l->cbs.oversized)
        l->cbs.oversized(l->data, len);
    } else {
      size_t len = l->line_len;
      l->line_len = 0;
      deliver(l, l->line, len);
    }
    p = nl + 1;
    n -= chunk_len + 1;
  }
}

static void input_ended(souk_stdio_lines *l, int status) {
  if (l->input_done)
    return;
  l->input_done = true;
  if (l->in_kind == K_STREAM)
    uv_read_stop(&l->in.stream);
  if (l->closing)
    return;
  /* a last line without its newline still counts */
  if (l->discarding) {
    l->discarding = false;
    if (l->cbs.oversized)
      l->cbs.oversized(l->data, l->discard_len);
  } else if (l->line_len) {
    size_t len = l->line_len;
    l->line_len = 0;
    deliver(l, l->line, len);
  }
  if (!l->closing)
    l->cbs.eof(l->data, status);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  souk_stdio_lines *l = h->data;
  *buf = uv_buf_init(l->rbuf, sizeof l->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  souk_stdio_lines *l = s->data;
  if (n > 0) {
    cork(l);
    feed(l, buf->base, (size_t)n);
    uncork(l);
  }
  else if (n == UV_EOF)
    input_ended(l, 0);
  else if (n < 0) {
    SOUK_ERROR(STDIO, "reading descriptor %d failed: %s", l->in_fd, uv_strerror((int)n));
    input_ended(l, SOUK_EIO);
  }
}

static void file_read_next(souk_stdio_lines *l);

static void on_fs_read(uv_fs_t *req) {
  souk_stdio_lines *l = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  l->rbusy = false;
  if (l->closing) {
    maybe_finish(l);
    return;
  }
  if (n > 0) {
    cork(l);
    feed(l, l->rbuf, (size_t)n);
    uncork(l);
    if (!l->closing)
      file_read_next(l);
    else
      maybe_finish(l);
  } else if (n == 0) {
    input_ended(l, 0);
  } else {
    SOUK_ERROR(STDIO, "reading descriptor %d failed: %s", l->in_fd, uv_strerror((int)n));
    input_ended(l, SOUK_EIO);
  }
}

static void file_read_next(souk_stdio_lines *l) {
  uv_buf_t b = uv_buf_init(l->rbuf, sizeof l->rbuf);
  l->rreq.data = l;
  int rc = uv_fs_read(l->loop, &l->rreq, l->in_fd, &b, 1, -1, on_fs_read);
  if (rc) {
    SOUK_ERROR(STDIO, "reading descriptor %d failed: %s", l->in_fd, uv_strerror(rc));
    input_ended(l, SOUK_EIO);
    return;
  }
  l->rbusy = true;
}

int souk_stdio_lines_start(souk_stdio_lines *l) {
  if (!l || l->closing || l->started)
    return SOUK_ESTATE;
  l->started = true;
  if (l->in_kind == K_FILE) {
    file_read_next(l);
    return 0;
  }
  int rc = uv_read_start(&l->in.stream, on_alloc, on_read);
  if (rc) {
    SOUK_ERROR(STDIO, "cannot read descriptor %d: %s", l->in_fd, uv_strerror(rc));
    return SOUK_EIO;
  }
  return 0;
}

/* ---- output ---- */

static void output_failed(souk_stdio_lines *l, int rc) {
  if (!l->out_failed)
    SOUK_ERROR(STDIO, "writing descriptor %d failed: %s; further output is dropped", l->out_fd,
               uv_strerror(rc));
  l->out_failed = true;
}

static void on_write(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  souk_stdio_lines *l = w->l;
  l->queued -= w->len;
  l->writes_in_flight--;
  if (status < 0 && status != UV_ECANCELED)
    output_failed(l, status);
  free(w);
  if (l->closing)
    maybe_finish(l);
}

static void file_write_next(souk_stdio_lines *l);

static void on_fs_write(uv_fs_t *req) {
  souk_stdio_lines *l = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  l->wbusy = false;
  chunk *c = l->fq_head;
  if (n < 0) {
    output_failed(l, (int)n);
    while (l->fq_head) {
      c = l->fq_head;
      l->fq_head = c->next;
      free(c);
    }
    l->fq_tail = NULL;
    l->queued = 0;
  } else if (c) {
    c->off += (size_t)n;
    l->queued -= (size_t)n;
    if (c->off == c->len) {
      l->fq_head = c->next;
      if (!l->fq_head)
        l->fq_tail = NULL;
      free(c);
    }
  }
  if (l->fq_head && !l->out_failed)
    file_write_next(l);
  else if (l->closing)
    maybe_finish(l);
}

static void file_write_next(souk_stdio_lines *l) {
  chunk *c = l->fq_head;
  uv_buf_t b = uv_buf_init(c->data + c->off, (unsigned)(c->len - c->off));
  l->wreq.data = l;
  int rc = uv_fs_write(l->loop, &l->wreq, l->out_fd, &b, 1, -1, on_fs_write);
  if (rc) {
    output_failed(l, rc);
    return;
  }
  l->wbusy = true;
}

/* Writes a then b (b may be empty) to the output: a file through the write queue; a stream
 * at once when nothing is queued, the rest queued. 0 or SOUK_EIO / SOUK_ENOMEM. */
static int write_out(souk_stdio_lines *l, const char *a, size_t alen, const char *b, size_t blen) {
  size_t len = alen + blen;
  if (l->out_kind == K_FILE) {
    chunk *c = malloc(sizeof *c + len);
    if (!c)
      return SOUK_ENOMEM;
    memcpy(c->data, a, alen);
    memcpy(c->data + alen, b, blen);
    c->len = len;
    c->off = 0;
    c->next = NULL;
    if (l->fq_tail)
      l->fq_tail->next = c;
    else
      l->fq_head = c;
    l->fq_tail = c;
    l->queued += c->len;
    if (!l->wbusy)
      file_write_next(l);
    return 0;
  }
  /* A stream: try to write at once without copying; queue what the kernel did not take. */
  size_t done = 0;
  if (l->writes_in_flight == 0) {
    uv_buf_t bufs[2] = {uv_buf_init((char *)a, (unsigned)alen), uv_buf_init((char *)b, (unsigned)blen)};
    int n = uv_try_write(&l->out.stream, bufs, blen ? 2 : 1);
    if (n > 0)
      done = (size_t)n;
    else if (n < 0 && n != UV_EAGAIN && n != UV_ENOSYS) {
      output_failed(l, n);
      return SOUK_EIO;
    }
    if (done == len)
      return 0;
  }
  size_t rest = len - done;
  wreq *w = malloc(sizeof *w + rest);
  if (!w)
    return SOUK_ENOMEM;
  if (done < alen) {
    memcpy(w->data, a + done, alen - done);
    memcpy(w->data + alen - done, b, blen);
  } else {
    memcpy(w->data, b + (done - alen), rest);
  }
  w->l = l;
  w->len = rest;
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)rest);
  int rc = uv_write(&w->req, &l->out.stream, &buf, 1, on_write);
  if (rc) {
    free(w);
    output_failed(l, rc);
    return SOUK_EIO;
  }
  l->queued += rest;
  l->writes_in_flight++;
  return 0;
}

/* Lines written while a chunk of input is being handled are gathered and written together
 * when the chunk is done: one system call for many answers to pipelined requests. */
static void cork(souk_stdio_lines *l) {
  l->corked = true;
}

static void uncork(souk_stdio_lines *l) {
  l->corked = false;
  if (!l->cork_len || l->out_failed) {
    l->cork_len = 0;
    return;
  }
  size_t n = l->cork_len;
  l->cork_len = 0;
  int rc = write_out(l, l->cork, n, "", 0);
  if (rc)
    SOUK_ERROR(STDIO, "%zu bytes of output lost: %s", n, souk_strerror(rc));
  if (l->cork_cap > 1024 * 1024) { /* do not keep a large buffer after a burst */
    free(l->cork);
    l->cork = NULL;
    l->cork_cap = 0;
  }
}

int souk_stdio_lines_write(souk_stdio_lines *l, const char *bytes, size_t len) {
  if (!l || l->closing)
    return SOUK_ESTATE;
  if (l->out_failed)
    return SOUK_EIO;
  if (memchr(bytes, '\n', len))
    return SOUK_EINVAL;
  if (l->queued + l->cork_len + len + 1 > l->max_queued) {
    SOUK_ERROR(STDIO, "output queue full (%zu bytes waiting): is the reader reading?",
               l->queued + l->cork_len);
    return SOUK_ETOOBIG;
  }
  if (!l->corked)
    return write_out(l, bytes, len, "\n", 1);
  if (l->cork_len + len + 1 > l->cork_cap) {
    size_t cap = l->cork_cap ? l->cork_cap : 65536;
    while (cap < l->cork_len + len + 1)
      cap *= 2;
    char *nc = realloc(l->cork, cap);
    if (!nc)
      return write_out(l, bytes, len, "\n", 1) ? SOUK_ENOMEM : 0;
    l->cork = nc;
    l->cork_cap = cap;
  }
  memcpy(l->cork + l->cork_len, bytes, len);
  l->cork[l->cork_len + len] = '\n';
  l->cork_len += len + 1;
  return 0;
}

size_t souk_stdio_lines_queued(const souk_stdio_lines *l) {
  return l ? l->queued : 0;
}

/* ---- closing ---- */

static void on_flush_deadline(uv_timer_t *t) {
  souk_stdio_lines *l = t->data;
  SOUK_WARN(STDIO, "%zu bytes of output still unwritten after %d ms; closing anyway", l->queued,
            CLOSE_FLUSH_MS);
  l->force = true;
  maybe_finish(l);
}

static void maybe_finish(souk_stdio_lines *l) {
  if (!l->closing || l->handles_closing)
    return;
  if (l->rbusy || l->wbusy)
    return; /* thread-pool requests cannot be abandoned: wait for them */
  if (l->writes_in_flight && !l->force && !l->out_failed)
    return;
  uv_timer_stop(&l->timer);
  close_handles(l);
}

void souk_stdio_lines_close(souk_stdio_lines *l, void (*closed)(void *data)) {
  if (!l || l->closing)
    return;
  if (l->cork_len) /* closed from a line callback: what it answered still goes out */
    uncork(l);
  l->closing = true;
  l->closed = closed;
  if (l->in_kind == K_STREAM && l->started && !l->input_done)
    uv_read_stop(&l->in.stream);
  if (l->writes_in_flight || l->wbusy)
    uv_timer_start(&l->timer, on_flush_deadline, CLOSE_FLUSH_MS, 0);
  maybe_finish(l);
}
