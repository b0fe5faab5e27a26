/* SPDX-License-Identifier: MIT */
/* The language-model backends over souk's asynchronous HTTP client: one model turn at a time,
 * from a conversation in souk's own neutral form to an answer (text and tool calls, token
 * usage), for OpenAI-compatible Chat Completions (OpenAI, Ollama, llama.cpp's server, vLLM, the
 * Hugging Face router) and the Anthropic Messages API, as JSON or streamed (server-sent events).
 *
 * The neutral conversation is a JSON array of
 *   {"role": "user", "content": TEXT}
 *   {"role": "assistant", "content": TEXT, "tool_calls": [{"id", "name", "arguments": TEXT,
 *                                                         "input": OBJECT or null}]}
 *   {"role": "tool", "tool_call_id", "name", "content": TEXT, "is_error": BOOL}
 * and tools are [{"name", "description", "input_schema"}]. The API key goes into a request
 * header and nowhere else: never into a log line, an error or a reply. Loop thread only.
 */
#ifndef SOUK_ORCHESTRATOR_LLM_H
#define SOUK_ORCHESTRATOR_LLM_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/errinfo.h"
#include "http/client.h"

typedef struct souk__llm souk__llm;

typedef enum souk__llm_api { SOUK__LLM_OPENAI = 1, SOUK__LLM_ANTHROPIC } souk__llm_api;

typedef struct souk__llm_config {
  souk__llm_api api;
  const char *base_url;        /* NULL or "": the API's public endpoint */
  const char *model;           /* required */
  const char *api_key;         /* may be NULL or "" (local servers) */
  bool stream;
  int64_t timeout_ms;          /* one request, each attempt */
} souk__llm_config;

typedef struct souk__llm_turn {
  const char *system;
  const json_t *messages;      /* the neutral conversation */
  const json_t *tools;         /* may be empty */
  bool no_tools;               /* the model must answer in text now (tool_choice none) */
  int64_t max_output_tokens;
} souk__llm_turn;

typedef struct souk__llm_reply {
  int status;                  /* 0, or SOUK_ELLM (the API said no, or answered nonsense),
                                  SOUK_ERATELIMIT, SOUK_ETIMEDOUT, SOUK_EPARSE, SOUK_ECANCELED,
                                  or a network error of the HTTP client */
  char error[512];             /* a sentence when status != 0; never holds the key */
  const char *text;            /* the answer's text, "" when none */
  const json_t *tool_calls;    /* [{"id", "name", "arguments": raw text, "input": object or
                                  null, "error": sentence when the arguments are not a JSON
                                  object}] */
  int64_t input_tokens, output_tokens; /* -1 when the API did not say */
  const char *stop_reason;     /* as the API said ("tool_calls", "end_turn", "length"...) */
  unsigned retries;            /* HTTP retries (429, 5xx) before this answer */
  long http_status;
  double elapsed_ms;
} souk__llm_reply;

/* Runs exactly once per accepted turn; the reply is borrowed for the call. */
typedef void (*souk__llm_cb)(void *ud, const souk__llm_reply *r);

/* NULL with e filled (SOUK_ECONFIG: no model, a bad base URL). */
souk__llm *souk__llm_new(souk_http *http, const souk__llm_config *c, souk_errinfo *e);
/* Frees; a turn in flight must have ended (cancel it and wait for its callback). */
void souk__llm_free(souk__llm *l);
/* Starts a turn. 0 and cb later, exactly once; or SOUK_EBUSY (a turn is in flight),
 * SOUK_ENOMEM, SOUK_EINVAL (the HTTP client refused) and cb never runs. */
int souk__llm_start(souk__llm *l, const souk__llm_turn *t, souk__llm_cb cb, void *ud);
/* Stops the turn in flight; its callback runs soon with SOUK_ECANCELED. */
void souk__llm_cancel(souk__llm *l);
/* The URL turns are posted to. */
const char *souk__llm_endpoint(const souk__llm *l);
const char *souk__llm_api_name(souk__llm_api api);

#endif /* SOUK_ORCHESTRATOR_LLM_H */
