#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a synthetic Shopify catalog as /products.json pages: DIR/page1.json ... pageN.json.

Every product is a copy of a real one from tests/fixtures/shopify (so field order, sizes,
variant and image counts, tag lists and HTML bodies follow real stores) with a new id,
handle, variant ids, prices, sale prices and stock. Pages are written the way Shopify sends
them: minified, with <, >, & escaped as \\u003c, \\u003e, \\u0026 and / as \\/.

    gen_products.py OUT_DIR [--products 100000] [--per-page 250] [--seed 1]

Used by the decoder benchmark (tests/bench/decode) and, as a fixture store's catalog, by the
crawl benchmark. Standard library only; deterministic for a given seed.
"""
import argparse
import copy
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "fixtures", "shopify")
TEMPLATES = ["annie-thompson_products_snapshot-a.json", "soulandmore-eg_products_page1.json"]
WORDS = ["linen", "wool", "classic", "cropped", "relaxed", "noir", "amber", "oud", "velvet",
         "summer", "winter", "limited", "organic", "silk", "bundle", "mini", "travel", "deluxe"]


def shopify_dumps(obj):
    """Minified JSON escaped like Shopify's storefront (these bytes only occur in strings)."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (s.replace("/", "\\/").replace("&", "\\u0026")
             .replace("<", "\\u003c").replace(">", "\\u003e"))


def money(cents):
    return "%d.%02d" % (cents // 100, cents % 100)


def stamp(rng):
    return "20%02d-%02d-%02dT%02d:%02d:%02d-05:00" % (
        rng.randint(18, 25), rng.randint(1, 12), rng.randint(1, 28),
        rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))


def make_product(rng, tpl, n, ids):
    p = copy.deepcopy(tpl)
    pid = 7_000_000_000_000 + n
    word = rng.choice(WORDS)
    p["id"] = pid
    p["title"] = "%s %s %d" % (tpl["title"], word.capitalize(), n)
    p["handle"] = "%s-%s-%d" % (tpl["handle"], word, n)
    p["created_at"] = stamp(rng)
    p["updated_at"] = stamp(rng)
    p["published_at"] = stamp(rng)
    if p.get("tags"):
        p["tags"] = sorted(rng.sample(p["tags"], rng.randint(1, len(p["tags"]))))
    base = rng.choice([1500, 2500, 4500, 9900, 12500, 18900, 29500, 46500, 91125, 150000])
    base += rng.randint(0, 99) * 100 + rng.choice([0, 0, 0, 50, 99])
    for v in p.get("variants", []):
        ids[0] += 1
        v["id"] = 40_000_000_000_000 + ids[0]
        v["product_id"] = pid
        price = base + rng.choice([0, 0, 0, 500, 1000])
        v["price"] = money(price)
        r = rng.random()
        v["compare_at_price"] = (None if r < 0.45 else money(price) if r < 0.55
                                 else money(price * rng.choice([120, 125, 140, 150]) // 100))
        v["available"] = rng.random() >= 0.35
        v["created_at"] = p["created_at"]
        v["updated_at"] = p["updated_at"]
    for img in p.get("images", []):
        ids[0] += 1
        img["id"] = 30_000_000_000_000 + ids[0]
        img["product_id"] = pid
        if "src" in img:
            img["src"] = img["src"].split("?")[0] + "?v=%d" % rng.randint(1600000000, 1790000000)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--products", type=int, default=100000)
    ap.add_argument("--per-page", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.products < 0 or not 1 <= args.per_page <= 250:
        sys.exit("gen_products.py: --products must be >= 0 and --per-page 1..250")

    templates = []
    for name in TEMPLATES:
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
            templates.extend(json.load(f)["products"])
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)

    ids = [0]
    total = 0
    pages = 0
    n = 0
    while n < args.products or pages == 0:
        count = min(args.per_page, args.products - n)
        products = [make_product(rng, rng.choice(templates), n + i, ids) for i in range(count)]
        n += count
        pages += 1
        data = shopify_dumps({"products": products}).encode("utf-8")
        with open(os.path.join(args.out_dir, "page%d.json" % pages), "wb") as f:
            f.write(data)
        total += len(data)
    print("gen_products.py: %d products in %d pages (%d per page), %.1f MB in %s"
          % (n, pages, args.per_page, total / 1e6, args.out_dir))


if __name__ == "__main__":
    main()
