/* SPDX-License-Identifier: MIT */
/* The results of an analysis as files and text: top_k.csv, products_scored.csv,
 * analysis.json (all of it in one document) and the terminal summary (top-K table and
 * clusters). Columns and fields are listed in docs/scoring.md. Files are written through a
 * temporary file and renamed into place: a failure never leaves a half-written file. */
#ifndef SOUK_ANALYTICS_REPORT_H
#define SOUK_ANALYTICS_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "analytics/analysis.h"
#include "core/errinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The file names written into the output directory. */
#define SOUK_REPORT_TOPK_CSV "top_k.csv"
#define SOUK_REPORT_SCORED_CSV "products_scored.csv"
#define SOUK_REPORT_JSON "analysis.json"

/* Each writes one file into dir (created with its parents when missing). Returns 0 or
 * SOUK_EIO / SOUK_ENOMEM with a sentence naming the file. */
int souk_report_write_topk_csv(const souk_analysis *a, const char *dir, souk_errinfo *e);
/* Every product, in rank order. */
int souk_report_write_scored_csv(const souk_analysis *a, const char *dir, souk_errinfo *e);
int souk_report_write_json(const souk_analysis *a, const char *dir, souk_errinfo *e);

/* The three files and the charts (charts.h, PNG and SVG). */
int souk_report_write_all(const souk_analysis *a, const char *dir, souk_errinfo *e);

/* analysis.json as a jansson value (for the MCP tools' structured content); NULL when out of
 * memory. The caller owns the reference. */
json_t *souk_report_json(const souk_analysis *a);

/* Prints the top-K table and the cluster summary for a terminal. */
void souk_report_print(const souk_analysis *a, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* SOUK_ANALYTICS_REPORT_H */
