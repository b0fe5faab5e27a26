/* SPDX-License-Identifier: MIT */
/* The four analysis charts on top of the plot helpers. */
#include "analytics/charts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/plot.h"
#include "souk/error.h"

static const char *const chart_names[SOUK_CHART_COUNT] = {
    "heatmap_correlation", "pca_clusters", "pca_topk", "score_distribution"};

const char *souk_chart_name(souk_chart c) {
  return (unsigned)c < SOUK_CHART_COUNT ? chart_names[c] : NULL;
}

static void subtitle(const souk_analysis *a, char *buf, size_t len, const char *extra) {
  size_t ns = souk_metrics_store_count(a->table);
  char stores[160];
  if (ns == 1)
    snprintf(stores, sizeof stores, "%s", souk_metrics_store_name(a->table, 0));
  else
    snprintf(stores, sizeof stores, "%zu stores", ns);
  snprintf(buf, len, "%zu products of %s  |  popularity signal: %s%s%s", a->n, stores,
           a->popularity, extra ? "  |  " : "", extra ? extra : "");
}

/* ---- heatmap ------------------------------------------------------------------------------ */

/* Diverging blue - white - red for r in [-1, 1]. */
static void diverging(double r, double rgb[3]) {
  static const double neg[3] = {0.23, 0.30, 0.75}, pos[3] = {0.71, 0.02, 0.15};
  const double *end = r < 0 ? neg : pos;
  double t = fabs(r) > 1 ? 1 : fabs(r);
  for (int i = 0; i < 3; i++)
    rgb[i] = 1.0 + (end[i] - 1.0) * t;
}

static void draw_heatmap(souk__plot *p, void *ctx) {
  const souk_analysis *a = ctx;
  cairo_t *cr = p->cr;
  char sub[640], buf[32];
  subtitle(a, sub, sizeof sub, "raw metric values");
  souk__plot_title(p, "Correlation of the product metrics (Pearson r)", sub);
  const int n = SOUK_METRIC_COUNT;
  double left = 190, top = 90, cell = (p->height - top - 150) / n;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      double r = a->correlation[i * n + j], rgb[3], x = left + j * cell, y = top + i * cell;
      if (isfinite(r))
        diverging(r, rgb);
      else
        rgb[0] = rgb[1] = rgb[2] = 0.82;
      cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle(cr, x, y, cell, cell);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_set_line_width(cr, 2);
      cairo_rectangle(cr, x, y, cell, cell);
      cairo_stroke(cr);
      if (isfinite(r)) {
        snprintf(buf, sizeof buf, "%.2f", r);
        double v = fabs(r) > 0.6 ? 1.0 : 0.1;
        cairo_set_source_rgb(cr, v, v, v);
      } else {
        snprintf(buf, sizeof buf, "n/a");
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      }
      souk__text(cr, x + cell / 2, y + cell / 2, buf, 15, 1, 0.5, 0.5, 0);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    souk__text(cr, left - 10, top + i * cell + cell / 2, souk_metric_name(i), 13, 0, 1, 0.5, 0);
    souk__text(cr, left + i * cell + cell / 2 + 4, top + n * cell + 10, souk_metric_name(i), 13,
               0, 0, 0.5, M_PI / 4);
  }
  /* Colour bar. */
  double bx = left + n * cell + 40, by = top, bh = n * cell, bw = 22;
  for (int s = 0; s < 200; s++) {
    double r = 1.0 - 2.0 * s / 199.0, rgb[3];
    diverging(r, rgb);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_rectangle(cr, bx, by + bh * s / 200.0, bw, bh / 200.0 + 1);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, bx, by, bw, bh);
  cairo_stroke(cr);
  for (int t = 0; t <= 4; t++) {
    double r = 1.0 - 0.5 * t, y = by + bh * t / 4.0;
    snprintf(buf, sizeof buf, "%+.1f", r);
    cairo_move_to(cr, bx + bw, y);
    cairo_line_to(cr, bx + bw + 5, y);
    cairo_stroke(cr);
    souk__text(cr, bx + bw + 8, y, buf, 12, 0, 0, 0.5, 0);
  }
  souk__text(cr, bx + bw / 2, by - 12, "Pearson r", 13, 1, 0.5, 1, 0);
  double grey[3] = {0.82, 0.82, 0.82};
  cairo_set_source_rgb(cr, grey[0], grey[1], grey[2]);
  cairo_rectangle(cr, bx, by + bh + 30, bw, 16);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  souk__text(cr, bx + bw + 8, by + bh + 38, "n/a: constant", 12, 0, 0, 0.5, 0);
}

/* ---- PCA scatter plots ------------------------------------------------------------------ */

typedef struct scatter {
  const souk_analysis *a;
  size_t *rows;   /* the rows drawn (a sample) */
  size_t nrows;
  double *xy;     /* their coordinates */
  double xmin, xmax, ymin, ymax;
  char axis[2][64];
} scatter;

static int scatter_init(scatter *s, const souk_analysis *a) {
  memset(s, 0, sizeof *s);
  s->a = a;
  size_t step = (a->n + SOUK_CHART_MAX_POINTS - 1) / SOUK_CHART_MAX_POINTS;
  if (step < 1)
    step = 1;
  size_t cap = a->n / step + 1 + a->ntop;
  s->rows = malloc(cap * sizeof *s->rows);
  s->xy = malloc(cap * 2 * sizeof *s->xy);
  if (!s->rows || !s->xy)
    return SOUK_ENOMEM;
  for (size_t i = 0; i < a->n; i += step)
    s->rows[s->nrows++] = i;
  for (size_t t = 0; t < a->ntop; t++)
    if (a->top[t] % step != 0)
      s->rows[s->nrows++] = a->top[t];
  s->xmin = s->ymin = INFINITY;
  s->xmax = s->ymax = -INFINITY;
  for (size_t i = 0; i < s->nrows; i++) {
    double x[SOUK_METRIC_COUNT], pc[2] = {0, 0};
    for (int m = 0; m < SOUK_METRIC_COUNT; m++)
      x[m] = a->scaled[m][s->rows[i]];
    if (!a->pca.degenerate)
      souk_pca_project_row(&a->pca, x, 2, pc);
    s->xy[2 * i] = pc[0];
    s->xy[2 * i + 1] = pc[1];
    s->xmin = fmin(s->xmin, pc[0]);
    s->xmax = fmax(s->xmax, pc[0]);
    s->ymin = fmin(s->ymin, pc[1]);
    s->ymax = fmax(s->ymax, pc[1]);
  }
  double px = (s->xmax - s->xmin) * 0.05, py = (s->ymax - s->ymin) * 0.05;
  s->xmin -= px;
  s->xmax += px;
  s->ymin -= py;
  s->ymax += py * 5; /* room for the legend */
  for (int j = 0; j < 2; j++) {
    double r = a->pca.explained_variance_ratio[j];
    if (isfinite(r))
      snprintf(s->axis[j], sizeof s->axis[j], "PC%d (%.1f%% of the variance)", j + 1, 100 * r);
    else
      snprintf(s->axis[j], sizeof s->axis[j], "PC%d (no variance)", j + 1);
  }
  return 0;
}

static void scatter_free(scatter *s) {
  free(s->rows);
  free(s->xy);
}

static void sample_note(const scatter *s, char *buf, size_t len) {
  if (s->nrows < s->a->n)
    snprintf(buf, len, "%zu of them drawn (an even sample)", s->nrows);
  else
    snprintf(buf, len, "scaled metrics");
}

static void draw_pca_clusters(souk__plot *p, void *ctx) {
  scatter *s = ctx;
  const souk_analysis *a = s->a;
  cairo_t *cr = p->cr;
  char sub[640], note[80];
  sample_note(s, note, sizeof note);
  subtitle(a, sub, sizeof sub, note);
  char title[128];
  if (a->clusters > 0)
    snprintf(title, sizeof title, "Products on the first two principal components: %d "
             "clusters (k-means)", a->clusters);
  else
    snprintf(title, sizeof title, "Products on the first two principal components");
  souk__plot_title(p, title, sub);
  souk__plot_axes(p, s->xmin, s->xmax, s->ymin, s->ymax, s->axis[0], s->axis[1]);
  double radius = s->nrows > 5000 ? 1.6 : 3.2, alpha = s->nrows > 5000 ? 0.45 : 0.75;
  cairo_save(cr);
  cairo_rectangle(cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
  cairo_clip(cr);
  cairo_new_path(cr);
  for (size_t i = 0; i < s->nrows; i++) {
    int c = a->clusters > 0 ? a->kmeans.labels[s->rows[i]] : 0;
    double rgb[3];
    souk__palette(c, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
    cairo_arc(cr, souk__plot_x(p, s->xy[2 * i]), souk__plot_y(p, s->xy[2 * i + 1]), radius, 0,
              2 * M_PI);
    cairo_fill(cr);
  }
  /* Cluster centres, projected. */
  for (int c = 0; c < a->clusters; c++) {
    double pc[2] = {0, 0}, rgb[3];
    if (!a->pca.degenerate)
      souk_pca_project_row(&a->pca, a->kmeans.centroids + c * a->kmeans.dims, 2, pc);
    double x = souk__plot_x(p, pc[0]), y = souk__plot_y(p, pc[1]);
    souk__palette(c, rgb);
    cairo_set_line_width(cr, 6);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, x - 9, y - 9);
    cairo_line_to(cr, x + 9, y + 9);
    cairo_move_to(cr, x + 9, y - 9);
    cairo_line_to(cr, x - 9, y + 9);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 3);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_move_to(cr, x - 8, y - 8);
    cairo_line_to(cr, x + 8, y + 8);
    cairo_move_to(cr, x + 8, y - 8);
    cairo_line_to(cr, x - 8, y + 8);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  int nl = a->clusters > 0 ? (a->clusters > 12 ? 12 : a->clusters) : 1;
  souk__legend_item items[14];
  char labels[14][96];
  for (int c = 0; c < nl; c++) {
    if (a->clusters > 0)
      snprintf(labels[c], sizeof labels[c], "cluster %d: %zu products (%.1f%%)", c,
               a->kmeans.sizes[c], 100.0 * (double)a->kmeans.sizes[c] / (double)a->n);
    else
      snprintf(labels[c], sizeof labels[c], "products");
    items[c].label = labels[c];
    items[c].kind = 0;
    souk__palette(c, items[c].rgb);
  }
  if (a->clusters > 0) {
    items[nl].label = "cluster centre";
    items[nl].kind = 3;
    items[nl].rgb[0] = items[nl].rgb[1] = items[nl].rgb[2] = 0.1;
    nl++;
  }
  souk__plot_legend(p, items, nl);
}

static void draw_pca_topk(souk__plot *p, void *ctx) {
  scatter *s = ctx;
  const souk_analysis *a = s->a;
  cairo_t *cr = p->cr;
  char sub[640], note[80], title[128];
  sample_note(s, note, sizeof note);
  subtitle(a, sub, sizeof sub, note);
  snprintf(title, sizeof title, "The top %zu products on the first two principal components",
           a->ntop);
  souk__plot_title(p, title, sub);
  souk__plot_axes(p, s->xmin, s->xmax, s->ymin, s->ymax, s->axis[0], s->axis[1]);
  cairo_save(cr);
  cairo_rectangle(cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
  cairo_clip(cr);
  cairo_new_path(cr);
  double radius = s->nrows > 5000 ? 1.6 : 3.0;
  cairo_set_source_rgba(cr, 0.55, 0.55, 0.55, s->nrows > 5000 ? 0.35 : 0.6);
  for (size_t i = 0; i < s->nrows; i++) {
    cairo_arc(cr, souk__plot_x(p, s->xy[2 * i]), souk__plot_y(p, s->xy[2 * i + 1]), radius, 0,
              2 * M_PI);
    cairo_fill(cr);
  }
  /* Top-K, worst first so the best is drawn on top; then ranks 1..5 labelled above all. */
  double hi[3];
  souk__palette(1, hi);
  for (int pass = 0; pass < 2; pass++)
    for (size_t t = a->ntop; t-- > 0;) {
      if (pass == 1 && t >= 5)
        continue;
      double x[SOUK_METRIC_COUNT], pc[2] = {0, 0};
      for (int m = 0; m < SOUK_METRIC_COUNT; m++)
        x[m] = a->scaled[m][a->top[t]];
      if (!a->pca.degenerate)
        souk_pca_project_row(&a->pca, x, 2, pc);
      double px = souk__plot_x(p, pc[0]), py = souk__plot_y(p, pc[1]);
      if (pass == 1) {
        char buf[24];
        snprintf(buf, sizeof buf, "%zu", t + 1);
        souk__text_halo(cr, px + 8, py - 8, buf, 13, 0, 1);
        continue;
      }
      cairo_new_path(cr);
      cairo_arc(cr, px, py, 6, 0, 2 * M_PI);
      cairo_set_source_rgb(cr, hi[0], hi[1], hi[2]);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
    }
  cairo_restore(cr);
  char l0[64], l1[64];
  snprintf(l0, sizeof l0, "top %zu (ranks 1-%zu numbered)", a->ntop, a->ntop < 5 ? a->ntop : 5);
  snprintf(l1, sizeof l1, "other products");
  souk__legend_item items[2] = {{l0, {hi[0], hi[1], hi[2]}, 0}, {l1, {0.55, 0.55, 0.55}, 0}};
  souk__plot_legend(p, items, 2);
}

/* ---- score distribution ----------------------------------------------------------------- */

#define BINS 40

static void draw_scores(souk__plot *p, void *ctx) {
  const souk_analysis *a = ctx;
  cairo_t *cr = p->cr;
  double lo = a->score[0], hi = a->score[0], sum = 0;
  for (size_t i = 0; i < a->n; i++) {
    lo = fmin(lo, a->score[i]);
    hi = fmax(hi, a->score[i]);
    sum += a->score[i];
  }
  double mean = sum / (double)a->n;
  int bins = hi > lo ? BINS : 1;
  double width = hi > lo ? (hi - lo) / bins : 1.0;
  size_t counts[BINS] = {0}, maxc = 0;
  for (size_t i = 0; i < a->n; i++) {
    int b = hi > lo ? (int)((a->score[i] - lo) / width) : 0;
    b = b >= bins ? bins - 1 : b < 0 ? 0 : b;
    counts[b]++;
  }
  for (int b = 0; b < bins; b++)
    maxc = counts[b] > maxc ? counts[b] : maxc;
  char sub[640], title[96];
  subtitle(a, sub, sizeof sub, NULL);
  snprintf(title, sizeof title, "Distribution of the scores");
  souk__plot_title(p, title, sub);
  double x0 = hi > lo ? lo : lo - 0.5, x1 = hi > lo ? hi : lo + 0.5;
  souk__plot_axes(p, x0 - (x1 - x0) * 0.02, x1 + (x1 - x0) * 0.02, 0, (double)maxc * 1.25,
                  "score", "products");
  double bar[3];
  souk__palette(0, bar);
  for (int b = 0; b < bins; b++) {
    double bl = hi > lo ? lo + b * width : x0, br = hi > lo ? bl + width : x1;
    double xl = souk__plot_x(p, bl), xr = souk__plot_x(p, br);
    double yt = souk__plot_y(p, (double)counts[b]), yb = souk__plot_y(p, 0);
    cairo_set_source_rgb(cr, bar[0], bar[1], bar[2]);
    cairo_rectangle(cr, xl + 0.5, yt, xr - xl - 1, yb - yt);
    cairo_fill(cr);
  }
  double cut = a->ntop ? a->score[a->top[a->ntop - 1]] : hi;
  double c1[3], c2[3];
  souk__palette(1, c1);
  souk__palette(2, c2);
  double dash[] = {7, 5};
  cairo_save(cr);
  cairo_set_dash(cr, dash, 2, 0);
  cairo_set_line_width(cr, 2.5);
  cairo_set_source_rgb(cr, c1[0], c1[1], c1[2]);
  cairo_move_to(cr, souk__plot_x(p, cut), p->top);
  cairo_line_to(cr, souk__plot_x(p, cut), p->bottom);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, c2[0], c2[1], c2[2]);
  cairo_move_to(cr, souk__plot_x(p, mean), p->top);
  cairo_line_to(cr, souk__plot_x(p, mean), p->bottom);
  cairo_stroke(cr);
  cairo_restore(cr);
  char l0[64], l1[80], l2[64];
  snprintf(l0, sizeof l0, "products per score bin (%d bins)", bins);
  snprintf(l1, sizeof l1, "top-%zu cut-off: %.4f", a->ntop, cut);
  snprintf(l2, sizeof l2, "mean score: %.4f", mean);
  souk__legend_item items[3] = {{l0, {bar[0], bar[1], bar[2]}, 1},
                                {l1, {c1[0], c1[1], c1[2]}, 2},
                                {l2, {c2[0], c2[1], c2[2]}, 2}};
  souk__plot_legend(p, items, 3);
}

int souk_chart_write(const souk_analysis *a, souk_chart c, const char *dir, unsigned formats,
                     souk_errinfo *e) {
  unsigned f = (formats & SOUK_CHART_PNG ? SOUK__PNG : 0) |
               (formats & SOUK_CHART_SVG ? SOUK__SVG : 0);
  switch (c) {
  case SOUK_CHART_HEATMAP_CORRELATION:
    return souk__plot_render(dir, chart_names[c], f, 900, 760, draw_heatmap, (void *)a, e);
  case SOUK_CHART_SCORE_DISTRIBUTION:
    return souk__plot_render(dir, chart_names[c], f, 1000, 640, draw_scores, (void *)a, e);
  case SOUK_CHART_PCA_CLUSTERS:
  case SOUK_CHART_PCA_TOPK: {
    scatter s;
    int rc = scatter_init(&s, a);
    if (rc)
      rc = souk_errinfo_set(e, rc, "out of memory drawing %s", chart_names[c]);
    else
      rc = souk__plot_render(dir, chart_names[c], f, 1000, 760,
                             c == SOUK_CHART_PCA_CLUSTERS ? draw_pca_clusters : draw_pca_topk,
                             &s, e);
    scatter_free(&s);
    return rc;
  }
  default:
    return souk_errinfo_set(e, SOUK_EINVAL, "unknown chart %d", (int)c);
  }
}

int souk_charts_write(const souk_analysis *a, const char *dir, souk_errinfo *e) {
  for (int c = 0; c < SOUK_CHART_COUNT; c++) {
    int rc = souk_chart_write(a, (souk_chart)c, dir, SOUK_CHART_PNG | SOUK_CHART_SVG, e);
    if (rc)
      return rc;
  }
  return 0;
}
