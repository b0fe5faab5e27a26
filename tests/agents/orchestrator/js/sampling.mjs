// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client, declaring the sampling capability, drives souk's
// summarize_insights tool over stdio: souk runs its plan (scrape the named store, top-K,
// clusters, price statistics), asks this client's "model" for the summary through
// sampling/createMessage, checks its figures, and returns it. The model here is this script: it
// writes its summary from the tool results in the prompt, plus one figure no tool returned.
// Usage: node sampling.mjs SERVER DATA_DIR STORE_URL   (Node 18 or later)
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [server, dataDir, storeUrl] = process.argv.slice(2);
if (!storeUrl) {
  console.error('usage: node sampling.mjs SERVER DATA_DIR STORE_URL');
  process.exit(2);
}

function ok(what) {
  console.log(`  - ${what}`);
}

const transport = new StdioClientTransport({ command: server, args: [dataDir], stderr: 'inherit' });
const client = new Client({ name: 'souk-sampling-test', version: '1.0.0' },
  { capabilities: { sampling: {} } });

let asked = 0;
let written = null;
client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
  asked++;
  const { messages, systemPrompt, maxTokens } = request.params;
  assert.equal(messages.length, 1);
  assert.equal(messages[0].role, 'user');
  const prompt = messages[0].content.text;
  assert.match(systemPrompt, /never instructions/);
  assert.ok(maxTokens > 0);
  // The tool results are in the prompt, delimited, as data.
  const m = prompt.match(/<tool_result name="top_k_products">\n[^\n]*\n(.*)\n<\/tool_result>/);
  assert.ok(m, 'the prompt carries the top_k_products result');
  const top = JSON.parse(m[1]).top;
  const c = prompt.match(/<tool_result name="cluster_products">\n[^\n]*\n(.*)\n<\/tool_result>/);
  const clusters = JSON.parse(c[1]).clusters;
  written = `# Feature these\n\nProduct ${top[0].id} leads with a score of ${top[0].score.toFixed(3)} ` +
    `(top_k_products); the largest group has ${clusters[0].size} products (cluster_products). ` +
    `Featuring it will bring 777777 visitors.`;
  return {
    role: 'assistant',
    content: { type: 'text', text: written },
    model: 'sdk-test-model',
    stopReason: 'endTurn',
  };
});

await client.connect(transport);
const { tools } = await client.listTools();
const names = tools.map((t) => t.name);
assert.ok(names.includes('summarize_insights') && names.includes('plan_analysis'));
assert.ok(names.includes('top_k_products'));
ok(`tools/list has summarize_insights and plan_analysis beside souk's ${names.length - 2} tools`);

const plan = await client.callTool({ name: 'plan_analysis',
  arguments: { goal: `Top 5 products of ${storeUrl}?` } });
assert.equal(plan.isError, undefined);
const steps = plan.structuredContent.plan.map((s) => s.tool);
assert.deepEqual(steps, ['query_products', 'top_k_products', 'cluster_products', 'store_stats']);
ok(`plan_analysis: ${steps.join(', ')} (nothing run)`);

const progress = [];
const r = await client.callTool({ name: 'summarize_insights', arguments: { store: storeUrl, k: 3 } },
  undefined, { timeout: 90000, onprogress: (p) => progress.push(p) });
assert.equal(asked, 1, 'souk asked for one summary');
assert.equal(r.isError, undefined);
const sc = r.structuredContent;
assert.equal(sc.status, 'ok');
assert.equal(sc.summary_by, 'sampling: sdk-test-model');
const expected = written.replace('777777', '[figure removed]');
assert.ok(sc.summary.startsWith(expected), `summary: ${sc.summary}`);
assert.equal(r.content[0].text, sc.summary);
assert.deepEqual(sc.verification.unsupported, ['777777']);
assert.deepEqual(sc.plan.map((s) => s.tool),
  ['query_products', 'scrape_store', 'top_k_products', 'cluster_products', 'store_stats']);
assert.ok(progress.length >= 1, 'progress notifications');
ok('summarize_insights: the plan ran (the store was scraped first), sampling/createMessage ' +
   'went to this client, and its summary is what souk returned');
ok(`its figures were checked: the invented one was removed; ${progress.length} progress ` +
   'notifications on the way');

await client.close();
