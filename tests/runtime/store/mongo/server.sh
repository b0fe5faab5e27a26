#!/bin/sh
# SPDX-License-Identifier: MIT
# Starts or stops the MongoDB-compatible test server (CongoDB, see README.md) for the CTest
# fixture of the store_mongo tests.
#
#   server.sh start STATE_DIR   starts it on a free loopback port in the background and writes
#                               STATE_DIR/uri and STATE_DIR/pid; without node or without
#                               node_modules here it writes the reason to STATE_DIR/skip and
#                               exits 77 (skipped), and the cases skip too
#   server.sh stop STATE_DIR    stops it (only the process it started) and removes the files
set -u
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
state=${2:-}
if [ -z "$state" ] || { [ "$cmd" != start ] && [ "$cmd" != stop ]; }; then
  echo "usage: server.sh start|stop STATE_DIR" >&2
  exit 2
fi
mkdir -p "$state"

# Stops the server a pid file names, if that process is still our server.
stop_server() {
  if [ -f "$state/pid" ]; then
    pid=$(cat "$state/pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
       grep -q start-congodb "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
      done
      kill -9 "$pid" 2>/dev/null
      echo "stopped the MongoDB-compatible test server (pid $pid)"
    fi
    rm -f "$state/pid"
  fi
  rm -f "$state/uri"
}

skip() {
  echo "$1" >"$state/skip"
  echo "SKIP: $1"
  exit 77
}

if [ "$cmd" = stop ]; then
  stop_server
  rm -f "$state/skip"
  exit 0
fi

stop_server # one left by an interrupted run
rm -f "$state/skip"
command -v node >/dev/null 2>&1 ||
  skip "node is not installed, so there is no MongoDB-compatible test server (install nodejs and npm, then run 'npx -y npm@10 ci' in tests/runtime/store/mongo)"
[ -d "$here/node_modules/@push.rocks/smartmongo" ] ||
  skip "tests/runtime/store/mongo/node_modules is missing: run 'npx -y npm@10 ci' there (.ci/test-suite does) to get the MongoDB-compatible test server"

# Port 0: the server takes a free port and says which. Output to a file, so that CTest does
# not wait for the background process; it stops by itself after 30 idle minutes should this
# run be killed before its cleanup.
node "$here/start-congodb.mjs" 0 127.0.0.1 1800 </dev/null >"$state/server.log" 2>&1 &
pid=$!
echo "$pid" >"$state/pid"
i=0
while [ $i -lt 300 ]; do
  uri=$(sed -n 's/^READY //p' "$state/server.log")
  if [ -n "$uri" ]; then
    echo "$uri" >"$state/uri"
    echo "MongoDB-compatible test server (CongoDB) at $uri, pid $pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
echo "the MongoDB-compatible test server did not start:"
cat "$state/server.log"
stop_server
exit 1
