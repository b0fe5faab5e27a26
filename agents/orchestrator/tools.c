/* SPDX-License-Identifier: MIT */
/* The orchestrator's own MCP tools: summarize_insights (runs the orchestrator on the server it
 * is registered on and returns the checked summary; with a client that can sample, the summary
 * is written by the client's model) and plan_analysis (the plan, without running it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop/runtime.h"
#include "orch_int.h"
#include "souk/error.h"
#include "souk/mcp_content.h"

typedef struct run run;

struct souk_orchestrator_tools {
  souk_mcp_server *srv;
  souk_runtime *rt;
  const souk_config *cfg;
  run *runs;                      /* summaries running */
};

struct run {
  souk_orchestrator_tools *t;
  souk_mcp_call *call;
  souk_orchestrator *o;
  double progress;
  run *next;
};

static const char summarize_schema[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"store\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000,\"description\":\"A store "
    "URL. When souk does not hold it yet it is scraped first. Omit it to summarise every store "
    "souk holds.\"},"
    "\"filter\":{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"Only "
    "products matching all of these (passed to the tools that take them).\",\"properties\":{"
    "\"vendor\":{\"type\":\"string\",\"minLength\":1},"
    "\"product_type\":{\"type\":\"string\",\"minLength\":1},"
    "\"tag\":{\"type\":\"string\",\"minLength\":1},"
    "\"search\":{\"type\":\"string\",\"minLength\":1,\"description\":\"full-text search\"},"
    "\"min_price\":{\"type\":\"number\",\"minimum\":0},"
    "\"max_price\":{\"type\":\"number\",\"minimum\":0},"
    "\"available\":{\"type\":\"boolean\"}}},"
    "\"k\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"description\":\"How many top "
    "products to cite (default 10).\"},"
    "\"goal\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":2000,\"description\":\"The "
    "question in plain words (default: which products to feature, and why).\"}}}";

static const char summarize_output[] =
    "{\"type\":\"object\",\"required\":[\"status\",\"plan\"],\"properties\":{"
    "\"status\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"},"
    "\"summary\":{\"type\":[\"string\",\"null\"]},\"summary_by\":{\"type\":\"string\"},"
    "\"plan\":{\"type\":\"array\"},\"verification\":{\"type\":[\"object\",\"null\"]}}}";

static const char plan_schema[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"goal\"],\"properties\":{"
    "\"goal\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":2000,\"description\":\"What "
    "you want to know, in plain words; store URLs in it count as stores to analyse.\"},"
    "\"stores\":{\"type\":\"array\",\"maxItems\":16,\"items\":{\"type\":\"string\"},"
    "\"description\":\"Store URLs to analyse.\"},"
    "\"k\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}}}";

static const char plan_output[] =
    "{\"type\":\"object\",\"required\":[\"goal\",\"plan\"],\"properties\":{"
    "\"goal\":{\"type\":\"string\"},\"provider\":{\"type\":\"string\"},"
    "\"stores\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"tools\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"plan\":{\"type\":\"array\"},\"limits\":{\"type\":\"object\"},"
    "\"note\":{\"type\":\"string\"}}}";

static void unlink_run(run *r) {
  for (run **p = &r->t->runs; *p; p = &(*p)->next)
    if (*p == r) {
      *p = r->next;
      return;
    }
}

static int sample(void *data, json_t *params_new, unsigned timeout_ms, souk_mcp_reply_fn cb,
                  void *cb_data) {
  return souk_mcp_call_sample(data, params_new, timeout_ms, cb, cb_data);
}

static void on_cancel(souk_mcp_call *call, void *data, const char *reason) {
  (void)call;
  (void)reason;
  run *r = data;
  if (r->o)
    souk_orchestrator_cancel(r->o);
}

static void on_progress(souk_job *job, void *ud) {
  run *r = ud;
  r->progress += 1;
  souk_mcp_call_progress(r->call, r->progress, -1, souk_job_message(job));
}

static json_t *structured(const souk_orchestrator_result *res) {
  json_t *s = json_object();
  const char *keys[] = {"status", "message", "summary_by", "plan", "verification", "provider",
                        "stop_reason", "usage", NULL};
  for (const char **k = keys; *k; k++) {
    json_t *v = json_object_get(res->report, *k);
    if (v)
      json_object_set(s, *k, v);
  }
  json_object_set_new(s, "summary", res->summary ? json_string(res->summary) : json_null());
  return s;
}

static void on_done(souk_orchestrator *o, const souk_orchestrator_result *res, void *ud) {
  (void)o;
  run *r = ud;
  if (r->t)
    unlink_run(r);
  json_t *content = json_array();
  if (res->summary)
    json_array_append_new(content, souk_mcp_text_item(res->summary));
  if (res->status) {
    char msg[800];
    snprintf(msg, sizeof msg, "%s: %s", souk_err_name(res->status), res->message);
    json_array_append_new(content, souk_mcp_text_item(msg));
  }
  souk_mcp_call_finish(r->call, souk_mcp_tool_result(content, structured(res),
                                                     res->status != 0 && !res->summary));
  free(r);
}

static bool can_sample(souk_mcp_call *call) {
  souk_mcp_session *s = souk_mcp_call_session(call);
  const json_t *caps = s ? souk_mcp_session_client_capabilities(s) : NULL;
  return json_is_object(json_object_get(caps, "sampling"));
}

static int options_for(souk_orchestrator_tools *t, souk_mcp_call *call, const json_t *args,
                       souk_orchestrator_options *o, const char **store, char *goal,
                       size_t goallen) {
  souk_orchestrator_options_from_config(o, t->cfg);
  *store = json_string_value(json_object_get(args, "store"));
  o->stores = store;
  o->nstores = *store ? 1 : 0;
  o->k = (size_t)json_integer_value(json_object_get(args, "k"));
  o->filter = json_object_get(args, "filter");
  const char *g = json_string_value(json_object_get(args, "goal"));
  if (g)
    snprintf(goal, goallen, "%s", g);
  else
    snprintf(goal, goallen, "Which products of %s should we feature, and why?",
             *store ? *store : "the stores in souk");
  o->goal = goal;
  /* The client's own model writes the summary when it can and no other model is set up. */
  if (call && (o->provider == SOUK_LLM_OFFLINE || o->provider == SOUK_LLM_SAMPLING) &&
      (can_sample(call) || o->provider == SOUK_LLM_SAMPLING)) {
    o->provider = SOUK_LLM_SAMPLING;
    o->sample = sample;
    o->sample_data = call;
  }
  return 0;
}

static void summarize(souk_mcp_call *call, const json_t *args, void *data) {
  souk_orchestrator_tools *t = data;
  souk_orchestrator_options o;
  const char *store;
  char goal[2200];
  options_for(t, call, args, &o, &store, goal, sizeof goal);
  run *r = calloc(1, sizeof *r);
  if (!r) {
    souk_mcp_call_tool_error(call, "out of memory");
    return;
  }
  r->t = t;
  r->call = call;
  souk_errinfo e = {0};
  if (souk_orchestrator_start(t->rt, t->srv, &o, on_done, r, &r->o, &e) != 0) {
    free(r);
    souk_mcp_call_tool_error(call, "%s", e.text);
    return;
  }
  r->next = t->runs;
  t->runs = r;
  souk_job_observer obs = {.on_progress = on_progress, .ud = r};
  souk_job_observe(souk_orchestrator_job(r->o), &obs);
  souk_mcp_call_on_cancel(call, on_cancel, r);
}

static void on_planned(souk_orchestrator *o, const souk_orchestrator_result *res, void *ud) {
  (void)o;
  souk_mcp_call *call = ud;
  if (res->status) {
    souk_mcp_call_tool_error(call, "%s", res->message);
    return;
  }
  json_t *s = json_object();
  const char *keys[] = {"goal", "provider", "stores", "tools", "plan", "limits", NULL};
  for (const char **k = keys; *k; k++) {
    json_t *v = json_object_get(res->report, *k);
    if (v)
      json_object_set(s, *k, v);
  }
  json_object_set_new(s, "note", json_string(res->message));
  souk_mcp_call_structured(call, s);
}

static void plan(souk_mcp_call *call, const json_t *args, void *data) {
  souk_orchestrator_tools *t = data;
  souk_orchestrator_options o;
  souk_orchestrator_options_from_config(&o, t->cfg);
  o.goal = json_string_value(json_object_get(args, "goal"));
  const char *stores[SOUK__MAX_STORES];
  size_t i;
  const json_t *s;
  json_array_foreach(json_object_get(args, "stores"), i, s) {
    if (o.nstores < SOUK__MAX_STORES)
      stores[o.nstores++] = json_string_value(s);
  }
  o.stores = stores;
  o.k = (size_t)json_integer_value(json_object_get(args, "k"));
  o.plan_only = true;
  souk_errinfo e = {0};
  if (souk_orchestrator_start(t->rt, t->srv, &o, on_planned, call, NULL, &e) != 0)
    souk_mcp_call_tool_error(call, "%s", e.text);
}

int souk_orchestrator_register_tools(souk_mcp_server *srv, souk_runtime *rt,
                                     const souk_config *cfg, souk_orchestrator_tools **out,
                                     souk_errinfo *e) {
  souk_orchestrator_tools *t = calloc(1, sizeof *t);
  if (!t)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  t->srv = srv;
  t->rt = rt;
  t->cfg = cfg;
  json_t *in1 = json_loads(summarize_schema, 0, NULL);
  json_t *out1 = json_loads(summarize_output, 0, NULL);
  json_t *in2 = json_loads(plan_schema, 0, NULL);
  json_t *out2 = json_loads(plan_output, 0, NULL);
  json_t *ann = json_pack("{s:b,s:b}", "readOnlyHint", 0, "openWorldHint", 1);
  souk_mcp_tool a = {
      .name = "summarize_insights",
      .title = "Summarize insights",
      .description =
          "Analyses a store (or every store souk holds, or the products matching a filter) and "
          "returns a Markdown summary a merchant can act on: the top products with their "
          "scores and prices, groups of similar products, price statistics, and what to do "
          "next. It scrapes the store first when souk does not hold it yet. Every figure in "
          "the summary comes from souk's tools (checked); the plan of tool calls made is in "
          "structuredContent.plan. With a client that supports sampling, the client's model "
          "writes the summary. Takes seconds to minutes; sends progress.",
      .input_schema = in1,
      .output_schema = out1,
      .annotations = ann,
      .handler = summarize,
      .data = t,
  };
  souk_mcp_tool b = {
      .name = "plan_analysis",
      .title = "Plan an analysis",
      .description =
          "Returns the plan of tool calls souk would make to answer a goal (which stores to "
          "scrape, top-K, clusters, price statistics), with their arguments, without running "
          "anything. Use it to check what summarize_insights or `souk ask` will do.",
      .input_schema = in2,
      .output_schema = out2,
      .handler = plan,
      .data = t,
  };
  int rc = in1 && out1 && in2 && out2 && ann ? 0 : souk_errinfo_set(e, SOUK_ENOMEM, "out of memory");
  if (!rc)
    rc = souk_mcp_server_add_tool(srv, &a, e);
  if (!rc) {
    rc = souk_mcp_server_add_tool(srv, &b, e);
    if (rc)
      souk_mcp_server_remove_tool(srv, "summarize_insights");
  }
  json_decref(in1);
  json_decref(out1);
  json_decref(in2);
  json_decref(out2);
  json_decref(ann);
  if (rc) {
    free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void souk_orchestrator_tools_free(souk_orchestrator_tools *t) {
  if (!t)
    return;
  /* Each run ends later (done runs from the loop); it must not find `t` then. */
  for (run *r = t->runs; r; r = r->next) {
    souk_orchestrator_cancel(r->o);
  }
  while (t->runs) {
    run *r = t->runs;
    t->runs = r->next;
    r->t = NULL;
  }
  souk_mcp_server_remove_tool(t->srv, "summarize_insights");
  souk_mcp_server_remove_tool(t->srv, "plan_analysis");
  free(t);
}
