import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { OperonConfigInput } from '../../src/core/config.ts';
import { OPENAI_FIXTURES, readFixtureText, startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// The response cache and cost accounting, seen from an OpenAI SDK client and the traces it leaves.

interface Setup {
  upstream: FakeUpstream;
  operon: RunningOperon;
  client: OpenAI;
}

async function setup(t: TestContext, config: OperonConfigInput = {}): Promise<Setup> {
  const upstream = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    ...config,
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url } },
    models: { smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] } },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  return { upstream, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

const REQUEST = { model: 'smart', messages: [{ role: 'user' as const, content: 'What is the capital of France?' }] };
const JSON_TEXT = 'Hello! How can I assist you today?';

async function traceOf(operon: RunningOperon, response: Response, projectId = operon.project.id) {
  const traceId = response.headers.get('x-operon-trace-id');
  assert.ok(traceId, 'the response names its trace');
  const trace = await operon.trace(projectId, traceId);
  assert.ok(trace, `trace ${traceId} was written`);
  return trace;
}

test('the same request twice is answered from the cache the second time', async (t) => {
  const { upstream, operon, client } = await setup(t, { pricing: { 'gpt-4o-mini': { input: 1, output: 2 } } });
  const first = await client.chat.completions.create(REQUEST).withResponse();
  const second = await client.chat.completions.create(REQUEST).withResponse();

  assert.equal(upstream.requests.length, 1);
  assert.deepEqual(second.data, first.data);
  const missed = await traceOf(operon, first.response);
  const hit = await traceOf(operon, second.response);
  assert.notEqual(missed.id, hit.id);
  assert.equal(missed.cacheHit, false);
  assert.equal(hit.cacheHit, true);
  assert.equal(hit.status, 'ok');
  assert.equal(hit.provider, 'up');
  assert.equal(hit.modelUsed, 'gpt-4o-mini');
  assert.equal(hit.inputTokens, 19);
  assert.ok((missed.costUsd ?? 0) > 0);
  assert.equal(hit.costUsd, 0, 'a cache hit spends nothing upstream');
  assert.deepEqual(hit.spans[0]?.attempts, []);
});

test('a different request is not answered from the cache', async (t) => {
  const { upstream, client } = await setup(t);
  await client.chat.completions.create(REQUEST);
  await client.chat.completions.create({ ...REQUEST, temperature: 0.3 });
  await client.chat.completions.create({ ...REQUEST, messages: [{ role: 'user', content: 'And of Spain?' }] });
  assert.equal(upstream.requests.length, 3);
});

test('x-operon-cache: no-store neither reads nor writes the cache', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const noStore = { headers: { 'x-operon-cache': 'no-store' } };
  await client.chat.completions.create(REQUEST);
  const bypassed = await client.chat.completions.create(REQUEST, noStore).withResponse();
  assert.equal(upstream.requests.length, 2);
  assert.equal((await traceOf(operon, bypassed.response)).cacheHit, false);

  const other = { ...REQUEST, seed: 7 };
  await client.chat.completions.create(other, noStore);
  await client.chat.completions.create(other);
  assert.equal(upstream.requests.length, 4, 'the no-store answer was not stored');
});

test('a stream after a non-streamed call with the same content is replayed from the cache as a stream', async (t) => {
  const { upstream, operon, client } = await setup(t);
  await client.chat.completions.create(REQUEST);
  const { data: stream, response } = await client.chat.completions.create({ ...REQUEST, stream: true, stream_options: { include_usage: true } }).withResponse();
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);

  assert.equal(upstream.requests.length, 1);
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'));
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), JSON_TEXT);
  assert.equal(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'stop');
  assert.equal(chunks.at(-1)?.usage?.total_tokens, 29);
  const trace = await traceOf(operon, response);
  assert.equal(trace.cacheHit, true);
  assert.equal(trace.spans[0]?.stream, true);
});

test('a completed stream is cached and serves a later non-streamed call', async (t) => {
  const { upstream, client } = await setup(t);
  const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
  for await (const _chunk of stream);
  const completion = await client.chat.completions.create(REQUEST);
  assert.equal(upstream.requests.length, 1);
  assert.equal(completion.choices[0]?.message.content, 'Hello! How can I help you today?');
});

test('a project with cacheEnabled false is never served from the cache', async (t) => {
  const { upstream, operon } = await setup(t);
  const { key, projectId } = await operon.createKey({ project: 'no-cache' });
  await operon.operon.stores.projects.updateProject(projectId, { cacheEnabled: false });
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: key, maxRetries: 0 });
  await client.chat.completions.create(REQUEST);
  const second = await client.chat.completions.create(REQUEST).withResponse();
  assert.equal(upstream.requests.length, 2);
  assert.equal((await traceOf(operon, second.response, projectId)).cacheHit, false);
});

test('turning the cache off through the API takes effect on the next call', async (t) => {
  const { upstream, operon, client } = await setup(t);
  await client.chat.completions.create(REQUEST);
  await client.chat.completions.create(REQUEST);
  assert.equal(upstream.requests.length, 1);
  const patched = await fetch(`${operon.url}/api/project`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cacheEnabled: false }),
  });
  assert.equal(patched.status, 200);
  await client.chat.completions.create(REQUEST);
  assert.equal(upstream.requests.length, 2);
});

test('projects do not share cache entries', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const other = await operon.createKey({ project: 'other' });
  await client.chat.completions.create(REQUEST);
  await new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: other.key, maxRetries: 0 }).chat.completions.create(REQUEST);
  assert.equal(upstream.requests.length, 2);
});

test('a failed answer is not cached', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  await client.chat.completions.create(REQUEST).catch(() => undefined);
  const completion = await client.chat.completions.create(REQUEST);
  assert.equal(completion.choices[0]?.message.content, JSON_TEXT);
  assert.equal(upstream.requests.length, 3);
});

test('the trace cost is usage times the configured price, cached input priced apart', async (t) => {
  const { operon, client } = await setup(t, { pricing: { 'gpt-4o-mini': { input: 1, output: 2, cachedInput: 0.5 } } });
  const { data, response } = await client.chat.completions.create(REQUEST).withResponse();
  // chat-completion.json: 19 prompt tokens (6 of them cached), 10 completion tokens; prices per million.
  assert.equal(data.usage?.prompt_tokens, 19);
  assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, 6);
  const trace = await traceOf(operon, response);
  assert.equal(trace.inputTokens, 19);
  assert.equal(trace.outputTokens, 10);
  assertClose(trace.costUsd, (13 * 1 + 6 * 0.5 + 10 * 2) / 1_000_000);
});

test('a streamed answer is priced from its usage chunk', async (t) => {
  const { operon, client } = await setup(t, { pricing: { 'gpt-4o-mini': { input: 1, output: 2 } } });
  const { data: stream, response } = await client.chat.completions.create({ ...REQUEST, stream: true }).withResponse();
  for await (const _chunk of stream);
  const trace = await traceOf(operon, response);
  assert.equal(trace.inputTokens, 19);
  assert.equal(trace.outputTokens, 10);
  assertClose(trace.costUsd, (19 * 1 + 10 * 2) / 1_000_000);
});

test('a stream whose provider sends no usage gets its tokens counted and priced', async (t) => {
  const { upstream, operon, client } = await setup(t, { pricing: { 'gpt-4o-mini': { input: 1, output: 2 } } });
  upstream.enqueue({ kind: 'sse', body: readFixtureText(OPENAI_FIXTURES, 'stream-text.sse') });
  const { data: stream, response } = await client.chat.completions.create({ ...REQUEST, stream: true }).withResponse();
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello! How can I help you today?');

  const trace = await traceOf(operon, response);
  const input = trace.inputTokens ?? 0;
  const output = trace.outputTokens ?? 0;
  assert.ok(input > 0, `inputTokens ${input}`);
  assert.ok(output > 0 && output < 20, `outputTokens ${output}`);
  assert.equal(trace.spans[0]?.attributes['operon.usage.estimated'], true);
  assertClose(trace.costUsd, (input * 1 + output * 2) / 1_000_000);
});

test('a model without a price is traced with its tokens and no cost', async (t) => {
  const { operon, client } = await setup(t, { pricing: {} });
  const { response } = await client.chat.completions.create({ ...REQUEST, model: 'up/some-local-model' }).withResponse();
  const trace = await traceOf(operon, response);
  assert.equal(trace.inputTokens, 19);
  assert.equal(trace.costUsd, null);
});

function assertClose(actual: number | null, expected: number): void {
  assert.ok(actual !== null, 'costUsd is set');
  assert.ok(Math.abs(actual - expected) < 1e-12, `costUsd ${actual} is not ${expected}`);
}

test('with include_usage, a stream whose provider sends no usage still ends with the counted usage chunk', async (t) => {
  const { upstream, operon, client } = await setup(t, { pricing: { 'gpt-4o-mini': { input: 1, output: 2 } } });
  upstream.enqueue({ kind: 'sse', body: readFixtureText(OPENAI_FIXTURES, 'stream-text.sse') });
  const { data: stream, response } = await client.chat.completions
    .create({ ...REQUEST, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  const trace = await traceOf(operon, response);
  assert.ok(usage, 'a usage chunk arrived');
  assert.equal(usage.prompt_tokens, trace.inputTokens);
  assert.equal(usage.completion_tokens, trace.outputTokens);
});
