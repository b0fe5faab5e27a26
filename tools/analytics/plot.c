/* SPDX-License-Identifier: MIT */
/* Chart drawing on cairo: canvases for PNG and SVG, titles, axes, legends. */
#include "analytics/plot.h"

#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analytics/output.h"
#include "souk/error.h"

#define FONT "DejaVu Sans"

void souk__palette(int i, double rgb[3]) {
  static const unsigned tab10[10] = {0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F,
                                     0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC};
  unsigned c = tab10[(i % 10 + 10) % 10];
  double dim = i >= 10 ? 0.7 : 1.0; /* beyond ten, darker shades */
  rgb[0] = dim * ((c >> 16) & 0xFF) / 255.0;
  rgb[1] = dim * ((c >> 8) & 0xFF) / 255.0;
  rgb[2] = dim * (c & 0xFF) / 255.0;
}

void souk__text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                double ha, double va, double angle) {
  cairo_save(cr);
  cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t te;
  cairo_font_extents_t fe;
  cairo_text_extents(cr, s, &te);
  cairo_font_extents(cr, &fe);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  /* va: 0 top (ascent below y), 0.5 middle of the capitals, 1 baseline at y. */
  double dy = va <= 0 ? fe.ascent : va >= 1 ? 0 : fe.ascent * 0.5 - fe.descent * 0.1;
  cairo_move_to(cr, -te.x_advance * ha, dy);
  cairo_show_text(cr, s);
  cairo_restore(cr);
}

void souk__text_halo(cairo_t *cr, double x, double y, const char *s, double size, double ha,
                     double va) {
  cairo_save(cr);
  cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t te;
  cairo_font_extents_t fe;
  cairo_text_extents(cr, s, &te);
  cairo_font_extents(cr, &fe);
  double dy = va <= 0 ? fe.ascent : va >= 1 ? 0 : fe.ascent * 0.5 - fe.descent * 0.1;
  cairo_new_path(cr);
  cairo_move_to(cr, x - te.x_advance * ha, y + dy);
  cairo_text_path(cr, s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 3);
  cairo_stroke_preserve(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_fill(cr);
  cairo_restore(cr);
}

void souk__plot_title(souk__plot *p, const char *title, const char *subtitle) {
  cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
  souk__text(p->cr, p->width / 2, 14, title, 20, 1, 0.5, 0, 0);
  if (subtitle) {
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    souk__text(p->cr, p->width / 2, 42, subtitle, 13, 0, 0.5, 0, 0);
  }
}

double souk__plot_x(const souk__plot *p, double v) {
  double span = p->xmax - p->xmin;
  return p->left + (span > 0 ? (v - p->xmin) / span : 0.5) * (p->right - p->left);
}

double souk__plot_y(const souk__plot *p, double v) {
  double span = p->ymax - p->ymin;
  return p->bottom - (span > 0 ? (v - p->ymin) / span : 0.5) * (p->bottom - p->top);
}

/* A round step giving about `want` intervals over span: 1, 2 or 5 times a power of ten. */
static double nice_step(double span, int want) {
  if (!(span > 0) || !isfinite(span))
    return 1.0;
  double raw = span / want, mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void tick_label(char *buf, size_t len, double v, double step) {
  if (fabs(v) < step * 1e-9)
    v = 0;
  int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
  if (dec > 8)
    dec = 8;
  if (fabs(v) >= 1e6 || (fabs(v) > 0 && fabs(v) < 1e-4))
    snprintf(buf, len, "%.3g", v);
  else
    snprintf(buf, len, "%.*f", dec, v);
}

void souk__plot_axes(souk__plot *p, double xmin, double xmax, double ymin, double ymax,
                     const char *xlabel, const char *ylabel) {
  cairo_t *cr = p->cr;
  if (!(xmax > xmin)) {
    xmin -= 0.5;
    xmax += 0.5;
  }
  if (!(ymax > ymin)) {
    ymin -= 0.5;
    ymax += 0.5;
  }
  p->xmin = xmin;
  p->xmax = xmax;
  p->ymin = ymin;
  p->ymax = ymax;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
  cairo_fill(cr);
  char buf[64];
  double sx = nice_step(xmax - xmin, 8), sy = nice_step(ymax - ymin, 6);
  cairo_set_line_width(cr, 1);
  for (double v = ceil(xmin / sx) * sx; v <= xmax + sx * 1e-9; v += sx) {
    double x = souk__plot_x(p, v);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, x, p->top);
    cairo_line_to(cr, x, p->bottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, x, p->bottom);
    cairo_line_to(cr, x, p->bottom + 5);
    cairo_stroke(cr);
    tick_label(buf, sizeof buf, v, sx);
    souk__text(cr, x, p->bottom + 8, buf, 12, 0, 0.5, 0, 0);
  }
  for (double v = ceil(ymin / sy) * sy; v <= ymax + sy * 1e-9; v += sy) {
    double y = souk__plot_y(p, v);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, p->left, y);
    cairo_line_to(cr, p->right, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, p->left - 5, y);
    cairo_line_to(cr, p->left, y);
    cairo_stroke(cr);
    tick_label(buf, sizeof buf, v, sy);
    souk__text(cr, p->left - 8, y, buf, 12, 0, 1, 0.5, 0);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_rectangle(cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
  cairo_stroke(cr);
  souk__text(cr, (p->left + p->right) / 2, p->bottom + 32, xlabel, 14, 1, 0.5, 0, 0);
  souk__text(cr, p->left - 62, (p->top + p->bottom) / 2, ylabel, 14, 1, 0.5, 1, -M_PI / 2);
}

static void marker(cairo_t *cr, double x, double y, const double rgb[3], int kind) {
  cairo_save(cr);
  cairo_new_path(cr); /* text drawn before leaves a current point that arcs would join */
  cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
  switch (kind) {
  case 1:
    cairo_rectangle(cr, x - 7, y - 6, 14, 12);
    cairo_fill(cr);
    break;
  case 2:
    cairo_set_line_width(cr, 2.5);
    double dash[] = {6, 4};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, x - 10, y);
    cairo_line_to(cr, x + 10, y);
    cairo_stroke(cr);
    break;
  case 3:
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, x - 6, y - 6);
    cairo_line_to(cr, x + 6, y + 6);
    cairo_move_to(cr, x + 6, y - 6);
    cairo_line_to(cr, x - 6, y + 6);
    cairo_stroke(cr);
    break;
  default:
    cairo_arc(cr, x, y, 5, 0, 2 * M_PI);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

void souk__plot_legend(souk__plot *p, const souk__legend_item *items, int n) {
  cairo_t *cr = p->cr;
  double w = 0;
  cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  for (int i = 0; i < n; i++) {
    cairo_text_extents_t te;
    cairo_text_extents(cr, items[i].label, &te);
    w = te.x_advance > w ? te.x_advance : w;
  }
  double bw = w + 44, bh = n * 20 + 12, x = p->right - bw - 10, y = p->top + 10;
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_rectangle(cr, x, y, bw, bh);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (int i = 0; i < n; i++) {
    double cy = y + 16 + i * 20;
    marker(cr, x + 16, cy, items[i].rgb, items[i].kind);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    souk__text(cr, x + 32, cy, items[i].label, 12, 0, 0, 0.5, 0);
  }
}

typedef struct sink {
  FILE *f;
} sink;

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len) {
  sink *s = closure;
  return fwrite(data, 1, len, s->f) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void draw_on(cairo_surface_t *surf, int width, int height, souk__draw_fn draw,
                    void *ctx) {
  cairo_t *cr = cairo_create(surf);
  cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
  cairo_paint(cr);
  souk__plot p = {cr, width, height, 90, 70, width - 30.0, height - 70.0, 0, 1, 0, 1};
  draw(&p, ctx);
  cairo_destroy(cr);
}

int souk__plot_render(const char *dir, const char *name, unsigned formats, int width, int height,
                      souk__draw_fn draw, void *ctx, souk_errinfo *e) {
  int rc = souk__mkdirs(dir, e);
  if (rc)
    return rc;
  char file[256];
  for (int fmt = SOUK__PNG; fmt <= SOUK__SVG && !rc; fmt <<= 1) {
    if (!(formats & (unsigned)fmt))
      continue;
    snprintf(file, sizeof file, "%s.%s", name, fmt == SOUK__PNG ? "png" : "svg");
    souk__outfile o;
    if ((rc = souk__outfile_open(&o, dir, file, e)) != 0)
      break;
    sink s = {o.f};
    cairo_surface_t *surf;
    cairo_status_t st;
    if (fmt == SOUK__PNG) {
      surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
      draw_on(surf, width, height, draw, ctx);
      st = cairo_surface_status(surf);
      if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(surf, write_cb, &s);
      cairo_surface_destroy(surf);
    } else {
      surf = cairo_svg_surface_create_for_stream(write_cb, &s, width, height);
      draw_on(surf, width, height, draw, ctx);
      cairo_surface_finish(surf);
      st = cairo_surface_status(surf);
      cairo_surface_destroy(surf);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
      souk__outfile_abort(&o);
      rc = souk_errinfo_set(e, st == CAIRO_STATUS_NO_MEMORY ? SOUK_ENOMEM : SOUK_EIO,
                            "cannot draw %s/%s: %s", dir, file, cairo_status_to_string(st));
      break;
    }
    rc = souk__outfile_commit(&o, e);
  }
  return rc;
}
