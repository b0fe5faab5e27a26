/* SPDX-License-Identifier: MIT */
/* The harness's main(): runs one named case or all of them, prints what each checked. */
#include "check.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#define MAX_CASES 512

static struct {
  const char *name;
  souk_test_fn fn;
} cases[MAX_CASES];
static int ncases;
static const char *current;
static char tmpdir[4096];
unsigned long souk_test_checks;

void souk_test_register(const char *name, souk_test_fn fn) {
  if (ncases < MAX_CASES) {
    cases[ncases].name = name;
    cases[ncases].fn = fn;
    ncases++;
  }
}

void souk_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fflush(stdout);
  fprintf(stderr, "FAIL %s at %s:%d: ", current ? current : "?", file, line);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

const char *souk_test_source_dir(void) {
  const char *d = getenv("SOUK_TEST_SOURCE_DIR");
  return d ? d : SOUK_TEST_SOURCE_DIR;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void tmpdir_cleanup(void) {
  if (tmpdir[0] && !getenv("SOUK_TEST_KEEP"))
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *souk_test_tmpdir(void) {
  if (!tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/souk-test-%s-XXXXXX", base ? base : "/tmp",
             current ? current : "case");
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      exit(1);
    }
    atexit(tmpdir_cleanup);
  }
  return tmpdir;
}

static int run(int i) {
  current = cases[i].name;
  souk_test_checks = 0;
  printf("# %s\n", current);
  fflush(stdout);
  cases[i].fn();
  printf("ok %s: %lu checks passed\n", current, souk_test_checks);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < ncases; i++)
      printf("%s\n", cases[i].name);
    return 0;
  }
  if (argc > 1) {
    for (int i = 0; i < ncases; i++)
      if (strcmp(cases[i].name, argv[1]) == 0)
        return run(i);
    fprintf(stderr, "no test case named '%s' (try --list)\n", argv[1]);
    return 2;
  }
  for (int i = 0; i < ncases; i++)
    run(i);
  return 0;
}
