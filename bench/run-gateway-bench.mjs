#!/usr/bin/env node
// Gateway benchmark: one run measures, on this machine, in this order and interleaved:
//   direct     the load harness straight to the mock OpenAI upstream (the baseline)
//   null-gw    through the bare node:http pass-through (null-gateway.mjs), the floor cost of one Node hop
//   operon     through Operon with routing, the cost table, limits and tracing on, cache bypassed (a miss)
// at 1, 10 and 64 connections, then a paced stream (first chunk at once, then one every 20 ms) for time
// to first byte, then a soak at 64 connections for RSS growth. Prints a Markdown summary and writes JSON
// to bench/results/.
//
//   npm run bench:gateway                  (BENCH_DURATION=10 BENCH_SOAK=60 by default)
//   OPERON_BENCH_HARNESS=../shared/bench/gateway BENCH_ROUNDS=2 npm run bench:gateway
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const harness = resolve(root, process.env.OPERON_BENCH_HARNESS ?? '../shared/bench/gateway');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const soakSeconds = Number(process.env.BENCH_SOAK ?? 60);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const levels = process.env.BENCH_CONNECTIONS ?? '1,10,64';
if (!existsSync(join(harness, 'bench.mjs'))) {
  console.error(`Benchmark harness not found at ${harness}. Set OPERON_BENCH_HARNESS to the folder holding bench.mjs and mock-upstream.mjs.`);
  process.exit(1);
}

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(130));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts a process and resolves once a line of its stdout matches. */
function start(command, args, env, ready) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in 30 s:\n${buffer}\n${stderr}`)), 30_000);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = ready(buffer);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, match });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${buffer}\n${stderr}`)));
  });
}

/** Node's flags in `npm start` (package.json), so the benchmark runs Operon the way users start it. */
function startFlags() {
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const match = /^node\s+(.*?)\s*src\/cli\/main\.ts\s+up\b/.exec(script);
  if (!match) throw new Error(`package.json's start script is not 'node [flags] src/cli/main.ts up': ${script}`);
  return match[1].split(/\s+/).filter(Boolean);
}

function runBench(args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(harness, 'bench.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolveRun(JSON.parse(out)) : reject(new Error(`bench.mjs ${args.join(' ')} failed (${code})`))));
  });
}

const jsonLine = (key) => (buffer) => {
  for (const line of buffer.split('\n')) {
    try {
      const parsed = JSON.parse(line);
      if (parsed[key]) return parsed;
    } catch {}
  }
  return undefined;
};

async function main() {
  const mock = await start(process.execPath, [join(harness, 'mock-upstream.mjs')], { MOCK_PORT: '0' }, jsonLine('mock'));
  const paced = await start(process.execPath, [join(harness, 'mock-upstream.mjs')], { MOCK_PORT: '0', MOCK_CHUNK_DELAY_MS: '20' }, jsonLine('mock'));
  const nullPort = await freePort();
  const nullGw = await start(process.execPath, [join(harness, 'null-gateway.mjs')], { NULLGW_PORT: String(nullPort), NULLGW_UPSTREAM: `http://127.0.0.1:${mock.match.port}` }, jsonLine('nullgw'));

  const dir = mkdtempSync(join(tmpdir(), 'operon-bench-'));
  const unlimited = { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000_000, dailyBudgetUsd: 1_000_000_000, monthlyBudgetUsd: 1_000_000_000 };
  writeFileSync(
    join(dir, 'operon.yaml'),
    JSON.stringify({
      providers: {
        upstream: { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${mock.match.port}/v1` },
        paced: { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${paced.match.port}/v1` },
      },
      models: {
        'mock-model': { targets: [{ provider: 'upstream', model: 'mock-model' }] },
        'paced-model': { targets: [{ provider: 'paced', model: 'mock-model' }] },
      },
      pricing: { 'mock-model': { input: 0.15, output: 0.6 } },
      limits: { project: unlimited, key: unlimited },
      logging: { level: 'warn' },
    }),
  );
  const operonPort = await freePort();
  const operon = await start(
    process.execPath,
    [...startFlags(), join(root, 'src/cli/main.ts'), 'up', '--port', String(operonPort)],
    { OPERON_CONFIG: join(dir, 'operon.yaml'), OPERON_DATA_DIR: join(dir, 'data') },
    (buffer) => /Admin API key \(shown once, store it now\): (opk_\S+)/.exec(buffer)?.[1],
  );
  const key = operon.match;
  const auth = ['-H', `authorization: Bearer ${key}`, '-H', 'x-operon-cache: no-store'];
  const common = ['--connections', levels, '--duration', String(duration), '--warmup', '2'];
  const targets = {
    direct: { url: `http://127.0.0.1:${mock.match.port}/v1/chat/completions`, headers: [], pids: [mock.match.pid] },
    'null-gw': { url: `http://127.0.0.1:${nullPort}/v1/chat/completions`, headers: [], pids: [nullGw.match.pid, mock.match.pid] },
    operon: { url: `http://127.0.0.1:${operonPort}/v1/chat/completions`, headers: auth, pids: [operon.child.pid, mock.match.pid] },
  };

  const results = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, rounds: [] };
  for (let round = 1; round <= rounds; round++) {
    const entry = {};
    for (const [label, target] of Object.entries(targets)) {
      process.stderr.write(`round ${round}: ${label}\n`);
      entry[label] = await runBench(['--label', label, '--url', target.url, ...target.headers, ...common, ...target.pids.flatMap((pid) => ['--pid', String(pid)])]);
    }
    results.rounds.push(entry);
  }

  process.stderr.write('paced streams\n');
  const streamArgs = ['--stream', '--connections', '1,10', '--duration', String(duration), '--warmup', '1'];
  results.streamDirect = await runBench(['--label', 'stream-direct', '--url', `http://127.0.0.1:${paced.match.port}/v1/chat/completions`, ...streamArgs]);
  results.streamOperon = await runBench([
    '--label', 'stream-operon', '--url', `http://127.0.0.1:${operonPort}/v1/chat/completions`, ...auth,
    '--body', JSON.stringify({ model: 'paced-model', messages: [{ role: 'user', content: 'Say this is a test.' }], max_tokens: 64 }),
    ...streamArgs, '--pid', String(operon.child.pid),
  ]);

  if (soakSeconds > 0) {
    process.stderr.write(`soak ${soakSeconds} s\n`);
    results.soak = await runBench(['--label', 'soak', '--url', targets.operon.url, ...auth, '--connections', '64', '--duration', String(soakSeconds), '--warmup', '0', '--pid', String(operon.child.pid)]);
  }

  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `gateway-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(summarize(results));
  console.log(`\nRaw results: ${file}`);
  process.exit(0);
}

// The harness reports errors as a number or as counters by kind (nested for streams: { kinds: {...} }).
const errorCount = (errors) => {
  if (typeof errors === 'number') return errors;
  if (!errors || typeof errors !== 'object') return 0;
  return Object.values(errors).reduce((sum, value) => sum + errorCount(value), 0);
};

function summarize(results) {
  const lines = ['| round | conns | direct rps | null-gw rps | operon rps | operon / null-gw | operon / direct | added p50 ms | added p99 ms | operon CPU µs/req | operon RSS max MB |', '|---|---|---|---|---|---|---|---|---|---|---|'];
  results.rounds.forEach((round, index) => {
    round.direct.runs.forEach((direct, level) => {
      const nullGw = round['null-gw'].runs[level];
      const operon = round.operon.runs[level];
      const proc = operon.proc?.[0];
      const cpuPerRequest = proc ? (proc.cpu_pct / 100 / operon.rps) * 1e6 : NaN;
      lines.push(
        `| ${index + 1} | ${direct.connections} | ${direct.rps.toFixed(0)} | ${nullGw.rps.toFixed(0)} | ${operon.rps.toFixed(0)} | ${(operon.rps / nullGw.rps).toFixed(2)} | ${(operon.rps / direct.rps).toFixed(2)} | ${(operon.p50_ms - direct.p50_ms).toFixed(3)} | ${(operon.p99_ms - direct.p99_ms).toFixed(3)} | ${cpuPerRequest.toFixed(0)} | ${proc?.rss_mb_max ?? '-'} |`,
      );
    });
  });
  lines.push('', '| stream conns | direct TTFB p50 ms | operon TTFB p50 ms | added TTFB p50 ms | added TTFB p99 ms | errors |', '|---|---|---|---|---|---|');
  results.streamDirect.runs.forEach((direct, level) => {
    const operon = results.streamOperon.runs[level];
    lines.push(`| ${direct.connections} | ${direct.ttfb_p50_ms} | ${operon.ttfb_p50_ms} | ${(operon.ttfb_p50_ms - direct.ttfb_p50_ms).toFixed(3)} | ${(operon.ttfb_p99_ms - direct.ttfb_p99_ms).toFixed(3)} | ${errorCount(operon.errors)} |`);
  });
  if (results.soak) {
    const run = results.soak.runs[0];
    const proc = run.proc?.[0];
    lines.push('', `Soak: ${run.rps.toFixed(0)} rps for ${soakSeconds} s at 64 connections, ${errorCount(run.errors)} errors; operon RSS start ${proc?.rss_mb_start} MB, max ${proc?.rss_mb_max} MB, end ${proc?.rss_mb_end} MB.`);
  }
  return lines.join('\n');
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
