/* SPDX-License-Identifier: MIT */
/* Every output of an analysis into one directory: the CSV files, analysis.json, the charts. */
#include "analytics/report.h"

#include "analytics/charts.h"

int souk_report_write_all(const souk_analysis *a, const char *dir, souk_errinfo *e) {
  int rc = souk_report_write_topk_csv(a, dir, e);
  if (!rc)
    rc = souk_report_write_scored_csv(a, dir, e);
  if (!rc)
    rc = souk_report_write_json(a, dir, e);
  if (!rc)
    rc = souk_charts_write(a, dir, e);
  return rc;
}
