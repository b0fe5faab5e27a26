/* SPDX-License-Identifier: MIT */
/* The Anthropic Messages API (POST {base}/v1/messages): content blocks with tool_use and
 * tool_result, a top-level system prompt, JSON answers and the streamed events (message_start,
 * content_block_start/delta/stop, message_delta, message_stop, ping, error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_int.h"
#include "souk/error.h"

#define ANTHROPIC_VERSION "2023-06-01"

/* Appends blocks to the last message when it has the same role (the API wants the roles to
 * alternate: the results of one turn's tool calls go together in one user message). */
static int append(json_t *msgs, const char *role, json_t *block_new) {
  json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
  const char *lr = json_string_value(json_object_get(last, "role"));
  if (!block_new)
    return SOUK_ENOMEM;
  if (lr && strcmp(lr, role) == 0)
    return json_array_append_new(json_object_get(last, "content"), block_new) ? SOUK_ENOMEM : 0;
  json_t *m = json_pack("{s:s,s:[o]}", "role", role, "content", block_new);
  return !m || json_array_append_new(msgs, m) ? SOUK_ENOMEM : 0;
}

static json_t *body(souk__llm *l, const souk__llm_turn *t) {
  json_t *msgs = json_array();
  json_t *b = json_pack("{s:s,s:I,s:o,s:b}", "model", l->model, "max_tokens",
                        (json_int_t)t->max_output_tokens, "messages", msgs, "stream", l->stream);
  if (!b)
    return NULL;
  if (t->system && *t->system)
    json_object_set_new(b, "system", json_string(t->system));
  size_t i;
  const json_t *m;
  int rc = 0;
  json_array_foreach(t->messages, i, m) {
    const char *role = json_string_value(json_object_get(m, "role"));
    const char *content = json_string_value(json_object_get(m, "content"));
    if (role && strcmp(role, "tool") == 0) {
      json_t *blk = json_pack("{s:s,s:s,s:s}", "type", "tool_result", "tool_use_id",
                              json_string_value(json_object_get(m, "tool_call_id")), "content",
                              content ? content : "");
      if (blk && json_is_true(json_object_get(m, "is_error")))
        json_object_set_new(blk, "is_error", json_true());
      rc = rc ? rc : append(msgs, "user", blk);
    } else if (role && strcmp(role, "assistant") == 0) {
      if (content && *content)
        rc = rc ? rc : append(msgs, "assistant", json_pack("{s:s,s:s}", "type", "text", "text", content));
      size_t j;
      const json_t *c;
      json_array_foreach(json_object_get(m, "tool_calls"), j, c) {
        const json_t *input = json_object_get(c, "input");
        rc = rc ? rc
                : append(msgs, "assistant",
                         json_pack("{s:s,s:O,s:O,s:o}", "type", "tool_use", "id",
                                   json_object_get(c, "id"), "name", json_object_get(c, "name"),
                                   "input", json_is_object(input) ? json_incref((json_t *)input)
                                                                  : json_object()));
      }
    } else {
      rc = rc ? rc : append(msgs, "user", json_pack("{s:s,s:s}", "type", "text", "text", content ? content : ""));
    }
  }
  if (!rc && json_array_size(t->tools)) {
    json_t *tools = json_array();
    const json_t *tool;
    json_array_foreach(t->tools, i, tool) {
      json_array_append_new(tools, json_pack("{s:O,s:O,s:O}", "name", json_object_get(tool, "name"),
                                             "description", json_object_get(tool, "description"),
                                             "input_schema", json_object_get(tool, "input_schema")));
    }
    json_object_set_new(b, "tools", tools);
    json_object_set_new(b, "tool_choice", json_pack("{s:s}", "type", t->no_tools ? "none" : "auto"));
  }
  if (rc) {
    json_decref(b);
    return NULL;
  }
  return b;
}

static int headers(souk__llm *l, char **hdr, int max) {
  int n = 0;
  if (max >= 2) {
    hdr[n++] = strdup("anthropic-version: " ANTHROPIC_VERSION);
    if (*l->api_key) {
      size_t len = strlen(l->api_key) + 16;
      hdr[n] = malloc(len);
      if (hdr[n])
        snprintf(hdr[n], len, "x-api-key: %s", l->api_key);
      n++;
    }
  }
  return n;
}

static const char *error_message(const json_t *body) {
  const json_t *e = json_object_get(body, "error");
  if (json_is_string(e))
    return json_string_value(e);
  return json_string_value(json_object_get(e, "message"));
}

static void usage(souk__llm *l, const json_t *u) {
  if (json_is_integer(json_object_get(u, "input_tokens")))
    l->input_tokens = json_integer_value(json_object_get(u, "input_tokens"));
  if (json_is_integer(json_object_get(u, "output_tokens")))
    l->output_tokens = json_integer_value(json_object_get(u, "output_tokens"));
}

static void set_stop(souk__llm *l, const json_t *reason) {
  if (json_is_string(reason))
    snprintf(l->stop_reason, sizeof l->stop_reason, "%s", json_string_value(reason));
}

static int block_start(souk__llm *l, int index, const json_t *blk) {
  const char *type = json_string_value(json_object_get(blk, "type"));
  if (type && strcmp(type, "text") == 0) {
    const json_t *t = json_object_get(blk, "text");
    return json_is_string(t) ? souk__llm_add_text(l, json_string_value(t), json_string_length(t)) : 0;
  }
  if (type && strcmp(type, "tool_use") == 0) {
    souk__llm_call *c = souk__llm_call_at(l, index);
    if (!c)
      return 0;
    const char *id = json_string_value(json_object_get(blk, "id"));
    const char *name = json_string_value(json_object_get(blk, "name"));
    snprintf(c->id, sizeof c->id, "%s", id ? id : "");
    snprintf(c->name, sizeof c->name, "%s", name ? name : "");
    const json_t *input = json_object_get(blk, "input");
    /* A JSON answer carries the whole input; a stream starts with {} and sends the text. */
    if (!l->stream && input) {
      c->input = json_incref((json_t *)input);
    }
  }
  return 0; /* thinking and other blocks: not for us */
}

static int answer(souk__llm *l, const json_t *v) {
  const char *said = error_message(v);
  if (said)
    return souk__llm_fail(l, SOUK_ELLM, "the model service answered with an error: %s", said);
  const json_t *content = json_object_get(v, "content");
  if (!json_is_array(content))
    return souk__llm_fail(l, SOUK_ELLM, "the answer has no content array");
  usage(l, json_object_get(v, "usage"));
  set_stop(l, json_object_get(v, "stop_reason"));
  size_t i;
  const json_t *blk;
  int rc = 0;
  json_array_foreach(content, i, blk) {
    if (!rc)
      rc = block_start(l, (int)i, blk);
  }
  return rc;
}

static int event(souk__llm *l, const char *ev, const char *data, size_t len) {
  json_error_t je;
  json_t *v = json_loadb(data, len, 0, &je);
  if (!v)
    return souk__llm_fail(l, SOUK_EPARSE, "a streamed event (%s) is not JSON: %s", ev, je.text);
  const char *type = json_string_value(json_object_get(v, "type"));
  if (!type)
    type = ev;
  int rc = 0;
  if (strcmp(type, "error") == 0) {
    const char *said = error_message(v);
    rc = souk__llm_fail(l, SOUK_ELLM, "the model service failed while streaming: %s",
                        said ? said : "no message");
  } else if (strcmp(type, "message_start") == 0) {
    usage(l, json_object_get(json_object_get(v, "message"), "usage"));
  } else if (strcmp(type, "content_block_start") == 0) {
    rc = block_start(l, (int)json_integer_value(json_object_get(v, "index")),
                     json_object_get(v, "content_block"));
  } else if (strcmp(type, "content_block_delta") == 0) {
    const json_t *d = json_object_get(v, "delta");
    const char *dt = json_string_value(json_object_get(d, "type"));
    if (dt && strcmp(dt, "text_delta") == 0) {
      const json_t *t = json_object_get(d, "text");
      if (json_is_string(t))
        rc = souk__llm_add_text(l, json_string_value(t), json_string_length(t));
    } else if (dt && strcmp(dt, "input_json_delta") == 0) {
      souk__llm_call *c = NULL;
      int index = (int)json_integer_value(json_object_get(v, "index"));
      for (int i = 0; i < l->ncalls; i++)
        if (l->calls[i].index == index)
          c = &l->calls[i];
      const json_t *pj = json_object_get(d, "partial_json");
      if (c && json_is_string(pj) &&
          souk_buf_add(&c->args, json_string_value(pj), json_string_length(pj)) != 0)
        rc = souk__llm_fail(l, SOUK_ETOOBIG, "a tool call's arguments are too long");
    }
  } else if (strcmp(type, "message_delta") == 0) {
    set_stop(l, json_object_get(json_object_get(v, "delta"), "stop_reason"));
    const json_t *u = json_object_get(v, "usage");
    if (json_is_integer(json_object_get(u, "output_tokens")))
      l->output_tokens = json_integer_value(json_object_get(u, "output_tokens"));
    if (json_is_integer(json_object_get(u, "input_tokens")))
      l->input_tokens = json_integer_value(json_object_get(u, "input_tokens"));
  } else if (strcmp(type, "message_stop") == 0) {
    l->complete = true;
  }
  json_decref(v);
  return rc;
}

const souk__llm_ops souk__llm_anthropic = {
    .name = "anthropic",
    .default_base_url = "https://api.anthropic.com",
    .path = "/v1/messages",
    .body = body,
    .headers = headers,
    .event = event,
    .answer = answer,
    .error_message = error_message,
};
