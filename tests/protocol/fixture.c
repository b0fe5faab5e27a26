/* SPDX-License-Identifier: MIT */
/* The fixture MCP server of the protocol tests (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "souk/mcp_content.h"

int fixture_slow_cancelled;

static json_t *parse(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, 0, &err);
  if (!v) {
    fprintf(stderr, "fixture: bad JSON at %d: %s\n", err.position, err.text);
    exit(1);
  }
  return v;
}

/* ---- echo ---- */

static void echo(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  const char *text = json_string_value(json_object_get(args, "text"));
  json_int_t repeat = json_is_integer(json_object_get(args, "repeat"))
                          ? json_integer_value(json_object_get(args, "repeat"))
                          : 1;
  bool upper = json_is_true(json_object_get(args, "upper"));
  char out[6000] = "";
  for (json_int_t i = 0; i < repeat; i++) {
    if (i)
      strcat(out, " ");
    strncat(out, text, 1000);
  }
  if (upper)
    for (char *p = out; *p; p++)
      if (*p >= 'a' && *p <= 'z')
        *p = (char)(*p - 'a' + 'A');
  souk_mcp_call_text(c, "%s", out);
}

/* ---- add ---- */

static void add(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  double sum = json_number_value(json_object_get(args, "a")) +
               json_number_value(json_object_get(args, "b"));
  souk_mcp_call_structured(c, json_pack("{s:f}", "sum", sum));
}

static void bad_output(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_structured(c, json_pack("{s:s}", "sum", "not a number"));
}

/* ---- slow: one progress step per millisecond, cancellable ---- */

typedef struct slow_job {
  uv_timer_t timer;
  souk_mcp_call *call;
  json_int_t steps, done;
} slow_job;

static void slow_closed(uv_handle_t *h) {
  free(h->data);
}

static void slow_cancel(souk_mcp_call *c, void *data, const char *reason) {
  slow_job *j = data;
  (void)reason;
  fixture_slow_cancelled++;
  uv_timer_stop(&j->timer);
  j->call = NULL;
  souk_mcp_call_tool_error(c, "cancelled after %" JSON_INTEGER_FORMAT " steps", j->done);
  uv_close((uv_handle_t *)&j->timer, slow_closed);
}

static void slow_tick(uv_timer_t *t) {
  slow_job *j = t->data;
  j->done++;
  souk_mcp_call_progress(j->call, (double)j->done, (double)j->steps, "working");
  if (j->done < j->steps)
    return;
  uv_timer_stop(t);
  souk_mcp_call *c = j->call;
  j->call = NULL;
  souk_mcp_call_on_cancel(c, NULL, NULL);
  souk_mcp_call_text(c, "done after %" JSON_INTEGER_FORMAT " steps", j->steps);
  uv_close((uv_handle_t *)t, slow_closed);
}

static void slow(souk_mcp_call *c, const json_t *args, void *data) {
  uv_loop_t *loop = data;
  slow_job *j = calloc(1, sizeof *j);
  if (!j) {
    souk_mcp_call_tool_error(c, "out of memory");
    return;
  }
  j->call = c;
  j->steps = json_integer_value(json_object_get(args, "steps"));
  json_int_t interval = json_is_integer(json_object_get(args, "interval_ms"))
                            ? json_integer_value(json_object_get(args, "interval_ms"))
                            : 1;
  uv_timer_init(loop, &j->timer);
  j->timer.data = j;
  souk_mcp_call_on_cancel(c, slow_cancel, j);
  if (j->call) /* not cancelled already */
    uv_timer_start(&j->timer, slow_tick, (uint64_t)interval, (uint64_t)interval);
}

/* ---- ask (sampling) and confirm (elicitation) ---- */

static void ask_reply(void *data, const souk_mcp_reply *r) {
  souk_mcp_call *c = data;
  if (r->status == 0) {
    const char *text = json_string_value(json_object_get(json_object_get(r->result, "content"), "text"));
    souk_mcp_call_text(c, "the model said: %s", text ? text : "(no text)");
  } else if (r->status == SOUK_EIO) {
    souk_mcp_call_tool_error(c, "the client refused to sample: %s", r->error_message);
  } else {
    souk_mcp_call_tool_error(c, "sampling failed: %s", souk_strerror(r->status));
  }
}

static void ask(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  json_t *p = json_pack("{s:[{s:s,s:{s:s,s:O}}],s:i}", "messages", "role", "user", "content",
                        "type", "text", "text", json_object_get(args, "question"), "maxTokens", 100);
  int rc = souk_mcp_call_sample(c, p, (unsigned)json_integer_value(json_object_get(args, "timeout_ms")),
                                ask_reply, c);
  if (rc)
    souk_mcp_call_tool_error(c, "cannot ask the model: %s", souk_strerror(rc));
}

static void confirm_reply(void *data, const souk_mcp_reply *r) {
  souk_mcp_call *c = data;
  if (r->status) {
    souk_mcp_call_tool_error(c, "elicitation failed: %s", souk_strerror(r->status));
  } else {
    const char *action = json_string_value(json_object_get(r->result, "action"));
    souk_mcp_call_text(c, "action=%s", action ? action : "?");
  }
}

static void confirm(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  json_t *p = json_pack("{s:s,s:{s:s,s:{s:{s:s}},s:[s]}}", "message", "Proceed?",
                        "requestedSchema", "type", "object", "properties", "ok", "type", "boolean",
                        "required", "ok");
  int rc = souk_mcp_call_elicit(c, p, 0, confirm_reply, c);
  if (rc)
    souk_mcp_call_tool_error(c, "cannot ask the user: %s", souk_strerror(rc));
}

static void chatty(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  for (int lv = SOUK_MCP_LOG_DEBUG; lv <= SOUK_MCP_LOG_EMERGENCY; lv++)
    souk_mcp_call_log(c, (souk_mcp_log_level)lv, "chatty",
                      json_string(souk_mcp_log_level_name((souk_mcp_log_level)lv)));
  souk_mcp_call_text(c, "logged");
}

/* ---- resources ---- */

static void read_text(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  json_t *contents = json_array();
  json_array_append_new(contents, souk_mcp_text_contents(souk_mcp_call_uri(c), "text/plain",
                        "This is the content of the static text resource."));
  souk_mcp_call_contents(c, contents);
}

static void read_binary(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  unsigned char bytes[16];
  for (int i = 0; i < 16; i++)
    bytes[i] = (unsigned char)i;
  json_t *contents = json_array();
  json_array_append_new(contents, souk_mcp_blob_contents(souk_mcp_call_uri(c),
                        "application/octet-stream", bytes, sizeof bytes));
  souk_mcp_call_contents(c, contents);
}

static void read_item(souk_mcp_call *c, const json_t *vars, void *data) {
  (void)data;
  const char *id = json_string_value(json_object_get(vars, "id"));
  if (strcmp(id, "missing") == 0) {
    souk_mcp_call_fail(c, SOUK_MCP_RESOURCE_NOT_FOUND,
                       json_pack("{s:s}", "uri", souk_mcp_call_uri(c)), "Resource not found: %s",
                       souk_mcp_call_uri(c));
    return;
  }
  char text[300];
  snprintf(text, sizeof text, "item %s", id);
  json_t *contents = json_array();
  json_array_append_new(contents, souk_mcp_text_contents(souk_mcp_call_uri(c), "text/plain", text));
  souk_mcp_call_contents(c, contents);
}

/* ---- prompt and completion ---- */

static void greet(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  const char *name = json_string_value(json_object_get(args, "name"));
  const char *style = json_string_value(json_object_get(args, "style"));
  char text[400];
  snprintf(text, sizeof text, "Greet %s in a %s way.", name, style ? style : "friendly");
  json_t *r = json_pack("{s:s,s:[o]}", "description", "A greeting", "messages",
                        souk_mcp_prompt_message("user", souk_mcp_text_item(text)));
  souk_mcp_call_finish(c, r);
}

static void complete(souk_mcp_call *c, const souk_mcp_completion *req, void *data) {
  (void)data;
  static const char *const styles[] = {"formal", "friendly", "funny"};
  static const char *const ids[] = {"1", "2", "10", "20", "missing"};
  const char *const *all = req->prompt ? styles : ids;
  size_t n = req->prompt ? 3 : 5;
  const char *out[8];
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(all[i], req->value, strlen(req->value)) == 0)
      out[k++] = all[i];
  souk_mcp_call_complete(c, out, k, (int64_t)k, false);
}

static void must(int rc, const souk_errinfo *e) {
  if (rc) {
    fprintf(stderr, "fixture: %s\n", e->text);
    exit(1);
  }
}

souk_mcp_server *fixture_server_new(uv_loop_t *loop, const souk_mcp_server_options *o) {
  souk_mcp_server_options def = {.name = "souk-fixture", .version = "0.0.1",
                                 .title = "Souk test fixture",
                                 .instructions = "Fixture server of souk's protocol tests."};
  souk_errinfo e;
  souk_mcp_server *s = souk_mcp_server_new(o ? o : &def, &e);
  if (!s) {
    fprintf(stderr, "fixture: %s\n", e.text);
    exit(1);
  }
  json_t *echo_schema = parse(
      "{\"type\":\"object\",\"properties\":{"
      "\"text\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000},"
      "\"repeat\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5},"
      "\"upper\":{\"type\":\"boolean\"}},"
      "\"required\":[\"text\"],\"additionalProperties\":false}");
  souk_mcp_tool t = {"echo", "Echo", "Repeats the text.", echo_schema, NULL, NULL, NULL, echo, NULL};
  must(souk_mcp_server_add_tool(s, &t, &e), &e);
  json_decref(echo_schema);

  json_t *add_in = parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
                         "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"]}");
  json_t *add_out = parse("{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":\"number\"}},"
                          "\"required\":[\"sum\"]}");
  json_t *ro = parse("{\"readOnlyHint\":true,\"idempotentHint\":true}");
  souk_mcp_tool ta = {"add", "Add", "Adds two numbers.", add_in, add_out, ro, NULL, add, NULL};
  must(souk_mcp_server_add_tool(s, &ta, &e), &e);
  souk_mcp_tool tb = {"bad_output", NULL, "Returns output that breaks its schema.", NULL, add_out,
                      NULL, NULL, bad_output, NULL};
  must(souk_mcp_server_add_tool(s, &tb, &e), &e);
  json_decref(add_in);
  json_decref(add_out);
  json_decref(ro);

  json_t *slow_in = parse("{\"type\":\"object\",\"properties\":{\"steps\":{\"type\":\"integer\","
                          "\"minimum\":1,\"maximum\":100000},\"interval_ms\":{\"type\":\"integer\","
                          "\"minimum\":1,\"maximum\":1000}},\"required\":[\"steps\"]}");
  souk_mcp_tool ts = {"slow", NULL, "Works for `steps` ticks, reporting progress.", slow_in, NULL,
                      NULL, NULL, slow, loop};
  must(souk_mcp_server_add_tool(s, &ts, &e), &e);
  json_decref(slow_in);

  json_t *ask_in = parse("{\"type\":\"object\",\"properties\":{\"question\":{\"type\":\"string\"},"
                         "\"timeout_ms\":{\"type\":\"integer\"}},\"required\":[\"question\"]}");
  souk_mcp_tool tk = {"ask", NULL, "Asks the client's model.", ask_in, NULL, NULL, NULL, ask, NULL};
  must(souk_mcp_server_add_tool(s, &tk, &e), &e);
  json_decref(ask_in);
  souk_mcp_tool tc = {"confirm", NULL, "Asks the user.", NULL, NULL, NULL, NULL, confirm, NULL};
  must(souk_mcp_server_add_tool(s, &tc, &e), &e);
  souk_mcp_tool tl = {"chatty", NULL, "Logs at every level.", NULL, NULL, NULL, NULL, chatty, NULL};
  must(souk_mcp_server_add_tool(s, &tl, &e), &e);

  souk_mcp_resource r1 = {"test://static-text", "static-text", "Static text", "A fixed text.",
                          "text/plain", 48, NULL, NULL, read_text, NULL};
  must(souk_mcp_server_add_resource(s, &r1, &e), &e);
  souk_mcp_resource r2 = {"test://static-binary", "static-binary", NULL, NULL,
                          "application/octet-stream", 16, NULL, NULL, read_binary, NULL};
  must(souk_mcp_server_add_resource(s, &r2, &e), &e);
  souk_mcp_resource_template rt = {"test://items/{id}", "item", "Item", "One item by id.",
                                   "text/plain", NULL, NULL, read_item, NULL};
  must(souk_mcp_server_add_template(s, &rt, &e), &e);

  static const souk_mcp_prompt_arg gargs[] = {{"name", NULL, "Who to greet", true},
                                              {"style", NULL, "formal, friendly or funny", false}};
  souk_mcp_prompt p = {"greet", "Greeting", "Greets someone.", gargs, 2, NULL, greet, NULL};
  must(souk_mcp_server_add_prompt(s, &p, &e), &e);
  souk_mcp_server_set_completion(s, complete, NULL);
  return s;
}
