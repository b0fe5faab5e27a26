/* SPDX-License-Identifier: MIT */
/* A bump allocator for data that lives and dies together (one decoded catalog page, one
 * analysis): many small allocations, one free. Not thread-safe. */
#ifndef SOUK_CORE_ARENA_H
#define SOUK_CORE_ARENA_H

#include <stddef.h>

typedef struct souk_arena_chunk souk_arena_chunk;

typedef struct souk_arena {
  souk_arena_chunk *head;
  size_t chunk_size;   /* size of ordinary chunks; larger requests get their own */
  size_t used;         /* bytes handed out, for statistics */
} souk_arena;

void souk_arena_init(souk_arena *a, size_t chunk_size); /* 0: 64 KiB */
void souk_arena_free(souk_arena *a);                    /* releases everything */

/* Aligned to max_align_t; NULL when out of memory. */
void *souk_arena_alloc(souk_arena *a, size_t size);
void *souk_arena_calloc(souk_arena *a, size_t n, size_t size);
/* Copies s[0..len) and adds a NUL. */
char *souk_arena_strndup(souk_arena *a, const char *s, size_t len);
char *souk_arena_strdup(souk_arena *a, const char *s);

#endif /* SOUK_CORE_ARENA_H */
