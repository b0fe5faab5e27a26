/* SPDX-License-Identifier: MIT */
/* The MCP lifecycle and utilities: initialize (version negotiation, capabilities, serverInfo,
 * instructions), ping, and logging/setLevel with the level names. */
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "mcp_private.h"

static const char *const level_names[] = {"debug", "info", "notice", "warning",
                                          "error", "critical", "alert", "emergency"};

const char *souk_mcp_log_level_name(souk_mcp_log_level level) {
  if ((unsigned)level < sizeof level_names / sizeof *level_names)
    return level_names[level];
  return "debug";
}

int souk_mcp_log_level_parse(const char *name) {
  for (size_t i = 0; name && i < sizeof level_names / sizeof *level_names; i++)
    if (strcmp(level_names[i], name) == 0)
      return (int)i;
  return -1;
}

static json_t *capabilities_json(unsigned caps, const char *version) {
  json_t *c = json_object();
  if (!c)
    return NULL;
  if (caps & SOUK_MCP_CAP_TOOLS)
    json_object_set_new(c, "tools", json_pack("{s:b}", "listChanged", 1));
  if (caps & SOUK_MCP_CAP_RESOURCES)
    json_object_set_new(c, "resources", json_pack("{s:b,s:b}", "subscribe", 1, "listChanged", 1));
  if (caps & SOUK_MCP_CAP_PROMPTS)
    json_object_set_new(c, "prompts", json_pack("{s:b}", "listChanged", 1));
  if (caps & SOUK_MCP_CAP_LOGGING)
    json_object_set_new(c, "logging", json_object());
  /* The completions capability exists since 2025-03-26; 2024-11-05 had the method alone. */
  if ((caps & SOUK_MCP_CAP_COMPLETIONS) && strcmp(version, "2024-11-05") != 0)
    json_object_set_new(c, "completions", json_object());
  return c;
}

void souk__m_initialize(souk_mcp_call *c) {
  souk_mcp_session *s = c->session;
  souk_mcp_server *srv = s->server;
  if (s->state != SOUK_MCP_SESSION_NEW) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_REQUEST, NULL,
                       "Invalid Request: initialize was already received in this session");
    return;
  }
  const json_t *pv = json_object_get(c->params, "protocolVersion");
  const json_t *caps = json_object_get(c->params, "capabilities");
  const json_t *info = json_object_get(c->params, "clientInfo");
  if (!json_is_string(pv)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: initialize needs a string \"protocolVersion\"");
    return;
  }
  if (!json_is_object(caps)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: initialize needs a \"capabilities\" object");
    return;
  }
  if (!json_is_object(info) || !json_is_string(json_object_get(info, "name"))) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: initialize needs a \"clientInfo\" object with a name");
    return;
  }
  const char *requested = json_string_value(pv);
  const char *version = souk_mcp_version_negotiate(requested);
  unsigned scaps = souk__server_capabilities(srv);

  json_t *r = json_object();
  json_t *sinfo = json_object();
  json_t *cj = capabilities_json(scaps, version);
  if (!r || !sinfo || !cj) {
    json_decref(r);
    json_decref(sinfo);
    json_decref(cj);
    souk_mcp_call_finish(c, NULL);
    return;
  }
  json_object_set_new(sinfo, "name", json_string(srv->name));
  json_object_set_new(sinfo, "version", json_string(srv->version));
  if (srv->title)
    json_object_set_new(sinfo, "title", json_string(srv->title));
  json_object_set_new(r, "protocolVersion", json_string(version));
  json_object_set_new(r, "capabilities", cj);
  json_object_set_new(r, "serverInfo", sinfo);
  if (srv->instructions)
    json_object_set_new(r, "instructions", json_string(srv->instructions));

  s->version = version;
  s->caps = scaps;
  s->client_caps = json_deep_copy(caps);
  s->client_info = json_deep_copy(info);
  s->state = SOUK_MCP_SESSION_INITIALIZING;
  const char *cname = json_string_value(json_object_get(info, "name"));
  const char *cver = json_string_value(json_object_get(info, "version"));
  if (strcmp(version, requested) != 0)
    SOUK_INFO(MCP, "session %s: client %s %s asked for protocol %s; offering %s", s->id, cname,
              cver ? cver : "", requested, version);
  else
    SOUK_INFO(MCP, "session %s: client %s %s, protocol %s", s->id, cname, cver ? cver : "",
              version);
  souk_mcp_call_finish(c, r);
}

void souk__m_ping(souk_mcp_call *c) {
  souk_mcp_call_finish(c, json_object());
}

void souk__m_logging_set_level(souk_mcp_call *c) {
  const json_t *level = json_object_get(c->params, "level");
  int lv = souk_mcp_log_level_parse(json_string_value(level));
  if (lv < 0) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                       "error, critical, alert, emergency");
    return;
  }
  c->session->level = (souk_mcp_log_level)lv;
  souk_mcp_call_finish(c, json_object());
}
