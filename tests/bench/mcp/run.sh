#!/bin/sh
# SPDX-License-Identifier: MIT
# The MCP benchmark, one command: over stdio, souk's example server (examples/mcp_echo_server)
# beside the reference server @modelcontextprotocol/server-everything (npm, in this folder),
# each spawned fresh RUNS times (default 5): start to initialize answered, round trips per
# second of `ping` and of one cheap tools/call (echo), one at a time and 32 in flight, and the
# server's peak RSS, and the same for a floor that answers without doing anything (what the
# pipes, the scheduler and the client cost); then souk over WebSocket: CLIENTS (100)
# concurrent sessions, each sending its next call when the last is answered. Medians are
# printed side by side.
#
#   tests/bench/mcp/run.sh BUILD_DIR [RUNS]     (environment: N=20000 CLIENTS=100 PER_CLIENT=500)
#
# The peer needs node (18 or later) and `npx -y npm@10 ci` in tests/bench/mcp; without them
# souk runs alone.
set -eu
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [RUNS]}" && pwd)
RUNS=${2:-5}
N=${N:-20000}
CLIENTS=${CLIENTS:-100}
PER_CLIENT=${PER_CLIENT:-500}
here=$(cd "$(dirname "$0")" && pwd)
bench="$BUILD/tests/bench/mcp/bench_mcp"
server="$BUILD/examples/mcp_echo_server"
floor="$BUILD/tests/bench/mcp/bench_mcp_pipe_floor"
peer="$here/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
for f in "$bench" "$server" "$floor"; do
  [ -x "$f" ] || { echo "run.sh: $f not built (cmake --build $BUILD --target bench_mcp)" >&2; exit 2; }
done
have_peer=1
if ! command -v node >/dev/null 2>&1 || [ ! -f "$peer" ]; then
  have_peer=0
  echo "run.sh: no peer (needs node and 'npx -y npm@10 ci' in tests/bench/mcp): souk alone" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/souk-bench-mcp-XXXXXX")
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

fields() { # line -> "start ping_seq ping_pipe call_seq call_pipe rss"
  echo "$1" | tr ' ' '\n' | awk -F= '
    /^start_ms=/ {a=$2} /^ping_seq_rps=/ {b=$2} /^ping_pipe_rps=/ {c=$2} /^call_seq_rps=/ {d=$2}
    /^call_pipe_rps=/ {e=$2} /^peak_rss_kib=/ {f=$2} END {print a, b, c, d, e, f}'
}
median() { # column file
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{v[NR] = $c} END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "stdio: $N requests per figure, $RUNS runs each, fresh server per run ($(nproc) cores)"
: > "$work/souk.txt"
: > "$work/peer.txt"
: > "$work/floor.txt"
run=1
while [ "$run" -le "$RUNS" ]; do
  line=$("$bench" stdio "$N" echo '{"text":"hi"}' -- "$server")
  echo "  run $run souk: $line"
  fields "$line" >> "$work/souk.txt"
  if [ "$have_peer" = 1 ]; then
    line=$(cd "$here" && "$bench" stdio "$N" echo '{"message":"hi"}' -- node "$peer" stdio 2>/dev/null)
    echo "  run $run peer: $line"
    fields "$line" >> "$work/peer.txt"
  fi
  line=$("$bench" stdio "$N" echo '{"text":"hi"}' -- "$floor")
  echo "  run $run floor: $line"
  fields "$line" >> "$work/floor.txt"
  run=$((run + 1))
done

echo "WebSocket: $CLIENTS clients x $PER_CLIENT calls (echo), $RUNS runs on one souk server"
"$server" --ws 127.0.0.1:0 > "$work/ws.out" 2> "$work/ws.err" &
server_pid=$!
url=""
i=0
while [ -z "$url" ] && [ $i -lt 100 ]; do
  url=$(sed -n 's/^mcp_echo_server: listening on //p' "$work/ws.out")
  sleep 0.05
  i=$((i + 1))
done
[ -n "$url" ] || { echo "run.sh: the WebSocket server did not start" >&2; cat "$work/ws.err" >&2; exit 1; }
: > "$work/ws.txt"
run=1
while [ "$run" -le "$RUNS" ]; do
  line=$("$bench" ws "$url" "$CLIENTS" "$PER_CLIENT" echo '{"text":"hi"}' "$server_pid")
  echo "  run $run: $line"
  echo "$line" | tr ' ' '\n' | awk -F= '/^rps=/ {a=$2} /^p50_ms=/ {b=$2} /^p99_ms=/ {c=$2}
    /^server_peak_rss_kib=/ {d=$2} END {print a, b, c, d}' >> "$work/ws.txt"
  run=$((run + 1))
done
kill "$server_pid"
wait "$server_pid" || true
server_pid=""

row() { # name file
  printf '| %-34s | %8.1f | %9.0f | %9.0f | %9.0f | %9.0f | %8.1f |\n' "$1" \
    "$(median 1 "$2")" "$(median 2 "$2")" "$(median 3 "$2")" "$(median 4 "$2")" \
    "$(median 5 "$2")" "$(awk -v k="$(median 6 "$2")" 'BEGIN {print k / 1024}')"
}
echo
echo "stdio, medians of $RUNS runs (round trips per second; 32: with 32 requests in flight):"
printf '| %-34s | %8s | %9s | %9s | %9s | %9s | %8s |\n' "server" "start ms" "ping" "ping 32" \
  "call" "call 32" "RSS MiB"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------------------" "----------" \
  "-----------" "-----------" "-----------" "-----------" "----------"
row "souk (examples/mcp_echo_server)" "$work/souk.txt"
if [ "$have_peer" = 1 ]; then
  row "server-everything (Node $(node --version))" "$work/peer.txt"
  ratio() { awk -v a="$(median "$1" "$work/souk.txt")" -v b="$(median "$1" "$work/peer.txt")" \
    'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}'; }
  printf '| %-34s | %8s | %9s | %9s | %9s | %9s | %8s |\n' "souk / peer" \
    "$(awk -v a="$(median 1 "$work/peer.txt")" -v b="$(median 1 "$work/souk.txt")" 'BEGIN {printf "1/%.0f", a / b}')" \
    "$(ratio 2)" "$(ratio 3)" "$(ratio 4)" "$(ratio 5)" \
    "$(awk -v a="$(median 6 "$work/peer.txt")" -v b="$(median 6 "$work/souk.txt")" 'BEGIN {printf "1/%.0f", a / b}')"
fi
row "floor: answers, does nothing else" "$work/floor.txt"
echo "(the floor row is pipe_floor.c: a line echoer without MCP; no server can beat it here)"
echo
echo "WebSocket, medians of $RUNS runs ($CLIENTS concurrent sessions, one call in flight each):"
printf '| %-10s | %9s | %8s | %8s | %15s |\n' "server" "calls/s" "p50 ms" "p99 ms" "server RSS MiB"
printf '|%s|%s|%s|%s|%s|\n' "------------" "-----------" "----------" "----------" "-----------------"
printf '| %-10s | %9.0f | %8.2f | %8.2f | %15.1f |\n' "souk" "$(median 1 "$work/ws.txt")" \
  "$(median 2 "$work/ws.txt")" "$(median 3 "$work/ws.txt")" \
  "$(awk -v k="$(median 4 "$work/ws.txt")" 'BEGIN {print k / 1024}')"
