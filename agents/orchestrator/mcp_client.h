/* SPDX-License-Identifier: MIT */
/* An in-process MCP client: a session on a souk_mcp_server whose transport is this file, so
 * that the orchestrator calls tools exactly as an outside client would (initialize,
 * tools/list, tools/call with argument validation and result checks done by the server).
 *
 * The session may answer inside the call that sent a request; answers are therefore queued and
 * delivered from the loop a moment later, never from inside a send. Loop thread only.
 */
#ifndef SOUK_ORCHESTRATOR_MCP_CLIENT_H
#define SOUK_ORCHESTRATOR_MCP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "core/errinfo.h"
#include "souk/mcp.h"

typedef struct souk__mcpc souk__mcpc;

/* The answer to one request: status 0 and the result, SOUK_EIO and the error's message
 * (`error`), or SOUK_ECANCELED (cancelled, or the client was freed). Borrowed for the call. */
typedef void (*souk__mcpc_cb)(void *ud, int status, const json_t *result, const char *error);
/* notifications/progress of a request sent with progress wanted. */
typedef void (*souk__mcpc_progress_cb)(void *ud, double progress, double total,
                                       const char *message);

/* NULL with e filled when the session cannot be made. */
souk__mcpc *souk__mcpc_new(uv_loop_t *loop, souk_mcp_server *srv, souk_errinfo *e);

/* Frees the client (from anywhere, its own callbacks included). Requests still pending get
 * their callback now, with SOUK_ECANCELED. The memory goes once the loop has closed the
 * client's timer: keep running the loop. */
void souk__mcpc_free(souk__mcpc *c);

/* Sends a request. Returns its id (> 0) and runs cb exactly once later; or a negative
 * SOUK_E* code (cb never runs). */
int64_t souk__mcpc_request(souk__mcpc *c, const char *method, json_t *params_new,
                           souk__mcpc_cb cb, souk__mcpc_progress_cb progress, void *ud);
/* Sends a notification. 0 or SOUK_E*. */
int souk__mcpc_notify(souk__mcpc *c, const char *method, json_t *params_new);
/* Cancels a pending request: notifications/cancelled goes to the server and the callback runs
 * soon with SOUK_ECANCELED. Unknown ids are ignored. */
void souk__mcpc_cancel(souk__mcpc *c, int64_t id, const char *reason);

#endif /* SOUK_ORCHESTRATOR_MCP_CLIENT_H */
