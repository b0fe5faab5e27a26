/* SPDX-License-Identifier: MIT */
/* The in-tree test harness (in the spirit of libuv's test/task.h): TEST(name) defines a case,
 * CHECK* assert, SAY prints what a case checked, SKIP ends a case as skipped (exit 77).
 *
 * A test executable holds the cases of one module; `prog CASE` runs one case (CTest runs
 * each as its own test), `prog` runs them all. A failed check prints where and why and exits 1.
 */
#ifndef SOUK_TEST_CHECK_H
#define SOUK_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*souk_test_fn)(void);
void souk_test_register(const char *name, souk_test_fn fn);
void souk_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
extern unsigned long souk_test_checks;

#define TEST(name)                                                              \
  static void test_##name(void);                                                \
  __attribute__((constructor)) static void test_register_##name(void) {         \
    souk_test_register(#name, test_##name);                                     \
  }                                                                             \
  static void test_##name(void)

#define CHECK(cond)                                                             \
  do {                                                                          \
    souk_test_checks++;                                                         \
    if (!(cond))                                                                \
      souk_test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                    \
  do {                                                                          \
    souk_test_checks++;                                                         \
    if (!(cond))                                                                \
      souk_test_fail(__FILE__, __LINE__, __VA_ARGS__);                          \
  } while (0)

#define CHECK_INT(a, op, b)                                                     \
  do {                                                                          \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);             \
    souk_test_checks++;                                                         \
    if (!(check_a_ op check_b_))                                                \
      souk_test_fail(__FILE__, __LINE__, "CHECK_INT(%s %s %s): %lld vs %lld",   \
                     #a, #op, #b, check_a_, check_b_);                          \
  } while (0)

#define CHECK_STR(a, b)                                                         \
  do {                                                                          \
    const char *check_a_ = (a), *check_b_ = (b);                                \
    souk_test_checks++;                                                         \
    if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)              \
      souk_test_fail(__FILE__, __LINE__, "CHECK_STR(%s, %s): \"%s\" vs \"%s\"", \
                     #a, #b, check_a_ ? check_a_ : "(null)",                    \
                     check_b_ ? check_b_ : "(null)");                           \
  } while (0)

/* Checks that `hay` contains `needle`. */
#define CHECK_HAS(hay, needle)                                                  \
  do {                                                                          \
    const char *check_h_ = (hay), *check_n_ = (needle);                         \
    souk_test_checks++;                                                         \
    if (!check_h_ || !strstr(check_h_, check_n_))                               \
      souk_test_fail(__FILE__, __LINE__, "CHECK_HAS(%s, \"%s\"): got \"%s\"",   \
                     #hay, check_n_, check_h_ ? check_h_ : "(null)");           \
  } while (0)

/* Prints one line of what the case checked ("  - 429 without Retry-After retried 2x"). */
#define SAY(...)                                                                \
  do {                                                                          \
    printf("  - ");                                                             \
    printf(__VA_ARGS__);                                                        \
    printf("\n");                                                               \
    fflush(stdout);                                                             \
  } while (0)

#define SKIP(...)                                                               \
  do {                                                                          \
    printf("SKIP: ");                                                           \
    printf(__VA_ARGS__);                                                        \
    printf("\n");                                                               \
    fflush(stdout);                                                             \
    exit(77);                                                                   \
  } while (0)

/* The directory of the test's data (tests/ in the source tree), from the build. */
const char *souk_test_source_dir(void);
/* A fresh empty directory for this case (removed at the end unless SOUK_TEST_KEEP is set). */
const char *souk_test_tmpdir(void);

#endif /* SOUK_TEST_CHECK_H */
