/* SPDX-License-Identifier: MIT */
/* A session whose transport records every outgoing message, for the protocol unit tests:
 * send a line with h_recv(), read what came back with h_next() and the h_expect_* helpers. */
#ifndef SOUK_TEST_PROTOCOL_HARNESS_H
#define SOUK_TEST_PROTOCOL_HARNESS_H

#include "check.h"
#include "souk/mcp.h"

typedef struct harness {
  uv_loop_t loop;
  souk_mcp_server *server;
  souk_mcp_session *session;
  json_t *out;        /* every message sent, parsed, in order */
  json_t *meta;       /* for each: {"kind": n, "related": id or null, "origin": n} */
  size_t next;        /* what h_next() returns next */
  int done;           /* transport.done calls */
  void *done_origin;  /* origin of the last one */
  int idle;           /* transport.idle calls */
  int fail_send;      /* >0: the next sends fail with SOUK_EIO */
} harness;

/* A loop, the server (taken over) and a session. */
void h_start(harness *h, souk_mcp_server *server);
/* Feeds one message; returns souk_mcp_session_receive_from's result. */
int h_recv(harness *h, const char *json);
int h_recv_from(harness *h, const char *json, void *origin);
int h_recvf(harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next message sent (borrowed), or NULL when none is waiting. */
json_t *h_next(harness *h);
/* Messages sent and not yet read. */
size_t h_pending(const harness *h);
/* The meta record of the message h_next() returned last. */
const json_t *h_meta_last(const harness *h);
/* Next message must answer `id` with a result; returns the result (borrowed). */
json_t *h_expect_result(harness *h, json_int_t id);
/* Next message must answer `id` with an error; returns its code; message in *msg if given. */
int h_expect_error(harness *h, json_int_t id, const char **msg);
/* Next message must be the notification `method`; returns its params (borrowed). */
json_t *h_expect_notification(harness *h, const char *method);
/* initialize (id 0) with the version and client capabilities (JSON), then initialized. */
void h_initialize(harness *h, const char *version, const char *client_caps);
/* Runs the loop until nothing is left to do, or once without blocking. */
void h_run(harness *h);
void h_run_once(harness *h);
/* Frees session and server, runs the loop, checks that uv_loop_close succeeds. */
void h_finish(harness *h);

/* A text item of a tools/call result: result.content[0].text. */
const char *h_text(const json_t *result);

#endif /* SOUK_TEST_PROTOCOL_HARNESS_H */
