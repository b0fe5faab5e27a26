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
NGINX_PID=""
MONGO_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ -n "$MONGO_PID" ] && kill "$MONGO_PID" 2>/dev/null || true
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
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$TMP/nginx.conf" <<CONF
worker_processes 2;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $TMP/temp/body;
  proxy_temp_path $TMP/temp/proxy;
  fastcgi_temp_path $TMP/temp/fastcgi;
  uwsgi_temp_path $TMP/temp/uwsgi;
  scgi_temp_path $TMP/temp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$PORT;
    root $TMP/www;
    location = /products.json { try_files /page\$arg_page.json /empty.json; }
  }
}
CONF
"$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT"
i=0
until curl -fsS -o /dev/null "$URL/meta.json" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$TMP/error.log" >&2; exit 1; }; sleep 0.05
done

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

measure() { # label command env
  label=$1 cmd=$2 envs=$3
  : > "$TMP/s"; : > "$TMP/m"; : > "$TMP/w"
  r=0
  while [ $r -lt "$RUNS" ]; do
    set -- $($cmd "$envs")
    echo "$1" >> "$TMP/s"; echo "$2" >> "$TMP/m"; echo "${3:-$1}" >> "$TMP/w"
    r=$((r + 1))
  done
  s=$(median < "$TMP/s"); m=$(median < "$TMP/m"); w=$(median < "$TMP/w")
  awk -v l="$label" -v p="$PRODUCTS" -v s="$s" -v m="$m" -v w="$w" 'BEGIN { printf "%-28s %10.0f %10.2f %10.1f %10.2f\n", l, p / s, s, m / 1024, w }'
}

echo "crawl of $PRODUCTS products ($NPAGES pages of 250) from nginx on loopback, median of $RUNS runs"
echo "(products/s and seconds: first request to last committed product; command s: the whole"
echo " command, for souk with SQLite including the full-text index built after the crawl)"
printf "%-28s %10s %10s %10s %10s\n" "" "products/s" "seconds" "peak MiB" "command s"
measure "souk scrape (SQLite)" souk_run ""
MONGO_DIR="$HERE/../../runtime/store/mongo"
if [ -d "$MONGO_DIR/node_modules" ] && command -v node >/dev/null; then
  MPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (cd "$MONGO_DIR" && exec node start-congodb.mjs "$MPORT") > "$TMP/mongo.log" 2>&1 &
  MONGO_PID=$!
  i=0; until grep -q READY "$TMP/mongo.log" 2>/dev/null; do i=$((i+1)); [ $i -gt 200 ] && break; sleep 0.1; done
  if grep -q READY "$TMP/mongo.log"; then
    measure "souk scrape (MongoDB)" souk_run "SOUK_MONGODB_URI=mongodb://127.0.0.1:$MPORT/bench"
  else
    echo "(MongoDB-compatible server did not start; skipped)"
  fi
else
  echo "(MongoDB run skipped: npm ci in tests/runtime/store/mongo first)"
fi
measure "peer: requests+json+sqlite3" peer_run ""
if [ -x "$BUILD/tests/bench/decode/bench_decode" ]; then
  echo; echo "parse-only (the same pages, decoder alone):"
  "$BUILD/tests/bench/decode/bench_decode" "$PAGES" "$RUNS" | tail -4
fi
