import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { OperonConfigInput } from '../../src/core/config.ts';
import { startFakeOpenAIUpstream, type FakeBehavior, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// Fallbacks and retries as an OpenAI SDK client sees them: two fake upstreams behind one alias, the
// first one failing in the ways real providers fail.

interface Setup {
  first: FakeUpstream;
  second: FakeUpstream;
  operon: RunningOperon;
  client: OpenAI;
}

type Retries = NonNullable<OperonConfigInput['routing']>['retries'];

async function setup(t: TestContext, retries: Retries = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }): Promise<Setup> {
  const first = await startFakeOpenAIUpstream();
  const second = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: {
      first: { type: 'openai-compatible', baseUrl: first.url, apiKey: 'sk-first' },
      second: { type: 'openai-compatible', baseUrl: second.url, apiKey: 'sk-second' },
    },
    models: {
      smart: {
        strategy: 'fallback',
        targets: [
          { provider: 'first', model: 'gpt-4o-mini' },
          { provider: 'second', model: 'gpt-4o' },
        ],
        retries,
      },
      solo: { targets: [{ provider: 'first', model: 'gpt-4o-mini' }], retries },
    },
  });
  t.after(async () => {
    await operon.close();
    await first.close();
    await second.close();
  });
  return { first, second, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

const MESSAGES = [{ role: 'user' as const, content: 'Hi' }];

const failures: Array<{ name: string; behavior: FakeBehavior; code: string; upstreamStatus?: number }> = [
  { name: 'a 429', behavior: { kind: 'error', status: 429 }, code: 'provider_rate_limited', upstreamStatus: 429 },
  { name: 'a 500', behavior: { kind: 'error', status: 500 }, code: 'provider_error', upstreamStatus: 500 },
  { name: 'a 503', behavior: { kind: 'error', status: 503 }, code: 'provider_error', upstreamStatus: 503 },
  { name: 'a dropped connection', behavior: { kind: 'close' }, code: 'provider_unreachable' },
];

for (const failure of failures) {
  test(`${failure.name} from the first target falls back to the second`, async (t) => {
    const { first, second, operon, client } = await setup(t);
    first.enqueue(failure.behavior);
    const { data, response } = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).withResponse();

    assert.equal(response.status, 200);
    assert.equal(data.model, 'gpt-4o');
    assert.equal(first.requests.length, 1);
    assert.equal(second.requests.length, 1);
    assert.equal(second.requests[0]?.headers.authorization, 'Bearer sk-second');
    assert.equal((second.requests[0]?.body as Record<string, unknown>).model, 'gpt-4o');

    const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
    assert.equal(trace?.status, 'ok');
    assert.equal(trace?.provider, 'second');
    assert.equal(trace?.modelUsed, 'gpt-4o');
    const span = trace?.spans[0];
    assert.equal(span?.fallbackUsed, true);
    assert.deepEqual(
      span?.attempts.map((attempt) => [attempt.provider, attempt.status, attempt.errorCode, attempt.upstreamStatus]),
      [
        ['first', 'error', failure.code, failure.upstreamStatus],
        ['second', 'ok', undefined, undefined],
      ],
    );
  });
}

const streamFailures: Array<{ name: string; behavior: FakeBehavior }> = [
  { name: 'a 500', behavior: { kind: 'error', status: 500 } },
  { name: 'a dropped connection', behavior: { kind: 'close' } },
  { name: 'a stream that breaks before its first event', behavior: { kind: 'stream-error' } },
  { name: 'a stream cut before its first event', behavior: { kind: 'fixture', name: 'stream-usage.sse', cutAfter: 0 } },
];

for (const failure of streamFailures) {
  test(`a stream falls back to the second target after ${failure.name} from the first`, async (t) => {
    const { first, second, operon, client } = await setup(t);
    first.enqueue(failure.behavior);
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'smart', messages: MESSAGES, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'Hello! How can I help you today?');
    assert.equal(usage?.total_tokens, 29);
    assert.equal(first.requests.length, 1);
    assert.equal(second.requests.length, 1);

    const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
    assert.equal(trace?.status, 'ok');
    assert.equal(trace?.provider, 'second');
    assert.equal(trace?.spans[0]?.fallbackUsed, true);
    assert.equal(trace?.spans[0]?.attempts.length, 2);
    assert.equal(trace?.spans[0]?.attempts[0]?.status, 'error');
  });
}

test('a 400 from the first target is returned at once, with no fallback', async (t) => {
  const { first, second, operon, client } = await setup(t, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 });
  first.enqueue({ kind: 'error', status: 400 });
  const error = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).catch((thrown: unknown) => thrown);

  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.status, 400);
  assert.equal(error.type, 'invalid_request_error');
  assert.match(error.message, /Provider 'first' rejected the request \(400\)/);
  assert.equal(first.requests.length, 1);
  assert.equal(second.requests.length, 0);

  const trace = await operon.trace(operon.project.id, error.headers?.get('x-operon-trace-id') ?? '');
  assert.equal(trace?.status, 'error');
  assert.equal(trace?.spans[0]?.attempts.length, 1);
  assert.equal(trace?.spans[0]?.attempts[0]?.upstreamStatus, 400);
  assert.equal(trace?.spans[0]?.fallbackUsed, false);
});

test('when every target fails the client gets the last error and the trace lists every attempt', async (t) => {
  const { first, second, operon, client } = await setup(t);
  first.enqueue({ kind: 'error', status: 500 });
  second.enqueue({ kind: 'error', status: 503 });
  const error = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.APIError);
  assert.equal(error.status, 502);
  assert.match(error.message, /Provider 'second' failed \(503\)/);
  const trace = await operon.trace(operon.project.id, error.headers?.get('x-operon-trace-id') ?? '');
  assert.equal(trace?.status, 'error');
  assert.equal(trace?.spans[0]?.errorCode, 'provider_error');
  assert.deepEqual(trace?.spans[0]?.attempts.map((attempt) => [attempt.provider, attempt.upstreamStatus]), [
    ['first', 500],
    ['second', 503],
  ]);
});

test('two 500s and then a success on one target answer 200 after three attempts', async (t) => {
  const { first, operon, client } = await setup(t, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 });
  first.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  const { data, response } = await client.chat.completions.create({ model: 'solo', messages: MESSAGES }).withResponse();
  assert.equal(response.status, 200);
  assert.ok(data.choices[0]?.message.content);
  assert.equal(first.requests.length, 3);
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(span?.attempts.map((attempt) => attempt.status), ['error', 'error', 'ok']);
  assert.equal(span?.fallbackUsed, false);
});

test('retries on the first target come before the fallback to the second', async (t) => {
  const { first, second, operon, client } = await setup(t, { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 });
  first.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 502 });
  const { response } = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).withResponse();
  assert.equal(first.requests.length, 2);
  assert.equal(second.requests.length, 1);
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(span?.attempts.map((attempt) => [attempt.provider, attempt.status]), [
    ['first', 'error'],
    ['first', 'error'],
    ['second', 'ok'],
  ]);
});

test('a Retry-After longer than maxDelayMs moves on to the next target instead of waiting', async (t) => {
  const { first, second, operon, client } = await setup(t, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 1_000 });
  first.enqueue({ kind: 'error', status: 429, retryAfter: '30' });
  const { data, response } = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).withResponse();
  assert.equal(data.model, 'gpt-4o');
  assert.equal(first.requests.length, 1, 'the first target was not retried');
  assert.equal(second.requests.length, 1);
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.equal(span?.attempts[0]?.errorCode, 'provider_rate_limited');
  assert.equal(span?.fallbackUsed, true);
});

test('a Retry-After beyond maxDelayMs on the only target returns the 429 with its retry-after', async (t) => {
  const { first, client } = await setup(t, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 1_000 });
  first.enqueue({ kind: 'error', status: 429, retryAfter: '30' });
  const error = await client.chat.completions.create({ model: 'solo', messages: MESSAGES }).catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.RateLimitError);
  assert.equal(error.status, 429);
  assert.equal(error.headers?.get('retry-after'), '30');
  assert.equal(first.requests.length, 1);
});
