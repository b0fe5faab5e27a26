/* SPDX-License-Identifier: MIT */
/* MCP over WebSocket: where a WebSocket message (one or more frames, reassembled under the size
 * limit) becomes a session message, and where the session's messages leave as text frames,
 * one per message, in order. One session per connection; rate limiting pauses reading. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net_private.h"

#define OUT_LIMIT_MIN ((size_t)16 * 1024 * 1024)
/* A quiet connection is pinged, and closed when even the ping gets no answer. */
#define PING_AFTER_MS 30000
#define CLOSE_AFTER_MS 75000

struct souk__ws_conn {
  souk_mcp_net *net;
  struct lws *wsi;
  souk__pss *pss;
  souk__net_session *ns;
  souk_buf in;          /* the message being reassembled */
  souk__outq held;      /* whole messages waiting for the rate limit */
  size_t msg_len;       /* its bytes so far, also while discarding */
  uint64_t last_rx;     /* uv_now() of the last frame (messages, pongs) */
  bool in_message, discarding, paused, closing, ping_due;
  souk__outq out;
};

static size_t out_limit(const souk_mcp_net *n) {
  size_t l = 4 * n->max_message;
  return l < OUT_LIMIT_MIN ? OUT_LIMIT_MIN : l;
}

void souk__ws_conn_session_ended(souk__ws_conn *c) {
  c->ns = NULL;
  c->closing = true;
  if (c->wsi)
    lws_callback_on_writable(c->wsi);
}

int souk__ws_send(void *data, const souk_mcp_message *m) {
  souk__net_session *ns = data;
  souk__ws_conn *c = ns->ws;
  if (!c || c->closing)
    return SOUK_ESTATE;
  souk_mcp_net *n = c->net;
  if (c->out.bytes > out_limit(n)) {
    SOUK_WARN(WS, "session %s: the client does not read (%zu bytes waiting); closing the "
              "connection", souk_mcp_session_id(ns->session), c->out.bytes);
    c->closing = true;
    lws_callback_on_writable(c->wsi);
    return SOUK_ETOOBIG;
  }
  souk__net_out *o = souk__net_out_new(m->len);
  if (!o)
    return SOUK_ENOMEM;
  memcpy(o->buf + LWS_PRE, m->json, m->len);
  o->text_frame = true;
  n->stats.messages_out++;
  n->stats.bytes_out += m->len;
  if (!c->out.head && !lws_partial_buffered(c->wsi)) {
    /* Nothing waits: write now rather than wait a loop turn for POLLOUT (lws keeps what the
     * socket does not take and sends it before anything else). */
    int w = lws_write(c->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    free(o);
    if (w < 0) {
      c->closing = true;
      lws_callback_on_writable(c->wsi);
      return SOUK_EIO;
    }
    if (lws_partial_buffered(c->wsi))
      lws_callback_on_writable(c->wsi);
    return 0;
  }
  souk__outq_push(&c->out, o);
  lws_callback_on_writable(c->wsi);
  return 0;
}

/* Hands one whole message to the session. */
static void process(souk__ws_conn *c, const char *data, size_t len, bool too_big) {
  souk_mcp_net *n = c->net;
  souk__net_session *ns = c->ns;
  if (!ns)
    return;
  n->stats.messages_in++;
  if (too_big) {
    n->stats.refused_size++;
    SOUK_DEBUG(WS, "session %s: dropped a message of %zu bytes or more",
               souk_mcp_session_id(ns->session), len);
    souk_mcp_session_receive_error(ns->session, SOUK_ETOOBIG, len, NULL);
  } else {
    n->stats.bytes_in += len;
    souk_mcp_session_receive_from(ns->session, data, len, NULL);
  }
}

/* Over the rate, messages wait here (reading is paused meanwhile, so only what lws had read
 * already can arrive) and are handed over as the bucket refills. */
static void hold(souk__ws_conn *c, const char *data, size_t len, bool too_big) {
  souk__net_out *o = souk__net_out_new(too_big ? 0 : len);
  if (!o) {
    process(c, data, len, too_big); /* out of memory: serve it rather than lose it */
    return;
  }
  if (!too_big)
    memcpy(o->buf + LWS_PRE, data, len);
  o->too_big = too_big;
  o->size = len;
  souk__outq_push(&c->held, o);
}

static void pause_for(souk__ws_conn *c, uint64_t wait_ms) {
  if (!c->paused) {
    c->paused = true;
    c->net->stats.refused_rate++;
    lws_rx_flow_control(c->wsi, 0);
  }
  lws_set_timer_usecs(c->wsi, (lws_usec_t)wait_ms * 1000);
}

static void deliver(souk__ws_conn *c) {
  souk_mcp_net *n = c->net;
  size_t len = c->msg_len;
  bool too_big = c->discarding;
  c->in_message = c->discarding = false;
  c->msg_len = 0;
  const char *data = c->in.data ? c->in.data : "";
  if (c->ns) {
    uint64_t wait = c->paused ? 1 : souk__bucket_take(&c->ns->bucket, souk__net_now(n));
    if (wait) {
      hold(c, data, too_big ? len : c->in.len, too_big);
      if (!c->paused)
        pause_for(c, wait);
    } else {
      process(c, data, too_big ? len : c->in.len, too_big);
    }
  }
  souk_buf_reset(&c->in);
  if (c->in.cap > 65536) { /* give back the memory of a large message */
    souk_buf_free(&c->in);
    souk_buf_init(&c->in, n->max_message);
  }
}

static void arm_keepalive(souk__ws_conn *c);

/* The timer of a paused connection: serve held messages as tokens allow, then read again. */
static void resume(souk__ws_conn *c) {
  while (c->held.head && c->ns) {
    uint64_t wait = souk__bucket_take(&c->ns->bucket, souk__net_now(c->net));
    if (wait) {
      lws_set_timer_usecs(c->wsi, (lws_usec_t)wait * 1000);
      return;
    }
    souk__net_out *o = souk__outq_pop(&c->held);
    process(c, (const char *)o->buf + LWS_PRE, o->size, o->too_big);
    free(o);
  }
  c->paused = false;
  lws_rx_flow_control(c->wsi, 1);
  arm_keepalive(c);
}

/* The connection's one lws timer: resumes reading after a rate-limit pause, else checks
 * liveness. */
static void arm_keepalive(souk__ws_conn *c) {
  lws_set_timer_usecs(c->wsi, (lws_usec_t)PING_AFTER_MS * 1000);
}

static int on_timer(souk__ws_conn *c) {
  if (c->paused) {
    resume(c);
    if (c->paused)
      return 0;
  }
  uint64_t idle = souk__net_now(c->net) - c->last_rx;
  if (idle >= CLOSE_AFTER_MS) {
    SOUK_DEBUG(WS, "a WebSocket client did not answer pings for %llu s; closing",
               (unsigned long long)(idle / 1000));
    return -1;
  }
  if (idle >= PING_AFTER_MS - 1000) {
    c->ping_due = true;
    lws_callback_on_writable(c->wsi);
  }
  arm_keepalive(c);
  return 0;
}

static int on_writeable(souk__ws_conn *c) {
  souk__net_out *o;
  if (c->ping_due) {
    unsigned char ping[LWS_PRE + 4];
    c->ping_due = false;
    memcpy(ping + LWS_PRE, "souk", 4);
    if (lws_write(c->wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
      return -1;
    if (c->out.head) {
      lws_callback_on_writable(c->wsi);
      return 0;
    }
  }
  while ((o = souk__outq_pop(&c->out))) {
    int w = lws_write(c->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    free(o);
    if (w < 0)
      return -1;
    if (c->out.head && (lws_partial_buffered(c->wsi) || lws_send_pipe_choked(c->wsi))) {
      lws_callback_on_writable(c->wsi);
      return 0;
    }
  }
  if (c->closing) {
    static const char bye[] = "session ended";
    lws_close_reason(c->wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)bye, sizeof bye - 1);
    return -1;
  }
  return 0;
}

static void free_conn(souk__ws_conn *c) {
  if (c->pss && c->pss->obj == c) {
    c->pss->obj = NULL;
    c->pss->kind = SOUK__PSS_NONE;
  }
  souk__outq_clear(&c->out);
  souk__outq_clear(&c->held);
  souk_buf_free(&c->in);
  free(c);
}

int souk__net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, souk__pss *pss,
                          void *in, size_t len) {
  souk_mcp_net *n = lws_context_user(lws_get_context(wsi));
  souk__ws_conn *c = pss->kind == SOUK__PSS_WS ? pss->obj : NULL;
  switch (reason) {
  case LWS_CALLBACK_ESTABLISHED: {
    if (n->stopping)
      return -1;
    c = calloc(1, sizeof *c);
    if (!c)
      return -1;
    c->net = n;
    c->wsi = wsi;
    c->pss = pss;
    souk_buf_init(&c->in, n->max_message);
    c->ns = souk__net_session_new(n, SOUK__NS_WS);
    if (!c->ns) {
      free_conn(c);
      return -1;
    }
    c->ns->ws = c;
    c->last_rx = souk__net_now(n);
    pss->kind = SOUK__PSS_WS;
    pss->obj = c;
    arm_keepalive(c);
    return 0;
  }
  case LWS_CALLBACK_RECEIVE_PONG:
    if (c)
      c->last_rx = souk__net_now(n);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    if (!c)
      return -1;
    c->last_rx = souk__net_now(n);
    if (!c->in_message) {
      c->in_message = true;
      c->msg_len = 0;
    }
    c->msg_len += len;
    if (!c->discarding && souk_buf_add(&c->in, in, len)) {
      c->discarding = true; /* too large: the rest is dropped, the client gets an error */
      souk_buf_free(&c->in);
      souk_buf_init(&c->in, n->max_message);
    }
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi))
      deliver(c);
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return c ? on_writeable(c) : 0;
  case LWS_CALLBACK_TIMER:
    return c ? on_timer(c) : 0;
  case LWS_CALLBACK_CLOSED:
    if (c) {
      souk__net_session *ns = c->ns;
      c->wsi = NULL;
      if (ns) {
        ns->ws = NULL;
        souk__net_session_end(ns, "the WebSocket connection closed");
      }
      free_conn(c);
    }
    return 0;
  default:
    return 0;
  }
}
