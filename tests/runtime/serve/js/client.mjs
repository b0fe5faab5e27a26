// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client driving `souk serve --stdio`: initialise, list and
// call every tool on the fixture store's data (scraped through scrape_store with private hosts
// allowed), progress, cancellation mid-crawl on a slow store, resources (a chart read as a PNG
// blob, a subscription updated by a crawl), prompts, completion; then a second server with the
// default policy refuses the loopback store. Runs on Node 18 and later.
// Usage: node client.mjs SOUK_BINARY STORE_URL SLOW_STORE_URL WORK_DIR
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const [souk, storeUrl, slowUrl, workDir] = process.argv.slice(2);
if (!workDir) {
  console.error('usage: node client.mjs SOUK_BINARY STORE_URL SLOW_STORE_URL WORK_DIR');
  process.exit(2);
}

let checks = 0;
function ok(what) {
  checks++;
  console.log(`  - ${what}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function serverEnv(allowPrivate) {
  // 25 requests/s per host: pages 40 ms apart, so that a busy client does not read the crawl's
  // progress in one chunk with its result (the SDK drops progress that comes with the response).
  const env = { ...process.env, SOUK_DATA_DIR: `${workDir}/data`, SOUK_OUTPUT_DIR: `${workDir}/outputs`,
    SOUK_HTTP_RATE: '25' };
  delete env.SOUK_LOG;
  if (allowPrivate) env.SOUK_ALLOW_PRIVATE_HOSTS = '1';
  else delete env.SOUK_ALLOW_PRIVATE_HOSTS;
  return env;
}

async function connect(allowPrivate) {
  const transport = new StdioClientTransport({ command: souk, args: ['serve', '--stdio'],
    env: serverEnv(allowPrivate), stderr: 'inherit' });
  const client = new Client({ name: 'souk-serve-sdk-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

const structured = (r) => {
  assert.ok(!r.isError, r.content?.[0]?.text);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
};
const key = storeUrl.replace(/^https?:\/\//, '');

const client = await connect(true);
const info = client.getServerVersion();
assert.equal(info.name, 'souk');
const caps = client.getServerCapabilities();
assert.ok(caps.tools && caps.resources?.subscribe && caps.prompts && caps.completions);
assert.match(client.getInstructions(), /scrape_store/);
ok(`initialized with ${info.name} ${info.version}: tools, resources (subscribe), prompts, completions`);

const { tools } = await client.listTools();
assert.deepEqual(tools.map((t) => t.name).sort(), ['cluster_products', 'correlation_matrix',
  'export_csv', 'get_product', 'pca_projection', 'plan_analysis', 'price_history', 'query_products',
  'scrape_store', 'store_stats', 'summarize_insights', 'top_k_products']);
for (const t of tools) {
  assert.equal(t.inputSchema.type, 'object');
  assert.equal(t.outputSchema.type, 'object');
  assert.ok(t.description.length > 150);
}
ok('tools/list: the 12 tools (the orchestrator\'s two among them) with input and output schemas');

// ---- scrape_store: progress, structured summary, resources/updated ----
const updates = [];
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
await client.subscribeResource({ uri: `souk://stores/${key}/products` });
const progress = [];
let r = await client.callTool({ name: 'scrape_store', arguments: { url: storeUrl } }, undefined,
  { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true, timeout: 120000 });
let s = structured(r);
assert.equal(s.status, 'ok');
assert.equal(s.products, 184);
assert.equal(s.complete, true);
assert.equal(s.store, storeUrl);
assert.ok(progress.length >= 1, 'no progress notification');
for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress);
ok(`scrape_store: 184 products, complete; ${progress.length} progress notifications (${progress.map((p) => p.progress).join(', ')})`);
await until('resources/updated', () => updates.includes(`souk://stores/${key}/products`));
ok(`the subscribed souk://stores/${key}/products got notifications/resources/updated`);

// ---- every other tool ----
s = structured(await client.callTool({ name: 'query_products',
  arguments: { store: storeUrl, sort: 'price', limit: 5, available: true } }));
assert.equal(s.products.length, 5);
assert.ok(s.total > 5 && s.next_cursor);
const firstId = s.products[0].id;
const page2 = structured(await client.callTool({ name: 'query_products',
  arguments: { store: storeUrl, sort: 'price', limit: 5, available: true, cursor: s.next_cursor } }));
assert.ok(!page2.products.some((p) => p.id === firstId));
ok(`query_products: ${s.total} in stock, pages of 5 sorted by price, the next page via next_cursor`);

s = structured(await client.callTool({ name: 'get_product', arguments: { store: storeUrl, id: firstId } }));
assert.equal(s.id, firstId);
assert.ok(s.variant_list.length >= 1 && typeof s.variant_list[0].price === 'string');
ok(`get_product ${firstId}: ${s.variant_list.length} variants, price ${s.price_min} ${s.currency}`);

s = structured(await client.callTool({ name: 'price_history', arguments: { store: storeUrl, product_id: firstId } }));
assert.equal(s.returned, 0);
assert.equal(s.truncated, false);
ok('price_history: no change after one crawl');

s = structured(await client.callTool({ name: 'store_stats', arguments: { store: storeUrl, group_by: 'vendor' } }));
assert.equal(s.stores[0].products, 184);
assert.ok(s.stores[0].prices.price_median);
ok(`store_stats: 184 products, median price ${s.stores[0].prices.price_median}, ${s.errors} errors, ${s.warnings} warnings`);

r = await client.callTool({ name: 'top_k_products', arguments: { store: storeUrl, k: 3, weights: { avg_price: 0.5 } } });
s = structured(r);
assert.equal(s.top.length, 3);
for (const p of s.top) {
  const sum = Object.values(p.contributions).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - p.score) < 1e-9);
}
assert.ok(r.content.some((c) => c.type === 'resource_link' && c.uri.endsWith('.png')));
ok(`top_k_products: ${s.top.map((p) => `${p.id} (${p.score.toFixed(3)})`).join(', ')}; contributions add up`);

s = structured(await client.callTool({ name: 'cluster_products', arguments: { store: storeUrl, clusters: 3 } }));
assert.equal(s.clusters.reduce((a, c) => a + c.size, 0), 184);
ok(`cluster_products: sizes ${s.clusters.map((c) => c.size).join(' + ')} = 184, silhouette ${s.silhouette.toFixed(3)}`);

s = structured(await client.callTool({ name: 'pca_projection', arguments: { store: storeUrl, max_points: 20 } }));
assert.equal(s.points.length, 20);
assert.equal(s.points[0].pc.length, 2);
ok(`pca_projection: PC1+PC2 explain ${((s.explained_variance_ratio[0] + s.explained_variance_ratio[1]) * 100).toFixed(1)}%, 20 points`);

s = structured(await client.callTool({ name: 'correlation_matrix', arguments: { store: storeUrl } }));
assert.equal(s.matrix.length, 6);
ok(`correlation_matrix: 6x6, strongest ${s.strongest[0].a}~${s.strongest[0].b} r=${s.strongest[0].r.toFixed(3)}`);

r = await client.callTool({ name: 'export_csv', arguments: { store: storeUrl } });
s = structured(r);
assert.equal(s.products, 184);
const link = r.content.find((c) => c.type === 'resource_link');
const csv = await client.readResource({ uri: link.uri });
assert.match(csv.contents[0].text, /^store,/);
ok(`export_csv: 184 products; ${link.uri} read back (${csv.contents[0].text.length} bytes)`);

r = await client.callTool({ name: 'query_products', arguments: { limit: 1000 } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /argument 'limit' must be <= 100/);
ok('bad arguments: an isError result a model can act on');

// ---- resources, prompts, completion ----
const { resources } = await client.listResources();
assert.ok(resources.some((x) => x.uri === `souk://stores/${key}`));
const { resourceTemplates } = await client.listResourceTemplates();
assert.ok(resourceTemplates.some((x) => x.uriTemplate === 'souk://stores/{store}/products'));
const chart = await client.readResource({ uri: 'souk://charts/heatmap_correlation.png' });
assert.equal(chart.contents[0].mimeType, 'image/png');
const png = Buffer.from(chart.contents[0].blob, 'base64');
assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const products = JSON.parse((await client.readResource({ uri: `souk://stores/${key}/products` })).contents[0].text);
assert.equal(products.products.length, 50);
ok(`resources: ${resources.length} listed, ${resourceTemplates.length} templates; a ${png.length}-byte PNG chart; a page of 50 products`);

const { prompts } = await client.listPrompts();
assert.deepEqual(prompts.map((p) => p.name).sort(), ['analyze_store', 'compare_stores']);
const prompt = await client.getPrompt({ name: 'analyze_store', arguments: { url: storeUrl, k: '5' } });
assert.match(prompt.messages[0].content.text, /top_k_products with store=.* and k=5/);
ok('prompts: analyze_store and compare_stores; analyze_store walks through the tools');

let c = await client.complete({ ref: { type: 'ref/prompt', name: 'analyze_store' }, argument: { name: 'url', value: 'http://127' } });
assert.ok(c.completion.values.includes(storeUrl));
c = await client.complete({ ref: { type: 'ref/resource', uri: 'souk://stores/{store}/vendors/{vendor}' },
  argument: { name: 'vendor', value: 'Ann' }, context: { arguments: { store: key } } });
assert.deepEqual(c.completion.values, ['Annie Thompson']);
ok('completion: store URLs for a prompt, vendors of a store for a template');

// ---- cancellation mid-crawl ----
const ac = new AbortController();
let slowProgress = 0;
const pending = client.callTool({ name: 'scrape_store', arguments: { url: slowUrl } }, undefined,
  { signal: ac.signal, onprogress: (p) => { if (p.progress > 0) slowProgress = p.progress; } });
await until('progress on the slow store', () => slowProgress > 0, 30000);
ac.abort('changed my mind');
await assert.rejects(pending);
const crawl = await until('the slow crawl to end', async () => {
  const all = JSON.parse((await client.readResource({ uri: 'souk://crawls' })).contents[0].text);
  const mine = all.crawls.find((x) => x.store === slowUrl);
  return mine && mine.state !== 'running' ? mine : null;
});
assert.equal(crawl.state, 'canceled');
assert.ok(crawl.pages < 30);
await client.ping();
ok(`cancelled mid-crawl after ${slowProgress} products: the crawl record says ${crawl.state} after ${crawl.pages} of 30 pages; ping still answered`);
await client.close();

// ---- the default policy: a store on loopback is refused ----
const strict = await connect(false);
r = await strict.callTool({ name: 'scrape_store', arguments: { url: storeUrl } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /Refused to scrape/);
assert.match(r.content[0].text, /SOUK_ALLOW_PRIVATE_HOSTS/);
ok('without SOUK_ALLOW_PRIVATE_HOSTS, scrape_store of the loopback store is refused (isError)');
await strict.close();
console.log(`ok: ${checks} checks`);
