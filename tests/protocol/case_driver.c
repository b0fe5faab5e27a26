/* SPDX-License-Identifier: MIT */
/* Runs one protocol case of tests/protocol/{valid,invalid}/<case>/: feeds the lines of `input`
 * to a session of the fixture server, runs the loop until everything settled, and compares
 * what the session sent with the lines of `output`, as JSON, ignoring key order.
 *
 * In `output`, the string "$ANY" matches any value and "$STARTS:text" any string that starts
 * with text. An optional `options.json` sets server limits: max_message_bytes, max_depth,
 * max_batch, page_size. Usage: mcp_case_driver CASE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "souk/mcp.h"

typedef struct sent {
  json_t *messages; /* every message the session sent, parsed */
} sent;

static int on_send(void *data, const souk_mcp_message *m) {
  sent *s = data;
  json_error_t err;
  json_t *v = json_loadb(m->json, m->len, JSON_REJECT_DUPLICATES, &err);
  if (!v) {
    fprintf(stderr, "the session sent something that is not JSON: %.*s\n", (int)m->len, m->json);
    exit(1);
  }
  if (memchr(m->json, '\n', m->len)) {
    fprintf(stderr, "the session sent a message with a newline in it\n");
    exit(1);
  }
  json_array_append_new(s->messages, v);
  return 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap)
      buf = realloc(buf, cap *= 2);
    size_t k = fread(buf + n, 1, cap - n, f);
    if (k == 0)
      break;
    n += k;
  }
  fclose(f);
  buf = realloc(buf, n + 1);
  buf[n] = 0;
  *len = n;
  return buf;
}

static bool same_number(const json_t *a, const json_t *b) {
  if (json_is_integer(a) && json_is_integer(b))
    return json_integer_value(a) == json_integer_value(b);
  return json_number_value(a) == json_number_value(b);
}

static bool matches(const json_t *want, const json_t *got) {
  if (json_is_string(want)) {
    const char *w = json_string_value(want);
    if (strcmp(w, "$ANY") == 0)
      return got != NULL;
    if (strncmp(w, "$STARTS:", 8) == 0)
      return json_is_string(got) && strncmp(json_string_value(got), w + 8, strlen(w + 8)) == 0;
  }
  if (!got)
    return false;
  if (json_is_number(want) && json_is_number(got))
    return same_number(want, got);
  if (json_typeof(want) != json_typeof(got))
    return false;
  if (json_is_object(want)) {
    if (json_object_size(want) != json_object_size(got))
      return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
      if (!matches(v, json_object_get(got, k)))
        return false;
    return true;
  }
  if (json_is_array(want)) {
    if (json_array_size(want) != json_array_size(got))
      return false;
    for (size_t i = 0; i < json_array_size(want); i++)
      if (!matches(json_array_get(want, i), json_array_get(got, i)))
        return false;
    return true;
  }
  return json_equal((json_t *)want, (json_t *)got);
}

static void print_json(const char *label, const json_t *v) {
  char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  fprintf(stderr, "  %s %s\n", label, s ? s : "(nothing)");
  free(s);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASE_DIR\n", argv[0]);
    return 2;
  }
  char path[4096];
  size_t in_len, out_len, opt_len;
  snprintf(path, sizeof path, "%s/input", argv[1]);
  char *input = slurp(path, &in_len);
  snprintf(path, sizeof path, "%s/output", argv[1]);
  char *output = slurp(path, &out_len);
  if (!input || !output) {
    fprintf(stderr, "case %s needs files input and output\n", argv[1]);
    return 2;
  }
  souk_mcp_server_options o = {.name = "souk-fixture", .version = "0.0.1",
                               .title = "Souk test fixture",
                               .instructions = "Fixture server of souk's protocol tests."};
  snprintf(path, sizeof path, "%s/options.json", argv[1]);
  char *opts = slurp(path, &opt_len);
  json_t *oj = NULL;
  if (opts) {
    oj = json_loads(opts, 0, NULL);
    if (!json_is_object(oj)) {
      fprintf(stderr, "%s is not a JSON object\n", path);
      return 2;
    }
    o.max_message_bytes = (size_t)json_integer_value(json_object_get(oj, "max_message_bytes"));
    o.max_depth = (unsigned)json_integer_value(json_object_get(oj, "max_depth"));
    o.max_batch = (size_t)json_integer_value(json_object_get(oj, "max_batch"));
    o.page_size = (size_t)json_integer_value(json_object_get(oj, "page_size"));
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_mcp_server *server = fixture_server_new(&loop, &o);
  sent s = {json_array()};
  souk_mcp_transport t = {on_send, NULL, NULL, &s};
  souk_errinfo e;
  souk_mcp_session *session = souk_mcp_session_new(server, &loop, &t, &e);
  if (!session) {
    fprintf(stderr, "session: %s\n", e.text);
    return 1;
  }
  int lines = 0;
  for (char *p = input; p < input + in_len;) {
    char *nl = memchr(p, '\n', (size_t)(input + in_len - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(input + in_len - p);
    if (n) {
      souk_mcp_session_receive(session, p, n);
      lines++;
    }
    p += n + 1;
  }
  uv_run(&loop, UV_RUN_DEFAULT);

  json_t *want = json_array();
  for (char *p = output; p < output + out_len;) {
    char *nl = memchr(p, '\n', (size_t)(output + out_len - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(output + out_len - p);
    if (n) {
      json_error_t err;
      json_t *v = json_loadb(p, n, 0, &err);
      if (!v) {
        fprintf(stderr, "output line %zu is not JSON: %s\n", json_array_size(want) + 1, err.text);
        return 2;
      }
      json_array_append_new(want, v);
    }
    p += n + 1;
  }
  int failed = 0;
  size_t nw = json_array_size(want), ng = json_array_size(s.messages);
  for (size_t i = 0; i < nw || i < ng; i++) {
    const json_t *w = json_array_get(want, i), *g = json_array_get(s.messages, i);
    if (!w || !matches(w, g)) {
      fprintf(stderr, "message %zu differs:\n", i + 1);
      print_json("expected", w);
      print_json("got     ", g);
      failed = 1;
    }
  }
  printf("%s: %d input lines, %zu messages out, %s\n", argv[1], lines, ng,
         failed ? "MISMATCH" : "as expected");

  souk_mcp_session_free(session);
  souk_mcp_server_free(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop);
  if (rc) {
    fprintf(stderr, "uv_loop_close: %s (a handle leaked)\n", uv_strerror(rc));
    failed = 1;
  }
  json_decref(want);
  json_decref(s.messages);
  json_decref(oj);
  free(input);
  free(output);
  free(opts);
  return failed;
}
