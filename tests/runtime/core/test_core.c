/* SPDX-License-Identifier: MIT */
/* Unit tests of runtime/core: error codes, bounded buffers, the arena. */
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "souk/error.h"

TEST(error_names) {
  CHECK_STR(souk_err_name(SOUK_ETIMEDOUT), "SOUK_ETIMEDOUT");
  CHECK_STR(souk_strerror(SOUK_ETIMEDOUT), "timed out");
  CHECK_STR(souk_err_name(0), "SOUK_OK");
  CHECK_STR(souk_err_name(-9999), "SOUK_UNKNOWN");
  CHECK_STR(souk_strerror(-9999), "unknown error");
  /* Every code is negative, unique, and has a name and a message. */
  int codes[] = {
#define X(name, num, msg) SOUK_##name,
      SOUK_ERRNO_MAP(X)
#undef X
  };
  size_t n = sizeof codes / sizeof *codes;
  for (size_t i = 0; i < n; i++) {
    CHECK(codes[i] < 0);
    CHECK(strncmp(souk_err_name(codes[i]), "SOUK_E", 6) == 0);
    CHECK(strcmp(souk_strerror(codes[i]), "unknown error") != 0);
    for (size_t j = i + 1; j < n; j++)
      CHECK(codes[i] != codes[j]);
  }
  SAY("%zu error codes: negative, unique, each with a name and a message", n);
}

TEST(buf_limits) {
  souk_buf b;
  souk_buf_init(&b, 10);
  CHECK_INT(souk_buf_adds(&b, "hello"), ==, 0);
  CHECK_INT(souk_buf_adds(&b, "world"), ==, 0);
  CHECK_INT(souk_buf_addc(&b, '!'), ==, SOUK_ETOOBIG);
  CHECK_STR(b.data, "helloworld");
  CHECK_INT(b.len, ==, 10);
  souk_buf_reset(&b);
  CHECK_INT(souk_buf_printf(&b, "%d-%s", 42, "x"), ==, 0);
  CHECK_STR(b.data, "42-x");
  CHECK_INT(souk_buf_printf(&b, "%s", "0123456789"), ==, SOUK_ETOOBIG);
  CHECK_STR(b.data, "42-x");
  size_t len;
  char *s = souk_buf_steal(&b, &len);
  CHECK_STR(s, "42-x");
  CHECK_INT(len, ==, 4);
  free(s);
  CHECK(b.data == NULL);
  s = souk_buf_steal(&b, &len);
  CHECK_STR(s, "");
  free(s);
  souk_buf_free(&b);
  SAY("a buffer refuses to grow past its maximum and stays unchanged; printf and steal work");
}

TEST(arena) {
  souk_arena a;
  souk_arena_init(&a, 1024);
  char *first = souk_arena_strdup(&a, "first");
  void *big = souk_arena_alloc(&a, 100000);
  char *after = souk_arena_strdup(&a, "after the big one");
  CHECK(first && big && after);
  memset(big, 0xab, 100000);
  CHECK_STR(first, "first");
  CHECK_STR(after, "after the big one");
  for (int i = 0; i < 10000; i++) {
    int *p = souk_arena_calloc(&a, 3, sizeof(int));
    CHECK(p && p[0] == 0 && ((uintptr_t)p % _Alignof(max_align_t)) == 0);
  }
  CHECK(souk_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
  souk_arena_free(&a);
  SAY("arena: aligned allocations, a large one-off, overflow refused, one free");
}
