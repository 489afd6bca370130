import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import type { Trace, TraceSummary } from '../../src/tracing/span.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// Every gateway call leaves a trace, failed ones too, and the management API lists them with filters
// and cursor pagination. The API is called with plain fetch, as any HTTP client would.

async function setup(t: TestContext): Promise<{ upstream: FakeUpstream; operon: RunningOperon; client: OpenAI }> {
  const upstream = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url } },
    models: {
      smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
      other: { targets: [{ provider: 'up', model: 'gpt-4o' }] },
    },
    routing: { retries: { maxAttempts: 1 } },
    cache: { enabled: false },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  return { upstream, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

async function api<T>(operon: RunningOperon, path: string, key = operon.adminKey): Promise<{ status: number; body: T }> {
  await operon.flush();
  const response = await fetch(`${operon.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as T };
}

type Page = { traces: TraceSummary[]; nextCursor: string | null };

/** Makes a mix of calls and returns the trace id of each, by outcome. */
async function makeCalls(upstream: FakeUpstream, client: OpenAI) {
  const ok: string[] = [];
  for (const content of ['one', 'two', 'three']) {
    const { response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content }] }).withResponse();
    ok.push(response.headers.get('x-operon-trace-id')!);
  }
  const { response } = await client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'four' }] }).withResponse();
  const other = response.headers.get('x-operon-trace-id')!;

  upstream.enqueue({ kind: 'error', status: 500 });
  const failedUpstream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'five' }] }).catch((thrown: unknown) => thrown);
  const unknownModel = await client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'six' }] }).catch((thrown: unknown) => thrown);
  assert.ok(failedUpstream instanceof OpenAI.APIError);
  assert.ok(unknownModel instanceof OpenAI.APIError);
  const failed = [failedUpstream, unknownModel].map((error) => error.headers?.get('x-operon-trace-id') ?? assert.fail('error without a trace id'));
  return { ok, other, failed, all: [...ok, other, ...failed] };
}

test('failed calls leave traces with status error and the error code', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { failed } = await makeCalls(upstream, client);

  const upstreamFailure = await api<Trace>(operon, `/api/traces/${failed[0]}`);
  assert.equal(upstreamFailure.status, 200);
  assert.equal(upstreamFailure.body.status, 'error');
  assert.equal(upstreamFailure.body.modelRequested, 'smart');
  const span = upstreamFailure.body.spans[0]!;
  assert.equal(span.errorCode, 'provider_error');
  assert.match(String(span.errorMessage), /Provider 'up' failed \(500\)/);
  assert.deepEqual((span.attempts as Array<{ upstreamStatus?: number }>).map((attempt) => attempt.upstreamStatus), [500]);
  assert.equal(span.output, null);
  assert.deepEqual((span.input as { messages: unknown[] }).messages.length, 1);

  const notFound = await api<Trace>(operon, `/api/traces/${failed[1]}`);
  assert.equal(notFound.body.status, 'error');
  assert.equal(notFound.body.spans[0]?.errorCode, 'model_not_found');
  assert.equal(notFound.body.modelRequested, 'missing');
  assert.equal(notFound.body.provider, null);
});

test('a successful call is traced with its input, output, tokens and latency', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { ok } = await makeCalls(upstream, client);
  const { body } = await api<Trace>(operon, `/api/traces/${ok[0]}`);
  assert.equal(body.status, 'ok');
  assert.equal(body.spanCount, 1);
  assert.notEqual(body.keyId, null);
  assert.equal(body.inputTokens, 19);
  assert.equal(body.outputTokens, 10);
  assert.ok(body.latencyMs >= 0);
  const span = body.spans[0]!;
  assert.equal(span.name, 'chat.completions');
  assert.deepEqual((span.input as { model: string }).model, 'smart');
  assert.equal((span.output as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, 'Hello! How can I assist you today?');
});

test('traces are listed newest first and filtered by status and model', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const calls = await makeCalls(upstream, client);

  const all = await api<Page>(operon, '/api/traces');
  assert.equal(all.status, 200);
  assert.deepEqual(new Set(all.body.traces.map((trace) => trace.id)), new Set(calls.all));
  const started = all.body.traces.map((trace) => trace.startedAt);
  assert.deepEqual(started, [...started].sort((a, b) => b - a));
  assert.equal(all.body.nextCursor, null);

  const errors = await api<Page>(operon, '/api/traces?status=error');
  assert.deepEqual(new Set(errors.body.traces.map((trace) => trace.id)), new Set(calls.failed));
  assert.ok(errors.body.traces.every((trace) => trace.status === 'error'));

  const fine = await api<Page>(operon, '/api/traces?status=ok');
  assert.equal(fine.body.traces.length, 4);

  const byAlias = await api<Page>(operon, '/api/traces?model=other');
  assert.deepEqual(byAlias.body.traces.map((trace) => trace.id), [calls.other]);
  const byModelUsed = await api<Page>(operon, '/api/traces?model=gpt-4o-mini');
  assert.deepEqual(new Set(byModelUsed.body.traces.map((trace) => trace.id)), new Set(calls.ok));
  const failedSmart = await api<Page>(operon, '/api/traces?model=smart&status=error');
  assert.deepEqual(failedSmart.body.traces.map((trace) => trace.id), [calls.failed[0]]);
});

test('cursor pagination walks every trace once', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const calls = await makeCalls(upstream, client);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
    const page: { status: number; body: Page } = await api<Page>(operon, `/api/traces${query}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.traces.length <= 2);
    seen.push(...page.body.traces.map((trace) => trace.id));
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 10);
  assert.equal(pages, 3);
  assert.equal(seen.length, calls.all.length);
  assert.deepEqual(new Set(seen), new Set(calls.all));
});

test('a stream cut off by the provider mid-answer is an error for the SDK and in the trace', async (t) => {
  const { upstream, operon, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'stream-usage.sse', cutAfter: 3 });
  const { data: stream, response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stream: true }).withResponse();
  let text = '';
  const error = await (async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  })().catch((thrown: unknown) => thrown);
  assert.equal(text, 'Hello!');
  assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
  assert.match(error.message, /Provider 'up'/);

  const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
  assert.equal(trace?.status, 'error');
  assert.ok(trace?.spans[0]?.errorCode);
});

test('a stream the client abandons is still traced', async (t) => {
  const { operon, client } = await setup(t);
  const { data: stream, response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stream: true }).withResponse();
  for await (const _chunk of stream) break; // the SDK aborts the request
  const traceId = response.headers.get('x-operon-trace-id')!;
  let trace: Trace | undefined;
  for (let turn = 0; turn < 100_000 && !trace; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (turn % 100 === 0) trace = await operon.trace(operon.project.id, traceId);
  }
  assert.ok(trace, 'the abandoned stream was traced');
  assert.equal(trace.spans[0]?.stream, true);
});

test('listing traces needs an admin key', async (t) => {
  const { operon } = await setup(t);
  const gateway = await operon.createKey({ scopes: ['gateway'] });
  const forbidden = await api<{ error: { code: string } }>(operon, '/api/traces', gateway.key);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error.code, 'insufficient_scope');
  const anonymous = await fetch(`${operon.url}/api/traces`);
  assert.equal(anonymous.status, 401);
});

test("a project's traces are not visible to another project's admin key", async (t) => {
  const { upstream, operon, client } = await setup(t);
  const calls = await makeCalls(upstream, client);
  const other = await operon.createKey({ project: 'elsewhere', scopes: ['admin'] });
  const page = await api<Page>(operon, '/api/traces', other.key);
  assert.deepEqual(page.body.traces, []);
  const single = await api<unknown>(operon, `/api/traces/${calls.ok[0]}`, other.key);
  assert.equal(single.status, 404);
});

test('a call refused for its body still leaves an error trace, and an unauthenticated one names no trace', async (t) => {
  const operon = await startOperon({ providers: { mock: { type: 'mock' } } });
  t.after(() => operon.close());
  const refused = await fetch(`${operon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/m', messages: 'not a list' }),
  });
  assert.equal(refused.status, 400);
  const traceId = refused.headers.get('x-operon-trace-id');
  assert.ok(traceId);
  const trace = await operon.trace(operon.project.id, traceId);
  assert.equal(trace?.status, 'error');
  assert.equal(trace?.spans[0]?.errorCode, 'invalid_request');

  const anonymous = await fetch(`${operon.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('x-operon-trace-id'), null);
});
