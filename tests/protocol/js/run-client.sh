#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs client.mjs (the official MCP TypeScript SDK client) against an MCP server binary over
# stdio, WebSocket or Streamable HTTP (run-client.sh SERVER [stdio|ws|http]). Exits 77
# (skipped) when node or the SDK (npm ci in this folder) is missing.
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (apt-get install nodejs)"
  exit 77
fi
if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ] || [ ! -d "$here/node_modules/ws" ]; then
  echo "SKIP: the MCP TypeScript SDK is not installed: run 'npm ci' in tests/protocol/js"
  exit 77
fi
exec node "$here/client.mjs" "$@"
