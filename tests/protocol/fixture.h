/* SPDX-License-Identifier: MIT */
/* The MCP server the protocol tests talk to: a few tools, resources, a template, a prompt and a
 * completion provider, registered on a server of the test's options.
 *
 * Tools: echo (text, repeat 1-5, upper), add (a, b -> structuredContent {sum}), slow (steps,
 * progress, cancellable, on the loop), bad_output (breaks its outputSchema), ask (sampling),
 * confirm (elicitation), chatty (logs at every level). Resources: test://static-text,
 * test://static-binary; template test://items/{id} (id "missing" answers -32002). Prompt
 * greet (name required, style optional). Completion: greet.style and items' id.
 */
#ifndef SOUK_TEST_PROTOCOL_FIXTURE_H
#define SOUK_TEST_PROTOCOL_FIXTURE_H

#include "souk/mcp.h"

/* Registers everything on a new server; exits the test on failure. `loop` runs slow's timers. */
souk_mcp_server *fixture_server_new(uv_loop_t *loop, const souk_mcp_server_options *o);

/* How many slow calls saw their cancel callback (for the cancellation tests). */
extern int fixture_slow_cancelled;

#endif /* SOUK_TEST_PROTOCOL_FIXTURE_H */
