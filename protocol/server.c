/* SPDX-License-Identifier: MIT */
/* The MCP server object: options, the registries of tools, resources, templates and prompts,
 * and the notifications that follow when they change. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mcp_private.h"
#include "souk/mcp_schema.h"

souk_mcp_server *souk_mcp_server_new(const souk_mcp_server_options *o, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!o || !o->name || !*o->name || !o->version || !*o->version) {
    souk_errinfo_set(e, SOUK_EINVAL, "an MCP server needs a name and a version (serverInfo)");
    return NULL;
  }
  souk_mcp_server *s = calloc(1, sizeof *s);
  if (!s) {
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory creating the MCP server");
    return NULL;
  }
  s->name = strdup(o->name);
  s->version = strdup(o->version);
  s->title = souk__strdup(o->title);
  s->instructions = souk__strdup(o->instructions);
  if (!s->name || !s->version || (o->title && !s->title) ||
      (o->instructions && !s->instructions)) {
    souk_mcp_server_free(s);
    souk_errinfo_set(e, SOUK_ENOMEM, "out of memory creating the MCP server");
    return NULL;
  }
  s->capabilities = o->capabilities;
  s->limits.max_bytes = o->max_message_bytes ? o->max_message_bytes : SOUK_JSONRPC_DEFAULT_MAX_BYTES;
  s->limits.max_depth = o->max_depth ? o->max_depth : SOUK_JSONRPC_DEFAULT_MAX_DEPTH;
  s->max_batch = o->max_batch ? o->max_batch : 64;
  s->page_size = o->page_size ? o->page_size : 50;
  s->max_in_flight = o->max_in_flight ? o->max_in_flight : 256;
  s->max_subscriptions = o->max_subscriptions ? o->max_subscriptions : 1024;
  s->request_timeout_ms = o->request_timeout_ms ? o->request_timeout_ms : 60000;
  return s;
}

static void tool_free(souk__tool *t) {
  if (!t)
    return;
  free(t->name);
  json_decref(t->listing);
  json_decref(t->input_schema);
  json_decref(t->output_schema);
  free(t);
}

static void resource_free(souk__resource *r) {
  if (!r)
    return;
  free(r->uri);
  json_decref(r->listing);
  free(r);
}

static void template_free(souk__template *t) {
  if (!t)
    return;
  free(t->uri_template);
  json_decref(t->listing);
  free(t);
}

static void prompt_free(souk__prompt *p) {
  if (!p)
    return;
  free(p->name);
  json_decref(p->listing);
  for (size_t i = 0; i < p->nargs; i++) {
    free((char *)p->args[i].name);
    free((char *)p->args[i].title);
    free((char *)p->args[i].description);
  }
  free(p->args);
  free(p);
}

void souk_mcp_server_free(souk_mcp_server *s) {
  if (!s)
    return;
  while (s->sessions)
    souk_mcp_session_free(s->sessions);
  for (size_t i = 0; i < s->tools.len; i++)
    tool_free(s->tools.items[i]);
  for (size_t i = 0; i < s->resources.len; i++)
    resource_free(s->resources.items[i]);
  for (size_t i = 0; i < s->templates.len; i++)
    template_free(s->templates.items[i]);
  for (size_t i = 0; i < s->prompts.len; i++)
    prompt_free(s->prompts.items[i]);
  souk__vec_free(&s->tools);
  souk__vec_free(&s->resources);
  souk__vec_free(&s->templates);
  souk__vec_free(&s->prompts);
  free(s->name);
  free(s->version);
  free(s->title);
  free(s->instructions);
  free(s);
}

/* ---- building listings ---- */

static bool put_str(json_t *o, const char *key, const char *v) {
  if (!v)
    return true;
  json_t *j = json_string(v);
  return j && json_object_set_new(o, key, j) == 0;
}

static bool put(json_t *o, const char *key, json_t *v) {
  return !v || json_object_set(o, key, v) == 0;
}

/* Merges `extra` (icons, _meta, ...) without overwriting what the registry itself sets. */
static bool merge_extra(json_t *o, const json_t *extra) {
  if (!extra)
    return true;
  if (!json_is_object(extra))
    return false;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)extra, k, v)
    if (!json_object_get(o, k) && json_object_set(o, k, v))
      return false;
  return true;
}

/* ---- lookups ---- */

souk__tool *souk__server_find_tool(const souk_mcp_server *s, const char *name) {
  for (size_t i = 0; name && i < s->tools.len; i++) {
    souk__tool *t = s->tools.items[i];
    if (strcmp(t->name, name) == 0)
      return t;
  }
  return NULL;
}

souk__prompt *souk__server_find_prompt(const souk_mcp_server *s, const char *name) {
  for (size_t i = 0; name && i < s->prompts.len; i++) {
    souk__prompt *p = s->prompts.items[i];
    if (strcmp(p->name, name) == 0)
      return p;
  }
  return NULL;
}

souk__resource *souk__server_find_resource(const souk_mcp_server *s, const char *uri) {
  for (size_t i = 0; uri && i < s->resources.len; i++) {
    souk__resource *r = s->resources.items[i];
    if (strcmp(r->uri, uri) == 0)
      return r;
  }
  return NULL;
}

souk__template *souk__server_find_template(const souk_mcp_server *s, const char *uri_template) {
  for (size_t i = 0; uri_template && i < s->templates.len; i++) {
    souk__template *t = s->templates.items[i];
    if (strcmp(t->uri_template, uri_template) == 0)
      return t;
  }
  return NULL;
}

size_t souk_mcp_server_tool_count(const souk_mcp_server *s) {
  return s ? s->tools.len : 0;
}

unsigned souk__server_capabilities(const souk_mcp_server *s) {
  unsigned caps = s->capabilities | SOUK_MCP_CAP_LOGGING;
  if (s->tools.len)
    caps |= SOUK_MCP_CAP_TOOLS;
  if (s->resources.len || s->templates.len || s->lister)
    caps |= SOUK_MCP_CAP_RESOURCES;
  if (s->prompts.len)
    caps |= SOUK_MCP_CAP_PROMPTS;
  if (s->complete)
    caps |= SOUK_MCP_CAP_COMPLETIONS;
  return caps;
}

void souk__server_broadcast_changed(souk_mcp_server *s, unsigned cap, const char *method) {
  for (souk_mcp_session *x = s->sessions; x; x = x->next)
    if (x->state == SOUK_MCP_SESSION_READY && (x->caps & cap))
      souk__session_send(x, souk_jsonrpc_notification(method, NULL), SOUK_MCP_MSG_NOTIFICATION,
                         NULL, NULL);
}

/* ---- tools ---- */

int souk_mcp_server_add_tool(souk_mcp_server *s, const souk_mcp_tool *t, souk_errinfo *e) {
  char why[300];
  souk_errinfo_clear(e);
  if (!s || !t || !t->handler)
    return souk_errinfo_set(e, SOUK_EINVAL, "a tool needs a handler");
  if (!souk__name_valid(t->name))
    return souk_errinfo_set(e, SOUK_EINVAL, "tool name '%s' must be 1-128 characters of "
                            "A-Z, a-z, 0-9, '_', '-' and '.'", t->name ? t->name : "");
  if (souk__server_find_tool(s, t->name))
    return souk_errinfo_set(e, SOUK_EDUPLICATE, "a tool named '%s' is already registered", t->name);
  const json_t *schemas[2] = {t->input_schema, t->output_schema};
  const char *which[2] = {"inputSchema", "outputSchema"};
  for (int i = 0; i < 2; i++) {
    if (!schemas[i])
      continue;
    const json_t *type = json_object_get(schemas[i], "type");
    if (!json_is_object(schemas[i]) || !json_is_string(type) ||
        strcmp(json_string_value(type), "object") != 0)
      return souk_errinfo_set(e, SOUK_EINVAL, "tool '%s': %s must be a JSON Schema object with "
                              "\"type\": \"object\"", t->name, which[i]);
    if (souk_mcp_schema_check(schemas[i], why, sizeof why))
      return souk_errinfo_set(e, SOUK_EINVAL, "tool '%s': %s: %s", t->name, which[i], why);
  }
  if ((t->annotations && !json_is_object(t->annotations)) || (t->extra && !json_is_object(t->extra)))
    return souk_errinfo_set(e, SOUK_EINVAL, "tool '%s': annotations and extra must be objects",
                            t->name);

  souk__tool *x = calloc(1, sizeof *x);
  json_t *l = json_object();
  json_t *empty = t->input_schema ? NULL : json_pack("{s:s}", "type", "object");
  bool ok = x && l && (t->input_schema || empty) && (x->name = strdup(t->name)) &&
            put_str(l, "name", t->name) && put_str(l, "title", t->title) &&
            put_str(l, "description", t->description) &&
            put(l, "inputSchema", t->input_schema ? t->input_schema : empty) &&
            put(l, "outputSchema", t->output_schema) && put(l, "annotations", t->annotations) &&
            merge_extra(l, t->extra);
  json_decref(empty);
  if (!ok) {
    json_decref(l);
    if (x)
      x->listing = NULL;
    tool_free(x);
    return souk_errinfo_set(e, SOUK_EINVAL, "tool '%s': out of memory or a string that is not "
                            "UTF-8", t->name);
  }
  x->listing = l;
  x->input_schema = json_incref(t->input_schema);
  x->output_schema = json_incref(t->output_schema);
  x->handler = t->handler;
  x->data = t->data;
  if (souk__vec_push(&s->tools, x)) {
    tool_free(x);
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory registering tool '%s'", t->name);
  }
  SOUK_DEBUG(MCP, "tool '%s' registered", t->name);
  souk__server_broadcast_changed(s, SOUK_MCP_CAP_TOOLS, "notifications/tools/list_changed");
  return 0;
}

int souk_mcp_server_remove_tool(souk_mcp_server *s, const char *name) {
  for (size_t i = 0; s && name && i < s->tools.len; i++) {
    souk__tool *t = s->tools.items[i];
    if (strcmp(t->name, name) == 0) {
      souk__vec_remove(&s->tools, i);
      tool_free(t);
      souk__server_broadcast_changed(s, SOUK_MCP_CAP_TOOLS, "notifications/tools/list_changed");
      return 0;
    }
  }
  return SOUK_ENOENT;
}

/* ---- resources ---- */

static bool uri_like(const char *u) {
  /* scheme ":" ... with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986) */
  if (!u || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
    return false;
  size_t i = 1;
  while ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
         (u[i] >= '0' && u[i] <= '9') || u[i] == '+' || u[i] == '-' || u[i] == '.')
    i++;
  return u[i] == ':' && u[i + 1];
}

int souk_mcp_server_add_resource(souk_mcp_server *s, const souk_mcp_resource *r, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!s || !r || !r->read || !r->name || !*r->name)
    return souk_errinfo_set(e, SOUK_EINVAL, "a resource needs a name and a read handler");
  if (!uri_like(r->uri))
    return souk_errinfo_set(e, SOUK_EINVAL, "resource '%s': '%s' is not an absolute URI",
                            r->name, r->uri ? r->uri : "");
  if (souk__server_find_resource(s, r->uri))
    return souk_errinfo_set(e, SOUK_EDUPLICATE, "resource '%s' is already registered", r->uri);
  if ((r->annotations && !json_is_object(r->annotations)) || (r->extra && !json_is_object(r->extra)))
    return souk_errinfo_set(e, SOUK_EINVAL, "resource '%s': annotations and extra must be "
                            "objects", r->uri);
  souk__resource *x = calloc(1, sizeof *x);
  json_t *l = json_object();
  bool ok = x && l && (x->uri = strdup(r->uri)) && put_str(l, "uri", r->uri) &&
            put_str(l, "name", r->name) && put_str(l, "title", r->title) &&
            put_str(l, "description", r->description) && put_str(l, "mimeType", r->mime_type) &&
            (r->size <= 0 || json_object_set_new(l, "size", json_integer(r->size)) == 0) &&
            put(l, "annotations", r->annotations) && merge_extra(l, r->extra);
  if (!ok || souk__vec_push(&s->resources, x)) {
    json_decref(l);
    if (x)
      x->listing = NULL;
    resource_free(x);
    return souk_errinfo_set(e, SOUK_EINVAL, "resource '%s': out of memory or a string that is "
                            "not UTF-8", r->uri);
  }
  x->listing = l;
  x->read = r->read;
  x->data = r->data;
  souk__server_broadcast_changed(s, SOUK_MCP_CAP_RESOURCES, "notifications/resources/list_changed");
  return 0;
}

int souk_mcp_server_remove_resource(souk_mcp_server *s, const char *uri) {
  for (size_t i = 0; s && uri && i < s->resources.len; i++) {
    souk__resource *r = s->resources.items[i];
    if (strcmp(r->uri, uri) == 0) {
      souk__vec_remove(&s->resources, i);
      resource_free(r);
      souk__server_broadcast_changed(s, SOUK_MCP_CAP_RESOURCES,
                                     "notifications/resources/list_changed");
      return 0;
    }
  }
  return SOUK_ENOENT;
}

int souk_mcp_server_add_template(souk_mcp_server *s, const souk_mcp_resource_template *t,
                                 souk_errinfo *e) {
  char why[200];
  souk_errinfo_clear(e);
  if (!s || !t || !t->read || !t->name || !*t->name)
    return souk_errinfo_set(e, SOUK_EINVAL, "a resource template needs a name and a read handler");
  if (!uri_like(t->uri_template))
    return souk_errinfo_set(e, SOUK_EINVAL, "resource template '%s': '%s' is not an absolute URI",
                            t->name, t->uri_template ? t->uri_template : "");
  if (souk__uri_template_check(t->uri_template, why, sizeof why))
    return souk_errinfo_set(e, SOUK_EINVAL, "resource template '%s': %s", t->uri_template, why);
  if (souk__server_find_template(s, t->uri_template))
    return souk_errinfo_set(e, SOUK_EDUPLICATE, "resource template '%s' is already registered",
                            t->uri_template);
  if ((t->annotations && !json_is_object(t->annotations)) || (t->extra && !json_is_object(t->extra)))
    return souk_errinfo_set(e, SOUK_EINVAL, "resource template '%s': annotations and extra must "
                            "be objects", t->uri_template);
  souk__template *x = calloc(1, sizeof *x);
  json_t *l = json_object();
  bool ok = x && l && (x->uri_template = strdup(t->uri_template)) &&
            put_str(l, "uriTemplate", t->uri_template) && put_str(l, "name", t->name) &&
            put_str(l, "title", t->title) && put_str(l, "description", t->description) &&
            put_str(l, "mimeType", t->mime_type) && put(l, "annotations", t->annotations) &&
            merge_extra(l, t->extra);
  if (!ok || souk__vec_push(&s->templates, x)) {
    json_decref(l);
    if (x)
      x->listing = NULL;
    template_free(x);
    return souk_errinfo_set(e, SOUK_EINVAL, "resource template '%s': out of memory or a string "
                            "that is not UTF-8", t->uri_template);
  }
  x->listing = l;
  x->read = t->read;
  x->data = t->data;
  souk__server_broadcast_changed(s, SOUK_MCP_CAP_RESOURCES, "notifications/resources/list_changed");
  return 0;
}

int souk_mcp_server_remove_template(souk_mcp_server *s, const char *uri_template) {
  for (size_t i = 0; s && uri_template && i < s->templates.len; i++) {
    souk__template *t = s->templates.items[i];
    if (strcmp(t->uri_template, uri_template) == 0) {
      souk__vec_remove(&s->templates, i);
      template_free(t);
      souk__server_broadcast_changed(s, SOUK_MCP_CAP_RESOURCES,
                                     "notifications/resources/list_changed");
      return 0;
    }
  }
  return SOUK_ENOENT;
}

void souk_mcp_server_set_resource_lister(souk_mcp_server *s, souk_mcp_resource_lister_fn fn,
                                         void *data) {
  if (!s)
    return;
  s->lister = fn;
  s->lister_data = data;
}

void souk_mcp_server_resource_updated(souk_mcp_server *s, const char *uri) {
  if (!s || !uri)
    return;
  for (souk_mcp_session *x = s->sessions; x; x = x->next) {
    if (x->state != SOUK_MCP_SESSION_READY || !souk__session_subscribed(x, uri))
      continue;
    json_t *params = json_pack("{s:s}", "uri", uri);
    souk__session_send(x, souk_jsonrpc_notification("notifications/resources/updated", params),
                       SOUK_MCP_MSG_NOTIFICATION, NULL, NULL);
  }
}

void souk_mcp_server_resources_changed(souk_mcp_server *s) {
  if (s)
    souk__server_broadcast_changed(s, SOUK_MCP_CAP_RESOURCES,
                                   "notifications/resources/list_changed");
}

/* ---- prompts ---- */

int souk_mcp_server_add_prompt(souk_mcp_server *s, const souk_mcp_prompt *p, souk_errinfo *e) {
  souk_errinfo_clear(e);
  if (!s || !p || !p->get)
    return souk_errinfo_set(e, SOUK_EINVAL, "a prompt needs a get handler");
  if (!souk__name_valid(p->name))
    return souk_errinfo_set(e, SOUK_EINVAL, "prompt name '%s' must be 1-128 characters of "
                            "A-Z, a-z, 0-9, '_', '-' and '.'", p->name ? p->name : "");
  if (souk__server_find_prompt(s, p->name))
    return souk_errinfo_set(e, SOUK_EDUPLICATE, "a prompt named '%s' is already registered",
                            p->name);
  if (p->extra && !json_is_object(p->extra))
    return souk_errinfo_set(e, SOUK_EINVAL, "prompt '%s': extra must be an object", p->name);
  for (size_t i = 0; i < p->nargs; i++) {
    if (!p->args[i].name || !*p->args[i].name)
      return souk_errinfo_set(e, SOUK_EINVAL, "prompt '%s': argument %zu has no name", p->name, i);
    for (size_t j = 0; j < i; j++)
      if (strcmp(p->args[i].name, p->args[j].name) == 0)
        return souk_errinfo_set(e, SOUK_EDUPLICATE, "prompt '%s': argument '%s' appears twice",
                                p->name, p->args[i].name);
  }
  souk__prompt *x = calloc(1, sizeof *x);
  json_t *l = json_object();
  json_t *args = json_array();
  bool ok = x && l && args && (x->name = strdup(p->name)) && put_str(l, "name", p->name) &&
            put_str(l, "title", p->title) && put_str(l, "description", p->description);
  if (ok && p->nargs) {
    x->args = calloc(p->nargs, sizeof *x->args);
    ok = x->args != NULL;
    for (size_t i = 0; ok && i < p->nargs; i++) {
      const souk_mcp_prompt_arg *a = &p->args[i];
      x->nargs = i + 1;
      x->args[i].required = a->required;
      json_t *ja = json_object();
      ok = ja && (x->args[i].name = strdup(a->name)) &&
           (!a->title || (x->args[i].title = strdup(a->title))) &&
           (!a->description || (x->args[i].description = strdup(a->description))) &&
           put_str(ja, "name", a->name) && put_str(ja, "title", a->title) &&
           put_str(ja, "description", a->description) &&
           json_object_set_new(ja, "required", json_boolean(a->required)) == 0 &&
           json_array_append(args, ja) == 0;
      json_decref(ja);
    }
    ok = ok && json_object_set(l, "arguments", args) == 0;
  }
  ok = ok && merge_extra(l, p->extra);
  json_decref(args);
  if (!ok || souk__vec_push(&s->prompts, x)) {
    json_decref(l);
    if (x)
      x->listing = NULL;
    prompt_free(x);
    return souk_errinfo_set(e, SOUK_EINVAL, "prompt '%s': out of memory or a string that is not "
                            "UTF-8", p->name);
  }
  x->listing = l;
  x->get = p->get;
  x->data = p->data;
  souk__server_broadcast_changed(s, SOUK_MCP_CAP_PROMPTS, "notifications/prompts/list_changed");
  return 0;
}

int souk_mcp_server_remove_prompt(souk_mcp_server *s, const char *name) {
  for (size_t i = 0; s && name && i < s->prompts.len; i++) {
    souk__prompt *p = s->prompts.items[i];
    if (strcmp(p->name, name) == 0) {
      souk__vec_remove(&s->prompts, i);
      prompt_free(p);
      souk__server_broadcast_changed(s, SOUK_MCP_CAP_PROMPTS, "notifications/prompts/list_changed");
      return 0;
    }
  }
  return SOUK_ENOENT;
}

void souk_mcp_server_set_completion(souk_mcp_server *s, souk_mcp_complete_fn fn, void *data) {
  if (!s)
    return;
  s->complete = fn;
  s->complete_data = data;
}

void souk_mcp_server_log(souk_mcp_server *s, souk_mcp_log_level level, const char *logger,
                         json_t *data_new) {
  if (!s) {
    json_decref(data_new);
    return;
  }
  for (souk_mcp_session *x = s->sessions; x; x = x->next)
    souk_mcp_session_log(x, level, logger, json_incref(data_new));
  json_decref(data_new);
}
