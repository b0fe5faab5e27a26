#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The analytics definitions of docs/scoring.md implemented with pandas and scikit-learn: the
reference the C library is tested against (tests/tools/test_reference.c) and the peer of the
benchmark (tests/bench/analytics/run.sh).

Run it with Debian's /usr/bin/python3, which has python3-pandas and python3-sklearn.

  reference_pipeline.py PRODUCTS [--popularity-csv F] [--k 20] [--clusters 4] [--restarts 10]
                        [--out result.json] [--no-rows]

PRODUCTS is a Shopify /products.json body ({"products": [...]}) or a JSON Lines file of such
pages, one per line. The result (JSON) holds the metrics, scaled metrics and score of every
product (unless --no-rows), the top-K, the correlation matrix, the PCA explained variance,
K-Means inertia and sizes, the time of each stage in milliseconds and the peak RSS.
"""
import argparse
import html.entities
import json
import math
import re
import resource
import sys
import time
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler

METRICS = ["available_ratio", "num_tags", "avg_price", "num_images", "description_length",
           "popularity_score"]
DEFAULT_WEIGHTS = [0.25, 0.10, 0.20, 0.15, 0.10, 0.20]

# description_length: the visible text of body_html.
TAG = re.compile(r"<[^>]*>")
REF = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));")
ASCII_WS = re.compile(r"[ \t\n\f\r]+")
NAMED = html.entities.name2codepoint  # the 252 entities of HTML 4.01


def _reference(m):
    dec, hexa, name = m.group(1), m.group(2), m.group(3)
    if name is not None:
        cp = NAMED.get(name)
        return chr(cp) if cp is not None else m.group(0)
    digits = (dec if dec is not None else hexa).lstrip("0")
    if len(digits) > 7:  # far above U+10FFFF (and beyond int()'s digit limit)
        return "\ufffd"
    v = int(digits or "0", 10 if dec is not None else 16)
    if v == 0 or 0xD800 <= v <= 0xDFFF or v > 0x10FFFF:
        return "\ufffd"
    return chr(v)


def visible_text(body):
    if not body:
        return ""
    text = TAG.sub("", body)
    text = REF.sub(_reference, text)
    return ASCII_WS.sub(" ", text).strip(" ")


def price_units(s, decimals=2):
    """A decimal price string in currency units, or None when it is not an exact price with
    at most `decimals` significant fractional digits (the decoder's rule)."""
    if not isinstance(s, str) or not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    if not d.is_finite() or d < 0 or d != d.quantize(Decimal(1).scaleb(-decimals)):
        return None
    return float(s)


def product_metrics(p):
    variants = p.get("variants") or []
    prices = [x for x in (price_units(v.get("price")) for v in variants) if x is not None]
    avg_price = sum(prices) / len(prices) if prices else 0.0
    available = sum(1 for v in variants if v.get("available") is True)
    ratio = available / len(variants) if variants else 0.0
    tags = p.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in (x.strip() for x in tags.split(",")) if t]
    return (ratio, float(len(tags)), avg_price, float(len(p.get("images") or [])),
            float(len(visible_text(p.get("body_html")))))


def read_products(path, timings):
    """Yields products, counting JSON parsing as 'load' and nothing else."""
    with open(path, encoding="utf-8") as f:
        first = f.read(1)
        f.seek(0)
        lines = [f.read()] if first == "{" and path.endswith(".json") else f
        for line in lines:
            if not line.strip():
                continue
            t0 = time.perf_counter()
            page = json.loads(line)
            timings["load"] += time.perf_counter() - t0
            for p in page.get("products", [page.get("product")] if "product" in page else []):
                yield p


def run(args):
    timings = {k: 0.0 for k in ("load", "metrics", "scale_score", "top_k", "correlation", "pca",
                                "kmeans")}
    ids, titles, rows = [], [], []
    for p in read_products(args.products, timings):
        t0 = time.perf_counter()
        ids.append(int(p["id"]))
        titles.append(p.get("title") or "")
        rows.append(product_metrics(p))
        timings["metrics"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    df = pd.DataFrame(rows, columns=METRICS[:5])
    df.insert(0, "id", np.array(ids, dtype=np.int64))
    df["title"] = titles
    signal = "none"
    df["popularity_score"] = 0.0
    if args.popularity_csv:
        pop = pd.read_csv(args.popularity_csv, dtype={"id": np.int64, "popularity": np.float64},
                          float_precision="round_trip")
        df["popularity_score"] = df["id"].map(pop.set_index("id")["popularity"]).fillna(0.0)
        signal = "csv:" + args.popularity_csv.rsplit("/", 1)[-1]
    timings["metrics"] += time.perf_counter() - t0

    w = [float(x) for x in args.weights.split(",")] if args.weights else DEFAULT_WEIGHTS
    t0 = time.perf_counter()
    scaled = MinMaxScaler().fit_transform(df[METRICS].to_numpy(dtype=np.float64))
    s = pd.DataFrame(scaled, columns=METRICS)
    df["score"] = (w[0] * s["available_ratio"] + w[1] * s["num_tags"]
                   + w[2] * (1 - s["avg_price"]) + w[3] * s["num_images"]
                   + w[4] * s["description_length"] + w[5] * s["popularity_score"])
    timings["scale_score"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    top = df.sort_values(["score", "id"], ascending=[False, True], kind="mergesort").head(args.k)
    timings["top_k"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    corr = df[METRICS].corr(method="pearson")
    timings["correlation"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pca = PCA(svd_solver="full").fit(scaled)
    timings["pca"] = time.perf_counter() - t0

    km = None
    if args.clusters > 0:
        t0 = time.perf_counter()
        km = KMeans(n_clusters=args.clusters, init="k-means++", n_init=args.restarts,
                    random_state=0).fit(scaled)
        timings["kmeans"] = time.perf_counter() - t0

    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    out = {
        "n_products": len(df),
        "popularity": signal,
        "weights": w,
        "metric_columns": METRICS,
        "topk_ids": [int(x) for x in top["id"]],
        "topk_scores": [float(x) for x in top["score"]],
        "correlation": [[clean(float(corr.iloc[i, j])) for j in range(6)] for i in range(6)],
        "pca_explained_variance_ratio": [clean(float(x)) for x in
                                         pca.explained_variance_ratio_],
        "scaler_data_min": [float(x) for x in df[METRICS].min().to_numpy()],
        "scaler_data_max": [float(x) for x in df[METRICS].max().to_numpy()],
        "timings_ms": {k: v * 1e3 for k, v in timings.items()},
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    if km is not None:
        out["kmeans_inertia"] = float(km.inertia_)
        out["kmeans_sizes_sorted"] = sorted((int(x) for x in np.bincount(km.labels_)),
                                            reverse=True)
        out["kmeans_n_iter"] = int(km.n_iter_)
    if not args.no_rows:
        out["rows"] = {
            "id": [int(x) for x in df["id"]],
            **{m: [float(x) for x in df[m]] for m in METRICS},
            **{m + "_s": [float(x) for x in s[m]] for m in METRICS},
            "score": [float(x) for x in df["score"]],
        }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("products")
    ap.add_argument("--popularity-csv")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--clusters", type=int, default=4)
    ap.add_argument("--restarts", type=int, default=10)
    ap.add_argument("--weights")
    ap.add_argument("--out")
    ap.add_argument("--no-rows", action="store_true")
    args = ap.parse_args()
    out = run(args)
    text = json.dumps(out)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
