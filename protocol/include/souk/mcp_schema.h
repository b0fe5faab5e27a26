/* SPDX-License-Identifier: MIT */
/* Checking JSON values against the JSON Schema subset MCP tools use for inputSchema and
 * outputSchema, with messages a model can act on.
 *
 * Understood keywords: type (a name or a list; "integer" accepts 3.0), enum, const, properties,
 * required, additionalProperties (false or a schema), minProperties/maxProperties, items
 * (one schema), minItems/maxItems, uniqueItems, minimum/maximum, exclusiveMinimum/
 * exclusiveMaximum (numbers), multipleOf, minLength/maxLength (in characters), allOf, anyOf,
 * oneOf, not, and local $ref ("#/$defs/x", "#/definitions/x", "#"). Annotations (title,
 * description, default, examples, format, $schema, $id, $comment) are ignored; so is
 * `pattern` (ECMA-262 regular expressions are not POSIX ones): the tool must check it itself.
 */
#ifndef SOUK_MCP_SCHEMA_H
#define SOUK_MCP_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Checks that `schema` is something the validator can use: an object (or true/false) whose
 * keywords above have values of the right types, types it knows, and $refs that resolve.
 * Returns 0, or SOUK_EINVAL with a sentence in msg ("properties.k.minimum must be a number"). */
int souk_mcp_schema_check(const json_t *schema, char *msg, size_t msglen);

/* Checks `value` against `schema`. Returns 0, or SOUK_EINVAL with every problem found (up to
 * what fits in msg), separated by "; ", each naming where it is:
 *   "argument 'k' must be an integer, got string \"ten\"; missing required argument 'url'".
 * `what` names the root in messages: "argument" for tool arguments ('a.b[2]' paths),
 * NULL for "value". A schema the validator cannot use gives SOUK_EINVAL saying so. */
int souk_mcp_schema_validate(const json_t *schema, const json_t *value, const char *what,
                             char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_MCP_SCHEMA_H */
