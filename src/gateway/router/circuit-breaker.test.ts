import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelAliasConfig } from '../../core/config.ts';
import type { OperonError } from '../../core/errors.ts';
import type { Provider } from '../../providers/chat-model.ts';
import { callContext, chatRequest, fakeProvider, providerError, settle, testClock, type Step } from './__fixtures__/fake-provider.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { createRouter } from './router.ts';

test('a breaker opens after the threshold of consecutive failures, lets one trial through after the cooldown, and closes on success', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 });
  assert.equal(breaker.admit(0), 'closed');
  assert.equal(breaker.failed(0), false);
  assert.equal(breaker.failed(10), true);
  assert.equal(breaker.admit(500), 'open');
  assert.equal(breaker.state(500), 'open');
  assert.equal(breaker.admit(1_010), 'trial');
  assert.equal(breaker.admit(1_010), 'open', 'only one trial at a time');
  breaker.succeeded();
  assert.equal(breaker.admit(1_020), 'closed');
});

test('a failed trial reopens the breaker for another cooldown', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 });
  breaker.failed(0);
  assert.equal(breaker.admit(1_000), 'trial');
  assert.equal(breaker.failed(1_000), true);
  assert.equal(breaker.admit(1_999), 'open');
  assert.equal(breaker.admit(2_000), 'trial');
});

test('a success resets the count of consecutive failures', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 });
  breaker.failed(0);
  breaker.succeeded();
  assert.equal(breaker.failed(0), false);
  assert.equal(breaker.admit(0), 'closed');
});

test('a released trial lets the next call try', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 });
  breaker.failed(0);
  assert.equal(breaker.admit(1_000), 'trial');
  breaker.released();
  assert.equal(breaker.admit(1_000), 'trial');
});

const models: Record<string, ModelAliasConfig> = {
  smart: {
    strategy: 'fallback',
    targets: [
      { provider: 'primary', model: 'm1', weight: 1 },
      { provider: 'secondary', model: 'm2', weight: 1 },
    ],
  },
};

function setup(primary: Step[], secondary: Step[] = []) {
  const clock = testClock();
  const first = fakeProvider('primary', { m1: primary });
  const second = fakeProvider('secondary', { m2: secondary });
  const router = createRouter({
    models,
    providers: new Map<string, Provider>([
      ['primary', first],
      ['secondary', second],
    ]),
    routing: { retries: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 60_000, breaker: { failureThreshold: 2, cooldownMs: 10_000 } },
    clock,
  });
  return { router, clock, first, second };
}

test('the router skips a target while its breaker is open, then tries it again after the cooldown', async () => {
  const down = { error: providerError(503) };
  const { router, clock, first } = setup([down, down, { answer: 'back' }]);
  await router.generate(chatRequest('smart'), callContext());
  await router.generate(chatRequest('smart'), callContext());
  assert.equal(first.calls.length, 2);
  assert.equal(router.breakers()[0]?.state, 'open');

  const skipped = callContext();
  await router.generate(chatRequest('smart'), skipped);
  assert.equal(first.calls.length, 2, 'skipped while open');
  assert.deepEqual(skipped.record.attempts.map((attempt) => attempt.errorCode ?? attempt.status), ['circuit_open', 'ok']);
  assert.equal(skipped.record.fallbackUsed, true);

  clock.advance(10_000);
  assert.equal(router.breakers()[0]?.state, 'half-open');
  const trial = callContext();
  const result = await router.generate(chatRequest('smart'), trial);
  assert.equal(result.choices[0]?.message.content, 'back');
  assert.equal(first.calls.length, 3);
  assert.equal(router.breakers()[0]?.state, 'closed');
});

test('only one trial call goes to a half-open target at a time', async () => {
  const down = { error: providerError(503) };
  const { router, clock, first } = setup([down, down, { hang: true }]);
  await router.generate(chatRequest('smart'), callContext());
  await router.generate(chatRequest('smart'), callContext());
  clock.advance(10_000);
  const trialClient = new AbortController();
  const trial = router.generate(chatRequest('smart'), callContext(trialClient.signal));
  await settle();
  const other = callContext();
  await router.generate(chatRequest('smart'), other);
  assert.equal(other.record.attempts[0]?.errorCode, 'circuit_open');
  assert.equal(first.calls.length, 3);
  trialClient.abort();
  await assert.rejects(trial);
});

test('when every target is skipped the error is all_targets_unavailable, naming them and when to retry', async () => {
  const down = { error: providerError(503) };
  const { router, clock } = setup([down], [down]);
  await assert.rejects(router.generate(chatRequest('smart'), callContext()));
  await assert.rejects(router.generate(chatRequest('smart'), callContext()));
  clock.advance(4_000);
  await assert.rejects(router.generate(chatRequest('smart'), callContext()), (error: OperonError) => {
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'all_targets_unavailable');
    assert.match(error.message, /primary\/m1, secondary\/m2/);
    assert.equal(error.retryAfterSeconds, 6);
    return true;
  });
});

test('errors that are the caller’s fault do not trip the breaker', async () => {
  const { router } = setup([{ error: providerError(400) }]);
  for (let i = 0; i < 3; i++) await assert.rejects(router.generate(chatRequest('smart'), callContext()));
  assert.deepEqual(router.breakers(), []);
});
