import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelAliasConfig } from '../../core/config.ts';
import type { Provider } from '../../providers/chat-model.ts';
import { callContext, chatRequest, fakeProvider, providerError, seededRandom, testClock } from './__fixtures__/fake-provider.ts';
import { backoffDelayMs } from './backoff.ts';
import { createRouter } from './router.ts';
import { createModelResolver, orderTargets } from './route-plan.ts';

const models: Record<string, ModelAliasConfig> = {
  balanced: {
    strategy: 'loadbalance',
    targets: [
      { provider: 'a', model: 'light', weight: 1 },
      { provider: 'b', model: 'heavy', weight: 3 },
      { provider: 'c', model: 'off', weight: 0 },
    ],
  },
};
const retries = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

test('loadbalance picks targets in proportion to their weight', async () => {
  const providers = new Map<string, Provider>([
    ['a', fakeProvider('a', {})],
    ['b', fakeProvider('b', {})],
    ['c', fakeProvider('c', {})],
  ]);
  const router = createRouter({
    models,
    providers,
    routing: { retries, timeoutMs: 1_000, breaker: { failureThreshold: 5, cooldownMs: 1_000 } },
    clock: testClock(),
    random: seededRandom(42),
  });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 4_000; i++) {
    const context = callContext();
    await router.generate(chatRequest('balanced'), context);
    counts[context.record.provider ?? ''] = (counts[context.record.provider ?? ''] ?? 0) + 1;
  }
  assert.equal(counts.c, undefined, 'a weight of 0 is never picked first');
  const share = (counts.b ?? 0) / 4_000;
  assert.ok(share > 0.72 && share < 0.78, `heavy share ${share}`);
});

test('after the weighted pick, the other targets follow by descending weight', () => {
  const plan = createModelResolver(models, ['a', 'b', 'c'], retries).resolve('balanced');
  assert.deepEqual(orderTargets(plan, () => 0.1).map((target) => target.model), ['light', 'heavy', 'off']);
  assert.deepEqual(orderTargets(plan, () => 0.9).map((target) => target.model), ['heavy', 'light', 'off']);
});

test('a loadbalance pick that fails falls back and is reported as a fallback', async () => {
  const router = createRouter({
    models,
    providers: new Map<string, Provider>([
      ['a', fakeProvider('a', {})],
      ['b', fakeProvider('b', { heavy: [{ error: providerError(500) }] })],
      ['c', fakeProvider('c', {})],
    ]),
    routing: { retries, timeoutMs: 1_000, breaker: { failureThreshold: 5, cooldownMs: 1_000 } },
    clock: testClock(),
    random: () => 0.9,
  });
  const context = callContext();
  await router.generate(chatRequest('balanced'), context);
  assert.equal(context.record.provider, 'a');
  assert.equal(context.record.fallbackUsed, true);
});

test('backoff delays are full jitter below an exponential ceiling capped at maxDelayMs', () => {
  const config = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 1_500 };
  assert.equal(backoffDelayMs(0, config, () => 0), 0);
  const random = seededRandom(7);
  for (let retry = 0; retry < 6; retry++) {
    const ceiling = Math.min(1_500, 250 * 2 ** retry);
    let highest = 0;
    for (let i = 0; i < 500; i++) {
      const delay = backoffDelayMs(retry, config, random);
      assert.ok(delay >= 0 && delay < ceiling, `retry ${retry}: ${delay}`);
      highest = Math.max(highest, delay);
    }
    assert.ok(highest > ceiling * 0.9, 'the jitter spans the whole range');
  }
});
