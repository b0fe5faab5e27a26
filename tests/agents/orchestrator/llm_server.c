/* SPDX-License-Identifier: MIT */
/* The scripted language-model server (llm_server.h): OpenAI Chat Completions and Anthropic
 * Messages on the loopback HTTP server, as JSON or server-sent events. */
#include "llm_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "httpd/server.h"

struct llm_server {
  souk_httpd *srv;
  int api;
  bool sse;
  llm_script_fn fn;
  void *ud;
  json_t *requests;          /* bodies */
  json_t *headers;           /* per request: {lower-case name: value} */
  char base[128];
};

/* Pieces of a string at character boundaries, at most `max` bytes each. */
static size_t piece(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max)
    return n;
  size_t i = max;
  while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
    i--;
  return i ? i : n;
}

static void sse(souk_buf *b, const char *event, json_t *data_new) {
  CHECK_MSG(data_new != NULL, "an event of the scripted answer could not be built");
  char *d = json_dumps(data_new, JSON_COMPACT);
  if (event)
    souk_buf_printf(b, "event: %s\n", event);
  souk_buf_printf(b, "data: %s\n\n", d);
  free(d);
  json_decref(data_new);
}

static long long tokens(long long v, long long dflt) { return v ? v : dflt; }

/* ---- OpenAI ------------------------------------------------------------------------------- */

static char *openai_json(const llm_turn *t) {
  json_t *calls = json_array();
  for (int i = 0; i < t->ncalls; i++)
    json_array_append_new(calls, json_pack("{s:s+,s:s,s:{s:s,s:s}}", "id", "call_", t->calls[i].name,
                                           "type", "function", "function", "name",
                                           t->calls[i].name, "arguments", t->calls[i].args));
  json_t *msg = json_pack("{s:s}", "role", "assistant");
  json_object_set_new(msg, "content", t->text ? json_string(t->text) : json_null());
  if (t->ncalls)
    json_object_set_new(msg, "tool_calls", calls);
  else
    json_decref(calls);
  json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:o,s:s}],s:{s:I,s:I,s:I}}", "id",
                          "chatcmpl-test", "object", "chat.completion", "created", 1700000000,
                          "model", "scripted-model", "choices", "index", 0, "message", msg,
                          "finish_reason", t->ncalls ? "tool_calls" : "stop", "usage",
                          "prompt_tokens", tokens(t->in_tokens, 100), "completion_tokens",
                          tokens(t->out_tokens, 20), "total_tokens",
                          tokens(t->in_tokens, 100) + tokens(t->out_tokens, 20));
  char *s = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return s;
}

static json_t *chunk(json_t *delta_new, const char *finish) {
  return json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:o,s:o}]}", "id", "chatcmpl-test", "object",
                   "chat.completion.chunk", "created", 1700000000, "model", "scripted-model",
                   "choices", "index", 0, "delta", delta_new, "finish_reason",
                   finish ? json_string(finish) : json_null());
}

static char *openai_sse(const llm_turn *t) {
  souk_buf b;
  souk_buf_init(&b, 0);
  sse(&b, NULL, chunk(json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL));
  for (const char *p = t->text ? t->text : ""; *p;) {
    size_t n = piece(p, 7);
    sse(&b, NULL, chunk(json_pack("{s:s%}", "content", p, n), NULL));
    p += n;
  }
  for (int i = 0; i < t->ncalls; i++) {
    sse(&b, NULL,
        chunk(json_pack("{s:[{s:i,s:s+,s:s,s:{s:s,s:s}}]}", "tool_calls", "index", i, "id",
                        "call_", t->calls[i].name, "type", "function", "function", "name",
                        t->calls[i].name, "arguments", ""),
              NULL));
    for (const char *p = t->calls[i].args; *p;) {
      size_t n = piece(p, 5);
      sse(&b, NULL,
          chunk(json_pack("{s:[{s:i,s:{s:s%}}]}", "tool_calls", "index", i, "function",
                          "arguments", p, n),
                NULL));
      p += n;
    }
  }
  sse(&b, NULL, chunk(json_object(), t->ncalls ? "tool_calls" : "stop"));
  sse(&b, NULL,
      json_pack("{s:s,s:s,s:[],s:{s:I,s:I}}", "id", "chatcmpl-test", "object",
                "chat.completion.chunk", "choices", "usage", "prompt_tokens",
                tokens(t->in_tokens, 100), "completion_tokens", tokens(t->out_tokens, 20)));
  souk_buf_adds(&b, "data: [DONE]\n\n");
  return souk_buf_steal(&b, NULL);
}

/* ---- Anthropic ---------------------------------------------------------------------------- */

static char *anthropic_json(const llm_turn *t) {
  json_t *content = json_array();
  if (t->text)
    json_array_append_new(content, json_pack("{s:s,s:s}", "type", "text", "text", t->text));
  for (int i = 0; i < t->ncalls; i++) {
    json_t *input = json_loads(t->calls[i].args, 0, NULL);
    json_array_append_new(content, json_pack("{s:s,s:s+,s:s,s:o}", "type", "tool_use", "id",
                                             "toolu_", t->calls[i].name, "name", t->calls[i].name,
                                             "input", input ? input : json_object()));
  }
  json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:n,s:{s:I,s:I}}", "id", "msg_test", "type",
                          "message", "role", "assistant", "model", "scripted-model", "content",
                          content, "stop_reason", t->ncalls ? "tool_use" : "end_turn",
                          "stop_sequence", "usage", "input_tokens", tokens(t->in_tokens, 100),
                          "output_tokens", tokens(t->out_tokens, 20));
  char *s = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return s;
}

static char *anthropic_sse(const llm_turn *t) {
  souk_buf b;
  souk_buf_init(&b, 0);
  sse(&b, "message_start",
      json_pack("{s:s,s:{s:s,s:s,s:s,s:[],s:s,s:n,s:n,s:{s:I,s:i}}}", "type", "message_start",
                "message", "id", "msg_test", "type", "message", "role", "assistant", "content",
                "model", "scripted-model", "stop_reason", "stop_sequence", "usage",
                "input_tokens", tokens(t->in_tokens, 100), "output_tokens", 1));
  sse(&b, "ping", json_pack("{s:s}", "type", "ping"));
  int index = 0;
  if (t->text) {
    sse(&b, "content_block_start",
        json_pack("{s:s,s:i,s:{s:s,s:s}}", "type", "content_block_start", "index", index,
                  "content_block", "type", "text", "text", ""));
    for (const char *p = t->text; *p;) {
      size_t n = piece(p, 9);
      sse(&b, "content_block_delta",
          json_pack("{s:s,s:i,s:{s:s,s:s%}}", "type", "content_block_delta", "index", index,
                    "delta", "type", "text_delta", "text", p, n));
      p += n;
    }
    sse(&b, "content_block_stop", json_pack("{s:s,s:i}", "type", "content_block_stop", "index", index));
    index++;
  }
  for (int i = 0; i < t->ncalls; i++, index++) {
    sse(&b, "content_block_start",
        json_pack("{s:s,s:i,s:{s:s,s:s+,s:s,s:{}}}", "type", "content_block_start", "index",
                  index, "content_block", "type", "tool_use", "id", "toolu_", t->calls[i].name,
                  "name", t->calls[i].name, "input"));
    for (const char *p = t->calls[i].args; *p;) {
      size_t n = piece(p, 6);
      sse(&b, "content_block_delta",
          json_pack("{s:s,s:i,s:{s:s,s:s%}}", "type", "content_block_delta", "index", index,
                    "delta", "type", "input_json_delta", "partial_json", p, n));
      p += n;
    }
    sse(&b, "content_block_stop", json_pack("{s:s,s:i}", "type", "content_block_stop", "index", index));
  }
  sse(&b, "message_delta",
      json_pack("{s:s,s:{s:s,s:n},s:{s:I}}", "type", "message_delta", "delta", "stop_reason",
                t->ncalls ? "tool_use" : "end_turn", "stop_sequence", "usage", "output_tokens",
                tokens(t->out_tokens, 20)));
  sse(&b, "message_stop", json_pack("{s:s}", "type", "message_stop"));
  return souk_buf_steal(&b, NULL);
}

/* ---- the server ---------------------------------------------------------------------------- */

static void handle(const souk_httpd_request *req, souk_httpd_response *res, void *ud) {
  llm_server *s = ud;
  json_error_t je;
  json_t *body = json_loadb(req->body, req->body_len, 0, &je);
  CHECK_MSG(body != NULL, "the orchestrator sent a body that is not JSON: %s", je.text);
  json_t *h = json_object();
  for (size_t i = 0; i < souk_httpd_request_header_count(req); i++) {
    const char *v;
    const char *n = souk_httpd_request_header_at(req, i, &v);
    char lower[128];
    size_t j = 0;
    for (; n[j] && j < sizeof lower - 1; j++)
      lower[j] = (char)(n[j] >= 'A' && n[j] <= 'Z' ? n[j] + 32 : n[j]);
    lower[j] = '\0';
    json_object_set_new(h, lower, json_string(v));
  }
  int index = (int)json_array_size(s->requests);
  json_array_append_new(s->requests, body);
  json_array_append_new(s->headers, h);
  const llm_turn *t = s->fn(s, index, body, s->ud);
  CHECK_MSG(t != NULL, "the script has no turn for request %d", index);
  if (t->delay_ms)
    souk_httpd_response_delay(res, t->delay_ms);
  if (t->retry_after)
    souk_httpd_response_header(res, "Retry-After", "%s", t->retry_after);
  if (t->status && t->status != 200) {
    souk_httpd_response_status(res, t->status);
    souk_httpd_response_header(res, "Content-Type", "application/json");
    if (t->raw)
      souk_httpd_response_printf(res, "%s", t->raw);
    else
      souk_httpd_response_printf(res, "{\"error\":{\"message\":\"scripted status %d\","
                                      "\"type\":\"scripted\"}}", t->status);
    return;
  }
  if (t->raw) {
    souk_httpd_response_header(res, "Content-Type", "%s",
                               t->content_type ? t->content_type : "application/json");
    souk_httpd_response_printf(res, "%s", t->raw);
    if (t->stall)
      souk_httpd_response_stall(res, strlen(t->raw) / 2);
    return;
  }
  bool stream = s->sse && json_is_true(json_object_get(body, "stream"));
  char *out = s->api == LLM_OPENAI ? (stream ? openai_sse(t) : openai_json(t))
                                   : (stream ? anthropic_sse(t) : anthropic_json(t));
  CHECK_MSG(out && *out, "the scripted answer could not be encoded");
  souk_httpd_response_header(res, "Content-Type", "%s",
                             stream ? "text/event-stream" : "application/json");
  CHECK_INT(souk_httpd_response_body(res, out, strlen(out)), ==, 0);
  if (stream) {
    souk_httpd_response_chunked(res);
    /* runtime/httpd keeps the chunked copy's smaller bound on the connection's body buffer, so
     * a second response on a kept-alive connection can fail (SOUK_ETOOBIG): one connection
     * per streamed answer. */
    souk_httpd_response_close(res);
  }
  if (t->stall)
    souk_httpd_response_stall(res, 0);
  free(out);
}

llm_server *llm_server_start(uv_loop_t *loop, int api, bool sse_mode, llm_script_fn fn, void *ud) {
  llm_server *s = calloc(1, sizeof *s);
  CHECK(s != NULL);
  s->api = api;
  s->sse = sse_mode;
  s->fn = fn;
  s->ud = ud;
  s->requests = json_array();
  s->headers = json_array();
  souk_errinfo e = {0};
  souk_httpd_options o = {.loop = loop, .max_body = 8u << 20};
  s->srv = souk_httpd_new(&o, &e);
  CHECK_MSG(s->srv != NULL, "%s", e.text);
  CHECK_INT(souk_httpd_route(s->srv, api == LLM_OPENAI ? "/v1/chat/completions" : "/v1/messages",
                             handle, s),
            ==, 0);
  CHECK_INT(souk_httpd_start(s->srv), ==, 0);
  souk_httpd_url(s->srv, api == LLM_OPENAI ? "/v1" : "", s->base, sizeof s->base);
  return s;
}

const char *llm_server_base_url(const llm_server *s) { return s->base; }
int llm_server_requests(const llm_server *s) { return (int)json_array_size(s->requests); }
const json_t *llm_server_request(const llm_server *s, int i) {
  return json_array_get(s->requests, (size_t)i);
}
const char *llm_server_header(const llm_server *s, int i, const char *name) {
  return json_string_value(json_object_get(json_array_get(s->headers, (size_t)i), name));
}

void llm_server_stop(llm_server *s) {
  CHECK_INT(souk_httpd_close(s->srv), ==, 0);
  json_decref(s->requests);
  json_decref(s->headers);
  free(s);
}

/* ---- reading requests ---------------------------------------------------------------------- */

/* Every text a message carries, for both APIs. */
static void message_texts(const json_t *m, souk_buf *b) {
  const json_t *c = json_object_get(m, "content");
  if (json_is_string(c)) {
    souk_buf_adds(b, json_string_value(c));
    souk_buf_adds(b, "\n");
    return;
  }
  size_t i;
  const json_t *blk;
  json_array_foreach(c, i, blk) {
    const json_t *t = json_object_get(blk, "text");
    if (!t)
      t = json_object_get(blk, "content");
    if (json_is_string(t)) {
      souk_buf_adds(b, json_string_value(t));
      souk_buf_adds(b, "\n");
    }
  }
}

char *llm_request_text(const json_t *request) {
  souk_buf b;
  souk_buf_init(&b, 0);
  const json_t *sys = json_object_get(request, "system");
  if (json_is_string(sys)) {
    souk_buf_adds(&b, json_string_value(sys));
    souk_buf_adds(&b, "\n");
  }
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(request, "messages"), i, m) message_texts(m, &b);
  return souk_buf_steal(&b, NULL);
}

json_t *llm_tool_result(const json_t *request, int api, const char *tool) {
  (void)api;
  char *text = llm_request_text(request);
  char head[200];
  snprintf(head, sizeof head, "<tool_result name=\"%s\">", tool);
  char *last = NULL;
  for (char *p = text; (p = strstr(p, head)) != NULL; p++)
    last = p;
  json_t *v = NULL;
  if (last) {
    char *nl = strchr(last, '\n');          /* after the header line */
    nl = nl ? strchr(nl + 1, '\n') : NULL;  /* after the note line */
    char *end = nl ? strstr(nl, "\n</tool_result>") : NULL;
    if (end)
      v = json_loadb(nl + 1, (size_t)(end - nl - 1), 0, NULL);
  }
  free(text);
  return v;
}
