/* SPDX-License-Identifier: MIT */
/* The bump allocator: a list of chunks, each filled front to back. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct souk_arena_chunk {
  souk_arena_chunk *next;
  size_t size, off;
  alignas(max_align_t) unsigned char data[];
};

void souk_arena_init(souk_arena *a, size_t chunk_size) {
  a->head = NULL;
  a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
  a->used = 0;
}

void souk_arena_free(souk_arena *a) {
  souk_arena_chunk *c = a->head;
  while (c) {
    souk_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->used = 0;
}

void *souk_arena_alloc(souk_arena *a, size_t size) {
  const size_t align = alignof(max_align_t);
  size = (size + align - 1) & ~(align - 1);
  if (size == 0)
    size = align;
  souk_arena_chunk *c = a->head;
  if (!c || c->size - c->off < size) {
    size_t cs = size > a->chunk_size / 4 ? size : a->chunk_size;
    if (cs > SIZE_MAX - sizeof *c)
      return NULL;
    souk_arena_chunk *n = malloc(sizeof *n + cs);
    if (!n)
      return NULL;
    n->size = cs;
    n->off = 0;
    if (cs == size && c) {
      /* A big one-off goes behind the current chunk, which keeps filling. */
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      a->head = n;
    }
    c = n;
  }
  void *p = c->data + c->off;
  c->off += size;
  a->used += size;
  return p;
}

void *souk_arena_calloc(souk_arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  void *p = souk_arena_alloc(a, n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

char *souk_arena_strndup(souk_arena *a, const char *s, size_t len) {
  char *p = souk_arena_alloc(a, len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

char *souk_arena_strdup(souk_arena *a, const char *s) {
  return souk_arena_strndup(a, s, strlen(s));
}
