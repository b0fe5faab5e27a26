/* SPDX-License-Identifier: MIT */
/* One orchestrator run (orchestrator.h): the job, the limits, the in-process MCP client, and
 * the two ways of working — the tool-calling loop with a model, and the fixed plan — ending in
 * a checked summary and the report. One operation is in flight at a time (an MCP request, a
 * model turn or a sampling request); every step is taken from a timer callback, never from
 * inside another component's callback. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "loop/runtime.h"
#include "orch_int.h"
#include "souk/error.h"
#include "souk_version.h"

enum { PH_INIT = 0, PH_LIST, PH_WORK, PH_SUMMARY };

const char *const souk_orchestrator_default_tools[] = {
    "scrape_store",     "query_products", "get_product",   "price_history",
    "store_stats",      "top_k_products", "cluster_products", "pca_projection",
    "correlation_matrix", NULL};

static const char *const provider_names[] = {"offline", "openai", "anthropic", "sampling"};

const char *souk_llm_provider_name(souk_llm_provider p) {
  return (unsigned)p < 4 ? provider_names[p] : "unknown";
}

int souk_llm_provider_parse(const char *name) {
  for (int i = 0; i < 4; i++)
    if (name && strcasecmp(name, provider_names[i]) == 0)
      return i;
  return -1;
}

void souk_orchestrator_options_from_config(souk_orchestrator_options *o, const souk_config *cfg) {
  memset(o, 0, sizeof *o);
  o->provider = (souk_llm_provider)souk_config_int(cfg, SOUK_CFG_LLM_PROVIDER);
  o->base_url = souk_config_str(cfg, SOUK_CFG_LLM_BASE_URL);
  o->model = souk_config_str(cfg, SOUK_CFG_LLM_MODEL);
  o->api_key = souk_config_str(cfg, SOUK_CFG_LLM_API_KEY);
  o->stream = souk_config_bool(cfg, SOUK_CFG_LLM_STREAM);
  o->request_timeout_ms = souk_config_int(cfg, SOUK_CFG_LLM_TIMEOUT);
  o->max_steps = (int)souk_config_int(cfg, SOUK_CFG_LLM_MAX_STEPS);
  o->max_time_ms = souk_config_int(cfg, SOUK_CFG_LLM_MAX_TIME);
  o->max_tokens = souk_config_int(cfg, SOUK_CFG_LLM_MAX_TOKENS);
  o->figures = souk_config_int(cfg, SOUK_CFG_LLM_FIGURES) == 1 ? SOUK_FIGURES_FLAG
                                                              : SOUK_FIGURES_STRIP;
}

souk_job *souk_orchestrator_job(const souk_orchestrator *o) { return o->job; }

/* A sampling request outlives the run when the run stops first: the reply finds o == NULL. */
typedef struct souk__ticket {
  souk_orchestrator *o;
} souk__ticket;

static void step(uv_timer_t *t);
static void finalize(souk_orchestrator *o);

static void schedule(souk_orchestrator *o) {
  if (!o->finishing)
    uv_timer_start(&o->defer, step, 0, 0);
}

static const char *str_or(const char *s, const char *dflt) { return s ? s : dflt; }

static bool busy(const souk_orchestrator *o) { return o->op || o->llm_busy || o->sampling_busy; }

/* Ends the run with `status` (0 for success); the first reason wins. What is in flight is
 * cancelled and the run finishes once it has come back. */
static void stop(souk_orchestrator *o, int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void stop(souk_orchestrator *o, int status, const char *reason, const char *fmt, ...) {
  if (o->stopping)
    return;
  o->stopping = true;
  o->status = status;
  snprintf(o->stop_reason, sizeof o->stop_reason, "%s", reason);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->message, sizeof o->message, fmt, ap);
  va_end(ap);
  if (o->op)
    souk__mcpc_cancel(o->mcp, o->op, o->message[0] ? o->message : "the run stopped");
  if (o->llm_busy)
    souk__llm_cancel(o->llm);
  if (o->sampling_busy) {
    o->ticket->o = NULL; /* the reply will find nobody */
    o->ticket = NULL;
    o->sampling_busy = false;
  }
  schedule(o);
}

static void fmt_duration(int64_t ms, char *out, size_t len) {
  if (ms % 60000 == 0)
    snprintf(out, len, "%lld min", (long long)(ms / 60000));
  else if (ms % 1000 == 0)
    snprintf(out, len, "%lld s", (long long)(ms / 1000));
  else
    snprintf(out, len, "%lld ms", (long long)ms);
}

static void on_deadline(uv_timer_t *t) {
  souk_orchestrator *o = t->data;
  char d[32];
  fmt_duration(o->max_time_ms, d, sizeof d);
  stop(o, SOUK_ETIMEDOUT, "time_limit",
       "the time limit of %s was reached (%d model turns, %d tool calls)", d, o->turns, o->calls);
}

static void on_job_cancel(souk_job *job, void *ud) {
  (void)job;
  stop(ud, SOUK_ECANCELED, "cancelled", "cancelled");
}

void souk_orchestrator_cancel(souk_orchestrator *o) {
  if (o && o->job && !souk_job_cancel(o->job))
    stop(o, SOUK_ECANCELED, "cancelled", "cancelled");
}

static void progress(souk_orchestrator *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(souk_orchestrator *o, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  double total = o->mode == SOUK__MODE_LLM ? (double)o->max_steps : 0;
  souk_job_progress(o->job, (double)(o->mode == SOUK__MODE_LLM ? o->turns : o->calls), total, msg);
  SOUK_DEBUG(LLM, "ask: %s", msg);
}

/* ---- tool calls ---------------------------------------------------------------------------- */

static json_t *find_tool(const souk_orchestrator *o, const char *name) {
  size_t i;
  json_t *t;
  json_array_foreach(o->tools, i, t) {
    const char *n = json_string_value(json_object_get(t, "name"));
    if (n && strcmp(n, name) == 0)
      return t;
  }
  return NULL;
}

static void tool_message(souk_orchestrator *o, const json_t *e, const char *content, bool err) {
  if (o->mode != SOUK__MODE_LLM)
    return;
  json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:b}", "role", "tool", "tool_call_id",
                        str_or(json_string_value(json_object_get(e, "id")), ""), "name",
                        str_or(json_string_value(json_object_get(e, "name")), ""), "content", content,
                        "is_error", err);
  if (m)
    json_array_append_new(o->messages, m);
}

static void record(souk_orchestrator *o, const json_t *e, bool ok, bool refused,
                   const char *result, double ms) {
  const json_t *input = json_object_get(e, "input");
  json_t *p = json_pack("{s:i,s:s,s:O,s:b,s:s}", "step", (int)json_array_size(o->plan) + 1,
                        "tool", str_or(json_string_value(json_object_get(e, "name")), ""),
                        "arguments", json_is_object(input) ? input : json_object_get(e, "arguments"),
                        "ok", ok, "result", result);
  if (!p)
    return;
  if (o->mode == SOUK__MODE_LLM)
    json_object_set_new(p, "turn", json_integer(o->turns));
  if (refused)
    json_object_set_new(p, "refused", json_true());
  if (json_object_get(e, "why"))
    json_object_set(p, "why", json_object_get(e, "why"));
  if (ms >= 0)
    json_object_set_new(p, "ms", json_real(ms));
  json_array_append_new(o->plan, p);
}

typedef struct call_ctx {
  souk_orchestrator *o;
  json_t *entry;
  uint64_t started;
} call_ctx;

/* A tool's own progress (scrape_store's crawl) becomes the job's message. */
static void on_tool_progress(void *ud, double done, double total, const char *message) {
  call_ctx *c = ud;
  const char *name = json_string_value(json_object_get(c->entry, "name"));
  if (message)
    progress(c->o, "%s: %s", name ? name : "tool", message);
  else if (total > 0)
    progress(c->o, "%s: %.0f of %.0f", name ? name : "tool", done, total);
}

static void on_tool(void *ud, int status, const json_t *result, const char *error) {
  call_ctx *c = ud;
  souk_orchestrator *o = c->o;
  json_t *e = c->entry;
  double ms = (double)(uv_now(o->loop) - c->started);
  free(c);
  o->op = 0;
  const char *name = json_string_value(json_object_get(e, "name"));
  if (status == SOUK_ECANCELED) {
    record(o, e, false, false, "cancelled: the run stopped", ms);
    json_decref(e);
    schedule(o);
    return;
  }
  bool ok = status == 0 && !json_is_true(json_object_get(result, "isError"));
  json_t *data = result ? souk__result_data(result) : NULL;
  const char *errtext = status ? error : souk__result_text(result);
  souk_figures_add_json(o->known, json_object_get(e, "input"));
  if (ok && data) {
    souk_figures_add_json(o->known, data);
    char digest[400];
    souk__digest(name, data, digest, sizeof digest);
    record(o, e, true, false, digest, ms);
    json_array_append_new(o->results, json_pack("{s:s,s:O,s:O}", "tool", name, "arguments",
                                                 json_object_get(e, "input"), "data", data));
    char *w = souk__guard_wrap(name, data, false);
    tool_message(o, e, w ? w : "(result too large)", false);
    free(w);
  } else {
    char err[600];
    snprintf(err, sizeof err, "%s", errtext && *errtext ? errtext : "the tool failed");
    souk_figures_add_text(o->known, err); /* an error is a tool's answer too */
    record(o, e, false, false, err, ms);
    json_t *s = json_string(err);
    char *w = s ? souk__guard_wrap(name, s, true) : NULL;
    tool_message(o, e, w ? w : err, true);
    free(w);
    json_decref(s);
  }
  if (o->mode == SOUK__MODE_FIXED && json_object_get(e, "check_store")) {
    json_t *next = souk__after_check(o, e, data, ok);
    if (next)
      json_array_insert_new(o->queue, 0, next);
  }
  json_decref(data);
  json_decref(e);
  schedule(o);
}

static void refuse(souk_orchestrator *o, json_t *e, const char *why) {
  record(o, e, false, true, why, -1);
  tool_message(o, e, why, true);
}

/* Makes the next queued call, or refuses it (not allowed, bad arguments, a host the user did
 * not name, a repeat). */
static void next_call(souk_orchestrator *o) {
  json_t *e = json_incref(json_array_get(o->queue, 0));
  json_array_remove(o->queue, 0);
  const char *name = json_string_value(json_object_get(e, "name"));
  const json_t *input = json_object_get(e, "input");
  const char *err = json_string_value(json_object_get(e, "error"));
  char why[1200];
  if (!name || !souk__tool_allowed(o, name) || !find_tool(o, name)) {
    size_t w = (size_t)snprintf(why, sizeof why, "'%.100s' is not a tool you may call. The tools are:",
                                name ? name : "");
    size_t i;
    const json_t *t;
    json_array_foreach(o->tools, i, t) {
      if (w < sizeof why)
        w += (size_t)snprintf(why + w, sizeof why - w, "%s %s", i ? "," : "",
                              json_string_value(json_object_get(t, "name")));
    }
    refuse(o, e, why);
  } else if (err || !json_is_object(input)) {
    snprintf(why, sizeof why,
             "The arguments of your %s call are unusable: %s. Call it again with a JSON object "
             "that matches its input schema.",
             name, err ? err : "not a JSON object");
    refuse(o, e, why);
  } else if (strcmp(name, "scrape_store") == 0 && !souk__scrape_allowed(o, input, why, sizeof why)) {
    refuse(o, e, why);
  } else {
    char *args = json_dumps(input, JSON_COMPACT | JSON_SORT_KEYS);
    char key[4096];
    snprintf(key, sizeof key, "%s %s", name, args ? args : "");
    free(args);
    json_int_t seen = json_integer_value(json_object_get(o->seen, key));
    if (seen > 0) {
      o->repeats++;
      snprintf(why, sizeof why,
               "You already called %s with these arguments; its result is above. Do not repeat "
               "a call: use the results you have, or write the summary.",
               name);
      refuse(o, e, why);
      if (o->repeats >= SOUK__MAX_REPEATS)
        stop(o, SOUK_ELIMIT, "endless_loop",
             "the model kept repeating the same tool calls (%d repeats): an endless loop, "
             "stopped",
             o->repeats);
    } else {
      json_object_set_new(o->seen, key, json_integer(seen + 1));
      o->calls++;
      progress(o, "calling %s", name);
      call_ctx *c = calloc(1, sizeof *c);
      json_t *params = json_pack("{s:s,s:O}", "name", name, "arguments", input);
      if (!c || !params) {
        free(c);
        json_decref(params);
        record(o, e, false, false, "out of memory", -1);
      } else {
        *c = (call_ctx){o, json_incref(e), uv_now(o->loop)};
        int64_t id = souk__mcpc_request(o->mcp, "tools/call", params, on_tool, on_tool_progress, c);
        if (id > 0) {
          o->op = id;
          json_decref(e);
          return;
        }
        json_decref(c->entry);
        free(c);
        record(o, e, false, false, souk_strerror((int)id), -1);
      }
    }
  }
  json_decref(e);
  schedule(o);
}

/* ---- the model's turns --------------------------------------------------------------------- */

static int64_t tokens_used(const souk_orchestrator *o) { return o->tokens_in + o->tokens_out; }

static int64_t estimate(const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  int64_t n = s ? (int64_t)strlen(s) / 4 : 0;
  free(s);
  return n;
}

static void on_turn(void *ud, const souk__llm_reply *r) {
  souk_orchestrator *o = ud;
  o->llm_busy = false;
  o->retries += r->retries;
  if (r->status == 0 || r->input_tokens >= 0) {
    if (r->input_tokens >= 0) {
      o->tokens_in += r->input_tokens;
    } else {
      o->tokens_in += estimate(o->messages) + estimate(o->tools);
      o->tokens_estimated = true;
    }
    if (r->output_tokens >= 0) {
      o->tokens_out += r->output_tokens;
    } else {
      o->tokens_out += (int64_t)strlen(r->text) / 4 + estimate(r->tool_calls);
      o->tokens_estimated = true;
    }
  }
  if (o->stopping) {
    schedule(o);
    return;
  }
  if (r->status) {
    const char *reason = r->status == SOUK_ETIMEDOUT    ? "llm_timeout"
                         : r->status == SOUK_ERATELIMIT ? "rate_limited"
                                                        : "llm_error";
    stop(o, r->status, reason, "%s", r->error);
    return;
  }
  json_t *calls = json_array();
  size_t i;
  const json_t *c;
  json_array_foreach(r->tool_calls, i, c) {
    json_t *x = json_deep_copy(c);
    if (x)
      json_array_append_new(calls, x);
  }
  json_t *m = json_pack("{s:s,s:s,s:o}", "role", "assistant", "content", r->text, "tool_calls",
                        calls);
  if (m)
    json_array_append_new(o->messages, m);
  if (json_array_size(r->tool_calls)) {
    if (o->last_turn) {
      stop(o, SOUK_ELIMIT, "step_limit",
           "the model still called tools at its last allowed turn (%d of %d) instead of writing "
           "the summary",
           o->turns, o->max_steps);
      return;
    }
    json_array_foreach(r->tool_calls, i, c) json_array_append_new(o->queue, json_deep_copy(c));
  } else {
    o->summary = strdup(r->text);
    free(o->summary_by);
    o->summary_by = strdup(o->model);
  }
  schedule(o);
}

static void llm_step(souk_orchestrator *o) {
  if (json_array_size(o->queue)) {
    next_call(o);
    return;
  }
  if (o->summary) {
    stop(o, 0, "completed", "%s", "");
    return;
  }
  if (o->turns >= o->max_steps) {
    stop(o, SOUK_ELIMIT, "step_limit", "the model used its %d turns without writing a summary",
         o->max_steps);
    return;
  }
  if (tokens_used(o) >= o->max_tokens) {
    stop(o, SOUK_ELIMIT, "token_budget",
         "the token budget of %lld tokens was used up (%lld used) before the model finished",
         (long long)o->max_tokens, (long long)tokens_used(o));
    return;
  }
  o->turns++;
  o->last_turn = o->turns == o->max_steps;
  if (o->last_turn && o->turns > 1) {
    json_array_append_new(o->messages,
                          json_pack("{s:s,s:s}", "role", "user", "content",
                                    "This is your last turn: write the summary now from the "
                                    "results above, without calling a tool."));
  }
  int64_t room = o->max_tokens - tokens_used(o);
  char *system = souk__system_prompt(o);
  souk__llm_turn t = {
      .system = system,
      .messages = o->messages,
      .tools = o->tools,
      .no_tools = o->last_turn,
      .max_output_tokens = room < 256 ? 256 : room > 4096 ? 4096 : room,
  };
  progress(o, "asking the model (turn %d of %d)", o->turns, o->max_steps);
  int rc = souk__llm_start(o->llm, &t, on_turn, o);
  free(system);
  if (rc) {
    stop(o, rc, "llm_error", "the model request could not start: %s", souk_strerror(rc));
    return;
  }
  o->llm_busy = true;
}

/* ---- the fixed plan and its summary -------------------------------------------------------- */

static void fallback_summary(souk_orchestrator *o, const char *how) {
  char why[600];
  free(o->summary);
  o->summary = souk__template_summary(o, how, why, sizeof why);
  free(o->summary_by);
  o->summary_by = strdup("templates");
}

static void on_sampled(void *data, const souk_mcp_reply *r) {
  souk__ticket *t = data;
  souk_orchestrator *o = t->o;
  free(t);
  if (!o)
    return;
  o->ticket = NULL;
  o->sampling_busy = false;
  if (o->stopping) {
    schedule(o);
    return;
  }
  const json_t *content = r->status == 0 ? json_object_get(r->result, "content") : NULL;
  const char *text = json_string_value(json_object_get(content, "text"));
  if (json_is_array(content)) /* a list of content items (sampling with tools) */
    text = json_string_value(json_object_get(json_array_get(content, 0), "text"));
  if (text && *text) {
    o->turns++;
    o->summary = strdup(text);
    const char *model = json_string_value(json_object_get(r->result, "model"));
    free(o->summary_by);
    size_t n = strlen(model ? model : "the client's model") + 16;
    o->summary_by = malloc(n);
    if (o->summary_by)
      snprintf(o->summary_by, n, "sampling: %s", model ? model : "the client's model");
    stop(o, 0, "completed", "%s", "");
    return;
  }
  char why[400];
  if (r->status == SOUK_EIO)
    snprintf(why, sizeof why, "the client refused: %s",
             r->error_message ? r->error_message : "no reason given");
  else if (r->status)
    snprintf(why, sizeof why, "%s", souk_strerror(r->status));
  else
    snprintf(why, sizeof why, "its answer held no text");
  fallback_summary(o, "The MCP client's model did not write this summary, so souk wrote it from "
                      "templates: every figure comes from a tool result.");
  stop(o, o->summary ? 0 : SOUK_EEMPTY, "completed",
       "the client's model did not write the summary (%s): it was written from templates", why);
}

static void summarise(souk_orchestrator *o) {
  if (o->provider == SOUK_LLM_SAMPLING && o->sample && json_array_size(o->results)) {
    json_t *params = souk__sampling_params(o);
    souk__ticket *t = calloc(1, sizeof *t);
    uint64_t elapsed = uv_now(o->loop) - o->started;
    int64_t left = o->max_time_ms - (int64_t)elapsed;
    unsigned timeout = (unsigned)(left < 1000 ? 1000 : left > 3600000 ? 3600000 : left);
    if (t && params) {
      t->o = o;
      progress(o, "asking the MCP client's model for the summary");
      int rc = o->sample(o->sample_data, params, timeout, on_sampled, t);
      params = NULL; /* taken over */
      if (rc == 0) {
        o->ticket = t;
        o->sampling_busy = true;
        o->phase = PH_SUMMARY;
        return;
      }
      free(t);
      char why[200];
      snprintf(why, sizeof why, "%s", rc == SOUK_EUNSUPPORTED
                                          ? "the client did not declare the sampling capability"
                                          : souk_strerror(rc));
      fallback_summary(o, "The MCP client cannot write summaries (sampling), so souk wrote it "
                          "from templates: every figure comes from a tool result.");
      stop(o, o->summary ? 0 : SOUK_EEMPTY, "completed",
           "sampling was not possible (%s): the summary was written from templates", why);
      return;
    }
    free(t);
    json_decref(params);
  }
  char why[600];
  o->summary = souk__template_summary(
      o,
      "Written offline from templates (no language model configured): every figure comes "
      "from a tool result.",
      why, sizeof why);
  free(o->summary_by);
  o->summary_by = strdup("templates");
  if (!o->summary)
    stop(o, SOUK_EEMPTY, "no_data", "%s", why);
  else
    stop(o, 0, "completed", "%s", "");
}

static void fixed_step(souk_orchestrator *o) {
  if (json_array_size(o->queue))
    next_call(o);
  else
    summarise(o);
}

/* ---- start: initialize and tools/list ------------------------------------------------------ */

static void begin_work(souk_orchestrator *o) {
  o->phase = PH_WORK;
  if (json_array_size(o->tools) == 0) {
    stop(o, SOUK_EUNSUPPORTED, "no_tools",
         "the tool registry offers none of the tools the orchestrator may call");
    return;
  }
  if (o->plan_only) {
    json_t *q = souk__fixed_plan(o);
    size_t i;
    const json_t *e;
    json_array_foreach(q, i, e) {
      const char *check = json_string_value(json_object_get(e, "check_store"));
      char note[700];
      if (check)
        snprintf(note, sizeof note, "planned; then scrape_store if %s is not in souk yet", check);
      json_array_append_new(
          o->plan, json_pack("{s:i,s:O,s:O,s:O,s:b,s:s}", "step", (int)i + 1, "tool",
                             json_object_get(e, "name"), "arguments", json_object_get(e, "input"),
                             "why", json_object_get(e, "why"), "ok", 1, "result",
                             check ? note : "planned"));
    }
    json_decref(q);
    stop(o, 0, "planned", "%s",
         o->mode == SOUK__MODE_LLM
             ? "the fixed plan; a language model chooses its own calls among the same tools"
             : "");
    return;
  }
  if (o->mode == SOUK__MODE_LLM) {
    char *goal = souk__goal_message(o);
    json_array_append_new(o->messages,
                          json_pack("{s:s,s:s}", "role", "user", "content", goal ? goal : ""));
    free(goal);
  } else {
    json_decref(o->queue);
    o->queue = souk__fixed_plan(o);
  }
  schedule(o);
}

static void on_list(void *ud, int status, const json_t *result, const char *error) {
  souk_orchestrator *o = ud;
  o->op = 0;
  if (o->stopping) {
    schedule(o);
    return;
  }
  if (status) {
    stop(o, status == SOUK_ECANCELED ? SOUK_ECANCELED : SOUK_EIO, "no_tools",
         "the tool registry did not list its tools: %s", error ? error : souk_strerror(status));
    return;
  }
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(result, "tools"), i, t) {
    const char *name = json_string_value(json_object_get(t, "name"));
    if (!name || !souk__tool_allowed(o, name) || find_tool(o, name))
      continue;
    const json_t *schema = json_object_get(t, "inputSchema");
    json_t *x = json_pack("{s:s,s:s,s:O}", "name", name, "description",
                          str_or(json_string_value(json_object_get(t, "description")), name),
                          "input_schema", schema ? schema : json_object());
    if (!schema && x)
      json_object_set_new(x, "input_schema", json_pack("{s:s,s:{}}", "type", "object", "properties"));
    if (x)
      json_array_append_new(o->tools, x);
  }
  const char *cursor = json_string_value(json_object_get(result, "nextCursor"));
  if (cursor && *cursor) {
    int64_t id = souk__mcpc_request(o->mcp, "tools/list", json_pack("{s:s}", "cursor", cursor),
                                    on_list, NULL, o);
    if (id > 0) {
      o->op = id;
      return;
    }
  }
  begin_work(o);
}

static void on_init(void *ud, int status, const json_t *result, const char *error) {
  souk_orchestrator *o = ud;
  (void)result;
  o->op = 0;
  if (o->stopping) {
    schedule(o);
    return;
  }
  if (status) {
    stop(o, status == SOUK_ECANCELED ? SOUK_ECANCELED : SOUK_EIO, "no_tools",
         "the tool registry did not initialize: %s", error ? error : souk_strerror(status));
    return;
  }
  souk__mcpc_notify(o->mcp, "notifications/initialized", NULL);
  o->phase = PH_LIST;
  int64_t id = souk__mcpc_request(o->mcp, "tools/list", NULL, on_list, NULL, o);
  if (id < 0)
    stop(o, (int)id, "no_tools", "tools/list could not be sent: %s", souk_strerror((int)id));
  else
    o->op = id;
}

static void step(uv_timer_t *t) {
  souk_orchestrator *o = t->data;
  if (o->finishing)
    return;
  if (o->stopping) {
    if (!busy(o))
      finalize(o);
    return;
  }
  if (busy(o))
    return;
  if (o->phase == PH_INIT) {
    json_t *params = json_pack("{s:s,s:{},s:{s:s,s:s}}", "protocolVersion",
                               SOUK_MCP_LATEST_VERSION, "capabilities", "clientInfo", "name",
                               "souk-orchestrator", "version", SOUK_VERSION_STRING);
    int64_t id = souk__mcpc_request(o->mcp, "initialize", params, on_init, NULL, o);
    if (id < 0)
      stop(o, (int)id, "no_tools", "initialize could not be sent: %s", souk_strerror((int)id));
    else
      o->op = id;
  } else if (o->phase == PH_WORK) {
    if (o->mode == SOUK__MODE_LLM)
      llm_step(o);
    else
      fixed_step(o);
  }
}

/* ---- the end ------------------------------------------------------------------------------- */

/* Frees the orchestrator and all it holds (its MCP client is gone already). */
static void release(souk_orchestrator *o) {
  souk__llm_free(o->llm);
  json_decref(o->tools);
  json_decref(o->messages);
  json_decref(o->queue);
  json_decref(o->plan);
  json_decref(o->results);
  json_decref(o->seen);
  json_decref(o->filter);
  json_decref(o->report);
  souk_figures_free(o->known);
  free(o->goal);
  for (size_t i = 0; i < o->nstores; i++)
    free(o->stores[i]);
  for (size_t i = 0; i < o->nallow; i++)
    free(o->allow[i]);
  free(o->allow);
  free(o->model);
  free(o->summary);
  free(o->summary_by);
  free(o);
}

static void on_closed(uv_handle_t *h) {
  souk_orchestrator *o = h->data;
  if (--o->open_handles > 0)
    return;
  release(o);
}

static void build_report(souk_orchestrator *o, const char *summary, json_t *verification) {
  json_t *r = json_object();
  json_object_set_new(r, "goal", json_string(o->goal));
  json_object_set_new(r, "provider", json_string(souk_llm_provider_name(o->provider)));
  json_object_set_new(r, "model", json_string(o->mode == SOUK__MODE_LLM ? o->model : "templates"));
  if (o->summary_by)
    json_object_set_new(r, "summary_by", json_string(o->summary_by));
  json_object_set_new(r, "status", json_string(o->status ? souk_err_name(o->status) : "ok"));
  json_object_set_new(r, "stop_reason", json_string(o->stop_reason));
  json_object_set_new(r, "message", json_string(o->message));
  json_t *stores = json_array();
  for (size_t i = 0; i < o->nstores; i++)
    json_array_append_new(stores, json_string(o->stores[i]));
  json_object_set_new(r, "stores", stores);
  json_t *tools = json_array();
  size_t i;
  const json_t *t;
  json_array_foreach(o->tools, i, t) json_array_append(tools, json_object_get(t, "name"));
  json_object_set_new(r, "tools", tools);
  json_object_set(r, "plan", o->plan);
  json_object_set_new(r, "summary", summary ? json_string(summary) : json_null());
  json_object_set_new(r, "verification", verification ? verification : json_null());
  json_object_set_new(r, "usage",
                      json_pack("{s:i,s:i,s:I,s:I,s:b,s:i}", "model_turns", o->turns,
                                "tool_calls", o->calls, "input_tokens", (json_int_t)o->tokens_in,
                                "output_tokens", (json_int_t)o->tokens_out, "tokens_estimated",
                                o->tokens_estimated, "http_retries", (int)o->retries));
  json_object_set_new(r, "limits",
                      json_pack("{s:i,s:I,s:I}", "max_steps", o->max_steps, "max_time_ms",
                                (json_int_t)o->max_time_ms, "max_tokens",
                                (json_int_t)o->max_tokens));
  json_object_set_new(r, "elapsed_ms", json_real((double)(uv_now(o->loop) - o->started)));
  o->report = r;
}

static void finalize(souk_orchestrator *o) {
  o->finishing = true;
  uv_timer_stop(&o->deadline);
  uv_timer_stop(&o->defer);
  /* A run that stopped early still says what its tools found, from templates. */
  if (!o->summary && o->status != 0 && o->status != SOUK_ECANCELED && o->status != SOUK_EEMPTY &&
      json_array_size(o->results) > 0) {
    char how[900];
    snprintf(how, sizeof how,
             "The run stopped early (%s), so this summary is written from templates out of the "
             "tool results gathered so far: every figure comes from a tool result.",
             o->stop_reason);
    fallback_summary(o, how);
    o->summary_fallback = o->summary != NULL;
  }
  char *checked = NULL;
  json_t *verification = NULL;
  if (o->summary) {
    souk_figures_report fr;
    if (souk_figures_check(o->known, o->summary, o->figures_mode, &fr) == 0) {
      souk_buf b;
      souk_buf_init(&b, 4u << 20);
      souk_buf_adds(&b, fr.text);
      if (o->mode == SOUK__MODE_LLM && !o->summary_fallback)
        souk_buf_printf(&b, "\n\n_Written by the language model (%s) from souk's tool results; "
                            "every figure was checked against them._\n",
                        souk_llm_provider_name(o->provider));
      else if (strncmp(o->summary_by ? o->summary_by : "", "sampling", 8) == 0)
        souk_buf_adds(&b, "\n\n_Written by the MCP client's model (sampling) from souk's tool "
                          "results; every figure was checked against them._\n");
      if (json_array_size(fr.unsupported))
        souk_buf_adds(&b, o->figures_mode == SOUK_FIGURES_STRIP
                              ? "\n_Figures that no tool returned were removed (shown as [figure "
                                "removed])._\n"
                              : "\n_Figures marked [unverified] were not found in any tool "
                                "result._\n");
      checked = souk_buf_steal(&b, NULL);
      souk_buf_free(&b);
      verification = json_pack("{s:I,s:I,s:O,s:s}", "figures", (json_int_t)fr.figures,
                               "supported", (json_int_t)fr.supported, "unsupported",
                               fr.unsupported, "mode",
                               o->figures_mode == SOUK_FIGURES_STRIP ? "strip" : "flag");
      if (json_array_size(fr.unsupported))
        SOUK_WARN(LLM, "ask: %zu figure(s) of the summary were not returned by any tool (%s)",
                  json_array_size(fr.unsupported),
                  o->figures_mode == SOUK_FIGURES_STRIP ? "removed" : "flagged");
      souk_figures_report_free(&fr);
    }
  }
  build_report(o, checked, verification);
  souk_job_finish(o->job, o->status, o->status ? o->message : NULL, json_incref(o->report));
  souk_orchestrator_result res = {
      .status = o->status, .message = o->message, .summary = checked, .report = o->report};
  o->done(o, &res, o->ud);
  free(checked);
  souk__mcpc_free(o->mcp);
  o->mcp = NULL;
  uv_close((uv_handle_t *)&o->deadline, on_closed);
  uv_close((uv_handle_t *)&o->defer, on_closed);
}

/* ---- start ---------------------------------------------------------------------------------- */

static char *title_of(const char *goal) {
  char t[120];
  snprintf(t, sizeof t, "%s", goal);
  if (strlen(goal) >= sizeof t)
    memcpy(t + sizeof t - 4, "...", 4);
  return strdup(t);
}

int souk_orchestrator_start(souk_runtime *rt, souk_mcp_server *tools,
                            const souk_orchestrator_options *opt, souk_orchestrator_done_cb done,
                            void *ud, souk_orchestrator **out, souk_errinfo *e) {
  souk_errinfo local = {0};
  if (!e)
    e = &local;
  if (!rt || !tools || !opt || !done)
    return souk_errinfo_set(e, SOUK_EINVAL, "the orchestrator needs a runtime, tools and a callback");
  if (!opt->goal || !*opt->goal)
    return souk_errinfo_set(e, SOUK_EINVAL, "no goal: say what you want to know");
  if (strlen(opt->goal) > 4000)
    return souk_errinfo_set(e, SOUK_EINVAL, "the goal is longer than 4000 bytes");
  if (opt->nstores > SOUK__MAX_STORES)
    return souk_errinfo_set(e, SOUK_EINVAL, "at most %d stores", SOUK__MAX_STORES);
  if ((unsigned)opt->provider > SOUK_LLM_SAMPLING)
    return souk_errinfo_set(e, SOUK_EINVAL, "unknown language model provider");
  if (opt->provider == SOUK_LLM_SAMPLING && !opt->sample && !opt->plan_only)
    return souk_errinfo_set(e, SOUK_ECONFIG,
                            "llm.provider is sampling, which works only when souk serves an MCP "
                            "client that can sample (souk serve): use offline, openai or "
                            "anthropic here");
  for (size_t i = 0; i < opt->nstores; i++) {
    char h[SOUK__HOST_MAX];
    if (!opt->stores[i] || souk__host_of(opt->stores[i], h, sizeof h) != 0)
      return souk_errinfo_set(e, SOUK_EINVAL, "'%s' is not a store URL",
                              opt->stores[i] ? opt->stores[i] : "(null)");
  }
  souk_orchestrator *o = calloc(1, sizeof *o);
  if (!o)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  o->rt = rt;
  o->loop = &rt->loop;
  o->srv = tools;
  o->done = done;
  o->ud = ud;
  o->provider = opt->provider;
  o->mode = opt->provider == SOUK_LLM_OPENAI || opt->provider == SOUK_LLM_ANTHROPIC
                ? SOUK__MODE_LLM
                : SOUK__MODE_FIXED;
  o->goal = strdup(opt->goal);
  o->model = strdup(opt->model && *opt->model ? opt->model : "templates");
  o->max_steps = opt->max_steps > 0 ? opt->max_steps : 8;
  o->max_time_ms = opt->max_time_ms > 0 ? opt->max_time_ms : 300000;
  o->max_tokens = opt->max_tokens > 0 ? opt->max_tokens : 60000;
  o->request_timeout_ms = opt->request_timeout_ms > 0 ? opt->request_timeout_ms : 120000;
  o->figures_mode = opt->figures;
  o->sample = opt->sample;
  o->sample_data = opt->sample_data;
  o->plan_only = opt->plan_only;
  o->filter = opt->filter && json_is_object(opt->filter) ? json_deep_copy(opt->filter) : NULL;
  o->tools = json_array();
  o->messages = json_array();
  o->queue = json_array();
  o->plan = json_array();
  o->results = json_array();
  o->seen = json_object();
  o->known = souk_figures_new();
  const char *const *allow = opt->allow_tools ? opt->allow_tools : souk_orchestrator_default_tools;
  size_t nallow = 0;
  if (opt->allow_tools)
    nallow = opt->nallow_tools;
  else
    while (allow[nallow])
      nallow++;
  o->allow = calloc(nallow ? nallow : 1, sizeof *o->allow);
  bool ok = o->goal && o->model && o->tools && o->messages && o->queue && o->plan && o->results &&
            o->seen && o->known && o->allow;
  for (size_t i = 0; ok && i < nallow; i++) {
    /* Never the orchestrator's own tools: a summary must not start another summary. */
    if (strcmp(allow[i], "summarize_insights") == 0 || strcmp(allow[i], "plan_analysis") == 0)
      continue;
    ok = (o->allow[o->nallow++] = strdup(allow[i])) != NULL;
  }
  for (size_t i = 0; ok && i < opt->nstores; i++) {
    ok = (o->stores[o->nstores++] = strdup(opt->stores[i])) != NULL;
    souk__hosts_from_text(o, opt->stores[i]);
    char h[SOUK__HOST_MAX];
    if (ok && souk__host_of(opt->stores[i], h, sizeof h) == 0 && !souk__host_allowed(o, h) &&
        o->nhosts < SOUK__MAX_STORES)
      snprintf(o->hosts[o->nhosts++], SOUK__HOST_MAX, "%s", h);
  }
  /* URLs in the goal are stores the user named too. */
  if (ok) {
    char urls[SOUK__MAX_STORES][1024];
    size_t n = souk__urls_in_text(o->goal, urls, SOUK__MAX_STORES);
    for (size_t i = 0; ok && i < n && o->nstores < SOUK__MAX_STORES; i++) {
      char h[SOUK__HOST_MAX];
      if (souk__host_of(urls[i], h, sizeof h) != 0 || souk__host_allowed(o, h))
        continue;
      souk__hosts_from_text(o, urls[i]);
      ok = (o->stores[o->nstores++] = strdup(urls[i])) != NULL;
    }
  }
  o->k = opt->k ? opt->k : souk__k_from_goal(opt->goal);
  for (size_t i = 0; ok && i < o->nstores; i++)
    souk_figures_add_text(o->known, o->stores[i]);
  if (ok)
    souk_figures_add_text(o->known, o->goal); /* the user's own numbers may be repeated */
  if (ok && o->k)
    souk_figures_add_number(o->known, (double)o->k);
  if (!ok) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    goto fail;
  }
  if (o->mode == SOUK__MODE_LLM && !o->plan_only) {
    souk__llm_config lc = {
        .api = opt->provider == SOUK_LLM_ANTHROPIC ? SOUK__LLM_ANTHROPIC : SOUK__LLM_OPENAI,
        .base_url = opt->base_url,
        .model = opt->model,
        .api_key = opt->api_key,
        .stream = opt->stream,
        .timeout_ms = o->request_timeout_ms,
    };
    o->llm = souk__llm_new(rt->http, &lc, e);
    if (!o->llm)
      goto fail;
  }
  o->mcp = souk__mcpc_new(o->loop, tools, e);
  if (!o->mcp)
    goto fail;
  char *title = title_of(o->goal);
  o->job = souk_job_create(rt->jobs, "ask", title ? title : "ask");
  free(title);
  if (!o->job) {
    souk__mcpc_free(o->mcp);
    o->mcp = NULL;
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
    /* the client's timer closes on the loop; the rest goes now */
    goto fail;
  }
  souk_job_on_cancel(o->job, on_job_cancel, o);
  uv_timer_init(o->loop, &o->deadline);
  uv_timer_init(o->loop, &o->defer);
  o->deadline.data = o->defer.data = o;
  o->open_handles = 2;
  uv_update_time(o->loop);
  o->started = uv_now(o->loop);
  uv_timer_start(&o->deadline, on_deadline, (uint64_t)o->max_time_ms, 0);
  SOUK_INFO(LLM, "ask: %s (provider %s%s%s)", o->goal, souk_llm_provider_name(o->provider),
            o->mode == SOUK__MODE_LLM ? ", model " : "", o->mode == SOUK__MODE_LLM ? o->model : "");
  if (out)
    *out = o;
  schedule(o);
  return 0;

fail:;
  int code = e->code ? e->code : SOUK_ENOMEM;
  if (o->mcp)
    souk__mcpc_free(o->mcp);
  release(o);
  return code;
}

void souk_orchestrator_print_plan(const json_t *report, FILE *out) {
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(report, "plan"), i, p) {
    char *args = json_dumps(json_object_get(p, "arguments"), JSON_COMPACT | JSON_ENCODE_ANY);
    bool ok = json_is_true(json_object_get(p, "ok"));
    fprintf(out, "  %2lld. %s %s %s %s\n", (long long)json_integer_value(json_object_get(p, "step")),
            json_string_value(json_object_get(p, "tool")), args ? args : "{}",
            ok ? "->" : json_is_true(json_object_get(p, "refused")) ? "refused:" : "failed:",
            json_string_value(json_object_get(p, "result")));
    free(args);
  }
}
