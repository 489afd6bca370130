#!/usr/bin/env node
// Metrics benchmark. Seeds 1,000,000 spans (a week of a project's traffic: gateway calls and agent
// traces, ~100 spans a minute) into an embedded store through the real write path
// (TraceStore.writeSpans → the writer thread → spans, traces and metrics rollups in one transaction),
// then runs dashboard queries through the MetricsStore, repeated, and as the in-run baseline the same
// aggregation as a GROUP BY over the raw spans table. Also measures what the rollups cost at write
// time: the same batches written, interleaved, to a store with rollups and to one without (its writer
// thread given no rollup statement): with the seed's time spread, at 1,000 spans/s in the gateway span
// queue's batches of 100, and ingestion-dense (every batch of 5,000 spans inside one minute, as at 50k
// spans/s).
//
//   npm run bench:metrics               BENCH_SPANS=1000000 BENCH_RUNS=50 BENCH_BASELINE_RUNS=5
//
// Progress goes to stderr; a Markdown summary to stdout; JSON to bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase, createStores, createTraceStore } from '../src/storage/index.ts';
import { createSpanWriteThread } from '../src/storage/embedded/span-write-thread.ts';
import { compileSpanWriteSql } from '../src/storage/trace-store.ts';
import { newSpan } from '../src/tracing/new-span.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOTAL = Number(process.env.BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const BASELINE_RUNS = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const SEED_BATCH = 1_000;
const WRITE_COST_SPANS = Math.min(200_000, TOTAL);
const DENSE_SPANS = 200_000;
const DENSE_BATCH = 5_000;
const GATEWAY_SPANS = 50_000;
const log = (text) => process.stderr.write(`${text}\n`);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 10, 25);
const START = END - 7 * DAY;
const PROJECT = 'proj_bench';

// ---------- deterministic traffic ----------
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const MODELS = [['gpt-4o-mini', 'openai', 0.4], ['gpt-4o', 'openai', 0.2], ['claude-sonnet-4', 'anthropic', 0.2], ['claude-haiku-4', 'anthropic', 0.1], ['llama-3.1-70b', 'groq', 0.06], ['mistral-large', 'mistral', 0.04]];
const TOOLS = ['search_docs', 'get_weather', 'book_table', 'send_email', 'lookup_order', 'run_sql', 'fetch_url', 'calculator', 'translate', 'summarize'];
const CHAINS = ['answer-question', 'plan-trip', 'triage-ticket', 'draft-reply', 'classify'];
const TAGS = ['prod', 'beta', 'eu', 'us', 'mobile', 'web', 'batch', 'vip'];
const RELEASES = ['2.3.0', '2.3.1', '2.4.0', '2.4.1'];
const BODY = { messages: [{ role: 'user', content: 'Which three cities in Portugal should I visit in four days?' }] };
const ANSWER = { role: 'assistant', content: 'Lisbon, Sintra and Porto; the train links them.' };

/** The next `count` spans of a traffic stream (about 2.5 spans per unit), units `step` ms apart from `start`. */
function makeSpans(rand, state, count, start, step) {
  const out = [];
  while (out.length < count) {
    const at = start + (state.index + rand()) * step;
    const user = rand() < 0.8 ? `user-${Math.floor(rand() ** 2 * 2000)}` : null;
    const key = `key_${Math.floor(rand() * 20)}`;
    const tags = rand() < 0.6 ? [TAGS[Math.floor(rand() * TAGS.length)], ...(rand() < 0.3 ? [TAGS[Math.floor(rand() * TAGS.length)]] : [])] : [];
    const generation = (traceId, parentSpanId, startedAt, name) => {
      const latencyMs = Math.round(Math.exp(6.5 + rand() * 1.8 + (rand() < 0.02 ? 2 : 0)));
      const stream = rand() < 0.5;
      const [modelName, provider] = pickModel(rand);
      const inputTokens = 200 + Math.floor(rand() * 1500);
      const outputTokens = 20 + Math.floor(rand() * 400);
      return newSpan(
        { id: `span_${state.index}_${out.length}`, traceId, projectId: PROJECT, type: rand() < 0.1 && !parentSpanId ? 'embedding' : 'generation', name, startedAt, endedAt: startedAt + latencyMs, status: rand() < 0.02 ? 'error' : 'ok', latencyMs },
        { parentSpanId, keyId: key, modelRequested: modelName, modelUsed: modelName, provider, stream, timeToFirstTokenMs: stream ? Math.round(latencyMs * (0.1 + rand() * 0.3)) : null, inputTokens, outputTokens, costUsd: (inputTokens * 2.5 + outputTokens * 10) / 1e6, userId: user, tags, bodyCapture: 'full', input: BODY, output: ANSWER, serviceName: 'operon-gateway' },
      );
    };
    const traceId = `trace_${state.index}`;
    if (state.index % 2 === 0) {
      out.push(generation(traceId, null, Math.round(at), 'chat.completions'));
    } else {
      // An agent trace: a chain, two model calls and a tool call.
      const rootId = `span_${state.index}_root`;
      const startedAt = Math.round(at);
      const release = RELEASES[Math.floor(rand() * RELEASES.length)];
      out.push(newSpan({ id: rootId, traceId, projectId: PROJECT, type: 'chain', name: CHAINS[Math.floor(rand() * CHAINS.length)], startedAt, endedAt: startedAt + 3000, status: 'ok', latencyMs: 3000 }, { keyId: key, userId: user, tags, release, serviceName: 'support-bot' }));
      out.push({ ...generation(traceId, rootId, startedAt + 10, 'chat gpt'), release, serviceName: 'support-bot' });
      const tool = TOOLS[Math.floor(rand() * TOOLS.length)];
      const toolLatency = Math.round(Math.exp(3 + rand() * 3));
      out.push(newSpan({ id: `span_${state.index}_tool`, traceId, projectId: PROJECT, type: 'tool', name: tool, startedAt: startedAt + 900, endedAt: startedAt + 900 + toolLatency, status: rand() < 0.05 ? 'error' : 'ok', latencyMs: toolLatency }, { parentSpanId: rootId, keyId: key, userId: user, tags, release, serviceName: 'support-bot', input: { query: 'x' }, output: { rows: 3 } }));
      out.push({ ...generation(traceId, rootId, startedAt + 1500, 'chat gpt'), release, serviceName: 'support-bot' });
    }
    state.index += 1;
  }
  return out;
}
function pickModel(rand) {
  let pick = rand();
  for (const [name, provider, weight] of MODELS) {
    if (pick < weight) return [name, provider];
    pick -= weight;
  }
  return [MODELS[0][0], MODELS[0][1]];
}

// ---------- stores ----------
const dir = mkdtempSync(join(tmpdir(), 'operon-metrics-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function openStore(name, rollups) {
  if (rollups) {
    const database = await openDatabase({ sqlitePath: join(dir, `${name}.db`) });
    return { database, stores: createStores(database), traces: createStores(database).traces };
  }
  // The same writer thread and statements, without the rollup statement: the write path before rollups.
  const path = join(dir, `${name}.db`);
  const database = await openDatabase({ sqlitePath: path, spanWriterThread: false });
  const thread = createSpanWriteThread({ path, compileSql: (rows) => ({ ...compileSpanWriteSql(database.db, rows), upsertRollup: undefined, rollupColumns: undefined }) });
  const close = database.close;
  database.close = async () => {
    await thread.close();
    await close();
  };
  return { database, traces: createTraceStore(database.db, { writeRows: (rows) => thread.write(rows) }) };
}

async function timed(write) {
  const started = performance.now();
  await write();
  return performance.now() - started;
}

// ---------- seed, with the write cost measured on the first spans ----------
const main = await openStore('main', true);
const bare = await openStore('bare', false);
const seedRand = random(42);
const seedState = { index: 0 };
const step = (7 * DAY) / (TOTAL / 2.5); // 2.5 spans per traffic unit on average
const sparse = { withMs: 0, withoutMs: 0, spans: 0 };
const seedStarted = performance.now();
let seeded = 0;
let nextReport = 100_000;
while (seeded < TOTAL) {
  const batch = makeSpans(seedRand, seedState, Math.min(SEED_BATCH, TOTAL - seeded), START, step);
  if (seeded < WRITE_COST_SPANS) {
    // Interleaved, alternating which goes first, so that both see the same machine.
    const first = (seeded / SEED_BATCH) % 2 === 0;
    if (first) sparse.withMs += await timed(() => main.traces.writeSpans(batch));
    sparse.withoutMs += await timed(() => bare.traces.writeSpans(batch));
    if (!first) sparse.withMs += await timed(() => main.traces.writeSpans(batch));
    sparse.spans += batch.length;
  } else {
    await main.traces.writeSpans(batch);
  }
  seeded += batch.length;
  if (seeded >= nextReport) {
    log(`seeded ${seeded.toLocaleString('en')} spans (${Math.round(seeded / ((performance.now() - seedStarted) / 1000)).toLocaleString('en')} spans/s overall)`);
    nextReport += 100_000;
  }
}
const seedSeconds = (performance.now() - seedStarted) / 1000;
await bare.database.close();
const lastSpan = await sql`select max(started_at) as at, count(*) as n from spans`.execute(main.database.db);
log(`seeded ${Number(lastSpan.rows[0].n).toLocaleString('en')} spans up to ${new Date(Number(lastSpan.rows[0].at)).toISOString()} in ${seedSeconds.toFixed(1)} s`);
const rollupRows = Number((await sql`select count(*) as n from metrics_rollups`.execute(main.database.db)).rows[0].n);

// ---------- write cost at steady traffic ----------
/** The same batches to a fresh store with rollups and one without, interleaved; traffic at `perSecond`. */
async function writeCost(name, spans, batchSize, perSecond) {
  const withRollups = await openStore(`${name}-with`, true);
  const without = await openStore(`${name}-without`, false);
  const rand = random(7);
  const state = { index: 0 };
  const part = { withMs: 0, withoutMs: 0, spans: 0 };
  for (let written = 0; written < spans; written += batchSize) {
    const batch = makeSpans(rand, state, batchSize, END, (1000 / perSecond) * 2.5);
    const first = (written / batchSize) % 2 === 0;
    if (first) part.withMs += await timed(() => withRollups.traces.writeSpans(batch));
    part.withoutMs += await timed(() => without.traces.writeSpans(batch));
    if (!first) part.withMs += await timed(() => withRollups.traces.writeSpans(batch));
    part.spans += batch.length;
  }
  await withRollups.database.close();
  await without.database.close();
  return part;
}
// The gateway's span queue writes from 100 spans; ingestion groups up to 5,000.
const gateway = await writeCost('gateway', GATEWAY_SPANS, 100, 1_000);
const dense = await writeCost('dense', DENSE_SPANS, DENSE_BATCH, 50_000);
log('write cost measured');

// ---------- queries ----------
const metrics = main.stores.metrics;
const db = main.database.db;
const day = { from: END - DAY, to: END };
const week = { from: START, to: END };
const modelCalls = sql`type in ('generation', 'embedding')`;
const QUERIES = [
  {
    name: '24 h at 5 min, by model, every figure',
    rollup: () => metrics.series({ projectId: PROJECT, ...day, interval: '5m', groupBy: 'model' }),
    raw: sql`select (started_at / 300000) * 300000 as b, coalesce(model_used, model_requested) as m, count(*), sum(status = 'error'), sum(latency_ms), sum(time_to_first_token_ms), sum(input_tokens), sum(output_tokens), sum(cost_usd), sum(cache_hit)
             from spans where project_id = ${PROJECT} and started_at >= ${day.from} and started_at < ${day.to} and ${modelCalls} group by b, m`,
  },
  {
    name: '7 d at 1 h, every figure',
    rollup: () => metrics.series({ projectId: PROJECT, ...week, interval: '1h' }),
    raw: sql`select (started_at / 3600000) * 3600000 as b, count(*), sum(status = 'error'), sum(latency_ms), sum(time_to_first_token_ms), sum(input_tokens), sum(output_tokens), sum(cost_usd), sum(cache_hit)
             from spans where project_id = ${PROJECT} and started_at >= ${week.from} and started_at < ${week.to} and ${modelCalls} group by b`,
  },
  {
    name: 'error rate by key, 7 d at 1 h',
    rollup: () => metrics.series({ projectId: PROJECT, ...week, interval: '1h', groupBy: 'key', metrics: ['requests', 'errors'] }),
    raw: sql`select (started_at / 3600000) * 3600000 as b, key_id, count(*), sum(status = 'error') from spans
             where project_id = ${PROJECT} and started_at >= ${week.from} and started_at < ${week.to} and ${modelCalls} group by b, key_id`,
  },
  {
    name: 'p95 latency by route, all kinds, 24 h at 5 min',
    rollup: () => metrics.series({ projectId: PROJECT, ...day, interval: '5m', groupBy: 'route', filters: { kind: ['generation', 'embedding', 'tool', 'chain'] }, metrics: ['latency'] }),
    raw: sql`select (started_at / 300000) * 300000 as b, name, count(*), sum(latency_ms) from spans
             where project_id = ${PROJECT} and started_at >= ${day.from} and started_at < ${day.to} group by b, name`,
  },
  {
    name: 'cost by user, 7 d total, top 100',
    rollup: () => metrics.totals({ projectId: PROJECT, ...week, groupBy: 'user', metrics: ['requests', 'cost'], limit: 100 }),
    raw: sql`select user_id, count(*), sum(cost_usd) as c from spans where project_id = ${PROJECT} and started_at >= ${week.from} and started_at < ${week.to} and ${modelCalls} and user_id is not null
             group by user_id order by count(*) desc limit 100`,
  },
];

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const results = [];
for (const query of QUERIES) {
  const check = await query.rollup();
  const groups = check.series ? check.series.length : check.groups.length;
  for (let warm = 0; warm < 3; warm++) await query.rollup();
  const times = [];
  for (let run = 0; run < RUNS; run++) times.push(await timed(() => query.rollup()));
  times.sort((a, b) => a - b);
  const rawTimes = [];
  for (let run = 0; run < BASELINE_RUNS; run++) rawTimes.push(await timed(() => query.raw.execute(db)));
  rawTimes.sort((a, b) => a - b);
  const result = { name: query.name, groups, p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times[times.length - 1], rawP50: quantile(rawTimes, 0.5) };
  results.push(result);
  log(`${query.name}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms; raw GROUP BY p50 ${result.rawP50.toFixed(0)} ms`);
}
await main.database.close();

// ---------- report ----------
const rate = (spans, ms) => Math.round(spans / (ms / 1000));
const perSpanUs = (part) => ((part.withMs - part.withoutMs) * 1000) / part.spans;
const fmt = (value, digits = 1) => value.toFixed(digits);
const lines = [
  `Run of ${new Date().toISOString().slice(0, 10)}: ${seeded.toLocaleString('en')} spans seeded in ${fmt(seedSeconds)} s (${rate(seeded, seedSeconds * 1000).toLocaleString('en')} spans/s, writes awaited one batch of ${SEED_BATCH.toLocaleString('en')} at a time); ${rollupRows.toLocaleString('en')} rollup rows. Rollup query timings over ${RUNS} runs; the raw GROUP BY over ${BASELINE_RUNS}.`,
  '',
  '| query | groups | rollups p50 ms | rollups p95 ms | rollups max ms | raw GROUP BY p50 ms | raw / rollups (p50) |',
  '|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.groups} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.max)} | ${fmt(r.rawP50, 0)} | ${fmt(r.rawP50 / r.p50, 0)}× |`),
  '',
  '| write cost (same batches, interleaved) | spans | with rollups spans/s | without spans/s | added µs per span |',
  '|---|---|---|---|---|',
  `| seed spread (~100 spans/min, batches of ${SEED_BATCH.toLocaleString('en')}) | ${sparse.spans.toLocaleString('en')} | ${rate(sparse.spans, sparse.withMs).toLocaleString('en')} | ${rate(sparse.spans, sparse.withoutMs).toLocaleString('en')} | ${fmt(perSpanUs(sparse))} |`,
  `| gateway-like (1,000 spans/s, batches of 100) | ${gateway.spans.toLocaleString('en')} | ${rate(gateway.spans, gateway.withMs).toLocaleString('en')} | ${rate(gateway.spans, gateway.withoutMs).toLocaleString('en')} | ${fmt(perSpanUs(gateway))} |`,
  `| ingestion-dense (50k spans/s, batches of ${DENSE_BATCH.toLocaleString('en')}) | ${dense.spans.toLocaleString('en')} | ${rate(dense.spans, dense.withMs).toLocaleString('en')} | ${rate(dense.spans, dense.withoutMs).toLocaleString('en')} | ${fmt(perSpanUs(dense))} |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', `metrics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ seeded, seedSeconds, rollupRows, queries: results, writeCost: { sparse, gateway, dense } }, null, 2));
log(`results: ${file}`);
