/* SPDX-License-Identifier: MIT */
/* The glue between libcurl's multi socket interface and the libuv loop: one uv_poll_t per
 * socket libcurl watches, one uv_timer_t for its timeouts, and the reaping of finished
 * transfers. */
#include <stdlib.h>

#include "core/log.h"
#include "http/http_int.h"

static void check_multi_info(souk_http *c) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    souk_http_req *r = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    CURLcode rc = msg->data.result;
    souk__http_attempt_done(r, rc);
  }
}

static void poll_cb(uv_poll_t *p, int status, int events) {
  http_sock *s = p->data;
  souk_http *c = s->c;
  int flags = 0;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  int running;
  c->in_curl++;
  curl_multi_socket_action(c->multi, s->fd, flags, &running);
  c->in_curl--;
  check_multi_info(c);
}

static void sock_close_cb(uv_handle_t *h) {
  http_sock *s = h->data;
  souk_http *c = s->c;
  free(s);
  c->open_handles--;
  if (c->handles_closing)
    souk__http_glue_close(c); /* frees the client when this was the last handle */
}

static void sock_release(http_sock *s) {
  http_list_remove(&s->link);
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, sock_close_cb);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  souk_http *c = userp;
  http_sock *s = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (s) {
      curl_multi_assign(c->multi, fd, NULL);
      sock_release(s);
    }
    return 0;
  }
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s)
      return -1;
    if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
      free(s);
      return -1;
    }
    s->fd = fd;
    s->c = c;
    s->poll.data = s;
    c->open_handles++;
    http_list_push_back(&c->socks, &s->link);
    curl_multi_assign(c->multi, fd, s);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    events |= UV_WRITABLE;
  uv_poll_start(&s->poll, events, poll_cb);
  return 0;
}

static void curl_timer_cb(uv_timer_t *t) {
  souk_http *c = t->data;
  int running;
  c->in_curl++;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  c->in_curl--;
  check_multi_info(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  (void)multi;
  souk_http *c = userp;
  if (timeout_ms < 0)
    uv_timer_stop(&c->curl_timer);
  else /* 0 means "now": from the loop, not from inside libcurl */
    uv_timer_start(&c->curl_timer, curl_timer_cb, (uint64_t)timeout_ms, 0);
  return 0;
}

int souk__http_glue_init(souk_http *c) {
  c->curl_timer.data = c;
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  /* Our scheduler enforces the limits; libcurl may keep a few more idle connections. */
  curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->o.max_connections * 2);
  return 0;
}

static void timer_close_cb(uv_handle_t *h) {
  souk_http *c = h->data;
  c->open_handles--;
  souk__http_glue_close(c);
}

/* Called when the client starts closing (no requests left) and after each handle closes:
 * cleans up libcurl (which releases its sockets), closes our timers, frees the client when
 * the last handle is gone. */
void souk__http_glue_close(souk_http *c) {
  if (!c->handles_closing) {
    c->handles_closing = true;
    /* Stop watching the sockets first: libcurl closes them in curl_multi_cleanup, and a
     * uv_poll_t must not outlive its descriptor. With no socket assigned any more, the
     * CURL_POLL_REMOVE calls of the cleanup find nothing to release. */
    while (!http_list_empty(&c->socks)) {
      http_sock *s = HTTP_CONTAINER(c->socks.next, http_sock, link);
      if (c->multi)
        curl_multi_assign(c->multi, s->fd, NULL);
      sock_release(s);
    }
    if (c->multi) {
      curl_multi_cleanup(c->multi);
      c->multi = NULL;
    }
    uv_close((uv_handle_t *)&c->curl_timer, timer_close_cb);
    uv_close((uv_handle_t *)&c->dispatch_timer, timer_close_cb);
    uv_close((uv_handle_t *)&c->done_timer, timer_close_cb);
    return;
  }
  if (c->open_handles == 0) {
    if (c->share)
      curl_share_cleanup(c->share);
    souk__http_hosts_free(c);
    free(c->user_agent);
    free(c);
  }
}
