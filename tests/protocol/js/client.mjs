// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client driving a souk MCP server over stdio: initialize,
// list and call tools (text, structured, invalid arguments, unknown tool), progress,
// cancellation, ping. Usage: node client.mjs SERVER_BINARY. Runs on Node 18 and later.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const server = process.argv[2];
if (!server) {
  console.error('usage: node client.mjs SERVER_BINARY');
  process.exit(2);
}

let checks = 0;
function ok(what) {
  checks++;
  console.log(`  - ${what}`);
}

const transport = new StdioClientTransport({ command: server, args: [], stderr: 'inherit' });
const client = new Client({ name: 'souk-sdk-test', version: '1.0.0' }, { capabilities: {} });
await client.connect(transport);
const info = client.getServerVersion();
assert.equal(info.name, 'souk-echo');
assert.equal(info.title, 'Souk echo server');
assert.ok(client.getServerCapabilities().tools);
assert.match(client.getInstructions(), /countdown/);
ok(`initialized with ${info.name} ${info.version}`);

const { tools } = await client.listTools();
assert.deepEqual(tools.map((t) => t.name), ['echo', 'add', 'countdown']);
assert.equal(tools[1].outputSchema.type, 'object');
ok('tools/list gives echo, add and countdown with their schemas');

let r = await client.callTool({ name: 'echo', arguments: { text: 'héllo', uppercase: true } });
assert.equal(r.content[0].type, 'text');
assert.equal(r.content[0].text, 'HéLLO');
ok('echo answers with text');

r = await client.callTool({ name: 'add', arguments: { a: 40, b: 2 } });
assert.equal(r.structuredContent.sum, 42);
assert.equal(JSON.parse(r.content[0].text).sum, 42);
ok('add answers with structuredContent matching its outputSchema, and the same JSON as text');

r = await client.callTool({ name: 'add', arguments: { a: 'forty' } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /argument 'a' must be a number/);
assert.match(r.content[0].text, /missing required argument 'b'/);
ok('invalid arguments come back as an isError result a model can act on');

await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), (e) => {
  assert.equal(e.code, -32602);
  return true;
});
ok('an unknown tool is a -32602 error');

const progress = [];
r = await client.callTool({ name: 'countdown', arguments: { steps: 3, interval_ms: 5 } }, undefined,
  { onprogress: (p) => progress.push(p) });
// The server sends progress 1, 2, 3 and then the result (test_stdio checks the order on the
// wire); the SDK dispatches notifications a tick later than responses, so it may drop the
// last progress once the result has arrived.
assert.ok(progress.length >= 2, `only ${progress.length} progress notifications`);
progress.forEach((p, i) => {
  assert.equal(p.progress, i + 1);
  assert.equal(p.total, 3);
});
assert.match(r.content[0].text, /liftoff after 3 steps/);
ok(`progress notifications reach onprogress (${progress.map((p) => p.progress).join(', ')} of 3)`);

const ac = new AbortController();
const pending = client.callTool({ name: 'countdown', arguments: { steps: 1000, interval_ms: 100 } },
  undefined, { signal: ac.signal });
setTimeout(() => ac.abort('changed my mind'), 50);
await assert.rejects(pending);
await client.ping();
ok('an aborted call sends notifications/cancelled and the server keeps serving (ping)');

await client.close();
ok('closing the transport ends the server');
console.log(`ok: ${checks} checks with @modelcontextprotocol/sdk over stdio`);
