/* SPDX-License-Identifier: MIT */
/* What the language-model backends share with the request plumbing of llm.c: the turn's
 * accumulators (text, tool calls, usage) that both JSON and streamed answers fill, and the
 * operations each API provides. */
#ifndef SOUK_ORCHESTRATOR_LLM_INT_H
#define SOUK_ORCHESTRATOR_LLM_INT_H

#include "llm.h"
#include "sse.h"

#define SOUK__LLM_MAX_CALLS 16
#define SOUK__LLM_MAX_TEXT ((size_t)256 * 1024)

typedef struct souk__llm_call {
  int index;                   /* the API's index of the call or content block */
  char id[128];
  char name[160];
  souk_buf args;               /* arguments as text, as they arrive */
  json_t *input;               /* or arguments already as an object (Anthropic, JSON mode) */
} souk__llm_call;

typedef struct souk__llm_ops {
  const char *name;
  const char *default_base_url;
  const char *path;            /* appended to the base URL */
  /* The request body of a turn (new reference) or NULL when out of memory. */
  json_t *(*body)(souk__llm *l, const souk__llm_turn *t);
  /* Header lines besides Content-Type and Accept, into hdr[0..n) (malloc'ed strings). */
  int (*headers)(souk__llm *l, char **hdr, int max);
  /* One streamed event; 0, or a SOUK_E* code with l->error set. */
  int (*event)(souk__llm *l, const char *event, const char *data, size_t len);
  /* A whole JSON answer; 0, or a SOUK_E* code with l->error set. */
  int (*answer)(souk__llm *l, const json_t *body);
  /* The sentence of an error body ({"error": {"message"}}), or NULL. */
  const char *(*error_message)(const json_t *body);
} souk__llm_ops;

struct souk__llm {
  const souk__llm_ops *ops;
  souk__llm_api api;
  souk_http *http;
  char *base_url, *model, *api_key, *url;
  bool stream;
  int64_t timeout_ms;

  /* The turn in flight. */
  bool busy;
  souk_http_req *req;
  souk__llm_cb cb;
  void *ud;
  char *body_text;
  souk__sse sse;
  souk_buf raw;                /* streamed bytes kept in case the server answered plain JSON */
  int events;                  /* SSE events seen */
  bool complete;               /* the stream said it was finished ([DONE], message_stop) */
  int own_error;               /* why we stopped reading */
  souk_buf text;
  souk__llm_call calls[SOUK__LLM_MAX_CALLS];
  int ncalls;
  int dropped_calls;
  int64_t input_tokens, output_tokens;
  char stop_reason[32];
  char error[512];
};

/* The call with the API's `index`, created when new (NULL when the table is full). */
souk__llm_call *souk__llm_call_at(souk__llm *l, int index);
/* Appends answer text (bounded: SOUK_ETOOBIG past 256 KiB). */
int souk__llm_add_text(souk__llm *l, const char *s, size_t len);
/* Fills l->error (with the key redacted) and returns code. */
int souk__llm_fail(souk__llm *l, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replaces the key with "[redacted]" in place. */
void souk__llm_redact(const souk__llm *l, char *text);
/* A neutral conversation's tool arguments as the API wants them echoed back: the raw text
 * when it was an object, else "{}". */
const char *souk__llm_echo_arguments(const json_t *call);

extern const souk__llm_ops souk__llm_openai;
extern const souk__llm_ops souk__llm_anthropic;

#endif /* SOUK_ORCHESTRATOR_LLM_INT_H */
