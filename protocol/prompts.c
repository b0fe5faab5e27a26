/* SPDX-License-Identifier: MIT */
/* prompts/list, prompts/get (with required-argument checks) and completion/complete for
 * prompt arguments and template variables. */
#include <string.h>

#include "mcp_private.h"

void souk__m_prompts_list(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  json_t *all = json_array();
  for (size_t i = 0; all && i < srv->prompts.len; i++)
    json_array_append(all, ((souk__prompt *)srv->prompts.items[i])->listing);
  bool bad = false;
  json_t *page = all ? souk__paginate(all, "prompts", c->params, srv->page_size, &bad) : NULL;
  json_decref(all);
  if (bad) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL, "Invalid params: unknown cursor");
    return;
  }
  souk_mcp_call_finish(c, page);
}

void souk__m_prompts_get(souk_mcp_call *c) {
  const json_t *name = json_object_get(c->params, "name");
  if (!json_is_string(name)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: prompts/get needs the prompt's \"name\" (a string)");
    return;
  }
  c->name = json_string_value(name);
  souk__prompt *p = souk__server_find_prompt(c->session->server, c->name);
  if (!p) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, json_pack("{s:s}", "name", c->name),
                       "Invalid params: unknown prompt '%s'", c->name);
    return;
  }
  const json_t *args = json_object_get(c->params, "arguments");
  if (args && !json_is_object(args) && !json_is_null(args)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: \"arguments\" of prompt '%s' must be an object", c->name);
    return;
  }
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)args, key, val) {
    bool known = false;
    for (size_t i = 0; i < p->nargs; i++)
      if (strcmp(p->args[i].name, key) == 0)
        known = true;
    if (!known) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: prompt '%s' has no argument '%s'", c->name, key);
      return;
    }
    if (!json_is_string(val)) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: argument '%s' of prompt '%s' must be a string", key,
                         c->name);
      return;
    }
  }
  for (size_t i = 0; i < p->nargs; i++)
    if (p->args[i].required && !json_object_get(args, p->args[i].name)) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: missing required argument '%s' for prompt '%s'",
                         p->args[i].name, c->name);
      return;
    }
  c->kind = SOUK__CALL_PROMPT;
  c->args = json_is_object(args) ? json_incref((json_t *)args) : json_object();
  if (!c->args) {
    souk_mcp_call_finish(c, NULL);
    return;
  }
  p->get(c, c->args, p->data);
}

void souk__m_completion_complete(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  const json_t *ref = json_object_get(c->params, "ref");
  const json_t *arg = json_object_get(c->params, "argument");
  const char *type = json_string_value(json_object_get(ref, "type"));
  const char *argname = json_string_value(json_object_get(arg, "name"));
  const char *value = json_string_value(json_object_get(arg, "value"));
  if (!type || !argname || !value) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: completion/complete needs ref.type and argument.name "
                       "and argument.value (strings)");
    return;
  }
  souk_mcp_completion req = {false, NULL, argname, value, NULL};
  if (strcmp(type, "ref/prompt") == 0) {
    req.prompt = true;
    req.ref = json_string_value(json_object_get(ref, "name"));
    souk__prompt *p = souk__server_find_prompt(srv, req.ref);
    if (!p) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: unknown prompt '%s'", req.ref ? req.ref : "");
      return;
    }
    bool known = false;
    for (size_t i = 0; i < p->nargs; i++)
      if (strcmp(p->args[i].name, argname) == 0)
        known = true;
    if (!known) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: prompt '%s' has no argument '%s'", req.ref, argname);
      return;
    }
  } else if (strcmp(type, "ref/resource") == 0) {
    req.ref = json_string_value(json_object_get(ref, "uri"));
    if (!req.ref) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: ref/resource needs a \"uri\"");
      return;
    }
    souk__template *t = souk__server_find_template(srv, req.ref);
    if (!t) {
      if (souk__server_find_resource(srv, req.ref)) { /* a fixed URI has nothing to complete */
        souk_mcp_call_complete(c, NULL, 0, 0, false);
        return;
      }
      souk_mcp_call_fail(c, SOUK_MCP_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", req.ref),
                         "Resource not found: no resource template '%s'", req.ref);
      return;
    }
    if (!souk__uri_template_has_var(t->uri_template, argname)) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: template '%s' has no variable '%s'", req.ref, argname);
      return;
    }
  } else {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: ref.type must be \"ref/prompt\" or \"ref/resource\"");
    return;
  }
  const json_t *ctx = json_object_get(json_object_get(c->params, "context"), "arguments");
  req.context = json_is_object(ctx) ? ctx : NULL;
  c->kind = SOUK__CALL_COMPLETE;
  c->name = req.prompt ? req.ref : NULL;
  if (!srv->complete) {
    souk_mcp_call_complete(c, NULL, 0, 0, false);
    return;
  }
  srv->complete(c, &req, srv->complete_data);
}
