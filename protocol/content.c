/* SPDX-License-Identifier: MIT */
/* Content items, resource contents and tool results as MCP spells them, and base64. */
#include "souk/mcp_content.h"

#include <stdlib.h>
#include <string.h>

char *souk_base64_encode(const void *bytes, size_t len, size_t *out_len) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *in = bytes;
  size_t n = 4 * ((len + 2) / 3);
  char *out = malloc(n + 1);
  if (!out)
    return NULL;
  size_t j = 0, i = 0;
  for (; i + 2 < len; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
    out[j++] = tab[v >> 18 & 63];
    out[j++] = tab[v >> 12 & 63];
    out[j++] = tab[v >> 6 & 63];
    out[j++] = tab[v & 63];
  }
  if (i < len) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
    out[j++] = tab[v >> 18 & 63];
    out[j++] = tab[v >> 12 & 63];
    out[j++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
    out[j++] = '=';
  }
  out[j] = 0;
  if (out_len)
    *out_len = j;
  return out;
}

/* Sets key to a string when s is given; false when s is not UTF-8 or out of memory. */
static bool set_str(json_t *o, const char *key, const char *s) {
  if (!s)
    return true;
  json_t *v = json_string(s);
  return v && json_object_set_new(o, key, v) == 0;
}

static json_t *finish(json_t *o, bool ok) {
  if (!ok) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *souk_mcp_text_item(const char *text) {
  json_t *o = json_object();
  return finish(o, o && text && set_str(o, "type", "text") && set_str(o, "text", text));
}

static json_t *binary_item(const char *type, const void *bytes, size_t len, const char *mime) {
  json_t *o = json_object();
  char *b64 = souk_base64_encode(bytes, len, NULL);
  bool ok = o && b64 && mime && set_str(o, "type", type) && set_str(o, "data", b64) &&
            set_str(o, "mimeType", mime);
  free(b64);
  return finish(o, ok);
}

json_t *souk_mcp_image_item(const void *bytes, size_t len, const char *mime_type) {
  return binary_item("image", bytes, len, mime_type);
}

json_t *souk_mcp_audio_item(const void *bytes, size_t len, const char *mime_type) {
  return binary_item("audio", bytes, len, mime_type);
}

json_t *souk_mcp_resource_link_item(const char *uri, const char *name, const char *mime_type,
                                    const char *description) {
  json_t *o = json_object();
  return finish(o, o && uri && name && set_str(o, "type", "resource_link") &&
                       set_str(o, "uri", uri) && set_str(o, "name", name) &&
                       set_str(o, "mimeType", mime_type) &&
                       set_str(o, "description", description));
}

json_t *souk_mcp_embedded_item(json_t *contents_new) {
  json_t *o = json_object();
  bool ok = o && contents_new && set_str(o, "type", "resource") &&
            json_object_set(o, "resource", contents_new) == 0;
  json_decref(contents_new);
  return finish(o, ok);
}

json_t *souk_mcp_text_contents(const char *uri, const char *mime_type, const char *text) {
  json_t *o = json_object();
  return finish(o, o && uri && text && set_str(o, "uri", uri) &&
                       set_str(o, "mimeType", mime_type) && set_str(o, "text", text));
}

json_t *souk_mcp_blob_contents(const char *uri, const char *mime_type, const void *bytes,
                               size_t len) {
  json_t *o = json_object();
  char *b64 = souk_base64_encode(bytes, len, NULL);
  bool ok = o && uri && b64 && set_str(o, "uri", uri) && set_str(o, "mimeType", mime_type) &&
            set_str(o, "blob", b64);
  free(b64);
  return finish(o, ok);
}

json_t *souk_mcp_tool_result(json_t *content_new, json_t *structured_new, bool is_error) {
  json_t *o = json_object();
  json_t *content = content_new ? content_new : json_array();
  bool ok = o && json_is_array(content) && json_object_set(o, "content", content) == 0 &&
            (!structured_new || json_object_set(o, "structuredContent", structured_new) == 0) &&
            (!is_error || json_object_set_new(o, "isError", json_true()) == 0);
  json_decref(content);
  json_decref(structured_new);
  return finish(o, ok);
}

json_t *souk_mcp_prompt_message(const char *role, json_t *item_new) {
  json_t *o = json_object();
  bool ok = o && item_new && role && set_str(o, "role", role) &&
            json_object_set(o, "content", item_new) == 0;
  json_decref(item_new);
  return finish(o, ok);
}
