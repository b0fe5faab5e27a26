/* SPDX-License-Identifier: MIT */
/* Internal drawing helpers of the charts on cairo: a canvas rendered to PNG and SVG, a title,
 * axes with round ticks and a grid, legends, text, a colour palette. */
#ifndef SOUK_ANALYTICS_PLOT_H
#define SOUK_ANALYTICS_PLOT_H

#include <cairo.h>

#include "core/errinfo.h"

enum { SOUK__PNG = 1, SOUK__SVG = 2 };

typedef struct souk__plot {
  cairo_t *cr;
  double width, height;
  double left, top, right, bottom;   /* plot area, device units */
  double xmin, xmax, ymin, ymax;     /* data range shown */
} souk__plot;

typedef void (*souk__draw_fn)(souk__plot *p, void *ctx);

/* Draws a width x height chart into dir/name.png and/or dir/name.svg (formats SOUK__*).
 * Returns 0 or SOUK_EIO / SOUK_ENOMEM with a sentence. Written atomically. */
int souk__plot_render(const char *dir, const char *name, unsigned formats, int width, int height,
                      souk__draw_fn draw, void *ctx, souk_errinfo *e);

/* Text anchored at (x, y): ha 0 left, 0.5 centre, 1 right; va 0 top, 0.5 middle, 1 baseline.
 * angle in radians. */
void souk__text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                double ha, double va, double angle);

/* The same with a white outline, readable over points. */
void souk__text_halo(cairo_t *cr, double x, double y, const char *s, double size, double ha,
                     double va);

void souk__plot_title(souk__plot *p, const char *title, const char *subtitle);
/* Sets the data range and draws the frame, round ticks, grid and axis labels. */
void souk__plot_axes(souk__plot *p, double xmin, double xmax, double ymin, double ymax,
                     const char *xlabel, const char *ylabel);
double souk__plot_x(const souk__plot *p, double v);
double souk__plot_y(const souk__plot *p, double v);

typedef struct souk__legend_item {
  const char *label;
  double rgb[3];
  int kind; /* 0 dot, 1 box, 2 dashed line, 3 cross */
} souk__legend_item;
/* A legend box in the top right corner of the plot area. */
void souk__plot_legend(souk__plot *p, const souk__legend_item *items, int n);

/* Colour i of a palette that stays distinct for 10 entries (Tableau 10). */
void souk__palette(int i, double rgb[3]);

#endif /* SOUK_ANALYTICS_PLOT_H */
