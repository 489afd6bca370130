import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The newcomer's first minutes, as a real process: `operon up` in an empty folder, the curl command it
 * prints, Ctrl+C (SIGTERM), and a second start. Waits on the process's own output, never on timers; each
 * test's `timeout` bounds a start that never comes.
 */
const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TIMEOUT = { timeout: 30_000 };

/** The environment of a newcomer: no OPERON_* variables and no provider keys. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('OPERON_') || name.endsWith('_API_KEY') || name.startsWith('NODE_TEST') || name === 'NODE_OPTIONS') continue;
    env[name] = value;
  }
  return env;
}

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it contains `text`; rejects if the process exits first. */
  waitFor(text: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function operon(t: TestContext, cwd: string, args: string[]): Running {
  const child = spawn(NODE, [MAIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const check of waiters) check();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor(text) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!out.includes(text)) return;
          waiters.delete(check);
          resolve(out);
        };
        waiters.add(check);
        check();
        void exited.then(({ code }) => {
          if (!out.includes(text)) reject(new Error(`operon exited (${code}) before printing '${text}'.\nstdout:\n${out}\nstderr:\n${err}`));
        });
      });
    },
  };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'operon-newcomer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The URL, key and body of the curl command in the banner. */
function parseCurl(banner: string): { url: string; key: string; body: string } {
  const match = /curl (http:\/\/\S+\/v1\/chat\/completions) \\\n\s+-H "Authorization: Bearer ([^"]+)" \\\n\s+-H "Content-Type: application\/json" \\\n\s+-d '([^']+)'/.exec(banner);
  assert.ok(match, `the banner holds a curl command:\n${banner}`);
  return { url: match[1]!, key: match[2]!, body: match[3]! };
}

test('operon up in an empty folder: banner, working curl, clean stop, and a second start that reuses the project', TIMEOUT, async (t) => {
  const cwd = tempDir(t);

  const first = operon(t, cwd, ['up', '--port', '0']);
  const banner = await first.waitFor('Stop with Ctrl+C.');
  const base = /Operon is running on (http:\/\/127\.0\.0\.1:(\d+))/.exec(banner);
  assert.ok(base, banner);
  assert.notEqual(base[2], '0', 'the banner shows the real port');
  assert.match(banner, /Admin API key \(shown once, store it now\): opk_/);

  const health = await fetch(`${base[1]}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  const curl = parseCurl(banner);
  assert.ok(curl.url.startsWith(base[1]!));
  assert.match(curl.key, /^opk_/);
  const response = await fetch(curl.url, { method: 'POST', headers: { Authorization: `Bearer ${curl.key}`, 'Content-Type': 'application/json' }, body: curl.body });
  assert.equal(response.status, 200);
  const completion = (await response.json()) as { object: string; choices: Array<{ message: { content: string } }> };
  assert.equal(completion.object, 'chat.completion');
  assert.match(completion.choices[0]!.message.content, /Hello, Operon!/);
  const traceId = response.headers.get('x-operon-trace-id');
  assert.ok(traceId);

  first.child.kill('SIGTERM');
  const stopped = await first.exited;
  assert.deepEqual(stopped, { code: 0, signal: null }, first.stderr());
  assert.match(first.stdout(), /traces flushed/);
  assert.ok(existsSync(join(cwd, '.operon', 'operon.db')), '.operon/operon.db exists');

  const second = operon(t, cwd, ['up', '--port', '0']);
  const again = await second.waitFor('Stop with Ctrl+C.');
  assert.match(again, /Project: default/);
  assert.match(again, /Admin API key: created on first start and shown then/);
  assert.doesNotMatch(again, /opk_/, 'no new key is printed');
  const secondBase = /Operon is running on (http:\/\/127\.0\.0\.1:\d+)/.exec(again)![1];

  // The first start's key still works, and the first call's trace was flushed to disk before exiting.
  const trace = await fetch(`${secondBase}/api/traces/${traceId}`, { headers: { Authorization: `Bearer ${curl.key}` } });
  assert.equal(trace.status, 200);
  assert.equal(((await trace.json()) as { modelRequested: string }).modelRequested, 'mock/mock-model');

  second.child.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});

test('a bad operon.yaml stops start-up with a message naming the field, before anything is created', TIMEOUT, async (t) => {
  const cwd = tempDir(t);
  writeFileSync(join(cwd, 'operon.yaml'), 'server:\n  port: "x"\n');
  const run = operon(t, cwd, ['up']);
  const { code } = await run.exited;
  assert.notEqual(code, 0);
  assert.match(run.stderr(), /server\.port/);
  assert.doesNotMatch(run.stderr(), /unexpected error/);
  assert.equal(run.stdout().includes('Operon is running'), false);
  assert.equal(existsSync(join(cwd, '.operon')), false, 'no data folder was created');
});

test('a port already in use is reported with what to do', TIMEOUT, async (t) => {
  const cwd = tempDir(t);
  const first = operon(t, cwd, ['up', '--port', '0']);
  const port = /Operon is running on http:\/\/127\.0\.0\.1:(\d+)/.exec(await first.waitFor('Stop with Ctrl+C.'))![1]!;

  const other = tempDir(t);
  const second = operon(t, other, ['up', '--port', port]);
  const { code } = await second.exited;
  assert.notEqual(code, 0);
  assert.match(second.stderr(), new RegExp(`Port ${port} .*already in use.*--port`));

  first.child.kill('SIGTERM');
  assert.equal((await first.exited).code, 0);
});

test('spans acknowledged by /v1/traces survive the process being killed (SIGKILL) right after the answer', TIMEOUT, async (t) => {
  const cwd = tempDir(t);
  const first = operon(t, cwd, ['up', '--port', '0']);
  const banner = await first.waitFor('Stop with Ctrl+C.');
  const base = /Operon is running on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
  const key = /Admin API key \(shown once, store it now\): (opk_\S+)/.exec(banner)![1]!;
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 50 }, (_, index) => ({
    traceId: 'e'.repeat(31) + (index % 5).toString(16),
    spanId: index.toString(16).padStart(16, '0').replace(/^0/, 'f'),
    name: `step ${index}`,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
  }));
  const response = await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
  });
  assert.equal(response.status, 200);
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  const second = operon(t, cwd, ['up', '--port', '0']);
  const again = await second.waitFor('Stop with Ctrl+C.');
  const secondBase = /Operon is running on (http:\/\/127\.0\.0\.1:\d+)/.exec(again)![1];
  let stored = 0;
  for (let trace = 0; trace < 5; trace++) {
    const answer = await fetch(`${secondBase}/api/traces/${'e'.repeat(31)}${trace.toString(16)}`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(answer.status, 200);
    stored += ((await answer.json()) as { spanCount: number }).spanCount;
  }
  assert.equal(stored, 50, 'every acknowledged span is there after the crash');
  second.child.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});
