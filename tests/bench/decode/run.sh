#!/bin/sh
# SPDX-License-Identifier: MIT
# Decoder benchmark in one command: writes 100,000 generated products as 400 products.json
# pages (once) and measures the souk decoder against jansson, median of 5 runs.
#
#     tests/bench/decode/run.sh BUILD_DIR [PRODUCTS] [RUNS]
#
# The pages go to BUILD_DIR/bench-decode-pages-PRODUCTS/ and are reused by later runs.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [PRODUCTS] [RUNS]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$1
products=${2:-100000}
runs=${3:-5}
pages="$build/bench-decode-pages-$products"
bench="$build/tests/bench/decode/bench_decode"
[ -x "$bench" ] || cmake --build "$build" --target bench_decode
if [ ! -f "$pages/page1.json" ]; then
  python3 "$here/gen_products.py" "$pages" --products "$products"
fi
"$bench" "$pages" "$runs"
