// The four policy layers composed in their production order (limits → cache → cost → router), with an
// in-memory provider: checks the hand-offs between them through the call record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.ts';
import type { OperonError } from '../../core/errors.ts';
import type { Provider } from '../../providers/chat-model.ts';
import type { UsageIncrement, UsageStore } from '../../projects/usage-store.ts';
import { createCostMiddleware } from '../../tracing/cost/index.ts';
import { createCacheMiddleware } from '../cache/index.ts';
import { composeChat } from '../pipeline.ts';
import { callContext, chatRequest, collect, fakeProvider, providerError } from '../router/__fixtures__/fake-provider.ts';
import { createRouter } from '../router/index.ts';
import { createLimitsMiddleware } from './index.ts';

function setup() {
  const clock = createManualClock(Date.UTC(2026, 10, 25, 12));
  const written: UsageIncrement[] = [];
  const usage: UsageStore = {
    add: async (increments) => void written.push(...increments),
    totals: async () => ({ requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
  };
  const providers = new Map<string, Provider>([
    ['openai', fakeProvider('openai', { 'gpt-4o': [{ error: providerError(503) }, { answer: 'from openai' }] })],
    ['anthropic', fakeProvider('anthropic', {})],
  ]);
  const router = createRouter({
    models: {
      smart: {
        strategy: 'fallback',
        targets: [
          { provider: 'openai', model: 'gpt-4o', weight: 1 },
          { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 },
        ],
      },
    },
    providers,
    routing: { retries: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 10_000, breaker: { failureThreshold: 5, cooldownMs: 1_000 } },
    clock,
  });
  const limits = createLimitsMiddleware({ defaults: { project: {}, key: {} }, usage, clock, logger: { warn: () => {} } as never });
  const cache = createCacheMiddleware({ config: { enabled: true, ttlSeconds: 60, maxEntries: 10 }, clock });
  const cost = createCostMiddleware();
  const handler = composeChat([limits, cache, cost], router);
  return { handler, limits, cache, written };
}

test('a fallback answer is priced for the model that answered, and a repeat is a free cache hit', async () => {
  const { handler, limits, written } = setup();
  const first = callContext();
  await handler.generate(chatRequest('smart'), first);
  assert.equal(first.record.modelUsed, 'claude-sonnet-4-5');
  assert.equal(first.record.fallbackUsed, true);
  // 1 input + 1 output token at $3 / $15 per million
  assert.equal(first.record.costUsd, (3 + 15) / 1_000_000);

  const second = callContext();
  await handler.generate(chatRequest('smart'), second);
  assert.equal(second.record.cacheHit, true);
  assert.equal(second.record.costUsd, 0);
  assert.equal(second.record.modelUsed, 'claude-sonnet-4-5');

  await limits.flush();
  assert.deepEqual(written.map((row) => [row.requests, row.inputTokens, row.costUsd]), [[2, 1, (3 + 15) / 1_000_000]]);
});

test('a streamed call is priced before the limits record it, and the budget then refuses', async () => {
  const { handler } = setup();
  const budget = (context: ReturnType<typeof callContext>) => {
    context.project.limits = { dailyBudgetUsd: 0.00001 };
    context.headers['x-operon-cache'] = 'no-store';
    return context;
  };
  const first = budget(callContext());
  const parts = await collect(await handler.stream(chatRequest('smart'), first));
  assert.equal(parts.at(-1)?.type, 'finish');
  assert.ok((first.record.costUsd ?? 0) > 0.00001);
  await assert.rejects(handler.stream(chatRequest('smart'), budget(callContext())), (error: OperonError) => error.code === 'budget_exceeded');
});
