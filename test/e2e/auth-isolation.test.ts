import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { parseConfig } from '../../src/core/config-loader.ts';
import { createLogger } from '../../src/core/logger.ts';
import { hashApiKey } from '../../src/projects/api-key-secret.ts';
import { composeOperon } from '../../src/server/compose.ts';
import { startFakeOpenAIUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

const MOCK = { providers: { mock: { type: 'mock' as const } } };

async function start(t: TestContext, config = {}): Promise<RunningOperon> {
  const operon = await startOperon({ ...MOCK, ...config });
  t.after(() => operon.close());
  return operon;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(operon: RunningOperon, path: string, options: { key?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${operon.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const chatBody = (content = 'Hi') => ({ model: 'mock/mock-model', messages: [{ role: 'user', content }] });

function chat(operon: RunningOperon, key: string | undefined, content?: string, headers?: Record<string, string>): Promise<Answer> {
  return call(operon, '/v1/chat/completions', { key, body: chatBody(content), headers });
}

/** The OpenAI error shape with the given status and code. */
function assertOpenAIError(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, code);
  assert.equal(typeof answer.body.error.message, 'string');
  assert.equal(typeof answer.body.error.type, 'string');
  assert.ok('param' in answer.body.error);
}

test('a missing, wrong or revoked key gets 401 in the OpenAI error shape', async (t) => {
  const operon = await start(t);
  assertOpenAIError(await chat(operon, undefined), 401, 'missing_api_key');
  assertOpenAIError(await chat(operon, 'opk_not-a-real-key'), 401, 'invalid_api_key');
  assertOpenAIError(await chat(operon, 'sk-proj-openai-key'), 401, 'invalid_api_key');

  const created = await call(operon, '/api/keys', { key: operon.adminKey, body: { name: 'temp', scopes: ['gateway'] } });
  assert.equal(created.status, 201);
  assert.match(created.body.key, /^opk_/);
  assert.equal((await chat(operon, created.body.key)).status, 200, 'the new key works (and is now cached)');

  const revoked = await call(operon, `/api/keys/${created.body.id}`, { key: operon.adminKey, method: 'DELETE' });
  assert.equal(revoked.status, 204);
  assertOpenAIError(await chat(operon, created.body.key), 401, 'api_key_revoked');
});

test('scopes: a gateway key cannot read traces, an ingest-only key cannot call the gateway', async (t) => {
  const operon = await start(t);
  const gateway = await operon.createKey({ scopes: ['gateway'] });
  const ingest = await operon.createKey({ scopes: ['ingest'] });
  assertOpenAIError(await call(operon, '/api/traces', { key: gateway.key }), 403, 'insufficient_scope');
  assertOpenAIError(await call(operon, '/api/keys', { key: gateway.key }), 403, 'insufficient_scope');
  assertOpenAIError(await chat(operon, ingest.key), 403, 'insufficient_scope');
  assert.equal((await chat(operon, gateway.key)).status, 200);
  assert.equal((await call(operon, '/api/traces', { key: operon.adminKey })).status, 200);
});

test('health checks need no key; /openapi.json needs one and is an OpenAPI 3.1 document', async (t) => {
  const operon = await start(t);
  assert.deepEqual(await call(operon, '/healthz').then((answer) => [answer.status, answer.body.status]), [200, 'ok']);
  assert.deepEqual(await call(operon, '/readyz').then((answer) => [answer.status, answer.body.status]), [200, 'ready']);

  assertOpenAIError(await call(operon, '/openapi.json'), 401, 'missing_api_key');
  const gateway = await operon.createKey({ scopes: ['gateway'] });
  const doc = await call(operon, '/openapi.json', { key: gateway.key });
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, '3.1.0');
  assert.equal(typeof doc.body.info.title, 'string');
  assert.equal(typeof doc.body.info.version, 'string');
  assert.ok(doc.body.paths['/v1/chat/completions']?.post, 'lists the chat endpoint');
  assert.ok(doc.body.paths['/v1/messages']?.post, 'lists the messages endpoint');
  assert.ok(doc.body.paths['/api/traces']?.get, 'lists the traces endpoint');
  assert.ok(doc.body.components.schemas.TracePage, 'with component schemas');
});

test('project isolation: traces and keys of another project are invisible and untouchable', async (t) => {
  const operon = await start(t);
  const b = await operon.createKey({ project: 'b', scopes: ['admin'] });
  assert.notEqual(b.projectId, operon.project.id);

  const bCall = await chat(operon, b.key, 'from b');
  assert.equal(bCall.status, 200);
  const bTraceId = bCall.headers.get('x-operon-trace-id')!;
  const aCall = await chat(operon, operon.adminKey, 'from a');
  const aTraceId = aCall.headers.get('x-operon-trace-id')!;
  await operon.flush();

  const aList = await call(operon, '/api/traces', { key: operon.adminKey });
  assert.deepEqual(aList.body.traces.map((trace: { id: string }) => trace.id), [aTraceId]);
  const bList = await call(operon, '/api/traces', { key: b.key });
  assert.deepEqual(bList.body.traces.map((trace: { id: string }) => trace.id), [bTraceId]);

  assertOpenAIError(await call(operon, `/api/traces/${bTraceId}`, { key: operon.adminKey }), 404, 'trace_not_found');
  assert.equal((await call(operon, `/api/traces/${bTraceId}`, { key: b.key })).status, 200);

  const aKeys = await call(operon, '/api/keys', { key: operon.adminKey });
  const aKeyIds: string[] = aKeys.body.map((key: { id: string }) => key.id);
  assert.equal(aKeyIds.length, 1);
  assert.ok(!aKeyIds.includes(b.keyId));
  assert.ok(aKeys.body.every((key: Record<string, unknown>) => !('hash' in key) && !('key' in key)), 'listing shows no secrets');

  assertOpenAIError(await call(operon, `/api/keys/${b.keyId}`, { key: operon.adminKey, method: 'DELETE' }), 404, 'key_not_found');
  assert.equal((await chat(operon, b.key)).status, 200, "B's key still works");
});

test('keys are stored hashed: the plain key is neither in the database files nor in traces', async (t) => {
  const operon = await start(t);
  const gateway = await operon.createKey({ scopes: ['gateway'] });
  const answer = await chat(operon, gateway.key, 'hello');
  assert.equal(answer.status, 200);
  const trace = await operon.trace(operon.project.id, answer.headers.get('x-operon-trace-id')!);
  assert.ok(trace);
  const traceText = JSON.stringify(trace);
  assert.ok(traceText.includes('hello'), 'bodies are captured');
  assert.ok(!traceText.includes(gateway.key) && !traceText.includes(operon.adminKey));

  const files = dataFiles(operon.operon.config.storage.dataDir);
  assert.ok(files.includes(hashApiKey(gateway.key)), 'the hash is stored (so the right files were read)');
  assert.ok(!files.includes(gateway.key), 'the plain gateway key is not stored');
  assert.ok(!files.includes(operon.adminKey), 'the plain admin key is not stored');
});

/** Every file of the data folder (database, WAL, …) as one latin1 string. */
function dataFiles(dataDir: string): string {
  const names = readdirSync(dataDir);
  assert.ok(names.includes('operon.db'));
  return names.map((name) => readFileSync(join(dataDir, name)).toString('latin1')).join('\n');
}

test('provider API keys appear neither in stored traces nor in logs at level trace', async (t) => {
  const providerKey = 'sk-upstream-secret-4f1c9a';
  const upstream = await startFakeOpenAIUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'operon-e2e-logs-'));
  const lines: string[] = [];
  const memory = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = parseConfig({
    storage: { dataDir },
    logging: { level: 'trace' },
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url, apiKey: providerKey } },
    models: { smart: { targets: [{ provider: 'up', model: 'unpriced-model-x' }] } },
    routing: { retries: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
    cache: { enabled: false },
  });
  const operon = await composeOperon({ config, env: {}, logger: createLogger({ level: 'trace', destination: memory }) });
  const { adminKey } = await operon.service.bootstrap();
  const server = createAdaptorServer({ fetch: operon.app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await operon.close();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (content: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey!.plain}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content }] }),
    });

  assert.equal((await post('ok call')).status, 200);
  upstream.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  assert.equal((await post('failing call')).status, 502);
  upstream.enqueue({ kind: 'error', status: 401 });
  assert.equal((await post('rejected call')).status, 502);
  upstream.enqueue({ kind: 'garbled' });
  assert.ok((await post('garbled call')).status >= 500);
  await operon.queue.flush();

  assert.equal(upstream.requests[0]?.headers.authorization, `Bearer ${providerKey}`, 'the key was used upstream');
  const traces = await operon.stores.traces.listTraces({ projectId: (await operon.service.bootstrap()).project.id, limit: 50 });
  assert.equal(traces.traces.length, 4);
  for (const summary of traces.traces) {
    const trace = await operon.stores.traces.getTrace(summary.projectId, summary.id);
    assert.ok(!JSON.stringify(trace).includes(providerKey), `trace ${summary.id} holds no provider key`);
  }
  const logs = lines.join('');
  assert.match(logs, /"level":20/, 'debug records were written (attempt failures)');
  assert.ok(!logs.includes(providerKey), 'no provider key in the logs');
  assert.ok(!logs.includes(adminKey!.plain), 'no Operon key in the logs');
  await operon.close();
  assert.ok(!dataFiles(dataDir).includes(providerKey), 'no provider key anywhere in storage');
});

test('body capture follows the project setting: none stores no bodies, redacted masks the text', async (t) => {
  const operon = await start(t);
  const traceOf = async (answer: Answer) => (await operon.trace(operon.project.id, answer.headers.get('x-operon-trace-id')!))!.spans[0]!;

  const full = await traceOf(await chat(operon, operon.adminKey, 'my secret is 1234'));
  assert.match(JSON.stringify(full.input), /my secret is 1234/);
  assert.match(JSON.stringify(full.output), /my secret is 1234/, 'the mock echoes the message');

  const none = await call(operon, '/api/project', { key: operon.adminKey, method: 'PATCH', body: { captureBodies: 'none' } });
  assert.equal(none.status, 200);
  assert.equal(none.body.captureBodies, 'none');
  const uncaptured = await traceOf(await chat(operon, operon.adminKey, 'my secret is 5678'));
  assert.equal(uncaptured.input, null);
  assert.equal(uncaptured.output, null);
  assert.equal(uncaptured.bodyCapture, 'none');
  assert.ok(uncaptured.outputTokens !== null, 'metadata is still recorded');

  await call(operon, '/api/project', { key: operon.adminKey, method: 'PATCH', body: { captureBodies: 'redacted' } });
  const masked = await traceOf(await chat(operon, operon.adminKey, 'my secret is 9012'));
  const text = JSON.stringify([masked.input, masked.output]);
  assert.ok(!text.includes('9012'), 'the text is gone');
  assert.match(text, /\[redacted: \d+ chars\]/);
  assert.match(JSON.stringify(masked.input), /"role":"user"/, 'the structure is kept');
  assert.equal(masked.bodyCapture, 'redacted');

  assertOpenAIError(await call(operon, '/api/project', { key: operon.adminKey, method: 'PATCH', body: { captureBodies: 'some' } }), 400, 'invalid_request');
});
