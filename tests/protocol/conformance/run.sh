#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance, installed in
# this folder with its own Node 22 by `npx -y npm@10 ci`) against examples/mcp_conformance_server
# over Streamable HTTP on loopback. Passes only when every scenario of the active suite passes:
# the suite prints "Total: N passed, 0 failed" and exits 0. There is no expected-failures list.
#
#   tests/protocol/conformance/run.sh SERVER_BINARY [SUITE]     (SUITE: active (default), all)
#
# Exits 77 (skipped) when Node 22 or the suite is not installed here.
here=$(cd "$(dirname "$0")" && pwd)
server=${1:?usage: run.sh SERVER_BINARY [SUITE]}
suite=${2:-active}
node="$here/node_modules/.bin/node"
cli="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"

if [ ! -x "$node" ] || [ ! -f "$cli" ]; then
  echo "SKIP: the conformance suite is not installed: run 'npx -y npm@10 ci' in tests/protocol/conformance (it brings Node 22)"
  exit 77
fi
major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  echo "SKIP: the conformance suite needs Node 22 or later; $node is $("$node" --version 2>/dev/null)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/souk-conformance-XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$server" --http 127.0.0.1:0 > "$work/server.out" 2> "$work/server.err" &
pid=$!
url=""
i=0
while [ $i -lt 100 ]; do
  url=$(sed -n 's/^mcp_conformance_server: listening on //p' "$work/server.out")
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the server did not start:"
    cat "$work/server.err"
    exit 1
  fi
  sleep 0.05
  i=$((i + 1))
done
if [ -z "$url" ]; then
  echo "FAIL: the server printed no URL"
  exit 1
fi
echo "server: $url (Node $("$node" --version), suite: $suite)"

# The suite writes result files into the current directory: keep them out of the tree.
cd "$work" || exit 1
"$node" "$cli" server --url "$url" --suite "$suite" -o "$work/results" > "$work/suite.out" 2>&1
status=$?
grep -E '^(✓|✗|Total:)' "$work/suite.out" || cat "$work/suite.out"
total=$(grep -E '^Total: [0-9]+ passed, [0-9]+ failed' "$work/suite.out" | tail -1)
passed=$(echo "$total" | sed -n 's/^Total: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
failed=$(echo "$total" | sed -n 's/^Total: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
if [ $status -ne 0 ] || [ -z "$passed" ] || [ "$passed" -eq 0 ] || [ "$failed" != 0 ]; then
  echo "FAIL: conformance suite: ${total:-no summary} (exit $status)"
  grep -B2 -A12 -E 'FAILURE|✗' "$work/suite.out" | head -80
  echo "--- server stderr ---"
  tail -20 "$work/server.err"
  exit 1
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid"
server_status=$?
pid=""
if [ $server_status -ne 0 ]; then
  echo "FAIL: the server exited with $server_status after SIGTERM (a handle left open?)"
  cat "$work/server.err"
  exit 1
fi
echo "PASS: $total; the server stopped cleanly"
