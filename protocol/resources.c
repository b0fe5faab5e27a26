/* SPDX-License-Identifier: MIT */
/* resources/list, resources/templates/list, resources/read and (un)subscribe: finding the
 * resource or template behind a URI, or answering -32002 when there is none. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mcp_private.h"

void souk__m_resources_list(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  json_t *all = json_array();
  for (size_t i = 0; all && i < srv->resources.len; i++)
    json_array_append(all, ((souk__resource *)srv->resources.items[i])->listing);
  if (all && srv->lister) {
    int rc = srv->lister(srv->lister_data, all);
    if (rc) {
      json_decref(all);
      souk_mcp_call_fail(c, SOUK_JSONRPC_INTERNAL_ERROR, NULL,
                         "Internal error: listing resources failed: %s", souk_strerror(rc));
      return;
    }
  }
  bool bad = false;
  json_t *page = all ? souk__paginate(all, "resources", c->params, srv->page_size, &bad) : NULL;
  json_decref(all);
  if (bad) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL, "Invalid params: unknown cursor");
    return;
  }
  souk_mcp_call_finish(c, page);
}

void souk__m_resources_templates_list(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  json_t *all = json_array();
  for (size_t i = 0; all && i < srv->templates.len; i++)
    json_array_append(all, ((souk__template *)srv->templates.items[i])->listing);
  bool bad = false;
  json_t *page =
      all ? souk__paginate(all, "resourceTemplates", c->params, srv->page_size, &bad) : NULL;
  json_decref(all);
  if (bad) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL, "Invalid params: unknown cursor");
    return;
  }
  souk_mcp_call_finish(c, page);
}

/* The handler for `uri`: a registered resource, else the first template that matches (its
 * variables in *vars). Returns false when nothing serves the URI. */
static bool lookup(souk_mcp_server *srv, const char *uri, souk_mcp_handler_fn *fn, void **data,
                   json_t **vars, bool *oom) {
  *vars = NULL;
  *oom = false;
  souk__resource *r = souk__server_find_resource(srv, uri);
  if (r) {
    *fn = r->read;
    *data = r->data;
    *vars = json_object();
    *oom = *vars == NULL;
    return true;
  }
  for (size_t i = 0; i < srv->templates.len; i++) {
    souk__template *t = srv->templates.items[i];
    int m = souk__uri_template_match(t->uri_template, uri, vars);
    if (m < 0) {
      *oom = true;
      return true;
    }
    if (m == 1) {
      *fn = t->read;
      *data = t->data;
      return true;
    }
  }
  return false;
}

static const char *need_uri(souk_mcp_call *c) {
  const json_t *uri = json_object_get(c->params, "uri");
  if (!json_is_string(uri) || json_string_length(uri) == 0) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: %s needs a \"uri\" (a non-empty string)", c->method);
    return NULL;
  }
  return json_string_value(uri);
}

static void not_found(souk_mcp_call *c, const char *uri) {
  souk_mcp_call_fail(c, SOUK_MCP_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", uri),
                     "Resource not found: %s", uri);
}

void souk__m_resources_read(souk_mcp_call *c) {
  const char *uri = need_uri(c);
  if (!uri)
    return;
  souk_mcp_handler_fn fn = NULL;
  void *data = NULL;
  json_t *vars = NULL;
  bool oom;
  if (!lookup(c->session->server, uri, &fn, &data, &vars, &oom)) {
    not_found(c, uri);
    return;
  }
  if (oom) {
    souk_mcp_call_finish(c, NULL);
    return;
  }
  c->uri = uri;
  c->kind = SOUK__CALL_RESOURCE;
  c->args = vars;
  fn(c, vars, data);
}

void souk__m_resources_subscribe(souk_mcp_call *c) {
  souk_mcp_session *s = c->session;
  const char *uri = need_uri(c);
  if (!uri)
    return;
  souk_mcp_handler_fn fn;
  void *data;
  json_t *vars = NULL;
  bool oom;
  bool found = lookup(s->server, uri, &fn, &data, &vars, &oom);
  json_decref(vars);
  if (!found) {
    not_found(c, uri);
    return;
  }
  if (!souk__session_subscribed(s, uri)) {
    if (s->nsubs >= s->server->max_subscriptions) {
      souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                         "Invalid params: this session already has %zu subscriptions, the limit; "
                         "unsubscribe from some first", s->nsubs);
      return;
    }
    if (s->nsubs == s->subs_cap) {
      size_t cap = s->subs_cap ? s->subs_cap * 2 : 8;
      char **subs = realloc(s->subs, cap * sizeof *subs);
      if (!subs) {
        souk_mcp_call_finish(c, NULL);
        return;
      }
      s->subs = subs;
      s->subs_cap = cap;
    }
    char *copy = strdup(uri);
    if (!copy) {
      souk_mcp_call_finish(c, NULL);
      return;
    }
    s->subs[s->nsubs++] = copy;
    SOUK_DEBUG(MCP, "session %s subscribed to %s", s->id, uri);
  }
  souk_mcp_call_finish(c, json_object());
}

void souk__m_resources_unsubscribe(souk_mcp_call *c) {
  souk_mcp_session *s = c->session;
  const char *uri = need_uri(c);
  if (!uri)
    return;
  for (size_t i = 0; i < s->nsubs; i++)
    if (strcmp(s->subs[i], uri) == 0) {
      free(s->subs[i]);
      s->subs[i] = s->subs[--s->nsubs];
      break;
    }
  souk_mcp_call_finish(c, json_object());
}
