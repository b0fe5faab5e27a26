/* SPDX-License-Identifier: MIT */
/* The OpenAI-compatible Chat Completions API (POST {base}/chat/completions): messages with
 * tool calls and tool results, function tools, JSON answers and streamed chunks. The same wire
 * format is served by OpenAI, Ollama (/v1), llama.cpp's server, vLLM and the Hugging Face
 * router. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_int.h"
#include "souk/error.h"

static json_t *message(const json_t *m) {
  const char *role = json_string_value(json_object_get(m, "role"));
  const char *content = json_string_value(json_object_get(m, "content"));
  if (role && strcmp(role, "tool") == 0)
    return json_pack("{s:s,s:s,s:s}", "role", "tool", "tool_call_id",
                     json_string_value(json_object_get(m, "tool_call_id")), "content",
                     content ? content : "");
  if (role && strcmp(role, "assistant") == 0) {
    const json_t *calls = json_object_get(m, "tool_calls");
    json_t *o = json_pack("{s:s}", "role", "assistant");
    if (!o)
      return NULL;
    json_object_set_new(o, "content", content && *content ? json_string(content) : json_null());
    if (json_array_size(calls)) {
      json_t *tc = json_array();
      size_t i;
      const json_t *c;
      json_array_foreach(calls, i, c) {
        json_array_append_new(
            tc, json_pack("{s:s,s:s,s:{s:s,s:s}}", "id",
                          json_string_value(json_object_get(c, "id")), "type", "function",
                          "function", "name", json_string_value(json_object_get(c, "name")),
                          "arguments", json_string_value(json_object_get(c, "arguments"))));
      }
      json_object_set_new(o, "tool_calls", tc);
    }
    return o;
  }
  return json_pack("{s:s,s:s}", "role", "user", "content", content ? content : "");
}

static json_t *body(souk__llm *l, const souk__llm_turn *t) {
  json_t *msgs = json_array();
  json_t *b = json_pack("{s:s,s:o,s:I,s:b}", "model", l->model, "messages", msgs, "max_tokens",
                        (json_int_t)t->max_output_tokens, "stream", l->stream);
  if (!b)
    return NULL;
  if (t->system && *t->system)
    json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", t->system));
  size_t i;
  const json_t *m;
  json_array_foreach(t->messages, i, m) {
    json_t *x = message(m);
    if (!x || json_array_append_new(msgs, x) != 0) {
      json_decref(b);
      return NULL;
    }
  }
  if (json_array_size(t->tools)) {
    json_t *tools = json_array();
    const json_t *tool;
    json_array_foreach(t->tools, i, tool) {
      json_array_append_new(
          tools, json_pack("{s:s,s:{s:O,s:O,s:O}}", "type", "function", "function", "name",
                           json_object_get(tool, "name"), "description",
                           json_object_get(tool, "description"), "parameters",
                           json_object_get(tool, "input_schema")));
    }
    json_object_set_new(b, "tools", tools);
    json_object_set_new(b, "tool_choice", json_string(t->no_tools ? "none" : "auto"));
  }
  if (l->stream)
    json_object_set_new(b, "stream_options", json_pack("{s:b}", "include_usage", 1));
  return b;
}

static int headers(souk__llm *l, char **hdr, int max) {
  if (!*l->api_key || max < 1)
    return 0;
  size_t n = strlen(l->api_key) + 32;
  hdr[0] = malloc(n);
  if (hdr[0])
    snprintf(hdr[0], n, "Authorization: Bearer %s", l->api_key);
  return 1;
}

static void usage(souk__llm *l, const json_t *u) {
  if (json_is_integer(json_object_get(u, "prompt_tokens")))
    l->input_tokens = json_integer_value(json_object_get(u, "prompt_tokens"));
  if (json_is_integer(json_object_get(u, "completion_tokens")))
    l->output_tokens = json_integer_value(json_object_get(u, "completion_tokens"));
}

static const char *error_message(const json_t *body) {
  const json_t *e = json_object_get(body, "error");
  if (json_is_string(e))
    return json_string_value(e);
  return json_string_value(json_object_get(e, "message"));
}

static void set_stop(souk__llm *l, const json_t *reason) {
  if (json_is_string(reason))
    snprintf(l->stop_reason, sizeof l->stop_reason, "%s", json_string_value(reason));
}

/* A tool call of a message or a delta: id, function.name, function.arguments (text; an object
 * from servers that send one). */
static int add_call(souk__llm *l, const json_t *tc, int index) {
  souk__llm_call *c = souk__llm_call_at(l, index);
  if (!c)
    return 0;
  const json_t *fn = json_object_get(tc, "function");
  const char *id = json_string_value(json_object_get(tc, "id"));
  const char *name = json_string_value(json_object_get(fn, "name"));
  if (id && *id)
    snprintf(c->id, sizeof c->id, "%s", id);
  if (name && *name)
    snprintf(c->name + strlen(c->name), sizeof c->name - strlen(c->name), "%s", name);
  const json_t *args = json_object_get(fn, "arguments");
  if (json_is_string(args)) {
    if (souk_buf_add(&c->args, json_string_value(args), json_string_length(args)) != 0)
      return souk__llm_fail(l, SOUK_ETOOBIG, "a tool call's arguments are too long");
  } else if (json_is_object(args)) {
    json_decref(c->input);
    c->input = json_incref((json_t *)args);
  }
  return 0;
}

static int answer(souk__llm *l, const json_t *v) {
  const char *said = error_message(v);
  if (said)
    return souk__llm_fail(l, SOUK_ELLM, "the model service answered with an error: %s", said);
  const json_t *choice = json_array_get(json_object_get(v, "choices"), 0);
  const json_t *msg = json_object_get(choice, "message");
  if (!json_is_object(msg))
    return souk__llm_fail(l, SOUK_ELLM, "the answer has no choices[0].message");
  usage(l, json_object_get(v, "usage"));
  set_stop(l, json_object_get(choice, "finish_reason"));
  const json_t *content = json_object_get(msg, "content");
  int rc = 0;
  if (json_is_string(content))
    rc = souk__llm_add_text(l, json_string_value(content), json_string_length(content));
  size_t i;
  const json_t *tc;
  json_array_foreach(json_object_get(msg, "tool_calls"), i, tc) {
    if (!rc)
      rc = add_call(l, tc, (int)i);
  }
  return rc;
}

static int event(souk__llm *l, const char *ev, const char *data, size_t len) {
  (void)ev;
  if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
    l->complete = true;
    return 0;
  }
  json_error_t je;
  json_t *v = json_loadb(data, len, 0, &je);
  if (!v)
    return souk__llm_fail(l, SOUK_EPARSE, "a streamed chunk is not JSON: %s", je.text);
  int rc = 0;
  const char *said = error_message(v);
  if (said) {
    rc = souk__llm_fail(l, SOUK_ELLM, "the model service failed while streaming: %s", said);
  } else {
    if (json_is_object(json_object_get(v, "usage")))
      usage(l, json_object_get(v, "usage"));
    const json_t *choice = json_array_get(json_object_get(v, "choices"), 0);
    const json_t *delta = json_object_get(choice, "delta");
    const json_t *content = json_object_get(delta, "content");
    if (json_is_string(content))
      rc = souk__llm_add_text(l, json_string_value(content), json_string_length(content));
    size_t i;
    const json_t *tc;
    json_array_foreach(json_object_get(delta, "tool_calls"), i, tc) {
      const json_t *index = json_object_get(tc, "index");
      if (!rc)
        rc = add_call(l, tc, json_is_integer(index) ? (int)json_integer_value(index) : (int)i);
    }
    set_stop(l, json_object_get(choice, "finish_reason"));
  }
  json_decref(v);
  return rc;
}

const souk__llm_ops souk__llm_openai = {
    .name = "openai",
    .default_base_url = "https://api.openai.com/v1",
    .path = "/chat/completions",
    .body = body,
    .headers = headers,
    .event = event,
    .answer = answer,
    .error_message = error_message,
};
