/* SPDX-License-Identifier: MIT */
/* `souk serve` as a process: driven by the official MCP TypeScript SDK client over stdio
 * (js/client.mjs, against two fixture stores served here: a normal one, and a slow one for
 * cancellation mid-crawl) and over Streamable HTTP and WebSocket (js/network.mjs), skipped (77)
 * when node or the npm packages (npm ci in tests/runtime/serve/js) are missing; stdout holding
 * nothing but MCP even with debug logs; SIGTERM and SIGINT stopping it cleanly mid-crawl; a raw
 * POST to the --http listener. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "check.h"
#include "fixture_store.h"
#include "store/store.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The folder of the SDK client scripts; skips the case when node or the packages are missing. */
static const char *js_dir(void) {
  if (system("command -v node >/dev/null 2>&1") != 0)
    SKIP("node is not installed (apt-get install nodejs)");
  static char js[4200];
  char mod[4400];
  snprintf(js, sizeof js, "%s/runtime/serve/js", souk_test_source_dir());
  const char *need[] = {"@modelcontextprotocol/sdk", "ws"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(mod, sizeof mod, "%s/node_modules/%s", js, need[i]);
    struct stat st;
    if (stat(mod, &st) != 0)
      SKIP("the npm package %s is not installed: run 'npm ci' in tests/runtime/serve/js", need[i]);
  }
  return js;
}

static void run_node(const char *cmd) {
  fflush(stdout);
  int rc = system(cmd);
  int status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  CHECK_MSG(status == 0, "the SDK client failed (exit %d)", status);
}

TEST(typescript_stdio) {
  const char *js = js_dir();

  const char *caps[] = {souk_fixture_capture("annie-thompson_products_snapshot-a.json")};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .copies = 1,
                               .name = "Annie Thompson", .currency = "CAD"};
  souk_fixture_store *fs = souk_fixture_store_start(&o, 0);
  o.copies = 40; /* 7360 products, 30 pages of 250, each answered after 150 ms */
  souk_fixture_store *slow = souk_fixture_store_start(&o, 150);

  char cmd[20000];
  snprintf(cmd, sizeof cmd, "cd '%s' && node '%s/client.mjs' '%s' '%s' '%s' '%s'",
           souk_test_tmpdir(), js, SOUK_TEST_SOUK_BIN, souk_fixture_store_url(fs),
           souk_fixture_store_url(slow), souk_test_tmpdir());
  run_node(cmd);
  SAY("the TypeScript SDK client drove souk serve --stdio through every tool, progress, "
      "cancellation, resources, prompts and completion");
  souk_fixture_store_stop(slow);
  souk_fixture_store_stop(fs);
}

TEST(typescript_network) {
  const char *js = js_dir();
  const char *caps[] = {souk_fixture_capture("annie-thompson_products_snapshot-a.json")};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .copies = 1, .currency = "CAD"};
  souk_fixture_store *fs = souk_fixture_store_start(&o, 0);
  char cmd[20000];
  snprintf(cmd, sizeof cmd, "cd '%s' && node '%s/network.mjs' '%s' '%s' '%s'", souk_test_tmpdir(),
           js, SOUK_TEST_SOUK_BIN, souk_fixture_store_url(fs), souk_test_tmpdir());
  run_node(cmd);
  SAY("the TypeScript SDK client used souk serve over Streamable HTTP (progress as SSE) and "
      "WebSocket, then SIGTERM ended it with exit 0");
  souk_fixture_store_stop(fs);
}

/* ---- a `souk serve` child with pipes ----------------------------------------------------- */

typedef struct child {
  pid_t pid;
  int in, out;                 /* its stdin (we write), its stdout (we read) */
  char buf[1 << 20];
  size_t len;
  bool eof;
  json_t *lines;               /* every stdout line, parsed */
} child;

static void spawn(child *c, const char *const *args, const char *const *env) {
  memset(c, 0, sizeof *c);
  const char *dir = souk_test_tmpdir(); /* made here, not in the child */
  char errpath[4200];
  snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
  int in[2], out[2];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  fflush(stdout);
  c->pid = fork();
  CHECK(c->pid >= 0);
  if (c->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0)
      dup2(fd, 2);
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    if (chdir(dir) != 0)
      _exit(126);
    unsetenv("SOUK_LOG");
    for (size_t i = 0; env && env[i]; i++)
      putenv((char *)env[i]);
    const char *argv[16] = {"souk"};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 15; i++)
      argv[n++] = args[i];
    argv[n] = NULL;
    execv(SOUK_TEST_SOUK_BIN, (char *const *)argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  c->in = in[1];
  c->out = out[0];
  c->lines = json_array();
}

static void send_line(child *c, const char *json) {
  size_t n = strlen(json);
  CHECK(write(c->in, json, n) == (ssize_t)n);
  CHECK(write(c->in, "\n", 1) == 1);
}

/* Reads what stdout has within `seconds`; every complete line must be a JSON-RPC message. */
static void pump(child *c, double seconds) {
  double end = now_s() + seconds;
  while (!c->eof) {
    int wait = (int)((end - now_s()) * 1000);
    if (wait < 0)
      break;
    struct pollfd p = {c->out, POLLIN, 0};
    if (poll(&p, 1, wait) <= 0)
      break;
    ssize_t r = read(c->out, c->buf + c->len, sizeof c->buf - c->len - 1);
    if (r <= 0) {
      c->eof = true;
      break;
    }
    c->len += (size_t)r;
    char *nl;
    while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
      json_error_t err;
      json_t *m = json_loadb(c->buf, (size_t)(nl - c->buf), JSON_REJECT_DUPLICATES, &err);
      CHECK_MSG(m != NULL, "stdout carried something that is not JSON: %.*s", (int)(nl - c->buf),
                c->buf);
      CHECK_STR(json_string_value(json_object_get(m, "jsonrpc")), "2.0");
      json_array_append_new(c->lines, m);
      c->len -= (size_t)(nl - c->buf) + 1;
      memmove(c->buf, nl + 1, c->len);
    }
    if (json_array_size(c->lines) && seconds == 0)
      break;
  }
}

/* Pumps until a message for which pred holds arrives (at most `seconds`); returns it. */
static json_t *wait_for(child *c, double seconds, bool (*pred)(json_t *m)) {
  double end = now_s() + seconds;
  size_t seen = 0;
  for (;;) {
    for (; seen < json_array_size(c->lines); seen++)
      if (pred(json_array_get(c->lines, seen)))
        return json_array_get(c->lines, seen);
    if (c->eof || now_s() > end)
      return NULL;
    pump(c, 0.1);
  }
}

static int finish(child *c, double seconds, double *took) {
  double t0 = now_s();
  close(c->in);
  int st = 0;
  pid_t r = 0;
  while ((r = waitpid(c->pid, &st, WNOHANG)) == 0 && now_s() - t0 < seconds) {
    pump(c, 0.05);
  }
  if (r == 0) {
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
    CHECK_MSG(false, "souk serve did not exit within %.0f s", seconds);
  }
  pump(c, 1); /* what is left in the pipe */
  if (took)
    *took = now_s() - t0;
  close(c->out);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char init_msg[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
    "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"pipe\",\"version\":\"1\"}}}";

static bool is_init_answer(json_t *m) {
  return json_integer_value(json_object_get(m, "id")) == 0 && json_object_get(m, "result");
}

static bool is_progress(json_t *m) {
  const char *method = json_string_value(json_object_get(m, "method"));
  return method && strcmp(method, "notifications/progress") == 0 &&
         json_number_value(json_object_get(json_object_get(m, "params"), "progress")) > 0;
}

static bool is_ping_answer(json_t *m) {
  return json_integer_value(json_object_get(m, "id")) == 9 && json_object_get(m, "result");
}

TEST(stdout_is_only_mcp) {
  child c;
  const char *args[] = {"serve", "--stdio", NULL};
  const char *env[] = {"SOUK_LOG_LEVEL=debug", "SOUK_LOG=mcp:trace", NULL};
  spawn(&c, args, env);
  send_line(&c, init_msg);
  CHECK(wait_for(&c, 10, is_init_answer) != NULL);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
  send_line(&c, "{this is not json");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                "\"store_stats\",\"arguments\":{}}}");
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
  CHECK(wait_for(&c, 10, is_ping_answer) != NULL);
  double took;
  CHECK_INT(finish(&c, 10, &took), ==, 0);
  CHECK(json_array_size(c.lines) >= 5);
  char errpath[4200];
  snprintf(errpath, sizeof errpath, "%s/stderr.txt", souk_test_tmpdir());
  struct stat st;
  CHECK(stat(errpath, &st) == 0 && st.st_size > 200);
  SAY("with debug and trace logs on, stdout carried %zu lines, each a JSON-RPC message (a "
      "malformed line answered -32700); %lld bytes of logs went to stderr; end of input: exit 0 "
      "in %.2f s", json_array_size(c.lines), (long long)st.st_size, took);
  json_decref(c.lines);
}

TEST(claude_desktop_example) {
  /* examples/claude_desktop_config.json launches souk the way these tests do */
  char path[4200];
  snprintf(path, sizeof path, "%s/../examples/claude_desktop_config.json", souk_test_source_dir());
  json_error_t err;
  json_t *cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
  CHECK_MSG(cfg != NULL, "%s: %s", path, err.text);
  json_t *souk = json_object_get(json_object_get(cfg, "mcpServers"), "souk");
  CHECK(json_is_string(json_object_get(souk, "command")));
  json_t *argv = json_object_get(souk, "args");
  const char *args[8] = {0};
  for (size_t i = 0; i < json_array_size(argv) && i < 7; i++)
    args[i] = json_string_value(json_array_get(argv, i));
  CHECK_STR(args[0], "serve");
  CHECK_STR(args[1], "--stdio");
  /* its environment, with the data and outputs in the case's directory */
  static char envs[8][512];
  const char *env[9] = {0};
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(souk, "env"), k, v) {
    if (n < 8 && strcmp(k, "SOUK_DATA_DIR") && strcmp(k, "SOUK_OUTPUT_DIR")) {
      snprintf(envs[n], sizeof envs[n], "%s=%s", k, json_string_value(v));
      env[n] = envs[n];
      n++;
    }
  }
  child c;
  spawn(&c, args, env);
  send_line(&c, init_msg);
  json_t *m = wait_for(&c, 10, is_init_answer);
  CHECK(m != NULL);
  CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(m, "result"),
                                                              "serverInfo"), "name")), "souk");
  CHECK_INT(finish(&c, 10, NULL), ==, 0);
  SAY("examples/claude_desktop_config.json parses; `souk %s %s` with its environment answers "
      "initialize as souk", args[0], args[1]);
  json_decref(c.lines);
  json_decref(cfg);
}

static int take_state(const souk_crawl_record *r, void *ud) {
  snprintf(ud, 32, "%s", r->state);
  return 1;
}

/* Sends `sig` to souk serve in the middle of a slow crawl: it must stop at once and cleanly. */
static void signal_mid_crawl(int sig) {
  const char *caps[] = {souk_fixture_capture("annie-thompson_products_snapshot-a.json")};
  souk_storefront_options o = {.captures = caps, .ncaptures = 1, .copies = 40, .currency = "CAD"};
  souk_fixture_store *slow = souk_fixture_store_start(&o, 150);
  child c;
  const char *args[] = {"serve", "--stdio", NULL};
  const char *env[] = {"SOUK_ALLOW_PRIVATE_HOSTS=1", "SOUK_HTTP_RATE=0", NULL};
  spawn(&c, args, env);
  send_line(&c, init_msg);
  CHECK(wait_for(&c, 10, is_init_answer) != NULL);
  send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  char msg[512];
  snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                            "\"name\":\"scrape_store\",\"arguments\":{\"url\":\"%s\"},\"_meta\":"
                            "{\"progressToken\":1}}}", souk_fixture_store_url(slow));
  send_line(&c, msg);
  CHECK_MSG(wait_for(&c, 30, is_progress) != NULL, "no progress from the slow crawl");
  double t0 = now_s();
  CHECK(kill(c.pid, sig) == 0);
  int st = 0;
  pid_t r = 0;
  while ((r = waitpid(c.pid, &st, WNOHANG)) == 0 && now_s() - t0 < 10)
    pump(&c, 0.05);
  CHECK_MSG(r == c.pid, "souk serve did not exit within 10 s of the signal");
  double took = now_s() - t0;
  pump(&c, 0.5);
  close(c.in);
  close(c.out);
  CHECK(WIFEXITED(st));
  CHECK_INT(WEXITSTATUS(st), ==, 0);
  char db[4200], state[32] = "";
  snprintf(db, sizeof db, "%s/data/souk.db", souk_test_tmpdir());
  souk_errinfo e = {0};
  souk_store *s = souk_store_open_sqlite(db, NULL, &e);
  CHECK_MSG(s != NULL, "%s", e.text);
  CHECK_INT(souk_store_crawls(s, NULL, 1, take_state, state), ==, 0);
  souk_store_close(s);
  CHECK_STR(state, "canceled");
  SAY("%s mid-crawl: souk serve exited 0 in %.2f s, the crawl record closed as canceled, stdout "
      "held %zu JSON-RPC lines and nothing else", sig == SIGTERM ? "SIGTERM" : "SIGINT", took,
      json_array_size(c.lines));
  json_decref(c.lines);
  souk_fixture_store_stop(slow);
}

TEST(sigterm_mid_crawl) { signal_mid_crawl(SIGTERM); }
TEST(sigint_mid_crawl) { signal_mid_crawl(SIGINT); }

/* ---- Streamable HTTP ---------------------------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t n, void *ud) {
  strncat(ud, data, (size * n) < 60000 - strlen(ud) - 1 ? size * n : 60000 - strlen(ud) - 1);
  return size * n;
}

TEST(http_listener) {
  child c;
  const char *args[] = {"serve", "--http", "127.0.0.1:0", NULL};
  spawn(&c, args, NULL);
  /* the first stdout line says where: "http http://127.0.0.1:PORT/mcp" */
  char line[512] = "";
  double end = now_s() + 10;
  while (!strchr(line, '\n') && now_s() < end) {
    struct pollfd p = {c.out, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      ssize_t r = read(c.out, line + strlen(line), sizeof line - strlen(line) - 1);
      if (r <= 0)
        break;
    }
  }
  if (!strchr(line, '\n')) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, NULL, 0);
    CHECK_MSG(false, "souk serve --http printed no URL: \"%s\"", line);
  }
  *strchr(line, '\n') = '\0';
  CHECK(strncmp(line, "http http://127.0.0.1:", 22) == 0);
  const char *url = line + 5;

  CURL *h = curl_easy_init();
  static char body[60000];
  body[0] = '\0';
  struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
  hd = curl_slist_append(hd, "Accept: application/json, text/event-stream");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, init_msg);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hd);
  curl_easy_cleanup(h);
  CHECK_MSG(rc == CURLE_OK, "POST %s: %s", url, curl_easy_strerror(rc));
  CHECK_INT(status, ==, 200);
  CHECK_HAS(body, "\"name\":\"souk\"");
  CHECK_HAS(body, "\"tools\"");
  CHECK(kill(c.pid, SIGTERM) == 0);
  double took;
  int st = 0;
  double t0 = now_s();
  while (waitpid(c.pid, &st, WNOHANG) == 0 && now_s() - t0 < 10)
    usleep(20000);
  took = now_s() - t0;
  close(c.in);
  close(c.out);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  SAY("souk serve --http 127.0.0.1:0 said %s; POST initialize answered 200 with souk's "
      "serverInfo and tools; SIGTERM: exit 0 in %.2f s", url, took);
  json_decref(c.lines);
}
