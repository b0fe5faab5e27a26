// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client driving `souk serve --http ... --ws ...` over
// Streamable HTTP (a crawl with progress streamed as SSE, tools, a chart resource) and
// WebSocket (analytics, completion, ping), then SIGTERM: exit 0. Runs on Node 18 and later.
// Usage: node network.mjs SOUK_BINARY STORE_URL WORK_DIR
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';

if (!globalThis.WebSocket) globalThis.WebSocket = WebSocket; // Node 18 and 20 have none

const [souk, storeUrl, workDir] = process.argv.slice(2);
if (!workDir) {
  console.error('usage: node network.mjs SOUK_BINARY STORE_URL WORK_DIR');
  process.exit(2);
}
let checks = 0;
function ok(what) {
  checks++;
  console.log(`  - ${what}`);
}

// 25 requests/s per host: pages 40 ms apart, so that a busy client does not read the crawl's
// progress in one chunk with its result (the SDK drops progress that comes with the response).
const env = { ...process.env, SOUK_DATA_DIR: `${workDir}/data-net`, SOUK_OUTPUT_DIR: `${workDir}/outputs-net`,
  SOUK_HTTP_RATE: '25', SOUK_ALLOW_PRIVATE_HOSTS: '1' };
delete env.SOUK_LOG;
const child = spawn(souk, ['serve', '--http', '127.0.0.1:0', '--ws', '127.0.0.1:0'],
  { env, stdio: ['ignore', 'pipe', 'inherit'] });
// A failed check must not leave the server running (it holds the test's output open).
process.on('exit', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
const urls = {};
const lines = createInterface({ input: child.stdout });
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('souk serve printed no URLs')), 10000);
  lines.on('line', (l) => {
    const [kind, url] = l.split(' ');
    urls[kind] = url;
    if (urls.http && urls.websocket) {
      clearTimeout(timer);
      resolve();
    }
  });
});
assert.match(urls.http, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
assert.match(urls.websocket, /^ws:\/\/127\.0\.0\.1:\d+\/mcp$/);
ok(`souk serve listens: ${urls.http} and ${urls.websocket}`);

// ---- Streamable HTTP ----
const http = new Client({ name: 'souk-serve-http-test', version: '1.0.0' }, { capabilities: {} });
await http.connect(new StreamableHTTPClientTransport(new URL(urls.http)));
const { tools } = await http.listTools();
assert.equal(tools.length, 12);
const progress = [];
let r = await http.callTool({ name: 'scrape_store', arguments: { url: storeUrl } }, undefined,
  { onprogress: (p) => progress.push(p.progress), resetTimeoutOnProgress: true });
assert.ok(!r.isError, r.content[0].text);
assert.equal(r.structuredContent.products, 184);
assert.ok(progress.length >= 1);
ok(`Streamable HTTP: 12 tools; scrape_store 184 products with progress ${progress.join(', ')} streamed as SSE`);
r = await http.callTool({ name: 'query_products', arguments: { store: storeUrl, limit: 3 } });
assert.equal(r.structuredContent.products.length, 3);
const chart = await http.readResource({ uri: 'souk://charts/score_distribution.png' });
assert.equal(Buffer.from(chart.contents[0].blob, 'base64').subarray(1, 4).toString(), 'PNG');
ok('Streamable HTTP: query_products and a PNG chart resource');
await http.close();

// ---- WebSocket ----
const ws = new Client({ name: 'souk-serve-ws-test', version: '1.0.0' }, { capabilities: {} });
await ws.connect(new WebSocketClientTransport(new URL(urls.websocket)));
r = await ws.callTool({ name: 'top_k_products', arguments: { store: storeUrl, k: 3 } });
assert.equal(r.structuredContent.top.length, 3);
const c = await ws.complete({ ref: { type: 'ref/prompt', name: 'analyze_store' },
  argument: { name: 'url', value: storeUrl.slice(0, 12) } });
assert.ok(c.completion.values.includes(storeUrl));
await ws.ping();
ok('WebSocket: top_k_products, completion, ping');
await ws.close();

child.kill('SIGTERM');
const { code, signal } = await exited;
assert.equal(signal, null);
assert.equal(code, 0);
ok('SIGTERM: souk serve exited 0');
console.log(`ok: ${checks} checks`);
