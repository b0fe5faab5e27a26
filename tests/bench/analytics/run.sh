#!/bin/sh
# SPDX-License-Identifier: MIT
# The analytics benchmark: each stage of the pipeline on a generated catalog (1,000,000
# products unless SOUK_BENCH_N says otherwise), souk beside the same pipeline in
# pandas/scikit-learn (tests/tools/reference_pipeline.py under Debian's /usr/bin/python3),
# medians of SOUK_BENCH_RUNS (3) runs, and peak RSS.
#
#   tests/bench/analytics/run.sh BUILD_DIR
set -eu
build=${1:?usage: run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
n=${SOUK_BENCH_N:-1000000}
runs=${SOUK_BENCH_RUNS:-3}
bench=$build/tests/bench/analytics/souk_bench_analytics
peer=$here/../../tools/reference_pipeline.py
[ -x "$bench" ] || { echo "build $bench first (cmake --build $build --target souk_bench_analytics)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/souk-bench-analytics.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

have_peer=1
/usr/bin/python3 -c 'import pandas, sklearn' 2>/dev/null || have_peer=0
if [ "$have_peer" = 1 ]; then
  echo "writing $n generated products for the peer..." >&2
  "$bench" write "$n" "$work/products.jsonl"
else
  echo "no pandas/scikit-learn for /usr/bin/python3: souk alone (apt-get install python3-pandas python3-sklearn)" >&2
fi
# The same catalog in a product store, kept in the build directory between runs (writing a
# million products takes a minute or two).
store="$build/bench-analytics-store-$n"
echo "filling the store $store (once)..." >&2
"$bench" store "$n" "$store"
i=1
while [ "$i" -le "$runs" ]; do
  echo "run $i/$runs: souk (generated table, then loaded from the store)" >&2
  "$bench" run "$n" > "$work/souk.$i.json"
  "$bench" run "$n" 0 "$store" > "$work/souk_store.$i.json"
  if [ "$have_peer" = 1 ]; then
    echo "run $i/$runs: pandas/scikit-learn" >&2
    /usr/bin/python3 "$peer" "$work/products.jsonl" --no-rows --out "$work/peer.$i.json"
  fi
  i=$((i + 1))
done

python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" - "$work" "$runs" "$have_peer" <<'PY'
import json, statistics, sys
work, runs, have_peer = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
stages = ["metrics", "scale_score", "top_k", "correlation", "pca", "kmeans"]
names = {"metrics": "metrics", "scale_score": "scale+score", "top_k": "top-K",
         "correlation": "correlation", "pca": "PCA", "kmeans": "K-Means k=4 x10"}
def load(kind):
    return [json.load(open(f"{work}/{kind}.{i}.json")) for i in range(1, runs + 1)]
souk = load("souk")
peer = load("peer") if have_peer else None
def med(docs, key):
    return statistics.median(d["timings_ms"][key] for d in docs)
n = souk[0]["n"]
print(f"analytics pipeline, {n:,} generated products, median of {runs} runs (ms)")
store = load("souk_store")
print(f"{'load from store':<18}{statistics.median(d['timings_ms']['load'] for d in store):>12.1f}"
      f"{'':>16}   SQLite, metrics included (peer: its JSON load below)")
print(f"{'stage':<18}{'souk':>12}{'pandas/sklearn':>16}{'speed-up':>10}")
ts = tp = 0.0
for s in stages:
    a = med(souk, s); ts += a
    if peer:
        b = med(peer, s); tp += b
        print(f"{names[s]:<18}{a:>12.1f}{b:>16.1f}{b / a if a else 0:>9.1f}x")
    else:
        print(f"{names[s]:<18}{a:>12.1f}")
if peer:
    print(f"{'whole pipeline':<18}{ts:>12.1f}{tp:>16.1f}{tp / ts:>9.1f}x")
    print(f"{'(peer JSON load)':<18}{'':>12}{med(peer, 'load'):>16.1f}   not counted: souk's store load is a stage of its own")
else:
    print(f"{'whole pipeline':<18}{ts:>12.1f}")
rs = statistics.median(d["peak_rss_kb"] for d in souk) / 1024
line = f"peak RSS (MiB)    {rs:>12.1f}"
if peer:
    rp = statistics.median(d["peak_rss_kb"] for d in peer) / 1024
    line += f"{rp:>16.1f}{rs / rp * 100:>9.1f}%"
print(line)
ki = statistics.median(d["kmeans_inertia"] for d in souk)
line = f"K-Means inertia   {ki:>12.6g}"
if peer:
    kp = statistics.median(d["kmeans_inertia"] for d in peer)
    line += f"{kp:>16.6g}{(ki / kp - 1) * 100:>+9.4f}%"
print(line)
print(f"silhouette (4000-row sample): {statistics.median(d['silhouette'] for d in souk):.4f}, "
      f"{statistics.median(d['timings_ms']['silhouette_4000'] for d in souk):.1f} ms (souk only)")
if peer:
    ok = tp / ts >= 10 and rs <= rp / 4 and med(peer, "kmeans") / med(souk, "kmeans") >= 2 and ki <= kp
    print("goals (>= 10x whole, <= 1/4 memory, K-Means >= 2x at equal or better inertia):",
          "met" if ok else "NOT met")
PY
