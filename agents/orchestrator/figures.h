/* SPDX-License-Identifier: MIT */
/* The figure checker: every number a summary states must be one that a tool returned (or the
 * user gave). It collects the numbers of tool results, arguments and the goal, then finds each
 * figure of a Markdown text and keeps, flags or strips it.
 *
 * A figure matches a known number when it equals that number rounded to the figure's shown
 * precision ("0.812" for 0.81234; "1,204" for 1204); a percentage also matches a known ratio
 * ("43.5%" for 0.435); "1.2k" and "3M" are read as 1200 and 3000000; a known price in minor
 * units (a member whose name contains "price", beside "price_decimals": 2) also counts in major
 * units (1999 -> 19.99). Signs are ignored ("fell by 12%" is supported by -0.12). Not figures
 * in a summary: ordered-list markers at the start of a line ("1. "), digits inside URLs, and
 * dotted sequences such as versions and addresses ("1.2.3", "127.0.0.1"). Numbers are
 * collected from URLs too (a store's port). Any thread; one set per thread at a time.
 */
#ifndef SOUK_ORCHESTRATOR_FIGURES_H
#define SOUK_ORCHESTRATOR_FIGURES_H

#include <stddef.h>

#include <jansson.h>

typedef enum souk_figures_mode {
  SOUK_FIGURES_STRIP = 0,  /* an unsupported figure is replaced by "[figure removed]" */
  SOUK_FIGURES_FLAG        /* it stays, followed by " [unverified]" */
} souk_figures_mode;

typedef struct souk_figures souk_figures;

/* An empty set; NULL when out of memory. */
souk_figures *souk_figures_new(void);
void souk_figures_free(souk_figures *f);

/* Adds every number of a JSON value: numbers, numbers written inside strings, and prices in
 * major units as described above. Returns 0, or SOUK_ENOMEM / SOUK_ELIMIT (the set holds at
 * most 4 million numbers). */
int souk_figures_add_json(souk_figures *f, const json_t *v);
/* Adds the numbers written in a text (the goal, a tool's text result). */
int souk_figures_add_text(souk_figures *f, const char *text);
int souk_figures_add_number(souk_figures *f, double v);
size_t souk_figures_count(const souk_figures *f);

typedef struct souk_figures_report {
  size_t figures;          /* numbers found in the text */
  size_t supported;        /* of which a tool returned (or the user gave) */
  json_t *unsupported;     /* the others, as written: ["42%", "1,300"] (owned) */
  char *text;              /* the text with unsupported figures stripped or flagged (malloc) */
} souk_figures_report;

/* Checks `markdown` against the set (sorting it first). Returns 0 and fills r (free with
 * souk_figures_report_free), or SOUK_ENOMEM / SOUK_ETOOBIG (a text over 1 MiB). */
int souk_figures_check(souk_figures *f, const char *markdown, souk_figures_mode mode,
                       souk_figures_report *r);
void souk_figures_report_free(souk_figures_report *r);

/* Calls fn for each figure of a text: its offset, length and value (after %, k, M). With
 * `markdown`, list markers and URLs are skipped (a summary); without, everything counts (a
 * tool's text). Used by the checker and by tests. */
typedef struct souk_figure {
  size_t offset, len;      /* the figure as written, sign and suffix included */
  double value;            /* the number as written (43.5 for "43.5%") */
  int decimals;            /* digits after the decimal point as written */
  double multiplier;       /* 1, or 1000 for "k", 1e6 for "M", 1e9 for "B" */
  int percent;             /* written with a % sign */
} souk_figure;

void souk_figures_scan(const char *text, size_t len, int markdown,
                       void (*fn)(const souk_figure *fig, void *ud), void *ud);

#endif /* SOUK_ORCHESTRATOR_FIGURES_H */
