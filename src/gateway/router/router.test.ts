import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelAliasConfig } from '../../core/config.ts';
import { OperonError } from '../../core/errors.ts';
import type { Provider } from '../../providers/chat-model.ts';
import {
  callContext,
  chatRequest,
  collect,
  connectionError,
  fakeProvider,
  providerError,
  runWithClock,
  settle,
  testClock,
  type Step,
  type TestClock,
} from './__fixtures__/fake-provider.ts';
import { createRouter, type RoutingConfig } from './router.ts';

const TIMEOUT = 60_000;

function routing(overrides: Partial<RoutingConfig> = {}): RoutingConfig {
  return {
    retries: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 1_000 },
    timeoutMs: TIMEOUT,
    breaker: { failureThreshold: 100, cooldownMs: 30_000 },
    ...overrides,
  };
}

const smart: Record<string, ModelAliasConfig> = {
  smart: {
    strategy: 'fallback',
    targets: [
      { provider: 'openai', model: 'gpt-4o', weight: 1 },
      { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 },
    ],
  },
};

function setup(options: {
  openai?: Record<string, Step[]>;
  anthropic?: Record<string, Step[]>;
  models?: Record<string, ModelAliasConfig>;
  routing?: Partial<RoutingConfig>;
  random?: () => number;
  clock?: TestClock;
}) {
  const clock = options.clock ?? testClock();
  const openai = fakeProvider('openai', options.openai ?? {}, { clock });
  const anthropic = fakeProvider('anthropic', options.anthropic ?? {}, { clock, embeddings: false });
  const router = createRouter({
    models: options.models ?? smart,
    providers: new Map<string, Provider>([
      ['openai', openai],
      ['anthropic', anthropic],
    ]),
    routing: routing(options.routing),
    clock,
    random: options.random ?? (() => 0.5),
  });
  return { router, clock, openai, anthropic };
}

function backoffSleeps(clock: TestClock, signal: AbortSignal): number[] {
  return clock.sleeps.filter((sleep) => sleep.signal === signal).map((sleep) => sleep.ms);
}

test('an alias is served by its first target, which gets the target model id', async () => {
  const { router, openai } = setup({});
  const context = callContext();
  const result = await router.generate(chatRequest('smart'), context);
  assert.equal(result.choices[0]?.message.content, 'openai:gpt-4o');
  assert.deepEqual(openai.calls.map((call) => call.model), ['gpt-4o']);
  assert.equal(context.record.provider, 'openai');
  assert.equal(context.record.modelUsed, 'gpt-4o');
  assert.equal(context.record.fallbackUsed, false);
  assert.equal(context.record.attempts.length, 1);
  assert.deepEqual({ ...context.record.attempts[0], startedAt: 0 }, {
    provider: 'openai', model: 'gpt-4o', startedAt: 0, durationMs: 0, status: 'ok',
  });
});

test('provider/model calls a configured provider directly, keeping slashes in the model id', async () => {
  const { router, openai } = setup({});
  const context = callContext();
  await router.generate(chatRequest('openai/meta-llama/llama-3-8b'), context);
  assert.deepEqual(openai.calls.map((call) => call.model), ['meta-llama/llama-3-8b']);
  assert.equal(context.record.modelUsed, 'meta-llama/llama-3-8b');
});

test('an unknown model is a not_found error naming the aliases and the provider/model form', async () => {
  const { router } = setup({});
  for (const model of ['gpt-5', 'nope/gpt-5']) {
    await assert.rejects(router.generate(chatRequest(model), callContext()), (error: OperonError) => {
      assert.equal(error.kind, 'not_found');
      assert.equal(error.code, 'model_not_found');
      assert.match(error.message, new RegExp(`Model '${model}' is not configured`));
      assert.match(error.message, /'smart'/);
      assert.match(error.message, /'<provider>\/<model>' \(providers: openai, anthropic\)/);
      return true;
    });
  }
});

test('a target naming an unconfigured provider fails at creation', () => {
  assert.throws(
    () =>
      createRouter({
        models: { x: { strategy: 'fallback', targets: [{ provider: 'azure', model: 'm', weight: 1 }] } },
        providers: new Map(),
        routing: routing(),
        clock: testClock(),
      }),
    (error: OperonError) => error.kind === 'config' && /provider 'azure'/.test(error.message),
  );
});

for (const [label, error] of [
  ['a 429', providerError(429)],
  ['a 503', providerError(503)],
  ['a dropped connection', connectionError()],
] as const) {
  test(`falls back to the next target on ${label}`, async () => {
    const { router, anthropic } = setup({ openai: { 'gpt-4o': [{ error }] } });
    const context = callContext();
    const result = await router.generate(chatRequest('smart'), context);
    assert.equal(result.choices[0]?.message.content, 'anthropic:claude-sonnet-4-5');
    assert.equal(anthropic.calls.length, 1);
    assert.equal(context.record.fallbackUsed, true);
    assert.equal(context.record.provider, 'anthropic');
    assert.deepEqual(context.record.attempts.map((attempt) => [attempt.provider, attempt.status]), [['openai', 'error'], ['anthropic', 'ok']]);
  });
}

test('a failed attempt records the error code and upstream status', async () => {
  const { router } = setup({ openai: { 'gpt-4o': [{ error: providerError(503) }] } });
  const context = callContext();
  await router.generate(chatRequest('smart'), context);
  assert.equal(context.record.attempts[0]?.errorCode, 'provider_error');
  assert.equal(context.record.attempts[0]?.upstreamStatus, 503);
});

test('a dropped connection becomes a retryable upstream_connection_error', async () => {
  const { router } = setup({ openai: { 'gpt-4o': [{ error: connectionError() }] } });
  const context = callContext();
  await router.generate(chatRequest('smart'), context);
  assert.equal(context.record.attempts[0]?.errorCode, 'upstream_connection_error');
});

test('falls back when an attempt times out, aborting the upstream call', async () => {
  const { router, clock, openai } = setup({ openai: { 'gpt-4o': [{ hang: true }] } });
  const context = callContext();
  const result = await runWithClock(clock, router.generate(chatRequest('smart'), context));
  assert.equal(result.choices[0]?.message.content, 'anthropic:claude-sonnet-4-5');
  assert.equal(context.record.attempts[0]?.errorCode, 'upstream_timeout');
  assert.equal(context.record.attempts[0]?.durationMs, TIMEOUT);
  assert.equal(openai.calls[0]?.signal?.aborted, true);
});

test("a target's own timeoutMs replaces routing.timeoutMs", async () => {
  const models: Record<string, ModelAliasConfig> = {
    smart: { strategy: 'fallback', targets: [{ provider: 'openai', model: 'gpt-4o', weight: 1, timeoutMs: 5_000 }, { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 }] },
  };
  const { router, clock } = setup({ models, openai: { 'gpt-4o': [{ hang: true }] } });
  const context = callContext();
  await runWithClock(clock, router.generate(chatRequest('smart'), context));
  assert.equal(context.record.attempts[0]?.durationMs, 5_000);
});

test('a 400 is returned at once, without retry or fallback', async () => {
  const { router, openai, anthropic } = setup({
    openai: { 'gpt-4o': [{ error: providerError(400) }] },
    routing: { retries: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 } },
  });
  const context = callContext();
  await assert.rejects(router.generate(chatRequest('smart'), context), (error: OperonError) => error.upstreamStatus === 400);
  assert.equal(openai.calls.length, 1);
  assert.equal(anthropic.calls.length, 0);
  assert.equal(context.record.attempts.length, 1);
});

test('retries the same target with exponential backoff and full jitter', async () => {
  const { router, clock, openai } = setup({
    openai: { 'gpt-4o': [{ error: providerError(503) }, { error: providerError(503) }, { answer: 'third time' }] },
    routing: { retries: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 } },
    random: () => 0.5,
  });
  const context = callContext();
  const result = await runWithClock(clock, router.generate(chatRequest('smart'), context));
  assert.equal(result.choices[0]?.message.content, 'third time');
  assert.equal(openai.calls.length, 3);
  // 0.5 × 100 × 2^0, then 0.5 × 100 × 2^1
  assert.deepEqual(backoffSleeps(clock, context.signal), [50, 100]);
  assert.equal(context.record.fallbackUsed, false);
});

test('falls back after the last attempt on a target and throws the last error when all fail', async () => {
  const { router, clock, openai, anthropic } = setup({
    openai: { 'gpt-4o': [{ error: providerError(503) }] },
    anthropic: { 'claude-sonnet-4-5': [{ error: providerError(529) }] },
    routing: { retries: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1_000 } },
  });
  const context = callContext();
  await assert.rejects(runWithClock(clock, router.generate(chatRequest('smart'), context)), (error: OperonError) => error.upstreamStatus === 529);
  assert.equal(openai.calls.length, 2);
  assert.equal(anthropic.calls.length, 2);
  assert.equal(context.record.attempts.length, 4);
});

test("waits at least the provider's Retry-After before retrying", async () => {
  const { router, clock, openai } = setup({
    openai: { 'gpt-4o': [{ error: providerError(429, { retryAfterSeconds: 2 }) }, { answer: 'ok' }] },
    routing: { retries: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 8_000 } },
  });
  const context = callContext();
  await runWithClock(clock, router.generate(chatRequest('smart'), context));
  assert.deepEqual(backoffSleeps(clock, context.signal), [2_000]);
  assert.equal(openai.calls.length, 2);
});

test('a Retry-After longer than maxDelayMs moves on to the next target without waiting', async () => {
  const { router, clock, openai, anthropic } = setup({
    openai: { 'gpt-4o': [{ error: providerError(429, { retryAfterSeconds: 30 }) }] },
    routing: { retries: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 8_000 } },
  });
  const context = callContext();
  await runWithClock(clock, router.generate(chatRequest('smart'), context));
  assert.deepEqual(backoffSleeps(clock, context.signal), []);
  assert.equal(openai.calls.length, 1);
  assert.equal(anthropic.calls.length, 1);
});

test('a stream that fails before its first part falls back', async () => {
  const { router } = setup({
    openai: { 'gpt-4o': [{ parts: [], failFirst: providerError(502) }] },
  });
  const context = callContext();
  const parts = await collect(await router.stream(chatRequest('smart'), context));
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'finish']);
  assert.equal(context.record.provider, 'anthropic');
  assert.equal(context.record.attempts[0]?.upstreamStatus, 502);
});

test('a stream rejected before it opens falls back', async () => {
  const { router } = setup({ openai: { 'gpt-4o': [{ error: providerError(500) }] } });
  const context = callContext();
  await collect(await router.stream(chatRequest('smart'), context));
  assert.equal(context.record.provider, 'anthropic');
});

test('a stream that ends before any part counts as a failed attempt', async () => {
  const { router } = setup({ openai: { 'gpt-4o': [{ parts: [] }] } });
  const context = callContext();
  await collect(await router.stream(chatRequest('smart'), context));
  assert.equal(context.record.attempts[0]?.errorCode, 'upstream_empty_stream');
  assert.equal(context.record.provider, 'anthropic');
});

test('the stream timeout bounds the time to the first part only', async () => {
  const parts = [
    { type: 'start', id: 's', model: 'gpt-4o', created: 0 },
    { type: 'text-delta', index: 0, text: 'slow' },
    { type: 'finish', index: 0, finishReason: 'stop' },
  ] as const;
  const { router, clock } = setup({ openai: { 'gpt-4o': [{ parts: [...parts], slowAfterFirst: TIMEOUT * 2 }] } });
  const context = callContext();
  const stream = await runWithClock(clock, router.stream(chatRequest('smart'), context));
  const seen = await runWithClock(clock, collect(stream));
  assert.deepEqual(seen, parts);
  assert.equal(context.record.provider, 'openai');
});

test('a stream with no first part before the timeout falls back', async () => {
  const { router, clock, openai } = setup({ openai: { 'gpt-4o': [{ hang: true }] } });
  const context = callContext();
  const stream = await runWithClock(clock, router.stream(chatRequest('smart'), context));
  await collect(stream);
  assert.equal(context.record.attempts[0]?.errorCode, 'upstream_timeout');
  assert.match(String(context.record.attempts[0]?.errorCode), /timeout/);
  assert.equal(openai.calls[0]?.signal?.aborted, true);
  assert.equal(context.record.provider, 'anthropic');
});

test('an error after the first part surfaces from the stream without fallback', async () => {
  const { router, anthropic } = setup({
    openai: {
      'gpt-4o': [{ parts: [{ type: 'start', id: 's', model: 'gpt-4o', created: 0 }, { type: 'text-delta', index: 0, text: 'a' }], failAfter: { count: 1, error: connectionError() } }],
    },
  });
  const context = callContext();
  const stream = await router.stream(chatRequest('smart'), context);
  await assert.rejects(collect(stream), (error: OperonError) => error.code === 'upstream_connection_error');
  assert.equal(anthropic.calls.length, 0);
});

test('the client going away aborts the upstream call and stops routing', async () => {
  const { router, openai, anthropic } = setup({ openai: { 'gpt-4o': [{ hang: true }] } });
  const client = new AbortController();
  const context = callContext(client.signal);
  const pending = router.generate(chatRequest('smart'), context);
  await settle();
  client.abort();
  await assert.rejects(pending, (error: OperonError) => error.code === 'client_closed');
  assert.equal(openai.calls[0]?.signal?.aborted, true);
  assert.equal(anthropic.calls.length, 0);
});

test('the client going away during a backoff wait stops routing', async () => {
  const { router, openai } = setup({
    openai: { 'gpt-4o': [{ error: providerError(503) }] },
    routing: { retries: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 } },
  });
  const client = new AbortController();
  const context = callContext(client.signal);
  const pending = router.generate(chatRequest('smart'), context);
  await settle();
  client.abort();
  await assert.rejects(pending, (error: OperonError) => error.code === 'client_closed');
  assert.equal(openai.calls.length, 1);
});

test('the client going away mid-stream aborts the upstream stream', async () => {
  const { router, clock, openai } = setup({
    openai: { 'gpt-4o': [{ parts: [{ type: 'start', id: 's', model: 'gpt-4o', created: 0 }, { type: 'text-delta', index: 0, text: 'a' }], slowAfterFirst: 1_000 }] },
  });
  const client = new AbortController();
  const context = callContext(client.signal);
  const stream = await router.stream(chatRequest('smart'), context);
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  const second = iterator.next();
  await settle();
  client.abort();
  await assert.rejects(second, (error: OperonError) => error.code === 'client_closed');
  assert.equal(openai.calls[0]?.signal?.aborted, true);
  assert.equal(clock.sleeps.length > 0, true);
});

test('embeddings resolve and fall back like chat, skipping providers without an embeddings endpoint', async () => {
  const models: Record<string, ModelAliasConfig> = {
    embed: {
      strategy: 'fallback',
      targets: [
        { provider: 'anthropic', model: 'none', weight: 1 },
        { provider: 'openai', model: 'text-embedding-3-small', weight: 1 },
        { provider: 'openai', model: 'text-embedding-3-large', weight: 1 },
      ],
    },
  };
  const { router, openai } = setup({ models, openai: { 'text-embedding-3-small': [{ error: providerError(500) }] } });
  const context = callContext();
  const result = await router.embed({ model: 'embed', input: ['a', 'b'] }, context);
  assert.equal(result.embeddings.length, 2);
  assert.deepEqual(openai.calls.map((call) => call.model), ['text-embedding-3-small', 'text-embedding-3-large']);
  assert.equal(context.record.modelUsed, 'text-embedding-3-large');
  await assert.rejects(router.embed({ model: 'anthropic/claude', input: ['a'] }, callContext()), (error: OperonError) => error.code === 'embeddings_not_supported');
});

test('lists aliases, then every provider/model named in a target', () => {
  const { router } = setup({});
  assert.deepEqual(router.listModels(), [
    { id: 'smart', ownedBy: 'operon' },
    { id: 'openai/gpt-4o', ownedBy: 'openai' },
    { id: 'anthropic/claude-sonnet-4-5', ownedBy: 'anthropic' },
  ]);
});
