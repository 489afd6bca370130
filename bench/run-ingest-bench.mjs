#!/usr/bin/env node
// Ingestion benchmark: OTLP/HTTP protobuf exports of 100 spans each to a real Operon (started the way
// `npm start` starts it, embedded SQLite), at rising concurrency, then a sustained run. Measures spans/s
// acknowledged and persisted, and in the same run the raw insert rate of the same rows into the same
// kind of store (TraceStore.writeSpans in-process, no HTTP, no decoding): the physical limit. Checks that
// every acknowledged span is stored. Then the gateway's added p50 at 1 connection while ingestion runs at
// full load (../shared/bench/gateway harness and mock upstream), against the same without ingestion.
//
//   npm run bench:ingest            BENCH_DURATION=10 BENCH_SUSTAIN=60 BENCH_CONNECTIONS=1,4,16,64
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { exportTraceServiceRequestType } from '../src/ingest/otlp/otlp-proto-schema.ts';
import { decodeOtlpTraces } from '../src/ingest/otlp/decode-otlp.ts';
import { toSpan } from '../src/ingest/to-span.ts';
import { createPriceLookup } from '../src/tracing/cost/index.ts';
import { openDatabase, createStores } from '../src/storage/index.ts';
import { systemClock } from '../src/core/clock.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const harness = resolve(root, process.env.OPERON_BENCH_HARNESS ?? '../shared/bench/gateway');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const sustain = Number(process.env.BENCH_SUSTAIN ?? 60);
const levels = (process.env.BENCH_CONNECTIONS ?? '1,4,16,64').split(',').map(Number);
const TRACES = 10;
const SPANS_PER_TRACE = 10;
const SPANS_PER_REQUEST = TRACES * SPANS_PER_TRACE;
const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));
const log = (text) => process.stderr.write(`${text}\n`);

// ---------- one request template, and fresh ids per request ----------
const now = Date.now();
const nanos = (ms) => BigInt(Math.round(ms)) * 1_000_000n;
const hexBytes = (text) => Buffer.from(text, 'hex');
function templateIds() {
  const traceIds = Array.from({ length: TRACES }, (_, t) => `f1${String(t).padStart(2, '0')}${'ab'.repeat(14)}`);
  const spanIds = traceIds.map((_, t) => Array.from({ length: SPANS_PER_TRACE }, (_, s) => `e2${String(t).padStart(2, '0')}${String(s).padStart(2, '0')}${'cd'.repeat(5)}`));
  return { traceIds, spanIds };
}
const ids = templateIds();
const messages = JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'You are a helpful travel assistant. Answer briefly.' }] }, { role: 'user', parts: [{ type: 'text', content: 'Which three cities in Portugal should I visit in four days, and how do I travel between them by train?' }] }]);
const answer = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Lisbon, Sintra and Porto. Take the regional train to Sintra (40 min) and the Alfa Pendular to Porto (about 3 h).' }], finish_reason: 'stop' }]);
const attr = (key, value) => ({ key, value: typeof value === 'number' ? (Number.isInteger(value) ? { intValue: value } : { doubleValue: value }) : { stringValue: value } });
const spans = [];
ids.traceIds.forEach((traceId, t) => {
  ids.spanIds[t].forEach((spanId, s) => {
    const start = now - 1000 + s * 10;
    const common = { traceId: hexBytes(traceId), spanId: hexBytes(spanId), startTimeUnixNano: nanos(start).toString(), endTimeUnixNano: nanos(start + 8).toString(), kind: 1, status: { code: 1 } };
    if (s === 0) spans.push({ ...common, name: 'plan-trip', attributes: [attr('openinference.span.kind', 'AGENT'), attr('session.id', `session-${t}`), attr('user.id', `user-${t % 3}`)] });
    else if (s % 3 === 0) spans.push({ ...common, parentSpanId: hexBytes(ids.spanIds[t][0]), name: 'search_trains', attributes: [attr('openinference.span.kind', 'TOOL'), attr('tool.name', 'search_trains'), attr('input.value', '{"from":"Lisbon","to":"Porto"}'), attr('input.mime_type', 'application/json')] });
    else spans.push({ ...common, parentSpanId: hexBytes(ids.spanIds[t][0]), name: 'chat gpt-4o-mini', attributes: [
      attr('gen_ai.operation.name', 'chat'), attr('gen_ai.provider.name', 'openai'), attr('gen_ai.request.model', 'gpt-4o-mini'), attr('gen_ai.response.model', 'gpt-4o-mini-2024-07-18'),
      attr('gen_ai.usage.input_tokens', 812), attr('gen_ai.usage.output_tokens', 64), attr('gen_ai.input.messages', messages), attr('gen_ai.output.messages', answer), attr('gen_ai.request.temperature', 0.2),
    ] });
  });
});
const template = Buffer.from(exportTraceServiceRequestType.encode(exportTraceServiceRequestType.fromObject({
  resourceSpans: [{ resource: { attributes: [attr('service.name', 'trip-planner'), attr('service.version', '3.1.0'), attr('deployment.environment.name', 'bench')] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }],
})).finish());
/** Every offset where each template id sits (trace ids once per span, span ids as ids and as parents). */
function offsetsOf(hex) {
  const needle = hexBytes(hex);
  const found = [];
  for (let at = template.indexOf(needle); at !== -1; at = template.indexOf(needle, at + 1)) found.push(at);
  if (found.length === 0) throw new Error(`id ${hex} not in the template`);
  return found;
}
const traceOffsets = ids.traceIds.map(offsetsOf);
const spanOffsets = ids.spanIds.map((row) => row.map(offsetsOf));
/** The template with ids unique to request number `n` (of this run `run`). */
function body(run, n) {
  const out = Buffer.from(template);
  traceOffsets.forEach((offsets, t) => {
    for (const at of offsets) { out.writeUInt8(0xa0 + run, at); out.writeUInt32BE(n, at + 1); out.writeUInt8(t, at + 5); }
  });
  spanOffsets.forEach((row, t) => row.forEach((offsets, s) => {
    for (const at of offsets) { out.writeUInt8(0xb0 + run, at); out.writeUInt32BE(n, at + 1); out.writeUInt8(t, at + 5); out.writeUInt8(s, at + 6); }
  }));
  return out;
}
log(`template: ${SPANS_PER_REQUEST} spans, ${template.length} bytes (${Math.round(template.length / SPANS_PER_REQUEST)} B/span)`);

// ---------- raw insert rate: the same rows, the same store, no HTTP and no decoding ----------
async function rawInsertRate(seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'operon-raw-'));
  const database = await openDatabase({ sqlitePath: join(dir, 'raw.db'), spanWriterThread: process.env.RAW_THREAD === '1' });
  const stores = createStores(database);
  const project = await stores.projects.createProject({ id: 'prj_raw', name: 'raw', createdAt: Date.now(), captureBodies: 'full' });
  const prices = createPriceLookup({});
  const context = { projectId: project.id, keyId: 'key_raw', captureBodies: 'full', prices };
  const batchRequests = 50; // 5,000 spans per write, the ingest queue's default batch
  let written = 0;
  let rawTime = 0;
  const started = performance.now();
  for (let n = 0; performance.now() - started < seconds * 1000; n += batchRequests) {
    const batch = [];
    for (let r = 0; r < batchRequests; r++) batch.push(...decodeOtlpTraces(body(9, n + r), 'protobuf', { clock: systemClock }).spans.map((span) => toSpan(span, context)));
    const t0 = performance.now();
    await stores.traces.writeSpans(batch);
    written += batch.length;
    rawTime += performance.now() - t0;
  }
  await database.close();
  return { spans: written, seconds: rawTime / 1000, rate: written / (rawTime / 1000) };
}

// ---------- Operon, as npm start runs it ----------
function startFlags() {
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  return /^node\s+(.*?)\s*src\/cli\/main\.ts\s+up\b/.exec(script)[1].split(/\s+/).filter(Boolean);
}
function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => done(port)); });
  });
}
function start(command, args, env, ready) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; const match = ready(out); if (match) done({ child, match }); });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.once('exit', (code) => fail(new Error(`${args.join(' ')} exited with ${code}:\n${out}`)));
  });
}
const jsonLine = (key) => (text) => { for (const line of text.split('\n')) { try { const parsed = JSON.parse(line); if (parsed[key]) return parsed; } catch {} } };

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((text) => text.startsWith('VmRSS'));
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

/** Closed-loop load: `connections` loops, each posting one export at a time, for `seconds`. */
async function load(url, key, connections, seconds, run) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const counts = { acknowledged: 0, rejectedSpans: 0, refused429: 0, failed: 0, requests: 0 };
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const post = (payload) => new Promise((done) => {
    const request = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-protobuf', 'content-length': payload.length } }, (response) => {
      const parts = [];
      response.on('data', (chunk) => parts.push(chunk));
      response.on('end', () => done({ status: response.statusCode, body: Buffer.concat(parts), retryAfter: Number(response.headers['retry-after'] ?? 1) }));
    });
    request.on('error', () => done({ status: 0 }));
    request.end(payload);
  });
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const payload = body(run, next++);
      let answer = await post(payload);
      counts.requests += 1;
      while (answer.status === 429 || answer.status === 503) {
        counts.refused429 += 1;
        await new Promise((done) => setTimeout(done, Math.min(answer.retryAfter * 1000, 200)));
        answer = await post(payload);
      }
      if (answer.status !== 200) { counts.failed += 1; continue; }
      // A partial success would name rejected spans; the template has none, so any is an error.
      if (answer.body.length > 0) counts.rejectedSpans += 1;
      counts.acknowledged += SPANS_PER_REQUEST;
    }
  }));
  agent.destroy();
  return counts;
}

async function waitDrained(url, key) {
  for (;;) {
    const status = await (await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${key}` } })).json();
    if (status.ingest.pending === 0 && status.tracing.pending === 0) return status;
    await new Promise((done) => setTimeout(done, 100));
  }
}

function runHarness(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(harness, 'bench.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`bench.mjs failed (${code})`))));
  });
}

async function main() {
  log('raw insert rate (same rows, same store, in-process)');
  const raw = await rawInsertRate(Math.min(duration, 10));
  log(`raw: ${Math.round(raw.rate)} spans/s`);
  if (process.env.BENCH_RAW_ONLY) process.exit(0);

  const haveHarness = existsSync(join(harness, 'mock-upstream.mjs'));
  const mock = haveHarness ? await start(process.execPath, [join(harness, 'mock-upstream.mjs')], { MOCK_PORT: '0' }, jsonLine('mock')) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'operon-ingest-bench-'));
  writeFileSync(join(dir, 'operon.yaml'), JSON.stringify({
    providers: mock ? { upstream: { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${mock.match.port}/v1` } } : {},
    models: mock ? { 'mock-model': { targets: [{ provider: 'upstream', model: 'mock-model' }] } } : {},
    pricing: { 'mock-model': { input: 0.15, output: 0.6 } },
    logging: { level: 'warn' },
  }));
  const port = await freePort();
  const operon = await start(process.execPath, [...startFlags(), join(root, 'src/cli/main.ts'), 'up', '--port', String(port)],
    { OPERON_CONFIG: join(dir, 'operon.yaml'), OPERON_DATA_DIR: join(dir, 'data') },
    (text) => /Admin API key \(shown once, store it now\): (opk_\S+)/.exec(text)?.[1]);
  const key = operon.match;
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/v1/traces`;
  const pid = operon.child.pid;
  const results = { machine: { node: process.version }, template: { spans: SPANS_PER_REQUEST, bytes: template.length }, raw, levels: [] };

  let run = 0;
  const measure = async (connections, seconds, label) => {
    run += 1;
    const ticks = cpuTicks(pid);
    const started = performance.now();
    const counts = await load(url, key, connections, seconds, run);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = (cpuTicks(pid) - ticks) / 100;
    const row = { label, connections, seconds: elapsed, acceptedPerSecond: counts.acknowledged / elapsed, ...counts, operonCpuCores: cpu / elapsed, rssMb: rssMb(pid) };
    log(`${label} c=${connections}: ${Math.round(row.acceptedPerSecond)} spans/s acknowledged, ${counts.refused429} retried after 429/503, ${counts.failed} failed`);
    return row;
  };
  for (const connections of levels) results.levels.push(await measure(connections, duration, 'rising'));
  const best = results.levels.reduce((a, b) => (b.acceptedPerSecond > a.acceptedPerSecond ? b : a));
  if (sustain > 0) results.sustained = await measure(best.connections, sustain, 'sustained');
  await waitDrained(base, key);

  // Nothing acknowledged is lost: every acknowledged span is in the database.
  const sqlite = new DatabaseSync(join(dir, 'data', 'operon.db'), { readOnly: true });
  const stored = Number(sqlite.prepare('select count(*) as n from spans').get().n);
  sqlite.close();
  const acknowledged = [...results.levels, ...(results.sustained ? [results.sustained] : [])].reduce((sum, row) => sum + row.acknowledged, 0);
  results.persistence = { acknowledged, stored, lost: Math.max(0, acknowledged - stored) };

  if (mock) {
    log('gateway p50 at 1 connection: alone, then while ingestion runs at full load');
    const args = ['--url', `${base}/v1/chat/completions`, '-H', `authorization: Bearer ${key}`, '-H', 'x-operon-cache: no-store', '--body', JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'Say this is a test.' }] }), '--connections', '1', '--duration', String(duration), '--warmup', '1'];
    const direct = await runHarness(['--url', `http://127.0.0.1:${mock.match.port}/v1/chat/completions`, '--connections', '1', '--duration', String(duration), '--warmup', '1']);
    const alone = await runHarness(args);
    run += 1;
    const [underLoad, ingest] = await Promise.all([runHarness(args), load(url, key, best.connections, duration + 2, run)]);
    results.gateway = { directP50: direct.runs[0].p50_ms, aloneP50: alone.runs[0].p50_ms, underIngestP50: underLoad.runs[0].p50_ms, ingestSpansPerSecond: ingest.acknowledged / (duration + 2) };
  }

  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `ingest-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(summarize(results));
  console.log(`\nRaw results: ${file}`);
  process.exit(0);
}

function summarize(results) {
  const lines = ['| run | conns | spans/s acknowledged | % of raw insert rate | 429/503 retries | failed | Operon CPU (cores) | RSS MB |', '|---|---|---|---|---|---|---|---|'];
  for (const row of [...results.levels, ...(results.sustained ? [results.sustained] : [])]) {
    lines.push(`| ${row.label} ${Math.round(row.seconds)} s | ${row.connections} | ${Math.round(row.acceptedPerSecond)} | ${Math.round((100 * row.acceptedPerSecond) / results.raw.rate)} % | ${row.refused429} | ${row.failed} | ${row.operonCpuCores.toFixed(2)} | ${row.rssMb} |`);
  }
  lines.push('', `Raw insert rate of the same rows into the same store (in-process writeSpans, 5,000 per batch): ${Math.round(results.raw.rate)} spans/s.`);
  lines.push(`Persistence: ${results.persistence.acknowledged} spans acknowledged, ${results.persistence.stored} stored, ${results.persistence.lost} lost.`);
  if (results.gateway) {
    const g = results.gateway;
    lines.push(`Gateway p50 at 1 connection: direct ${g.directP50} ms; through Operon alone ${g.aloneP50} ms (added ${(g.aloneP50 - g.directP50).toFixed(3)}); while ingesting ${Math.round(g.ingestSpansPerSecond)} spans/s ${g.underIngestP50} ms (added ${(g.underIngestP50 - g.directP50).toFixed(3)}).`);
  }
  return lines.join('\n');
}

main().catch((error) => { console.error(error.stack ?? error.message); process.exit(1); });
