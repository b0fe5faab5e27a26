/* SPDX-License-Identifier: MIT */
/* A scripted language-model server for the orchestrator's tests: the loopback HTTP server
 * (runtime/httpd) speaking the real wire formats of OpenAI Chat Completions and Anthropic
 * Messages, as JSON or as server-sent events (chunked, arguments split across events), and
 * replaying model turns that the test writes — possibly from the tool results in the request,
 * as a model would. It can also misbehave: a status (429, 500, 401), Retry-After, a delay, a
 * stall, a raw body. It records every request. Runs on the test's loop. */
#ifndef SOUK_TEST_ORCH_LLM_SERVER_H
#define SOUK_TEST_ORCH_LLM_SERVER_H

#include <stdbool.h>

#include <jansson.h>
#include <uv.h>

enum { LLM_OPENAI = 1, LLM_ANTHROPIC = 2 };

typedef struct llm_call {
  const char *name;
  const char *args;          /* raw argument text (may be invalid JSON on purpose) */
} llm_call;

typedef struct llm_turn {
  int status;                /* 0: 200 */
  const char *retry_after;   /* a Retry-After header */
  unsigned delay_ms;
  bool stall;                /* send the head and nothing more */
  const char *raw;           /* a body sent as is, with content_type */
  const char *content_type;
  /* A model answer: text and tool calls. */
  const char *text;
  llm_call calls[6];
  int ncalls;
  long long in_tokens, out_tokens; /* 0: 100 and 20 */
} llm_turn;

typedef struct llm_server llm_server;

/* The script: the turn that answers request number `index` (0-based). `request` is its body. */
typedef const llm_turn *(*llm_script_fn)(llm_server *s, int index, const json_t *request,
                                         void *ud);

/* On `loop` (the test's), or with loop NULL on its own thread (for a child process to call:
 * the script then runs on that thread). */
llm_server *llm_server_start(uv_loop_t *loop, int api, bool sse, llm_script_fn fn, void *ud);
/* The base URL to configure: "http://127.0.0.1:PORT/v1" (OpenAI) or "http://127.0.0.1:PORT". */
const char *llm_server_base_url(const llm_server *s);
int llm_server_requests(const llm_server *s);
/* Request `i`'s body (borrowed) and one of its headers (NULL if absent). */
const json_t *llm_server_request(const llm_server *s, int i);
const char *llm_server_header(const llm_server *s, int i, const char *name);
/* Closes the server (its handles close on the loop: keep running it). */
void llm_server_stop(llm_server *s);

/* From a request body: the JSON data of the last tool result of `tool` (the part between the
 * <tool_result name="tool"> header and its end), or NULL. New reference. */
json_t *llm_tool_result(const json_t *request, int api, const char *tool);
/* The concatenated text of every message of a request (to search for markers). malloc'ed. */
char *llm_request_text(const json_t *request);

#endif /* SOUK_TEST_ORCH_LLM_SERVER_H */
