/* SPDX-License-Identifier: MIT */
/* Tests of the stdio transport: the line transport over pipes and files (long, oversized, CRLF
 * and blank lines, end of input, a full output queue, a vanished reader), and the example
 * server examples/mcp_echo_server run as a child process over real pipes and files. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "souk/mcp.h"
#include "souk/stdio_lines.h"

extern char **environ;

/* ---- the line transport in-process ---- */

typedef struct rec {
  json_t *lines;     /* strings */
  json_t *lengths;   /* line lengths */
  json_t *oversized; /* lengths of dropped lines */
  int eofs, eof_status, closed;
  souk_stdio_lines *l;
  bool close_on_eof;
} rec;

static void on_line(void *data, const char *line, size_t len) {
  rec *r = data;
  json_t *s = json_stringn(line, len);
  json_array_append_new(r->lines, s ? s : json_string("<binary>"));
  json_array_append_new(r->lengths, json_integer((json_int_t)len));
}

static void on_oversized(void *data, size_t len) {
  rec *r = data;
  json_array_append_new(r->oversized, json_integer((json_int_t)len));
}

static void on_closed(void *data) {
  rec *r = data;
  r->closed++;
}

static void on_eof(void *data, int status) {
  rec *r = data;
  r->eofs++;
  r->eof_status = status;
  if (r->close_on_eof)
    souk_stdio_lines_close(r->l, on_closed);
}

static void rec_init(rec *r) {
  memset(r, 0, sizeof *r);
  r->lines = json_array();
  r->lengths = json_array();
  r->oversized = json_array();
  r->close_on_eof = true;
}

static void rec_free(rec *r) {
  json_decref(r->lines);
  json_decref(r->lengths);
  json_decref(r->oversized);
}

static char *dump(const json_t *v) {
  static char buf[2000];
  char *s = json_dumps(v, JSON_COMPACT);
  snprintf(buf, sizeof buf, "%s", s);
  free(s);
  return buf;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    CHECK_MSG(k > 0, "write: %s", strerror(errno));
    p += k;
    n -= (size_t)k;
  }
}

static souk_stdio_lines *open_lines(uv_loop_t *loop, rec *r, int in, int out, size_t max_line,
                                    size_t max_queued) {
  souk_stdio_lines_options o = {in, out, max_line, max_queued};
  souk_stdio_lines_callbacks cbs = {on_line, on_oversized, on_eof};
  souk_errinfo e;
  souk_stdio_lines *l = souk_stdio_lines_new(loop, &o, &cbs, r, &e);
  CHECK_MSG(l != NULL, "%s", e.text);
  r->l = l;
  return l;
}

TEST(lines_over_pipes) {
  int in[2], out[2];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  char big[101];
  memset(big, 'x', 100);
  big[100] = 0;
  char input[400];
  snprintf(input, sizeof input, "a\n\nb\r\n  \t \n%s\nc\n%s", big, "last");
  write_all(in[1], input, strlen(input));
  close(in[1]);
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  souk_stdio_lines *l = open_lines(&loop, &r, in[0], out[1], 50, 0);
  CHECK_INT(souk_stdio_lines_start(l), ==, 0);
  CHECK_INT(souk_stdio_lines_write(l, "hello", 5), ==, 0);
  CHECK_INT(souk_stdio_lines_write(l, "{\"a\":1}", 7), ==, 0);
  CHECK_INT(souk_stdio_lines_write(l, "two\nlines", 9), ==, SOUK_EINVAL);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_STR(dump(r.lines), "[\"a\",\"b\",\"c\",\"last\"]");
  CHECK_STR(dump(r.oversized), "[100]");
  CHECK_INT(r.eofs, ==, 1);
  CHECK_INT(r.eof_status, ==, 0);
  CHECK_INT(r.closed, ==, 1);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  char got[100] = "";
  ssize_t n = read(out[0], got, sizeof got - 1);
  CHECK_INT(n, ==, 14);
  got[n] = 0;
  CHECK_STR(got, "hello\n{\"a\":1}\n");
  close(in[0]);
  close(out[0]);
  close(out[1]);
  rec_free(&r);
  SAY("lines split on \\n, \\r dropped, blank lines skipped, a 100-byte line over the 50-byte "
      "limit dropped and reported, a last line without newline kept; output is one line each");
}

typedef struct writer_job {
  int fd;
  size_t sizes[4];
} writer_job;

static void writer(void *arg) {
  writer_job *w = arg;
  for (int i = 0; i < 4; i++) {
    char *buf = malloc(w->sizes[i] + 1);
    memset(buf, 'a' + i, w->sizes[i]);
    buf[w->sizes[i]] = '\n';
    write_all(w->fd, buf, w->sizes[i] + 1);
    free(buf);
  }
  close(w->fd);
}

TEST(long_lines) {
  int in[2];
  CHECK(pipe(in) == 0);
  int devnull = open("/dev/null", O_WRONLY);
  writer_job w = {in[1], {200000, 1048577, 262144, 10}};
  uv_thread_t th;
  uv_thread_create(&th, writer, &w);
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  souk_stdio_lines *l = open_lines(&loop, &r, in[0], devnull, 262144, 0);
  souk_stdio_lines_start(l);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_thread_join(&th);
  CHECK_STR(dump(r.lengths), "[200000,262144,10]");
  CHECK_STR(dump(r.oversized), "[1048577]");
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  close(in[0]);
  close(devnull);
  rec_free(&r);
  SAY("lines of 200 kB and exactly the 256 KiB limit arrive whole across many reads; a 1 MiB "
      "line is dropped and the next line still arrives; /dev/null works as output");
}

TEST(lines_over_files) {
  char inpath[4200], outpath[4200];
  snprintf(inpath, sizeof inpath, "%s/in.jsonl", souk_test_tmpdir());
  snprintf(outpath, sizeof outpath, "%s/out.jsonl", souk_test_tmpdir());
  FILE *f = fopen(inpath, "w");
  for (int i = 0; i < 5000; i++)
    fprintf(f, "{\"n\":%d}\n", i);
  fclose(f);
  int in = open(inpath, O_RDONLY), out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  souk_stdio_lines *l = open_lines(&loop, &r, in, out, 0, 0);
  souk_stdio_lines_start(l);
  for (int i = 0; i < 1000; i++) {
    char line[32];
    int n = snprintf(line, sizeof line, "out %d", i);
    CHECK_INT(souk_stdio_lines_write(l, line, (size_t)n), ==, 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(json_array_size(r.lines), ==, 5000);
  CHECK_STR(json_string_value(json_array_get(r.lines, 4999)), "{\"n\":4999}");
  CHECK_INT(r.closed, ==, 1);
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  close(in);
  close(out);
  f = fopen(outpath, "r");
  char line[64];
  int count = 0;
  while (fgets(line, sizeof line, f)) {
    char want[64];
    snprintf(want, sizeof want, "out %d\n", count++);
    CHECK_STR(line, want);
  }
  fclose(f);
  CHECK_INT(count, ==, 1000);
  rec_free(&r);
  SAY("5000 lines read from a regular file, 1000 written to one, in order, all flushed before "
      "close completes");
}

TEST(output_limits) {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  r.close_on_eof = false;
  souk_stdio_lines *l = open_lines(&loop, &r, in[0], out[1], 0, 10000);
  souk_stdio_lines_start(l);
  char line[1000];
  memset(line, 'z', sizeof line);
  int rc = 0, n = 0;
  while (rc == 0 && n < 1000) {
    rc = souk_stdio_lines_write(l, line, sizeof line);
    n++;
  }
  CHECK_INT(rc, ==, SOUK_ETOOBIG);
  CHECK_INT(souk_stdio_lines_queued(l), >, 0);
  CHECK_INT(souk_stdio_lines_queued(l), <=, 10000);
  /* the reader goes away: queued output fails, later writes say so */
  close(out[0]);
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_run(&loop, UV_RUN_NOWAIT);
  CHECK_INT(souk_stdio_lines_write(l, "x", 1), ==, SOUK_EIO);
  souk_stdio_lines_close(l, on_closed);
  close(in[1]);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(r.closed, ==, 1);
  CHECK_INT(r.eofs, ==, 0); /* no callback after close */
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  close(in[0]);
  close(out[1]);
  rec_free(&r);
  SAY("after %d lines the queue beyond the pipe's buffer hits its 10000-byte bound "
      "(SOUK_ETOOBIG); a vanished reader turns writes into SOUK_EIO; close still completes", n);
}

/* Answers each line at once ("re:<line>"); closes on "bye". */
static void on_line_answer(void *data, const char *line, size_t len) {
  rec *r = data;
  on_line(data, line, len);
  char out[200];
  int n = snprintf(out, sizeof out, "re:%.*s", (int)len, line);
  CHECK_INT(souk_stdio_lines_write(r->l, out, (size_t)n), ==, 0);
  if (len == 3 && memcmp(line, "bye", 3) == 0)
    souk_stdio_lines_close(r->l, on_closed);
}

TEST(answers_from_line_callback) {
  int in[2], out[2];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  char input[8000] = "";
  for (int i = 0; i < 500; i++)
    snprintf(input + strlen(input), sizeof input - strlen(input), "%d\n", i);
  strcat(input, "bye\nnever\n");
  write_all(in[1], input, strlen(input));
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  souk_stdio_lines_options o = {in[0], out[1], 0, 0};
  souk_stdio_lines_callbacks cbs = {on_line_answer, on_oversized, on_eof};
  souk_errinfo e;
  r.l = souk_stdio_lines_new(&loop, &o, &cbs, &r, &e);
  souk_stdio_lines_start(r.l);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(r.closed, ==, 1);
  CHECK_INT(json_array_size(r.lines), ==, 501); /* nothing after close */
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  close(out[1]);
  char got[16000];
  size_t n = 0;
  ssize_t k;
  while ((k = read(out[0], got + n, sizeof got - 1 - n)) > 0)
    n += (size_t)k;
  got[n] = 0;
  char want[16000] = "";
  for (int i = 0; i < 500; i++)
    snprintf(want + strlen(want), sizeof want - strlen(want), "re:%d\n", i);
  strcat(want, "re:bye\n");
  CHECK_STR(got, want);
  close(in[0]);
  close(in[1]);
  close(out[0]);
  rec_free(&r);
  SAY("501 lines arriving together are answered in order (gathered into one write), including "
      "the answer written just before a close from the line callback; nothing is read after it");
}

TEST(bad_descriptors) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  rec r;
  rec_init(&r);
  souk_stdio_lines_options o = {12345, 1, 0, 0};
  souk_stdio_lines_callbacks cbs = {on_line, on_oversized, on_eof};
  souk_errinfo e;
  CHECK(souk_stdio_lines_new(&loop, &o, &cbs, &r, &e) == NULL);
  CHECK_HAS(e.text, "descriptor 12345");
  CHECK_INT(uv_loop_close(&loop), ==, 0);
  rec_free(&r);
  SAY("a closed descriptor is refused with a sentence naming it");
}

/* ---- the example server as a child process ---- */

typedef struct child {
  pid_t pid;
  int in, out;      /* our ends: we write to in, read from out */
  char buf[1 << 16];
  size_t len;
} child;

static void spawn_server(child *c, int stdin_fd, int stdout_fd) {
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd < 0) {
    CHECK(pipe(in) == 0);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addclose(&fa, in[1]);
  } else {
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  }
  if (stdout_fd < 0) {
    CHECK(pipe(out) == 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
  } else {
    posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
  }
  char *argv[] = {(char *)SOUK_TEST_ECHO_SERVER, NULL};
  int rc = posix_spawn(&c->pid, SOUK_TEST_ECHO_SERVER, &fa, NULL, argv, environ);
  CHECK_MSG(rc == 0, "spawning %s: %s", SOUK_TEST_ECHO_SERVER, strerror(rc));
  posix_spawn_file_actions_destroy(&fa);
  if (in[0] >= 0)
    close(in[0]);
  if (out[1] >= 0)
    close(out[1]);
  c->in = in[1];
  c->out = out[0];
  c->len = 0;
}

static void send_line(child *c, const char *json) {
  write_all(c->in, json, strlen(json));
  write_all(c->in, "\n", 1);
}

/* The next line from the child as JSON (new reference), or NULL at end of output. */
static json_t *read_msg(child *c, int timeout_ms) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl) {
      size_t n = (size_t)(nl - c->buf);
      json_error_t err;
      json_t *v = json_loadb(c->buf, n, 0, &err);
      CHECK_MSG(v != NULL, "the server wrote a line that is not JSON: %.*s", (int)n, c->buf);
      memmove(c->buf, nl + 1, c->len - n - 1);
      c->len -= n + 1;
      return v;
    }
    struct pollfd p = {c->out, POLLIN, 0};
    int pr = poll(&p, 1, timeout_ms);
    CHECK_MSG(pr > 0, "no output from the server within %d ms", timeout_ms);
    ssize_t k = read(c->out, c->buf + c->len, sizeof c->buf - c->len);
    CHECK(k >= 0);
    if (k == 0) {
      CHECK_MSG(c->len == 0, "output ended inside a line");
      return NULL;
    }
    c->len += (size_t)k;
  }
}

static int wait_exit(pid_t pid, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  CHECK_MSG(0, "the server did not exit within %d ms", timeout_ms);
  return -1;
}

static json_int_t id_of(const json_t *m) {
  return json_integer_value(json_object_get(m, "id"));
}

static const char *INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                          "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                          "\"clientInfo\":{\"name\":\"test_stdio\",\"version\":\"1\"}}}";
static const char *INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

TEST(example_over_pipes) {
  child c;
  spawn_server(&c, -1, -1);
  send_line(&c, INIT);
  json_t *m = read_msg(&c, 5000);
  CHECK_INT(id_of(m), ==, 1);
  json_t *info = json_object_get(json_object_get(m, "result"), "serverInfo");
  CHECK_STR(json_string_value(json_object_get(info, "name")), "souk-echo");
  json_decref(m);
  send_line(&c, INITIALIZED);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  m = read_msg(&c, 5000);
  CHECK_INT(json_array_size(json_object_get(json_object_get(m, "result"), "tools")), ==, 3);
  json_decref(m);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                "\"arguments\":{\"text\":\"h\xc3\xa9llo\",\"uppercase\":true}}}");
  m = read_msg(&c, 5000);
  CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(m, "result"),
            "content"), 0), "text")), "H\xc3\xa9LLO");
  json_decref(m);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
                "\"arguments\":{\"a\":40,\"b\":2}}}");
  m = read_msg(&c, 5000);
  CHECK(json_number_value(json_object_get(json_object_get(json_object_get(m, "result"),
        "structuredContent"), "sum")) == 42);
  json_decref(m);
  /* bad input of every kind: each answered, and the server keeps serving */
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
                "\"arguments\":{\"a\":\"x\"}}}");
  m = read_msg(&c, 5000);
  CHECK(json_is_true(json_object_get(json_object_get(m, "result"), "isError")));
  json_decref(m);
  send_line(&c, "{not json");
  m = read_msg(&c, 5000);
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32700);
  json_decref(m);
  size_t big = SOUK_JSONRPC_DEFAULT_MAX_BYTES + 100;
  char *huge = malloc(big + 1);
  memset(huge, ' ', big);
  memcpy(huge, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}", 40);
  huge[big] = 0;
  send_line(&c, huge);
  free(huge);
  m = read_msg(&c, 5000);
  CHECK(json_is_null(json_object_get(m, "id")));
  CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "error"), "code")), ==, -32600);
  CHECK_HAS(json_string_value(json_object_get(json_object_get(m, "error"), "message")), "exceeds the limit");
  json_decref(m);
  /* progress, then cancellation of a long countdown */
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
                "\"arguments\":{\"steps\":3,\"interval_ms\":1},\"_meta\":{\"progressToken\":\"p\"}}}");
  for (int i = 1; i <= 3; i++) {
    m = read_msg(&c, 5000);
    CHECK_STR(json_string_value(json_object_get(m, "method")), "notifications/progress");
    CHECK(json_number_value(json_object_get(json_object_get(m, "params"), "progress")) == i);
    json_decref(m);
  }
  m = read_msg(&c, 5000);
  CHECK_INT(id_of(m), ==, 7);
  json_decref(m);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
                "\"arguments\":{\"steps\":1000,\"interval_ms\":100}}}");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":8}}");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
  m = read_msg(&c, 5000);
  CHECK_INT(id_of(m), ==, 9); /* not 8: its answer was suppressed */
  json_decref(m);
  close(c.in);
  CHECK(read_msg(&c, 5000) == NULL);
  CHECK_INT(wait_exit(c.pid, 5000), ==, 0);
  close(c.out);
  SAY("over real pipes: initialize, tools/list, echo with UTF-8, structured add, invalid "
      "arguments, malformed JSON, a 4 MiB+ line, progress, cancellation; EOF ends it with "
      "status 0");
}

TEST(example_over_files) {
  char inpath[4200], outpath[4200];
  snprintf(inpath, sizeof inpath, "%s/requests.jsonl", souk_test_tmpdir());
  snprintf(outpath, sizeof outpath, "%s/responses.jsonl", souk_test_tmpdir());
  FILE *f = fopen(inpath, "w");
  fprintf(f, "%s\n%s\n", INIT, INITIALIZED);
  fprintf(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
             "\"arguments\":{\"steps\":2,\"interval_ms\":20}}}\n");
  fprintf(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
  fclose(f);
  int in = open(inpath, O_RDONLY), out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  child c;
  spawn_server(&c, in, out);
  close(in);
  close(out);
  CHECK_INT(wait_exit(c.pid, 5000), ==, 0);
  f = fopen(outpath, "r");
  char line[4096];
  json_int_t ids[3];
  int n = 0;
  while (n < 4 && fgets(line, sizeof line, f)) {
    json_t *m = json_loads(line, 0, NULL);
    CHECK(m != NULL);
    if (n < 3)
      ids[n] = id_of(m);
    n++;
    json_decref(m);
  }
  fclose(f);
  CHECK_INT(n, ==, 3);
  CHECK_INT(ids[0], ==, 1);
  CHECK_INT(ids[1], ==, 3);
  CHECK_INT(ids[2], ==, 2); /* answered after end of input: the session drained */
  SAY("stdin and stdout as regular files: the countdown still running at end of input finishes "
      "and its answer is written before the server exits 0");
}

TEST(example_sigterm) {
  child c;
  spawn_server(&c, -1, -1);
  send_line(&c, INIT);
  json_decref(read_msg(&c, 5000));
  send_line(&c, INITIALIZED);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
                "\"arguments\":{\"steps\":1000,\"interval_ms\":1000}}}");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
  json_decref(read_msg(&c, 5000));
  uint64_t t0 = uv_hrtime();
  kill(c.pid, SIGTERM);
  CHECK_INT(wait_exit(c.pid, 5000), ==, 0);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  CHECK_INT(ms, <, 2000);
  CHECK(read_msg(&c, 1000) == NULL);
  close(c.in);
  close(c.out);
  SAY("SIGTERM with a call running ends the server cleanly (status 0) in %llu ms",
      (unsigned long long)ms);
}
