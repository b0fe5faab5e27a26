/* SPDX-License-Identifier: MIT */
/* One model turn over HTTP (llm.h): the request built by the API's backend, the answer read as
 * JSON or as a stream of server-sent events, the outcome mapped to one clear status. */
#include "llm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "souk/error.h"

#define MAX_RAW ((size_t)4 << 20)
#define MAX_SSE ((size_t)1 << 20)

const char *souk__llm_api_name(souk__llm_api api) {
  return api == SOUK__LLM_ANTHROPIC ? "anthropic" : "openai";
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

souk__llm *souk__llm_new(souk_http *http, const souk__llm_config *c, souk_errinfo *e) {
  const souk__llm_ops *ops = c->api == SOUK__LLM_ANTHROPIC ? &souk__llm_anthropic
                                                           : &souk__llm_openai;
  if (!c->model || !*c->model) {
    souk_errinfo_set(e, SOUK_ECONFIG,
                     "llm.model is not set: say which model to use (SOUK_LLM_MODEL)");
    return NULL;
  }
  const char *base = c->base_url && *c->base_url ? c->base_url : ops->default_base_url;
  if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
    souk_errinfo_set(e, SOUK_ECONFIG, "llm.base_url '%s' is not an http:// or https:// URL",
                     base);
    return NULL;
  }
  souk__llm *l = calloc(1, sizeof *l);
  if (!l) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  l->ops = ops;
  l->api = c->api;
  l->http = http;
  l->stream = c->stream;
  l->timeout_ms = c->timeout_ms;
  size_t blen = strlen(base);
  while (blen && base[blen - 1] == '/')
    blen--;
  l->base_url = strndup(base, blen);
  l->model = dup_or_empty(c->model);
  l->api_key = dup_or_empty(c->api_key);
  l->url = malloc(blen + strlen(ops->path) + 1);
  if (!l->base_url || !l->model || !l->api_key || !l->url) {
    souk__llm_free(l);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    return NULL;
  }
  memcpy(l->url, base, blen);
  strcpy(l->url + blen, ops->path);
  /* Whatever happens, the key never reaches a log line. */
  souk_log_add_secret(l->api_key);
  return l;
}

static void reset_turn(souk__llm *l) {
  free(l->body_text);
  l->body_text = NULL;
  souk__sse_free(&l->sse);
  souk_buf_free(&l->raw);
  souk_buf_free(&l->text);
  for (int i = 0; i < l->ncalls; i++) {
    souk_buf_free(&l->calls[i].args);
    json_decref(l->calls[i].input);
  }
  memset(l->calls, 0, sizeof l->calls);
  l->ncalls = l->dropped_calls = 0;
  l->events = 0;
  l->complete = false;
  l->own_error = 0;
  l->input_tokens = l->output_tokens = -1;
  l->stop_reason[0] = l->error[0] = '\0';
  l->req = NULL;
}

void souk__llm_free(souk__llm *l) {
  if (!l)
    return;
  reset_turn(l);
  if (l->api_key)
    memset(l->api_key, 0, strlen(l->api_key));
  free(l->base_url);
  free(l->model);
  free(l->api_key);
  free(l->url);
  free(l);
}

const char *souk__llm_endpoint(const souk__llm *l) { return l->url; }

souk__llm_call *souk__llm_call_at(souk__llm *l, int index) {
  for (int i = 0; i < l->ncalls; i++)
    if (l->calls[i].index == index)
      return &l->calls[i];
  if (l->ncalls == SOUK__LLM_MAX_CALLS) {
    l->dropped_calls++;
    return NULL;
  }
  souk__llm_call *c = &l->calls[l->ncalls++];
  memset(c, 0, sizeof *c);
  c->index = index;
  souk_buf_init(&c->args, SOUK__LLM_MAX_TEXT);
  return c;
}

int souk__llm_add_text(souk__llm *l, const char *s, size_t len) {
  if (souk_buf_add(&l->text, s, len) != 0)
    return souk__llm_fail(l, SOUK_ETOOBIG, "the model's answer is longer than %zu bytes",
                          SOUK__LLM_MAX_TEXT);
  return 0;
}

void souk__llm_redact(const souk__llm *l, char *text) {
  size_t klen = l->api_key ? strlen(l->api_key) : 0;
  if (klen < 4)
    return;
  static const char mark[] = "[redacted]";
  char *p;
  while ((p = strstr(text, l->api_key)) != NULL) {
    size_t rest = strlen(p + klen);
    if (klen >= sizeof mark - 1) {
      memcpy(p, mark, sizeof mark - 1);
      memmove(p + sizeof mark - 1, p + klen, rest + 1);
    } else {
      memset(p, '*', klen); /* a short key: mask it where it stands */
    }
  }
}

int souk__llm_fail(souk__llm *l, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->error, sizeof l->error, fmt, ap);
  va_end(ap);
  souk__llm_redact(l, l->error);
  return code;
}

const char *souk__llm_echo_arguments(const json_t *call) {
  const json_t *input = json_object_get(call, "input");
  const char *raw = json_string_value(json_object_get(call, "arguments"));
  return json_is_object(input) && raw && *raw ? raw : "{}";
}

/* ---- streaming ------------------------------------------------------------------------------ */

static int on_event(void *ud, const char *event, const char *data, size_t len) {
  souk__llm *l = ud;
  l->events++;
  return l->ops->event(l, event, data, len);
}

static int on_data(const char *data, size_t len, void *ud) {
  souk__llm *l = ud;
  if (l->raw.len + len <= MAX_RAW && l->events == 0)
    souk_buf_add(&l->raw, data, len);
  int rc = souk__sse_feed(&l->sse, data, len);
  if (rc) {
    if (!l->error[0])
      souk__llm_fail(l, rc, "the model's stream could not be read (%s)", souk_strerror(rc));
    l->own_error = rc;
    return 1;
  }
  return 0;
}

/* ---- the answer ----------------------------------------------------------------------------- */

static json_t *tool_calls_json(souk__llm *l) {
  json_t *arr = json_array();
  for (int i = 0; arr && i < l->ncalls; i++) {
    souk__llm_call *c = &l->calls[i];
    char id[160];
    if (c->id[0])
      snprintf(id, sizeof id, "%s", c->id);
    else
      snprintf(id, sizeof id, "call_%d", i + 1);
    json_t *input = NULL;
    char err[300] = "";
    char *raw = NULL;
    if (c->input) {
      input = json_incref(c->input);
      raw = json_dumps(input, JSON_COMPACT);
    } else {
      raw = strdup(c->args.data ? c->args.data : "");
      const char *p = raw ? raw : "";
      while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
      if (!*p) {
        input = json_object(); /* no arguments at all */
      } else {
        json_error_t je;
        input = json_loads(raw, JSON_REJECT_DUPLICATES, &je);
        if (!input)
          snprintf(err, sizeof err, "the arguments are not valid JSON: %s (at character %d)",
                   je.text, je.position);
        else if (!json_is_object(input)) {
          json_decref(input);
          input = NULL;
          snprintf(err, sizeof err, "the arguments must be a JSON object");
        }
      }
    }
    json_t *o = json_pack("{s:s,s:s,s:s?,s:o?}", "id", id, "name", c->name, "arguments",
                          raw ? raw : "", "input", input ? input : json_null());
    if (o && err[0])
      json_object_set_new(o, "error", json_string(err));
    free(raw);
    if (!o || json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

static void finish(souk__llm *l, int status, long http_status, unsigned retries, double ms) {
  json_t *calls = status == 0 ? tool_calls_json(l) : NULL;
  if (status == 0 && !calls)
    status = souk__llm_fail(l, SOUK_ENOMEM, "out of memory");
  if (status == 0 && l->text.len == 0 && json_array_size(calls) == 0)
    status = souk__llm_fail(l, SOUK_ELLM,
                            "the model answered with neither text nor a tool call (stop reason "
                            "'%s')", l->stop_reason[0] ? l->stop_reason : "none");
  if (status == 0 && l->dropped_calls)
    SOUK_WARN(LLM, "the model asked for %d tool calls in one turn; the first %d are made",
              l->ncalls + l->dropped_calls, SOUK__LLM_MAX_CALLS);
  souk__llm_reply r = {
      .status = status,
      .text = l->text.data ? l->text.data : "",
      .tool_calls = calls,
      .input_tokens = l->input_tokens,
      .output_tokens = l->output_tokens,
      .stop_reason = l->stop_reason,
      .retries = retries,
      .http_status = http_status,
      .elapsed_ms = ms,
  };
  if (status)
    snprintf(r.error, sizeof r.error, "%s", l->error[0] ? l->error : souk_strerror(status));
  souk__llm_redact(l, r.error);
  souk__llm_cb cb = l->cb;
  void *ud = l->ud;
  l->busy = false;
  l->req = NULL;
  cb(ud, &r);
  json_decref(calls);
}

static int parse_json_answer(souk__llm *l, const char *body, size_t len) {
  json_error_t je;
  json_t *v = json_loadb(body, len, 0, &je);
  if (!v)
    return souk__llm_fail(l, SOUK_EPARSE, "the model's answer is not JSON: %s (at character %d)",
                          je.text, je.position);
  int rc = l->ops->answer(l, v);
  json_decref(v);
  return rc;
}

static void on_response(souk_http_req *req, souk_http_response *res, void *ud) {
  (void)req;
  souk__llm *l = ud;
  int status = 0;
  long hs = res->status;
  if (l->own_error) {
    status = l->own_error;
  } else if (res->error == SOUK_ETIMEDOUT) {
    status = souk__llm_fail(l, SOUK_ETIMEDOUT,
                            "the language model at %s did not answer within %lld ms", l->url,
                            (long long)l->timeout_ms);
  } else if (res->error == SOUK_ECANCELED) {
    status = souk__llm_fail(l, SOUK_ECANCELED, "the model request was cancelled");
  } else if (res->error) {
    status = souk__llm_fail(l, res->error == SOUK_ERATELIMIT ? SOUK_ERATELIMIT : res->error,
                            "the language model at %s could not be reached: %s", l->url,
                            res->error_text);
  } else if (hs < 200 || hs >= 300) {
    const char *said = NULL;
    json_t *v = res->body.len ? json_loadb(res->body.data, res->body.len, 0, NULL) : NULL;
    if (v)
      said = l->ops->error_message(v);
    char body[300];
    if (!said && res->body.len) {
      snprintf(body, sizeof body, "%.*s", (int)(res->body.len < 200 ? res->body.len : 200),
               res->body.data);
      said = body;
    }
    int code = hs == 429 ? SOUK_ERATELIMIT : SOUK_ELLM;
    const char *what = hs == 401 || hs == 403 ? "the API key was refused"
                       : hs == 404            ? "no such endpoint or model"
                       : hs == 429            ? "rate limited"
                       : hs >= 500            ? "the service failed"
                                              : "the request was refused";
    status = souk__llm_fail(l, code, "%s: HTTP %ld from %s%s%s%s", what, hs, l->url,
                            said ? " (" : "", said ? said : "", said ? ")" : "");
    if (hs == 429 || hs >= 500)
      snprintf(l->error + strlen(l->error), sizeof l->error - strlen(l->error),
               " after %u retries", res->retries);
    souk__llm_redact(l, l->error);
    json_decref(v);
  } else if (!l->stream) {
    status = parse_json_answer(l, res->body.data ? res->body.data : "", res->body.len);
  } else {
    souk__sse_feed(&l->sse, "\n", 1); /* a last event the server did not end with a blank line */
    if (l->events == 0 && l->raw.len) {
      status = parse_json_answer(l, l->raw.data, l->raw.len); /* it answered plain JSON */
    } else if (!l->complete && !l->stop_reason[0]) {
      /* Neither the end marker nor a finish reason: the stream was cut. (Some servers end
       * with the finish reason and no [DONE] or message_stop; that is a whole answer.) */
      status = souk__llm_fail(l, SOUK_EPARSE,
                              "the model's stream ended before its answer was complete (%d "
                              "events, no end marker)",
                              l->events);
    }
  }
  finish(l, status, hs, res->retries, res->elapsed_ms);
}

int souk__llm_start(souk__llm *l, const souk__llm_turn *t, souk__llm_cb cb, void *ud) {
  if (l->busy)
    return SOUK_EBUSY;
  reset_turn(l);
  souk__sse_init(&l->sse, MAX_SSE, on_event, l);
  souk_buf_init(&l->raw, MAX_RAW);
  souk_buf_init(&l->text, SOUK__LLM_MAX_TEXT);
  json_t *body = l->ops->body(l, t);
  if (!body)
    return SOUK_ENOMEM;
  l->body_text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (!l->body_text)
    return SOUK_ENOMEM;
  char *hdr[8] = {0};
  int nh = 0;
  hdr[nh++] = strdup("Content-Type: application/json");
  hdr[nh++] = strdup(l->stream ? "Accept: text/event-stream" : "Accept: application/json");
  nh += l->ops->headers(l, hdr + nh, 5);
  const char *headers[8] = {0};
  int ok = 1;
  for (int i = 0; i < nh; i++) {
    headers[i] = hdr[i];
    ok = ok && hdr[i];
  }
  int rc = SOUK_ENOMEM;
  if (ok) {
    souk_http_request r = {
        .url = l->url,
        .method = "POST",
        .headers = headers,
        .body = l->body_text,
        .body_len = strlen(l->body_text),
        .flags = SOUK_HTTP_NO_RATE,
        .max_body = MAX_RAW,
        .timeout_ms = l->timeout_ms,
        /* a model may think for minutes before its first byte: llm.timeout bounds the call */
        .low_speed_time_ms = -1,
        .on_data = l->stream ? on_data : NULL,
    };
    l->cb = cb;
    l->ud = ud;
    l->busy = true;
    rc = souk_http_start(l->http, &r, on_response, l, &l->req);
    if (rc)
      l->busy = false;
  }
  for (int i = 0; i < nh; i++) {
    if (hdr[i])
      memset(hdr[i], 0, strlen(hdr[i]));
    free(hdr[i]);
  }
  return rc;
}

void souk__llm_cancel(souk__llm *l) {
  if (l->busy && l->req)
    souk_http_cancel(l->req);
}
