#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawl benchmark in one command: a generated store of 100,000 products (400 pages of 250,
# real products' shapes) served by nginx on loopback; `souk scrape --rate 0` into SQLite (and
# into MongoDB when the MongoDB-compatible test server is installed), against the seed's stack
# (requests + json + sqlite3, page after page) as the peer; products/s from first request to
# last committed row, peak RSS, medians of RUNS (default 3); and the decoder's parse-only
# figure on the same pages.
#
#   tests/bench/crawl/run.sh BUILD_DIR [RUNS]     (environment: PRODUCTS=100000)
#
# Needs nginx (nginx-light), /usr/bin/time (time), python3-requests, curl.
set -eu
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [RUNS]}" && pwd)
RUNS=${2:-3}
PRODUCTS=${PRODUCTS:-100000}
HERE=$(cd "$(dirname "$0")" && pwd)
SOUK="$BUILD/souk"
[ -x "$SOUK" ] || { echo "run.sh: $SOUK not built" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "run.sh: nginx not found (apt-get install nginx-light)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
/usr/bin/python3 -c 'import requests' 2>/dev/null || { echo "run.sh: apt-get install python3-requests" >&2; exit 2; }

PAGES="$BUILD/bench-decode-pages-$PRODUCTS"
if [ ! -f "$PAGES/page1.json" ]; then
  /usr/bin/python3 "$HERE/../decode/gen_products.py" "$PAGES" --products "$PRODUCTS"
fi
NPAGES=$(ls "$PAGES" | grep -c '^page[0-9]*\.json$')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/souk-bench-crawl-XXXXXX")
cleanup() {
  for p in $NGINX_PIDS; do kill "$p" 2>/dev/null || true; done
  [ -d "$TMP/mongo" ] && "$HERE/../../runtime/store/mongo/server.sh" stop "$TMP/mongo" >/dev/null 2>&1
  sleep 0.2
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/temp"
ln -s "$PAGES"/page*.json "$TMP/www/"
echo '{"products":[]}' > "$TMP/www/empty.json"
printf '{"name":"Bench","currency":"USD","published_products_count":%s}' "$PRODUCTS" > "$TMP/www/meta.json"
chmod -R a+rX "$TMP/www" "$PAGES"
mkdir -p "$TMP/nginx"
# start_nginx ROOT NAME: serves ROOT on a free loopback port; sets URL.
start_nginx() {
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$TMP/$2/temp"
  cat > "$TMP/$2/nginx.conf" <<CONF
worker_processes 2;
pid $TMP/$2/nginx.pid;
error_log $TMP/$2/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $TMP/$2/temp/body;
  proxy_temp_path $TMP/$2/temp/proxy;
  fastcgi_temp_path $TMP/$2/temp/fastcgi;
  uwsgi_temp_path $TMP/$2/temp/uwsgi;
  scgi_temp_path $TMP/$2/temp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$port;
    root $1;
    location = /products.json { try_files /page\$arg_page.json /empty.json; }
  }
}
CONF
  "$NGINX" -p "$TMP/$2" -e "$TMP/$2/error.log" -c "$TMP/$2/nginx.conf" -g 'daemon off;' &
  NGINX_PIDS="$NGINX_PIDS $!"
  URL="http://127.0.0.1:$port"
  i=0
  until curl -fsS -o /dev/null "$URL/meta.json" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { cat "$TMP/$2/error.log" >&2; exit 1; }; sleep 0.05
  done
}
NGINX_PIDS=""
start_nginx "$TMP/www" nginx

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One souk run: prints "seconds rss_kb", seconds from the first request to the last committed
# product (the crawl record's start and the newest last_seen; the text index is built after
# that and reported on its own line), or the whole command's time for MongoDB.
souk_run() {
  rm -rf "$TMP/data"
  env $1 /usr/bin/time -f "%e %M" -o "$TMP/time" "$SOUK" -q scrape --rate 0 --data-dir "$TMP/data" "$URL" >"$TMP/out" 2>"$TMP/err" \
    || { echo "souk scrape failed:" >&2; cat "$TMP/out" "$TMP/err" >&2; exit 1; }
  grep -q complete "$TMP/out" || { echo "souk scrape incomplete:" >&2; cat "$TMP/out" >&2; exit 1; }
  if [ -f "$TMP/data/souk.db" ]; then
    /usr/bin/python3 - "$TMP/data/souk.db" "$TMP/time" <<'PY'
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
start, last, end = db.execute("SELECT started_at, (SELECT MAX(last_seen) FROM products), ended_at FROM crawls").fetchone()
t = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
wall, rss = open(sys.argv[2]).read().split()
print("%.3f %s %.3f %s" % ((t(last) - t(start)).total_seconds(), rss, float(wall), "x"))
PY
  else
    set -- $(cat "$TMP/time"); echo "$1 $2 $1 x"
  fi
}

peer_run() {
  rm -f "$TMP/peer.db"*
  /usr/bin/time -f "%e %M" -o "$TMP/time" /usr/bin/python3 "$HERE/peer_crawl.py" "$URL" "$TMP/peer.db" >"$TMP/out"
  set -- $(cat "$TMP/time"); echo "$1 $2 $1"
}

# One run of `command`: its seconds, peak RSS and whole time appended to $TMP/TAG.{s,m,w}.
run_once() { # command env tag
  tag=$3
  set -- $($1 "$2")
  echo "$1" >> "$TMP/$tag.s"; echo "$2" >> "$TMP/$tag.m"; echo "${3:-$1}" >> "$TMP/$tag.w"
}

report() { # label tag
  s=$(median < "$TMP/$2.s"); m=$(median < "$TMP/$2.m"); w=$(median < "$TMP/$2.w")
  awk -v l="$1" -v p="$PRODUCTS" -v s="$s" -v m="$m" -v w="$w" 'BEGIN { printf "%-28s %10.0f %10.2f %10.1f %10.2f\n", l, p / s, s, m / 1024, w }'
}

measure() { # label command env
  rm -f "$TMP"/one.*
  r=0
  while [ $r -lt "$RUNS" ]; do run_once "$2" "$3" one; r=$((r + 1)); done
  report "$1" one
}
echo "crawl of $PRODUCTS products ($NPAGES pages of 250) from nginx on loopback, median of $RUNS runs"
echo "(products/s and seconds: first request to last committed product; command s: the whole"
echo " command, for souk with SQLite including the full-text index built after the crawl)"
printf "%-28s %10s %10s %10s %10s\n" "" "products/s" "seconds" "peak MiB" "command s"
# souk and the peer take turns, so a change of the machine's speed during the bench (it is
# shared) touches both; the ratio is the median of each turn's ratio.
rm -f "$TMP"/souk.* "$TMP"/peer.*
r=0
while [ $r -lt "$RUNS" ]; do
  run_once souk_run "" souk
  run_once peer_run "" peer
  r=$((r + 1))
done
report "souk scrape (SQLite)" souk
report "peer: requests+json+sqlite3" peer
RATIO=$(paste "$TMP/peer.s" "$TMP/souk.s" | awk '{print $1 / $2}' | median)
ALL=$(paste "$TMP/peer.s" "$TMP/souk.s" | awk '{printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2}')
printf "souk / peer, products/s: %.2fx (median of the turns: %s)\n" "$RATIO" "$ALL"
# MongoDB: the only server here is CongoDB, the in-memory MongoDB-compatible test server
# (tests/runtime/store/mongo), which slows down as it fills (hundreds of products/s): it is run
# on MONGO_PRODUCTS (default 2,500) products, 10 pages of 250, and says nothing of a real
# MongoDB's speed.
MONGO_DIR="$HERE/../../runtime/store/mongo"
MONGO_PRODUCTS=${MONGO_PRODUCTS:-2500}
if "$MONGO_DIR/server.sh" start "$TMP/mongo" >/dev/null 2>&1; then
  MPAGES=$(( (MONGO_PRODUCTS + 249) / 250 ))
  mkdir -p "$TMP/www-mongo"
  i=1; while [ $i -le $MPAGES ]; do ln -s "$PAGES/page$i.json" "$TMP/www-mongo/"; i=$((i + 1)); done
  cp "$TMP/www/empty.json" "$TMP/www-mongo/"
  printf '{"name":"Bench","currency":"USD","published_products_count":%s}' "$((MPAGES * 250))" > "$TMP/www-mongo/meta.json"
  chmod -R a+rX "$TMP/www-mongo"
  URL_ALL=$URL
  start_nginx "$TMP/www-mongo" nginx-mongo
  SAVED=$PRODUCTS; PRODUCTS=$((MPAGES * 250))
  measure "souk scrape (MongoDB*)" souk_run "SOUK_MONGODB_URI=$(cat "$TMP/mongo/uri")"
  PRODUCTS=$SAVED; URL=$URL_ALL
  "$MONGO_DIR/server.sh" stop "$TMP/mongo" >/dev/null 2>&1 || true
  echo "  * CongoDB test server, $((MPAGES * 250)) products: not a real MongoDB's speed"
else
  echo "(MongoDB run skipped: run npm ci in tests/runtime/store/mongo first)"
fi
if [ -x "$BUILD/tests/bench/decode/bench_decode" ]; then
  echo; echo "parse-only (the same pages, decoder alone):"
  "$BUILD/tests/bench/decode/bench_decode" "$PAGES" "$RUNS" | tail -4
fi
