/* SPDX-License-Identifier: MIT */
/* top_k.csv and products_scored.csv: one row per product with its metrics and the
 * contribution of each term to its score. */
#include "analytics/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/output.h"
#include "souk/error.h"

static void header(FILE *f, int scored) {
  fputs("rank,id,store,title,score", f);
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    fprintf(f, ",%s", souk_metric_name(m));
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    fprintf(f, ",contrib_%s", souk_metric_name(m));
  if (scored)
    fputs(",cluster,pc1,pc2", f);
  fputc('\n', f);
}

/* Appends text to the row being built. */
typedef struct rowbuf {
  char *p, *end;
} rowbuf;

static void put(rowbuf *b, const char *s, size_t n) {
  if ((size_t)(b->end - b->p) > n) {
    memcpy(b->p, s, n);
    b->p += n;
  }
}

static void put_num(rowbuf *b, double v) {
  char num[32];
  souk__fmt_double(num, v);
  put(b, ",", 1);
  put(b, num, strlen(num));
}

static void put_int(rowbuf *b, int64_t v) {
  char num[24], *q = num + sizeof num;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do
    *--q = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0)
    *--q = '-';
  put(b, q, (size_t)(num + sizeof num - q));
}

/* Writes one row, built in memory and written at once. */
static void line(FILE *f, const souk_analysis *a, size_t rank, size_t row, int scored) {
  const souk_metrics *t = a->table;
  char buf[1024];
  rowbuf b = {buf, buf + sizeof buf};
  put_int(&b, (int64_t)rank);
  put(&b, ",", 1);
  put_int(&b, souk_metrics_ids(t)[row]);
  put(&b, ",", 1);
  const char *store = souk_metrics_store(t, row), *title = souk_metrics_title(t, row);
  if (strpbrk(store, ",\"\r\n") || strpbrk(title, ",\"\r\n") ||
      strlen(store) + strlen(title) > 512) {
    fwrite(buf, 1, (size_t)(b.p - buf), f);
    souk__csv_field(f, store);
    fputc(',', f);
    souk__csv_field(f, title);
    b.p = buf;
  } else {
    put(&b, store, strlen(store));
    put(&b, ",", 1);
    put(&b, title, strlen(title));
  }
  put_num(&b, a->score[row]);
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    put_num(&b, souk_metrics_column(t, (souk_metric)m)[row]);
  for (int m = 0; m < SOUK_METRIC_COUNT; m++)
    put_num(&b, souk_analysis_contribution(a, row, m));
  if (scored) {
    put(&b, ",", 1);
    if (a->clusters > 0)
      put_int(&b, a->kmeans.labels[row]);
    double x[SOUK_METRIC_COUNT], pc[2] = {0, 0};
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      x[m] = a->scaled[m][row];
    if (!a->pca.degenerate)
      souk_pca_project_row(&a->pca, x, 2, pc);
    put_num(&b, pc[0]);
    put_num(&b, pc[1]);
  }
  put(&b, "\n", 1);
  fwrite(buf, 1, (size_t)(b.p - buf), f);
}

int souk_report_write_topk_csv(const souk_analysis *a, const char *dir, souk_errinfo *e) {
  souk__outfile o;
  int rc = souk__mkdirs(dir, e);
  if (rc || (rc = souk__outfile_open(&o, dir, SOUK_REPORT_TOPK_CSV, e)) != 0)
    return rc;
  header(o.f, 0);
  for (size_t i = 0; i < a->ntop; i++)
    line(o.f, a, i + 1, a->top[i], 0);
  return souk__outfile_commit(&o, e);
}

typedef struct ranked {
  double score;
  int64_t id;
  size_t row;
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
  const ranked *x = pa, *y = pb;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

int souk_report_write_scored_csv(const souk_analysis *a, const char *dir, souk_errinfo *e) {
  ranked *r = malloc(a->n * sizeof *r);
  if (!r)
    return souk_errinfo_set(e, SOUK_ENOMEM, "out of memory ranking %zu products", a->n);
  const int64_t *ids = souk_metrics_ids(a->table);
  for (size_t i = 0; i < a->n; i++) {
    r[i].score = a->score[i];
    r[i].id = ids[i];
    r[i].row = i;
  }
  qsort(r, a->n, sizeof *r, cmp_ranked);
  souk__outfile o;
  int rc = souk__mkdirs(dir, e);
  if (rc || (rc = souk__outfile_open(&o, dir, SOUK_REPORT_SCORED_CSV, e)) != 0) {
    free(r);
    return rc;
  }
  header(o.f, 1);
  const souk_metrics *t = a->table;
  for (size_t i = 0; i < a->n; i++) {
    /* Rank order jumps around the columns: fetch a later row's cells while this one prints. */
    if (i + 16 < a->n) {
      size_t q = r[i + 16].row;
      __builtin_prefetch(souk_metrics_ids(t) + q);
      __builtin_prefetch(souk_metrics_store_indexes(t) + q);
      __builtin_prefetch(souk_metrics_title(t, r[i + 8].row));
      for (int m = 0; m < SOUK_METRIC_COUNT; m++) {
        __builtin_prefetch(souk_metrics_column(t, (souk_metric)m) + q);
        __builtin_prefetch(a->scaled[m] + q);
      }
      if (a->clusters > 0)
        __builtin_prefetch(a->kmeans.labels + q);
    }
    line(o.f, a, i + 1, r[i].row, 1);
  }
  free(r);
  return souk__outfile_commit(&o, e);
}
