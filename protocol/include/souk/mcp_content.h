/* SPDX-License-Identifier: MIT */
/* Builders for the JSON that MCP results carry: content items of tool results and prompt
 * messages, resource contents, and base64 for binary data.
 *
 * Each returns a new reference, or NULL when out of memory or when a string is not UTF-8.
 * Optional arguments may be NULL and are then left out.
 */
#ifndef SOUK_MCP_CONTENT_H
#define SOUK_MCP_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* {"type": "text", "text": ...} */
json_t *souk_mcp_text_item(const char *text);
/* {"type": "image" | "audio", "data": base64(bytes), "mimeType": ...} */
json_t *souk_mcp_image_item(const void *bytes, size_t len, const char *mime_type);
json_t *souk_mcp_audio_item(const void *bytes, size_t len, const char *mime_type);
/* {"type": "resource_link", "uri", "name", "mimeType"?, "description"?} */
json_t *souk_mcp_resource_link_item(const char *uri, const char *name, const char *mime_type,
                                    const char *description);
/* {"type": "resource", "resource": contents} with text or blob contents (below). */
json_t *souk_mcp_embedded_item(json_t *contents_new);

/* Resource contents: {"uri", "mimeType"?, "text"} and {"uri", "mimeType"?, "blob": base64}. */
json_t *souk_mcp_text_contents(const char *uri, const char *mime_type, const char *text);
json_t *souk_mcp_blob_contents(const char *uri, const char *mime_type, const void *bytes,
                               size_t len);

/* A tools/call result: {"content": content_new (an array; NULL: []), "structuredContent"?,
 * "isError"?: true}. */
json_t *souk_mcp_tool_result(json_t *content_new, json_t *structured_new, bool is_error);

/* A prompt message: {"role": "user" | "assistant", "content": item_new}. */
json_t *souk_mcp_prompt_message(const char *role, json_t *item_new);

/* RFC 4648 base64 with padding. Returns a malloc'ed NUL-terminated string (free()), length in
 * *out_len if given; NULL when out of memory. */
char *souk_base64_encode(const void *bytes, size_t len, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_MCP_CONTENT_H */
