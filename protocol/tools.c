/* SPDX-License-Identifier: MIT */
/* tools/list and tools/call: paging through the registry, checking arguments against
 * inputSchema (a failure is a tool result the model can act on), running the handler and
 * checking what it returns against outputSchema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mcp_private.h"
#include "souk/mcp_content.h"
#include "souk/mcp_schema.h"

void souk__m_tools_list(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  json_t *all = json_array();
  for (size_t i = 0; all && i < srv->tools.len; i++)
    json_array_append(all, ((souk__tool *)srv->tools.items[i])->listing);
  bool bad = false;
  json_t *page = all ? souk__paginate(all, "tools", c->params, srv->page_size, &bad) : NULL;
  json_decref(all);
  if (bad) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL, "Invalid params: unknown cursor");
    return;
  }
  souk_mcp_call_finish(c, page);
}

void souk__m_tools_call(souk_mcp_call *c) {
  souk_mcp_server *srv = c->session->server;
  const json_t *name = json_object_get(c->params, "name");
  if (!json_is_string(name)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: tools/call needs the tool's \"name\" (a string)");
    return;
  }
  c->name = json_string_value(name);
  souk__tool *t = souk__server_find_tool(srv, c->name);
  if (!t) {
    json_t *data = json_pack("{s:s}", "name", c->name);
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, data, "Unknown tool: %s", c->name);
    return;
  }
  const json_t *args = json_object_get(c->params, "arguments");
  if (args && !json_is_object(args) && !json_is_null(args)) {
    souk_mcp_call_fail(c, SOUK_JSONRPC_INVALID_PARAMS, NULL,
                       "Invalid params: \"arguments\" of tool '%s' must be an object", c->name);
    return;
  }
  c->kind = SOUK__CALL_TOOL;
  c->args = json_is_object(args) ? json_incref((json_t *)args) : json_object();
  c->output_schema = json_incref(t->output_schema);
  if (!c->args) {
    souk_mcp_call_finish(c, NULL);
    return;
  }
  if (t->input_schema) {
    char why[1500];
    if (souk_mcp_schema_validate(t->input_schema, c->args, "argument", why, sizeof why)) {
      SOUK_DEBUG(MCP, "tool %s: invalid arguments: %s", c->name, why);
      souk_mcp_call_tool_error(c, "Invalid arguments for tool '%s': %s. Fix the arguments to "
                               "match the tool's inputSchema and call it again.", c->name, why);
      return;
    }
  }
  t->handler(c, c->args, t->data);
}

int souk__tools_check_result(souk_mcp_call *c, json_t *r, char *why, size_t whylen) {
  json_t *content = json_object_get(r, "content");
  json_t *structured = json_object_get(r, "structuredContent");
  bool is_error = json_is_true(json_object_get(r, "isError"));
  if (content && !json_is_array(content)) {
    snprintf(why, whylen, "tool '%s' returned a \"content\" that is not an array", c->name);
    return SOUK_EINVAL;
  }
  if (structured && !json_is_object(structured)) {
    snprintf(why, whylen, "tool '%s' returned a structuredContent that is not an object", c->name);
    return SOUK_EINVAL;
  }
  size_t i;
  json_t *item;
  json_array_foreach(content, i, item) {
    const char *type = json_string_value(json_object_get(item, "type"));
    if (!type) {
      snprintf(why, whylen, "tool '%s': content[%zu] has no \"type\"", c->name, i);
      return SOUK_EINVAL;
    }
  }
  if (c->output_schema && !is_error) {
    if (!structured) {
      snprintf(why, whylen, "tool '%s' has an outputSchema but returned no structuredContent",
               c->name);
      return SOUK_EINVAL;
    }
    char msg[300];
    if (souk_mcp_schema_validate(c->output_schema, structured, "field", msg, sizeof msg)) {
      snprintf(why, whylen, "tool '%s' returned structuredContent that does not match its "
               "outputSchema: %s", c->name, msg);
      return SOUK_EINVAL;
    }
  }
  if (!content || (json_array_size(content) == 0 && structured)) {
    json_t *arr = json_array();
    if (!arr) {
      snprintf(why, whylen, "out of memory");
      return SOUK_ENOMEM;
    }
    if (structured) { /* the same JSON as text, for clients that do not read structuredContent */
      char *text = json_dumps(structured, JSON_COMPACT);
      json_t *t = text ? souk_mcp_text_item(text) : NULL;
      free(text);
      if (!t) {
        json_decref(arr);
        snprintf(why, whylen, "out of memory");
        return SOUK_ENOMEM;
      }
      json_array_append_new(arr, t);
    }
    json_object_set_new(r, "content", arr);
  }
  return 0;
}
