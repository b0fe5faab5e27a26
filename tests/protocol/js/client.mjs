// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client driving a souk MCP server over stdio, WebSocket or
// Streamable HTTP: initialize, list and call tools (text, structured, invalid arguments,
// unknown tool), progress, cancellation, resources (list, read, templates), prompts, ping,
// and closing. Usage: node client.mjs SERVER_BINARY [stdio|ws|http]. Runs on Node 18 and later
// (Node 18 and 20 have no WebSocket of their own: the ws package stands in).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket;

const server = process.argv[2];
const mode = process.argv[3] || 'stdio';
if (!server || !['stdio', 'ws', 'http'].includes(mode)) {
  console.error('usage: node client.mjs SERVER_BINARY [stdio|ws|http]');
  process.exit(2);
}

let checks = 0;
function ok(what) {
  checks++;
  console.log(`  - ${what}`);
}

// Network modes: start the server on a free loopback port and read where it listens.
let child = null;
let url = null;
if (mode !== 'stdio') {
  child = spawn(server, ['--http', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A failed check must not leave the server running (it holds the test's output open).
  process.on('exit', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    setTimeout(() => reject(new Error('the server printed no URL')), 10000).unref();
  });
  ok(`the server listens on ${url}`);
}

function makeTransport() {
  if (mode === 'stdio') return new StdioClientTransport({ command: server, args: [], stderr: 'inherit' });
  if (mode === 'ws') return new WebSocketClientTransport(new URL(url.replace(/^http/, 'ws')));
  return new StreamableHTTPClientTransport(new URL(url));
}

const transport = makeTransport();
const client = new Client({ name: 'souk-sdk-test', version: '1.0.0' }, { capabilities: {} });
await client.connect(transport);
const info = client.getServerVersion();
assert.equal(info.name, 'souk-echo');
assert.equal(info.title, 'Souk echo server');
assert.ok(client.getServerCapabilities().tools);
assert.match(client.getInstructions(), /countdown/);
if (mode === 'http') assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
ok(`initialized with ${info.name} ${info.version} over ${mode}`);

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
r = await client.callTool({ name: 'countdown', arguments: { steps: 3, interval_ms: 40 } }, undefined,
  { onprogress: (p) => progress.push(p) });
// The server sends progress 1, 2, 3 and then the result (test_stdio checks the order on the
// wire); the SDK dispatches notifications a tick later than responses, so it may drop the
// last progress once the result has arrived. Steps 40 ms apart keep a busy client (ASan, two
// cores shared with other tests) from reading two progress messages and the result at once.
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

// Several calls at once: each answer finds its request.
const many = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
  client.callTool({ name: 'add', arguments: { a: i, b: i } })));
many.forEach((res, i) => assert.equal(res.structuredContent.sum, 2 * (i + 1)));
ok('8 concurrent calls are each answered');

const { resources } = await client.listResources();
assert.deepEqual(resources.map((x) => x.uri), ['echo://readme']);
const readme = await client.readResource({ uri: 'echo://readme' });
assert.match(readme.contents[0].text, /souk echo server/);
const { resourceTemplates } = await client.listResourceTemplates();
assert.equal(resourceTemplates[0].uriTemplate, 'echo://words/{word}');
const word = await client.readResource({ uri: 'echo://words/caf%C3%A9' });
assert.equal(word.contents[0].text, 'café');
await assert.rejects(client.readResource({ uri: 'echo://nothing' }), (e) => {
  assert.equal(e.code, -32002);
  return true;
});
ok('resources: list, read, a template with a percent-decoded variable, -32002 for an unknown URI');

const { prompts } = await client.listPrompts();
assert.equal(prompts[0].name, 'shout');
assert.equal(prompts[0].arguments[0].required, true);
const shout = await client.getPrompt({ name: 'shout', arguments: { text: 'hi' } });
assert.equal(shout.messages[0].content.text, 'Repeat this in capitals: hi');
await assert.rejects(client.getPrompt({ name: 'shout', arguments: {} }), (e) => {
  assert.equal(e.code, -32602);
  return true;
});
ok('prompts: list, get with an argument, -32602 without its required argument');

if (mode === 'http') {
  await transport.terminateSession();
  assert.equal(transport.sessionId, undefined);
  ok('terminateSession sends DELETE and the session ends');
}
await client.close();
if (child) {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, `the server exited with ${code} after SIGTERM`);
  ok('the server stops cleanly on SIGTERM');
} else {
  ok('closing the transport ends the server');
}
console.log(`ok: ${checks} checks with @modelcontextprotocol/sdk over ${mode}`);
