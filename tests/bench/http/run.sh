#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark of souk's HTTP client against curl: both fetch the same small file from a local
# nginx N times (default 20,000) with 64 requests in flight, RUNS times each (default 5), and
# the medians are printed side by side.
#
#   tests/bench/http/run.sh BUILD_DIR [RUNS]       (environment: N=20000 C=64)
#
# Needs nginx (Debian: nginx-light), curl and /usr/bin/time (Debian: time). nginx runs with a
# temporary configuration on a free loopback port and is stopped at the end.
set -eu

BUILD=${1:?usage: run.sh BUILD_DIR [RUNS]}
RUNS=${2:-5}
N=${N:-20000}
C=${C:-64}
BENCH="$BUILD/tests/bench/http/bench_http"
[ -x "$BENCH" ] || { echo "run.sh: $BENCH not built (cmake --build $BUILD --target bench_http)" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "run.sh: nginx not found (apt-get install nginx-light)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
command -v curl >/dev/null || { echo "run.sh: curl not found (apt-get install curl)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/souk-bench-http-XXXXXX")
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    # wait for the master (and so its workers) to go
    i=0
    while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# A free port: bind port 0 and let the kernel choose, then release it for nginx.
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# nginx's workers drop root privileges: they must be able to read the files.
chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/temp"
# A small file, the size of a short JSON answer.
/usr/bin/python3 -c 'import json; print(json.dumps({"products": [{"id": i, "title": "Product %d" % i} for i in range(12)]}))' > "$TMP/www/small.json"
chmod -R a+rX "$TMP/www"

cat > "$TMP/nginx.conf" <<EOF
worker_processes 2;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path $TMP/temp/body;
  proxy_temp_path $TMP/temp/proxy;
  fastcgi_temp_path $TMP/temp/fastcgi;
  uwsgi_temp_path $TMP/temp/uwsgi;
  scgi_temp_path $TMP/temp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$PORT;
    root $TMP/www;
  }
}
EOF
"$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT/small.json"
i=0
until curl -fsS -o /dev/null "$URL" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
    echo "run.sh: nginx did not start:" >&2
    cat "$TMP/error.log" >&2 || true
    exit 1
  fi
  sleep 0.05
done
SIZE=$(wc -c < "$TMP/www/small.json")

# curl's list: one url and one output per request (what -o /dev/null does for one URL).
awk -v n="$N" -v u="$URL" 'BEGIN { for (i = 0; i < n; i++) printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' > "$TMP/curl.cfg"

echo "nginx 127.0.0.1:$PORT (2 workers, keep-alive, no access log) serving $SIZE bytes; $N GETs, $C in flight, $RUNS runs each"
: > "$TMP/souk.txt"
: > "$TMP/curl.txt"
run=1
while [ $run -le "$RUNS" ]; do
  line=$("$BENCH" "$URL" "$N" "$C" 2>"$TMP/bench.err") || { cat "$TMP/bench.err" >&2; exit 1; }
  echo "$line" | tr ' ' '\n' | awk -F= '
    /^rps=/ {r=$2} /^p50_ms=/ {p50=$2} /^p99_ms=/ {p99=$2} /^max_rss_kib=/ {m=$2}
    END {print r, p50, p99, m}' >> "$TMP/souk.txt"
  printf '  run %d souk: %s\n' "$run" "$line"

  /usr/bin/time -v -o "$TMP/time.txt" curl -sS --no-progress-meter --parallel \
    --parallel-max "$C" -K "$TMP/curl.cfg" -w '%{http_code}\n' > "$TMP/codes.txt" 2>"$TMP/curl.err" ||
    { cat "$TMP/curl.err" >&2; exit 1; }
  ok=$(grep -c '^200$' "$TMP/codes.txt" || true)
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$TMP/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
  rps=$(awk -v n="$ok" -v s="$wall" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  [ "$ok" -eq "$N" ] || echo "run.sh: curl got $ok of $N answers 200" >&2
  echo "$rps $rss" >> "$TMP/curl.txt"
  printf '  run %d curl: ok=%s seconds=%s rps=%s max_rss_kib=%s\n' "$run" "$ok" "$wall" "$rps" "$rss"
  run=$((run + 1))
done

median() { # column file
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{v[NR] = $c} END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
s_rps=$(median 1 "$TMP/souk.txt"); s_p50=$(median 2 "$TMP/souk.txt")
s_p99=$(median 3 "$TMP/souk.txt"); s_rss=$(median 4 "$TMP/souk.txt")
c_rps=$(median 1 "$TMP/curl.txt"); c_rss=$(median 2 "$TMP/curl.txt")

echo
echo "medians of $RUNS runs ($N GETs of $SIZE bytes, $C in flight):"
printf '| %-28s | %9s | %8s | %8s | %13s |\n' "client" "req/s" "p50 ms" "p99 ms" "peak RSS MiB"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------" "-----------" "----------" "----------" "---------------"
printf '| %-28s | %9.0f | %8.2f | %8.2f | %13.1f |\n' "souk_http (bench_http)" "$s_rps" "$s_p50" "$s_p99" "$(awk -v k="$s_rss" 'BEGIN {print k / 1024}')"
printf '| %-28s | %9.0f | %8s | %8s | %13.1f |\n' "curl --parallel-max $C" "$c_rps" "-" "-" "$(awk -v k="$c_rss" 'BEGIN {print k / 1024}')"
