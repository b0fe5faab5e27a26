/* SPDX-License-Identifier: MIT */
/* Output waiting for a network connection to become writeable: pieces with the headroom
 * lws_write needs, in a FIFO that counts its bytes (the callers bound it). */
#include <stdlib.h>

#include "net_private.h"

souk__net_out *souk__net_out_new(size_t len) {
  souk__net_out *o = malloc(sizeof *o + LWS_PRE + len + 1);
  if (!o)
    return NULL;
  o->next = NULL;
  o->len = len;
  o->text_frame = o->too_big = false;
  o->size = len;
  return o;
}

void souk__outq_push(souk__outq *q, souk__net_out *o) {
  o->next = NULL;
  if (q->tail)
    q->tail->next = o;
  else
    q->head = o;
  q->tail = o;
  q->bytes += o->len;
  q->count++;
}

souk__net_out *souk__outq_pop(souk__outq *q) {
  souk__net_out *o = q->head;
  if (!o)
    return NULL;
  q->head = o->next;
  if (!q->head)
    q->tail = NULL;
  q->bytes -= o->len;
  q->count--;
  o->next = NULL;
  return o;
}

void souk__outq_clear(souk__outq *q) {
  souk__net_out *o;
  while ((o = souk__outq_pop(q)))
    free(o);
}
