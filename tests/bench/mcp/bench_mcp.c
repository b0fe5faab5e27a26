/* SPDX-License-Identifier: MIT */
/* The MCP benchmark's client: drives any MCP server over stdio (spawned as a child: time from
 * spawn to initialize answered, round trips per second of `ping` and of one cheap tools/call,
 * one at a time and 32 in flight, the child's peak RSS) or a souk server over WebSocket (many
 * concurrent clients, each sending its next call when the last is answered: throughput and
 * latency percentiles). Prints one line of key=value figures; tests/bench/mcp/run.sh runs it.
 *
 *   bench_mcp stdio N TOOL ARGS_JSON -- COMMAND [ARG...]
 *   bench_mcp ws URL CLIENTS N_PER_CLIENT TOOL ARGS_JSON [SERVER_PID]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_mcp: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
  exit(1);
}

static long peak_rss_kib(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0)
      kib = strtol(line + 6, NULL, 10);
  if (f)
    fclose(f);
  return kib;
}

/* ---- stdio ---- */

typedef struct child {
  pid_t pid;
  int in, out; /* we write to in, read from out */
  char *buf;
  size_t len, cap;
} child;

static void spawn_child(child *c, char **argv) {
  int to[2], from[2];
  if (pipe(to) || pipe(from))
    die("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from[1], 1);
  posix_spawn_file_actions_addclose(&fa, to[1]);
  posix_spawn_file_actions_addclose(&fa, from[0]);
  if (posix_spawnp(&c->pid, argv[0], &fa, NULL, argv, environ))
    die("cannot start the server");
  posix_spawn_file_actions_destroy(&fa);
  close(to[0]);
  close(from[1]);
  c->in = to[1];
  c->out = from[0];
  c->cap = 1 << 20;
  c->buf = malloc(c->cap);
  c->len = 0;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      die("write");
    p += k;
    n -= (size_t)k;
  }
}

/* The next line from the child (points into its buffer, valid until the next call). */
static char *next_line(child *c, size_t *consumed) {
  for (;;) {
    char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
    if (nl) {
      *nl = '\0';
      *consumed = (size_t)(nl - c->buf) + 1;
      return c->buf;
    }
    if (c->len == c->cap) {
      c->cap *= 2;
      c->buf = realloc(c->buf, c->cap);
    }
    ssize_t k = read(c->out, c->buf + c->len, c->cap - c->len);
    if (k <= 0)
      die("the server closed its output");
    c->len += (size_t)k;
  }
}

static void drop_line(child *c, size_t consumed) {
  memmove(c->buf, c->buf + consumed, c->len - consumed);
  c->len -= consumed;
}

/* Reads lines until a response (a line with "result" or "error" and an id); notifications are
 * skipped. */
static void read_response(child *c) {
  for (;;) {
    size_t n;
    char *line = next_line(c, &n);
    bool response = strstr(line, "\"result\"") || strstr(line, "\"error\"");
    bool notification = strstr(line, "\"method\"") && !strstr(line, "\"result\"");
    if (strstr(line, "\"error\"") && !notification) {
      fprintf(stderr, "bench_mcp: the server answered with an error: %.300s\n", line);
      exit(1);
    }
    drop_line(c, n);
    if (response && !notification)
      return;
  }
}

/* A ping (tool NULL) or a tools/call line with this id. */
static int make_request(char *out, size_t cap, int id, const char *tool, const char *args) {
  if (!tool)
    return snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}\n", id);
  return snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
                  "{\"name\":\"%s\",\"arguments\":%s}}\n", id, tool, args);
}

static double round_trips(child *c, const char *tool, const char *args, int n, int in_flight) {
  char msg[2048];
  int sent = 0, got = 0;
  double t0 = now_s();
  /* Requests of one burst leave in one write, as a client library would batch them. */
  char *burst = malloc((size_t)in_flight * sizeof msg);
  while (got < n) {
    size_t blen = 0;
    while (sent < n && sent - got < in_flight) {
      int len = make_request(msg, sizeof msg, 1000 + sent, tool, args);
      memcpy(burst + blen, msg, (size_t)len);
      blen += (size_t)len;
      sent++;
    }
    if (blen)
      write_all(c->in, burst, blen);
    read_response(c);
    got++;
  }
  free(burst);
  return n / (now_s() - t0);
}

static int run_stdio(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: bench_mcp stdio N TOOL ARGS_JSON -- COMMAND [ARG...]\n");
    return 2;
  }
  int n = atoi(argv[1]);
  const char *tool = argv[2], *args = argv[3];
  child c;
  double t0 = now_s();
  spawn_child(&c, argv + 5);
  const char *init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                     "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"
                     "{\"name\":\"bench\",\"version\":\"1\"}}}\n";
  write_all(c.in, init, strlen(init));
  read_response(&c);
  double start_ms = (now_s() - t0) * 1000;
  const char *initialized = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
  write_all(c.in, initialized, strlen(initialized));

  round_trips(&c, NULL, NULL, n / 10 + 1, 1); /* warm up */
  double ping_seq = round_trips(&c, NULL, NULL, n, 1);
  double ping_pipe = round_trips(&c, NULL, NULL, n, 32);
  double call_seq = round_trips(&c, tool, args, n, 1);
  double call_pipe = round_trips(&c, tool, args, n, 32);
  long rss = peak_rss_kib(c.pid);
  close(c.in);
  int status;
  double deadline = now_s() + 5;
  while (waitpid(c.pid, &status, WNOHANG) == 0) {
    if (now_s() > deadline) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      break;
    }
    usleep(10000);
  }
  printf("start_ms=%.1f ping_seq_rps=%.0f ping_pipe_rps=%.0f call_seq_rps=%.0f "
         "call_pipe_rps=%.0f peak_rss_kib=%ld\n",
         start_ms, ping_seq, ping_pipe, call_seq, call_pipe, rss);
  free(c.buf);
  return 0;
}

/* ---- WebSocket ---- */

typedef struct wsc {
  int fd;
  char *buf;
  size_t len, cap;
  int sent, done;
  double t_sent;
  bool open;
} wsc;

static void ws_write_text(int fd, const char *text, size_t len) {
  unsigned char head[14];
  size_t h = 0;
  head[h++] = 0x81;
  if (len < 126) {
    head[h++] = (unsigned char)(0x80 | len);
  } else {
    head[h++] = 0x80 | 126;
    head[h++] = (unsigned char)(len >> 8);
    head[h++] = (unsigned char)len;
  }
  memset(head + h, 0, 4); /* a zero mask: the payload goes as it is */
  h += 4;
  char frame[4096];
  memcpy(frame, head, h);
  memcpy(frame + h, text, len);
  write_all(fd, frame, h + len);
}

static int connect_ws(const char *host, int port, const char *path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, host, &sa.sin_addr);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa))
    die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: mcp\r\n\r\n",
                   path, host, port);
  write_all(fd, req, (size_t)n);
  /* Read the answer byte by byte up to its blank line, so no frame is taken with it. */
  char resp[2048];
  size_t got = 0;
  resp[0] = '\0';
  while (got < 4 || memcmp(resp + got - 4, "\r\n\r\n", 4) != 0) {
    if (got == sizeof resp - 1 || read(fd, resp + got, 1) != 1)
      die("WebSocket handshake");
    resp[++got] = '\0';
  }
  if (!strstr(resp, " 101 "))
    die("the WebSocket upgrade was refused");
  return fd;
}

/* One whole text message from the buffer, or 0. */
static size_t ws_take(wsc *c, const char **payload, size_t *plen) {
  if (c->len < 2)
    return 0;
  unsigned char *b = (unsigned char *)c->buf;
  size_t h = 2;
  uint64_t len = b[1] & 0x7f;
  if (len == 126) {
    if (c->len < 4)
      return 0;
    len = (uint64_t)b[2] << 8 | b[3];
    h = 4;
  } else if (len == 127) {
    if (c->len < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; i++)
      len = len << 8 | b[2 + i];
    h = 10;
  }
  if (c->len < h + len)
    return 0;
  *payload = c->buf + h;
  *plen = (size_t)len;
  return h + (size_t)len;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int run_ws(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: bench_mcp ws URL CLIENTS N_PER_CLIENT TOOL ARGS_JSON [SERVER_PID]\n");
    return 2;
  }
  char host[64];
  int port;
  char path[128];
  if (sscanf(argv[1], "http://%63[^:]:%d%127s", host, &port, path) != 3)
    die("the URL must look like http://127.0.0.1:PORT/mcp");
  int nclients = atoi(argv[2]), per = atoi(argv[3]);
  const char *tool = argv[4], *args = argv[5];
  pid_t pid = argc > 6 ? atoi(argv[6]) : 0;
  wsc *cl = calloc((size_t)nclients, sizeof *cl);
  struct pollfd *pfd = calloc((size_t)nclients, sizeof *pfd);
  double *lat = malloc(sizeof(double) * (size_t)nclients * (size_t)per);
  size_t nlat = 0;
  const char *init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                     "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":"
                     "{\"name\":\"bench\",\"version\":\"1\"}}}";
  for (int i = 0; i < nclients; i++) {
    cl[i].fd = connect_ws(host, port, path);
    cl[i].cap = 65536;
    cl[i].buf = malloc(cl[i].cap);
    ws_write_text(cl[i].fd, init, strlen(init));
    pfd[i].fd = cl[i].fd;
    pfd[i].events = POLLIN;
  }
  /* initialize answers, then everyone starts */
  int ready = 0;
  char msg[2048];
  double t0 = 0;
  int finished = 0;
  while (finished < nclients) {
    if (poll(pfd, (nfds_t)nclients, 10000) <= 0)
      die("no answer within 10 s");
    for (int i = 0; i < nclients; i++) {
      if (!(pfd[i].revents & POLLIN))
        continue;
      wsc *c = &cl[i];
      if (c->cap - c->len < 16384) {
        c->cap *= 2;
        c->buf = realloc(c->buf, c->cap);
      }
      ssize_t k = read(c->fd, c->buf + c->len, c->cap - c->len);
      if (k <= 0)
        die("a WebSocket closed");
      c->len += (size_t)k;
      const char *p;
      size_t plen, used;
      while ((used = ws_take(c, &p, &plen))) {
        bool is_response = plen > 20 && (memmem(p, plen, "\"result\"", 8) || memmem(p, plen, "\"error\"", 7));
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (!is_response)
          continue;
        double t = now_s();
        if (!c->open) {
          c->open = true;
          const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
          ws_write_text(c->fd, note, strlen(note));
          if (++ready == nclients) {
            t0 = now_s();
            for (int j = 0; j < nclients; j++) {
              int len = snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                                 "\"tools/call\",\"params\":{\"name\":\"%s\",\"arguments\":%s}}",
                                 tool, args);
              cl[j].t_sent = now_s();
              cl[j].sent = 1;
              ws_write_text(cl[j].fd, msg, (size_t)len);
            }
          }
          continue;
        }
        lat[nlat++] = (t - c->t_sent) * 1000;
        if (++c->done == per) {
          finished++;
          continue;
        }
        int len = snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
                           "\"tools/call\",\"params\":{\"name\":\"%s\",\"arguments\":%s}}",
                           c->sent + 1, tool, args);
        c->sent++;
        c->t_sent = now_s();
        ws_write_text(c->fd, msg, (size_t)len);
      }
    }
  }
  double secs = now_s() - t0;
  qsort(lat, nlat, sizeof *lat, cmp_double);
  long rss = pid ? peak_rss_kib(pid) : -1;
  printf("clients=%d requests=%zu rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
         "server_peak_rss_kib=%ld\n",
         nclients, nlat, (double)nlat / secs, lat[nlat / 2], lat[(size_t)((double)nlat * 0.99)],
         lat[nlat - 1], rss);
  for (int i = 0; i < nclients; i++) {
    close(cl[i].fd);
    free(cl[i].buf);
  }
  free(cl);
  free(pfd);
  free(lat);
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && strcmp(argv[1], "stdio") == 0)
    return run_stdio(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "ws") == 0)
    return run_ws(argc - 1, argv + 1);
  fprintf(stderr, "usage: bench_mcp stdio N TOOL ARGS_JSON -- COMMAND [ARG...]\n"
                  "       bench_mcp ws URL CLIENTS N_PER_CLIENT TOOL ARGS_JSON [SERVER_PID]\n");
  return 2;
}
