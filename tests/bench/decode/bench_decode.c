/* SPDX-License-Identifier: MIT */
/* Parse-only throughput of the Shopify decoder against jansson's json_loadb on the same
 * products.json pages (written by gen_products.py): MB/s and products/s, median of N runs.
 *
 *     bench_decode PAGES_DIR [RUNS] [all|souk|copy|jansson]
 *
 * souk: souk_shopify_decode_products() reading each page in place (padded buffers); copy:
 * the same with capacity == len, so that it copies each page to pad it; jansson: json_loadb.
 *
 * The pages are read into memory first; a run decodes every page once and frees it before
 * the next, as a crawler does. Only the parse is timed: freeing the result
 * (souk_catalog_page_free, json_decref) is not. Results go to stdout: wall-clock MB/s and
 * products/s, and the thread's CPU time (steadier when other work shares the cores).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shopify/decode.h"
#include "souk/error.h"

#define MAX_PAGES 100000
#define MAX_RUNS 51

typedef struct page {
  char *data;
  size_t len;
} page;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time, and this thread's CPU time: on a busy machine the second shows what the parse
 * costs when the thread is not waiting for a core. */
static double cpu_total;

static double now(void) {
  return clock_s(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reads path into a buffer with SOUK_DECODE_PADDING spare bytes; NULL when absent. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  long n;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)n + SOUK_DECODE_PADDING)) != NULL &&
      fread(buf, 1, (size_t)n, f) == (size_t)n) {
    memset(buf + n, 0, SOUK_DECODE_PADDING);
    *len = (size_t)n;
  } else {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static page pages[MAX_PAGES];
static int npages;
static size_t total_bytes;

enum { SOUK_IN_PLACE, SOUK_COPY };

/* Each page is freed right after its decode, untimed, as a crawler would. */
static double run_souk(int mode, size_t *products) {
  souk_errinfo e;
  souk_catalog_page pg;
  double t = 0;
  *products = 0;
  for (int i = 0; i < npages; i++) {
    size_t cap = mode == SOUK_COPY ? pages[i].len : pages[i].len + SOUK_DECODE_PADDING;
    double t0 = now(), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    int rc = souk_shopify_decode_products(pages[i].data, pages[i].len, cap, 2, &pg, &e);
    t += now() - t0;
    cpu_total += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (rc != 0) {
      fprintf(stderr, "bench_decode: page%d.json: %s\n", i + 1, e.text);
      exit(1);
    }
    *products += pg.nproducts + pg.skipped;
    souk_catalog_page_free(&pg);
  }
  return t;
}

static double run_jansson(size_t *products) {
  json_error_t err;
  double t = 0;
  *products = 0;
  for (int i = 0; i < npages; i++) {
    double t0 = now(), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    json_t *root = json_loadb(pages[i].data, pages[i].len, 0, &err);
    t += now() - t0;
    cpu_total += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (!root) {
      fprintf(stderr, "bench_decode: page%d.json: jansson: %s\n", i + 1, err.text);
      exit(1);
    }
    *products += json_array_size(json_object_get(root, "products"));
    json_decref(root);
  }
  return t;
}

static void report(const char *name, double *times, double *cpu, int runs, size_t products) {
  double m = median(times, runs), c = median(cpu, runs);
  printf("%-32s %7.1f MB/s %9.0f products/s  (median of %d: %.3f s wall, min %.3f, max %.3f; "
         "CPU time %.3f s = %.1f MB/s)\n", name, (double)total_bytes / 1e6 / m,
         (double)products / m, runs, m, times[0], times[runs - 1], c,
         (double)total_bytes / 1e6 / c);
}

/* Runs one measurement and records its wall and CPU seconds. */
#define MEASURE(wall, cpu, call)   \
  do {                             \
    cpu_total = 0;                 \
    (wall) = (call);               \
    (cpu) = cpu_total;             \
  } while (0)

int main(int argc, char **argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: bench_decode PAGES_DIR [RUNS] [all|souk|copy|jansson]\n"
                    "  PAGES_DIR holds page1.json ... pageN.json from gen_products.py\n");
    return 2;
  }
  int runs = argc >= 3 ? atoi(argv[2]) : 5;
  const char *which = argc >= 4 ? argv[3] : "all";
  int do_souk = !strcmp(which, "all") || !strcmp(which, "souk");
  int do_copy = !strcmp(which, "all") || !strcmp(which, "copy");
  int do_jansson = !strcmp(which, "all") || !strcmp(which, "jansson");
  if (!do_souk && !do_copy && !do_jansson) {
    fprintf(stderr, "bench_decode: unknown selection '%s'\n", which);
    return 2;
  }
  if (runs < 1 || runs > MAX_RUNS) {
    fprintf(stderr, "bench_decode: RUNS must be 1..%d\n", MAX_RUNS);
    return 2;
  }
  for (npages = 0; npages < MAX_PAGES; npages++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/page%d.json", argv[1], npages + 1);
    pages[npages].data = read_file(path, &pages[npages].len);
    if (!pages[npages].data) {
      if (errno != ENOENT) {
        fprintf(stderr, "bench_decode: %s: %s\n", path, strerror(errno));
        return 1;
      }
      break;
    }
    total_bytes += pages[npages].len;
  }
  if (npages == 0) {
    fprintf(stderr, "bench_decode: no %s/page1.json (write pages with gen_products.py)\n",
            argv[1]);
    return 1;
  }
  printf("%d pages, %.1f MB, %d runs each\n", npages, (double)total_bytes / 1e6, runs);

  double ts[MAX_RUNS], tc[MAX_RUNS], tj[MAX_RUNS];
  double cs[MAX_RUNS], cc[MAX_RUNS], cj[MAX_RUNS];
  size_t ps = 0, pc = 0, pj = 0;
  for (int r = 0; r < runs; r++) {
    if (do_souk)
      MEASURE(ts[r], cs[r], run_souk(SOUK_IN_PLACE, &ps));
    if (do_copy)
      MEASURE(tc[r], cc[r], run_souk(SOUK_COPY, &pc));
    if (do_jansson)
      MEASURE(tj[r], cj[r], run_jansson(&pj));
  }
  size_t counts[] = {ps, pc, pj}, n = 0;
  for (int i = 0; i < 3; i++) {
    if (counts[i] && n && counts[i] != n) {
      fprintf(stderr, "bench_decode: product counts differ: %zu vs %zu\n", counts[i], n);
      return 1;
    }
    if (counts[i])
      n = counts[i];
  }
  printf("%zu products per run\n", n);
  if (do_souk)
    report("souk decoder (in place)", ts, cs, runs, ps);
  if (do_copy)
    report("souk decoder (copies the input)", tc, cc, runs, pc);
  if (do_jansson)
    report("jansson json_loadb (DOM only)", tj, cj, runs, pj);
  for (int i = 0; i < npages; i++)
    free(pages[i].data);
  return 0;
}
