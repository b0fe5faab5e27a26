#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The peer of the crawl benchmark: the seed's stack doing souk's job — requests, json and
sqlite3, page after page of /products.json into an SQLite file with products and variants.

    peer_crawl.py STORE_URL DB_PATH

Prints "products=N seconds=S". Needs Debian's python3-requests (run with /usr/bin/python3).
"""
import json
import sqlite3
import sys
import time

import requests


def main():
    base, db = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS products (store TEXT, id INTEGER, handle TEXT, title TEXT,"
        " vendor TEXT, product_type TEXT, tags TEXT, body_html TEXT, updated_at TEXT,"
        " images TEXT, PRIMARY KEY (store, id))")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS variants (store TEXT, id INTEGER, product_id INTEGER,"
        " title TEXT, sku TEXT, price TEXT, compare_at_price TEXT, available INTEGER,"
        " PRIMARY KEY (store, id))")
    session = requests.Session()
    start = time.monotonic()
    total, page = 0, 1
    while True:
        r = session.get(base + "/products.json", params={"limit": 250, "page": page}, timeout=60)
        r.raise_for_status()
        products = json.loads(r.content)["products"]
        if not products:
            break
        conn.executemany(
            "INSERT OR REPLACE INTO products VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(base, p["id"], p.get("handle"), p.get("title"), p.get("vendor"),
              p.get("product_type"), json.dumps(p.get("tags", [])), p.get("body_html"),
              p.get("updated_at"), json.dumps(p.get("images", []))) for p in products])
        conn.executemany(
            "INSERT OR REPLACE INTO variants VALUES (?,?,?,?,?,?,?,?)",
            [(base, v["id"], p["id"], v.get("title"), v.get("sku"), v.get("price"),
              v.get("compare_at_price"), 1 if v.get("available") else 0)
             for p in products for v in p.get("variants", [])])
        conn.commit()
        total += len(products)
        page += 1
    print("products=%d seconds=%.3f" % (total, time.monotonic() - start))


if __name__ == "__main__":
    main()
