/* SPDX-License-Identifier: MIT */
/* The server the official MCP conformance suite (npm @modelcontextprotocol/conformance) tests:
 * souk's protocol library registering exactly the tools, resources, templates and prompts the
 * suite's server scenarios call, with the texts its scenario sources expect, served over
 * Streamable HTTP.
 *
 *   mcp_conformance_server --http 127.0.0.1:3001
 *   node node_modules/@modelcontextprotocol/conformance/dist/index.js server \
 *        --url http://127.0.0.1:3001/mcp
 *
 * tests/protocol/conformance/run.sh does both (CTest mcp_conformance.server).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/mcp.h"
#include "souk/mcp_content.h"
#include "souk/mcp_net.h"

/* A 1x1 red PNG and a minimal WAV file, as the suite's reference server sends them. */
#define PNG_BASE64 \
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
#define WAV_BASE64 "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="

static json_t *parse(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, 0, &err);
  if (!v) {
    fprintf(stderr, "mcp_conformance_server: bad JSON at %d: %s\n", err.position, err.text);
    exit(1);
  }
  return v;
}

static json_t *image_item(void) {
  return json_pack("{s:s,s:s,s:s}", "type", "image", "data", PNG_BASE64, "mimeType", "image/png");
}

/* ---- content tools ---- */

static void simple_text(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_text(c, "This is a simple text response for testing.");
}

static void image_content(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_finish(c, souk_mcp_tool_result(json_pack("[o]", image_item()), NULL, false));
}

static void audio_content(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_finish(c, souk_mcp_tool_result(
      json_pack("[{s:s,s:s,s:s}]", "type", "audio", "data", WAV_BASE64, "mimeType", "audio/wav"),
      NULL, false));
}

static void embedded_resource(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  json_t *item = souk_mcp_embedded_item(souk_mcp_text_contents(
      "test://embedded-resource", "text/plain", "This is an embedded resource content."));
  souk_mcp_call_finish(c, souk_mcp_tool_result(json_pack("[o]", item), NULL, false));
}

static void multiple_content(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  json_t *res = souk_mcp_embedded_item(souk_mcp_text_contents(
      "test://mixed-content-resource", "application/json", "{\"test\":\"data\",\"value\":123}"));
  souk_mcp_call_finish(c, souk_mcp_tool_result(
      json_pack("[o,o,o]", souk_mcp_text_item("Multiple content types test:"), image_item(), res),
      NULL, false));
}

static void error_handling(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_tool_error(c, "This tool intentionally returns an error for testing");
}

static void reconnection(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_text(c, "Reconnection test completed successfully. If you received this, the "
                        "client properly reconnected after stream closure.");
}

static void schema_2020_12(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  char *s = json_dumps(args, JSON_COMPACT);
  souk_mcp_call_text(c, "JSON Schema 2020-12 tool called with: %s", s ? s : "{}");
  free(s);
}

/* ---- logging and progress: three steps 50 ms apart on the loop ---- */

typedef struct steps {
  uv_timer_t timer;
  souk_mcp_call *call;
  int step;
  bool progress; /* else logging */
} steps;

static void steps_closed(uv_handle_t *h) {
  free(h->data);
}

static void steps_cancel(souk_mcp_call *c, void *data, const char *reason) {
  steps *s = data;
  uv_timer_stop(&s->timer);
  s->call = NULL;
  souk_mcp_call_tool_error(c, "cancelled: %s", reason ? reason : "");
  uv_close((uv_handle_t *)&s->timer, steps_closed);
}

static void steps_tick(uv_timer_t *t) {
  steps *s = t->data;
  static const char *const logs[] = {"Tool execution started", "Tool processing data",
                                     "Tool execution completed"};
  if (s->progress) {
    char msg[64];
    snprintf(msg, sizeof msg, "Completed step %d of 100", s->step * 50);
    souk_mcp_call_progress(s->call, s->step * 50, 100, msg);
  } else {
    souk_mcp_call_log(s->call, SOUK_MCP_LOG_INFO, "conformance-test-server",
                      json_string(logs[s->step]));
  }
  if (++s->step < 3)
    return;
  uv_timer_stop(t);
  souk_mcp_call *c = s->call;
  s->call = NULL;
  souk_mcp_call_on_cancel(c, NULL, NULL);
  if (s->progress) {
    const json_t *tok = souk_mcp_call_progress_token(c);
    char *text = tok ? json_dumps(tok, JSON_ENCODE_ANY) : NULL;
    if (text && text[0] == '"') { /* a string token is returned as it is */
      souk_mcp_call_text(c, "%s", json_string_value(tok));
    } else {
      souk_mcp_call_text(c, "%s", text ? text : "0");
    }
    free(text);
  } else {
    souk_mcp_call_text(c, "Tool with logging executed successfully");
  }
  uv_close((uv_handle_t *)t, steps_closed);
}

static void start_steps(souk_mcp_call *c, uv_loop_t *loop, bool progress) {
  steps *s = calloc(1, sizeof *s);
  if (!s) {
    souk_mcp_call_tool_error(c, "out of memory");
    return;
  }
  s->call = c;
  s->progress = progress;
  uv_timer_init(loop, &s->timer);
  s->timer.data = s;
  souk_mcp_call_on_cancel(c, steps_cancel, s);
  if (s->call) {
    steps_tick(&s->timer); /* the first step now, the others 50 ms apart */
    if (s->call)
      uv_timer_start(&s->timer, steps_tick, 50, 50);
  }
}

static void with_logging(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args;
  start_steps(c, data, false);
}

static void with_progress(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args;
  start_steps(c, data, true);
}

/* ---- sampling and elicitation ---- */

static void sampled(void *data, const souk_mcp_reply *r) {
  souk_mcp_call *c = data;
  if (r->status) {
    souk_mcp_call_tool_error(c, "Sampling not supported or error: %s",
                             r->error_message ? r->error_message : souk_strerror(r->status));
    return;
  }
  const char *text =
      json_string_value(json_object_get(json_object_get(r->result, "content"), "text"));
  souk_mcp_call_text(c, "LLM response: %s", text ? text : "No response");
}

static void sampling(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  json_t *p = json_pack("{s:[{s:s,s:{s:s,s:O}}],s:i}", "messages", "role", "user", "content",
                        "type", "text", "text", json_object_get(args, "prompt"), "maxTokens", 100);
  int rc = souk_mcp_call_sample(c, p, 0, sampled, c);
  if (rc)
    souk_mcp_call_tool_error(c, "Sampling not supported or error: %s", souk_strerror(rc));
}

static void elicited(void *data, const souk_mcp_reply *r) {
  souk_mcp_call *c = data;
  if (r->status) {
    souk_mcp_call_tool_error(c, "Elicitation not supported or error: %s",
                             r->error_message ? r->error_message : souk_strerror(r->status));
    return;
  }
  const char *action = json_string_value(json_object_get(r->result, "action"));
  json_t *content = json_object_get(r->result, "content");
  char *text = content ? json_dumps(content, JSON_COMPACT) : NULL;
  const char *prefix = souk_mcp_call_name(c) && strcmp(souk_mcp_call_name(c), "test_elicitation")
                           ? "Elicitation completed"
                           : "User response";
  souk_mcp_call_text(c, "%s: action=%s, content=%s", prefix, action ? action : "?",
                     text ? text : "{}");
  free(text);
}

static void elicit(souk_mcp_call *c, json_t *params) {
  int rc = souk_mcp_call_elicit(c, params, 0, elicited, c);
  if (rc)
    souk_mcp_call_tool_error(c, "Elicitation not supported or error: %s", souk_strerror(rc));
}

static void elicitation(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  json_t *p = parse("{\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                    "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
                    "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
                    "\"required\":[\"username\",\"email\"]}}");
  json_object_set(p, "message", json_object_get(args, "message"));
  elicit(c, p);
}

static void elicitation_defaults(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  elicit(c, parse(
      "{\"message\":\"Please review and update the form fields with defaults\","
      "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
      "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
      "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
      "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
      "\"status\":{\"type\":\"string\",\"description\":\"User status\","
      "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
      "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\","
      "\"default\":true}},\"required\":[]}}"));
}

static void elicitation_enums(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  elicit(c, parse(
      "{\"message\":\"Please select options from the enum fields\","
      "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
      "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
      "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
      "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
      "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
      "{\"const\":\"value2\",\"title\":\"Second Option\"},"
      "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
      "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
      "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
      "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
      "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
      "\"minItems\":1,\"maxItems\":3,\"items\":{\"type\":\"string\","
      "\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
      "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with "
      "titles\",\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":["
      "{\"const\":\"value1\",\"title\":\"First Choice\"},"
      "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
      "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},\"required\":[]}}"));
}

/* ---- resources ---- */

static void static_text(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_contents(c, json_pack("[o]", souk_mcp_text_contents(
      "test://static-text", "text/plain", "This is the content of the static text resource.")));
}

static void static_binary(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_contents(c, json_pack("[{s:s,s:s,s:s}]", "uri", "test://static-binary",
                                      "mimeType", "image/png", "blob", PNG_BASE64));
}

static void template_data(souk_mcp_call *c, const json_t *vars, void *data) {
  (void)data;
  const char *id = json_string_value(json_object_get(vars, "id"));
  char line[200];
  snprintf(line, sizeof line, "Data for ID: %s", id);
  json_t *body = json_pack("{s:s,s:b,s:s}", "id", id, "templateTest", 1, "data", line);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  souk_mcp_call_contents(c, json_pack("[o]", souk_mcp_text_contents(
      souk_mcp_call_uri(c), "application/json", text ? text : "{}")));
  free(text);
}

static void watched(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_contents(c, json_pack("[o]", souk_mcp_text_contents(
      "test://watched-resource", "text/plain", "Watched resource content")));
}

/* ---- prompts ---- */

static json_t *user(json_t *item) {
  return souk_mcp_prompt_message("user", item);
}

static void simple_prompt(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_finish(c, json_pack("{s:[o]}", "messages",
                                    user(souk_mcp_text_item("This is a simple prompt for testing."))));
}

static void prompt_with_arguments(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  char text[600];
  snprintf(text, sizeof text, "Prompt with arguments: arg1='%s', arg2='%s'",
           json_string_value(json_object_get(args, "arg1")),
           json_string_value(json_object_get(args, "arg2")));
  souk_mcp_call_finish(c, json_pack("{s:[o]}", "messages", user(souk_mcp_text_item(text))));
}

static void prompt_with_resource(souk_mcp_call *c, const json_t *args, void *data) {
  (void)data;
  const char *uri = json_string_value(json_object_get(args, "resourceUri"));
  json_t *res = souk_mcp_embedded_item(
      souk_mcp_text_contents(uri, "text/plain", "Embedded resource content for testing."));
  souk_mcp_call_finish(c, json_pack("{s:[o,o]}", "messages", user(res),
                                    user(souk_mcp_text_item(
                                        "Please process the embedded resource above."))));
}

static void prompt_with_image(souk_mcp_call *c, const json_t *args, void *data) {
  (void)args, (void)data;
  souk_mcp_call_finish(c, json_pack("{s:[o,o]}", "messages", user(image_item()),
                                    user(souk_mcp_text_item("Please analyze the image above."))));
}

/* ---- completion ---- */

static void complete(souk_mcp_call *c, const souk_mcp_completion *req, void *data) {
  (void)data;
  static const char *const words[] = {"paris", "park", "party", "test", "testing"};
  const char *out[5];
  size_t n = 0;
  for (size_t i = 0; i < 5; i++)
    if (strncmp(words[i], req->value ? req->value : "", strlen(req->value ? req->value : "")) == 0)
      out[n++] = words[i];
  souk_mcp_call_complete(c, out, n, (int64_t)n, false);
}

/* ---- registration ---- */

static void must(int rc, const souk_errinfo *e) {
  if (rc) {
    fprintf(stderr, "mcp_conformance_server: %s\n", e->text);
    exit(1);
  }
}

static void add_tool(souk_mcp_server *s, const char *name, const char *description,
                     const char *schema, souk_mcp_handler_fn fn, void *data) {
  json_t *in = schema ? parse(schema) : NULL;
  souk_mcp_tool t = {name, NULL, description, in, NULL, NULL, NULL, fn, data};
  souk_errinfo e;
  must(souk_mcp_server_add_tool(s, &t, &e), &e);
  json_decref(in);
}

static void register_all(souk_mcp_server *s, uv_loop_t *loop) {
  add_tool(s, "test_simple_text", "Tests simple text content response", NULL, simple_text, NULL);
  add_tool(s, "test_image_content", "Tests image content response", NULL, image_content, NULL);
  add_tool(s, "test_audio_content", "Tests audio content response", NULL, audio_content, NULL);
  add_tool(s, "test_embedded_resource", "Tests embedded resource content response", NULL,
           embedded_resource, NULL);
  add_tool(s, "test_multiple_content_types",
           "Tests response with multiple content types (text, image, resource)", NULL,
           multiple_content, NULL);
  add_tool(s, "test_tool_with_logging", "Tests tool that emits log messages during execution",
           NULL, with_logging, loop);
  add_tool(s, "test_tool_with_progress", "Tests tool that reports progress notifications", NULL,
           with_progress, loop);
  add_tool(s, "test_error_handling", "Tests error response handling", NULL, error_handling,
           NULL);
  add_tool(s, "test_reconnection",
           "Tests SSE stream reconnection (SEP-1699); this server answers on the open stream",
           NULL, reconnection, NULL);
  add_tool(s, "test_sampling", "Tests server-initiated sampling (LLM completion request)",
           "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
           "\"description\":\"The prompt to send to the LLM\"}},\"required\":[\"prompt\"]}",
           sampling, NULL);
  add_tool(s, "test_elicitation", "Tests server-initiated elicitation (user input request)",
           "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
           "\"description\":\"The message to show the user\"}},\"required\":[\"message\"]}",
           elicitation, NULL);
  add_tool(s, "test_elicitation_sep1034_defaults",
           "Tests elicitation with default values per SEP-1034", NULL, elicitation_defaults,
           NULL);
  add_tool(s, "test_elicitation_sep1330_enums",
           "Tests elicitation with enum schema improvements per SEP-1330", NULL,
           elicitation_enums, NULL);
  add_tool(s, "json_schema_2020_12_tool",
           "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
           "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
           "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":"
           "\"string\"},\"city\":{\"type\":\"string\"}}}},\"properties\":{\"name\":{\"type\":"
           "\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},"
           "\"additionalProperties\":false}",
           schema_2020_12, NULL);

  souk_errinfo e;
  souk_mcp_resource r1 = {"test://static-text", "static-text", "Static Text Resource",
                          "A static text resource for testing", "text/plain", -1, NULL, NULL,
                          static_text, NULL};
  must(souk_mcp_server_add_resource(s, &r1, &e), &e);
  souk_mcp_resource r2 = {"test://static-binary", "static-binary", "Static Binary Resource",
                          "A static binary resource (image) for testing", "image/png", -1, NULL,
                          NULL, static_binary, NULL};
  must(souk_mcp_server_add_resource(s, &r2, &e), &e);
  souk_mcp_resource r3 = {"test://watched-resource", "watched-resource", "Watched Resource",
                          "A resource clients can subscribe to", "text/plain", -1, NULL, NULL,
                          watched, NULL};
  must(souk_mcp_server_add_resource(s, &r3, &e), &e);
  souk_mcp_resource_template t = {"test://template/{id}/data", "template", "Resource Template",
                                  "A resource template with parameter substitution",
                                  "application/json", NULL, NULL, template_data, NULL};
  must(souk_mcp_server_add_template(s, &t, &e), &e);

  souk_mcp_prompt p1 = {"test_simple_prompt", "Simple Test Prompt",
                        "A simple prompt without arguments", NULL, 0, NULL, simple_prompt, NULL};
  must(souk_mcp_server_add_prompt(s, &p1, &e), &e);
  static const souk_mcp_prompt_arg a2[] = {{"arg1", NULL, "First test argument", true},
                                           {"arg2", NULL, "Second test argument", true}};
  souk_mcp_prompt p2 = {"test_prompt_with_arguments", "Prompt With Arguments",
                        "A prompt with required arguments", a2, 2, NULL, prompt_with_arguments,
                        NULL};
  must(souk_mcp_server_add_prompt(s, &p2, &e), &e);
  static const souk_mcp_prompt_arg a3[] = {
      {"resourceUri", NULL, "URI of the resource to embed", true}};
  souk_mcp_prompt p3 = {"test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
                        "A prompt that includes an embedded resource", a3, 1, NULL,
                        prompt_with_resource, NULL};
  must(souk_mcp_server_add_prompt(s, &p3, &e), &e);
  souk_mcp_prompt p4 = {"test_prompt_with_image", "Prompt With Image",
                        "A prompt that includes image content", NULL, 0, NULL, prompt_with_image,
                        NULL};
  must(souk_mcp_server_add_prompt(s, &p4, &e), &e);
  souk_mcp_server_set_completion(s, complete, NULL);
}

/* ---- main ---- */

typedef struct app {
  souk_mcp_net *net;
  uv_signal_t sigint, sigterm;
} app;

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  app *a = h->data;
  souk_mcp_net_stop(a->net);
}

static void on_closed(void *data) {
  app *a = data;
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  souk_log_options lo = {SOUK_LOG_WARN, getenv("SOUK_LOG"), SOUK_LOG_TEXT, SOUK_LOG_COLOR_AUTO,
                         NULL};
  char err[256];
  if (souk_log_configure(&lo, err, sizeof err))
    fprintf(stderr, "mcp_conformance_server: SOUK_LOG: %s\n", err);
  if (argc != 3 || strcmp(argv[1], "--http") != 0) {
    fprintf(stderr, "usage: mcp_conformance_server --http [ADDR:]PORT\n");
    return 2;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  souk_mcp_server_options so = {.name = "souk-conformance", .version = "1.0.0",
                                .title = "souk conformance test server"};
  souk_errinfo e;
  souk_mcp_server *server = souk_mcp_server_new(&so, &e);
  if (!server) {
    fprintf(stderr, "mcp_conformance_server: %s\n", e.text);
    return 1;
  }
  register_all(server, &loop);
  app a = {0};
  souk_mcp_net_options no = {.listen = argv[2], .closed = on_closed, .data = &a};
  a.net = souk_mcp_net_start(&loop, server, &no, &e);
  if (!a.net) {
    fprintf(stderr, "mcp_conformance_server: %s\n", e.text);
    souk_mcp_server_free(server);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }
  printf("mcp_conformance_server: listening on %s\n", souk_mcp_net_url(a.net));
  fflush(stdout);
  uv_signal_init(&loop, &a.sigint);
  uv_signal_init(&loop, &a.sigterm);
  a.sigint.data = a.sigterm.data = &a;
  uv_signal_start(&a.sigint, on_signal, SIGINT);
  uv_signal_start(&a.sigterm, on_signal, SIGTERM);
  uv_run(&loop, UV_RUN_DEFAULT);
  souk_mcp_server_free(server);
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop);
  if (rc)
    fprintf(stderr, "mcp_conformance_server: a handle was left open: %s\n", uv_strerror(rc));
  return rc ? 1 : 0;
}
