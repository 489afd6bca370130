import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createManualClock, type ManualClock } from '../../src/core/clock.ts';
import type { OperonConfigInput } from '../../src/core/config.ts';
import { startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon, type StartOptions } from './harness.ts';

// Timeouts, circuit breakers, Retry-After waits and load balancing, driven by a manual clock and an
// injected random source: no test waits on a real timer.

interface Setup {
  first: FakeUpstream;
  second: FakeUpstream;
  operon: RunningOperon;
  client: OpenAI;
  clock: ManualClock;
}

type Models = (first: string, second: string) => NonNullable<OperonConfigInput['models']>;

async function setup(t: TestContext, models: Models, config: OperonConfigInput = {}, options: StartOptions = {}): Promise<Setup> {
  const first = await startFakeOpenAIUpstream();
  const second = await startFakeOpenAIUpstream();
  const clock = createManualClock(Date.now());
  const operon = await startOperon(
    {
      // Repeated identical calls must reach the router, not the response cache.
      cache: { enabled: false },
      ...config,
      providers: {
        first: { type: 'openai-compatible', baseUrl: first.url },
        second: { type: 'openai-compatible', baseUrl: second.url },
      },
      models: models('first', 'second'),
    },
    { clock, ...options },
  );
  t.after(async () => {
    await operon.close();
    await first.close();
    await second.close();
  });
  return { first, second, operon, clock, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

/** Lets the event loop turn (I/O included) until `condition` holds; fails if it never does. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 100_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`never happened: ${what}`);
}

/** Lets the event loop turn a while, for checks that something did not happen. */
async function turns(count = 200): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise the test resolves at the end, so nothing is left pending. */
function gate(t: TestContext): Promise<void> {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  t.after(() => open());
  return promise;
}

const MESSAGES = [{ role: 'user' as const, content: 'Hi' }];
const ONE_ATTEMPT = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

const slowFirst: Models = (first, second) => ({
  smart: {
    targets: [
      { provider: first, model: 'gpt-4o-mini', timeoutMs: 5_000 },
      { provider: second, model: 'gpt-4o' },
    ],
    retries: ONE_ATTEMPT,
  },
  solo: { targets: [{ provider: first, model: 'gpt-4o-mini', timeoutMs: 5_000 }], retries: ONE_ATTEMPT },
});

test('a target that does not answer within its timeoutMs is abandoned for the next one', async (t) => {
  const { first, second, operon, clock, client } = await setup(t, slowFirst);
  first.enqueue({ kind: 'fixture', name: 'chat-completion.json', waitFor: gate(t) });
  const pending = client.chat.completions.create({ model: 'smart', messages: MESSAGES }).withResponse();

  await until(() => first.requests.length === 1, 'the first target got the request');
  clock.advance(4_999);
  await turns();
  assert.equal(second.requests.length, 0, 'no fallback before the timeout');
  clock.advance(1);
  const { data, response } = await pending;

  assert.equal(data.model, 'gpt-4o');
  assert.equal(second.requests.length, 1);
  assert.deepEqual(await first.requests[0]?.closed, { early: true }, 'the timed-out upstream call was aborted');
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(span?.attempts.map((attempt) => [attempt.provider, attempt.errorCode]), [
    ['first', 'upstream_timeout'],
    ['second', undefined],
  ]);
  assert.equal(span?.attempts[0]?.durationMs, 5_000);
  assert.equal(span?.fallbackUsed, true);
});

test('a stream whose first chunk does not come within timeoutMs falls back', async (t) => {
  const { first, second, clock, client } = await setup(t, slowFirst);
  // Headers and status arrive at once; the first event never does.
  first.enqueue({ kind: 'fixture', name: 'stream-usage.sse', pauseAfter: { events: 0, until: gate(t) } });
  const pending = client.chat.completions.create({ model: 'smart', messages: MESSAGES, stream: true });

  await until(() => first.requests.length === 1, 'the first target got the request');
  clock.advance(5_000);
  let text = '';
  for await (const chunk of await pending) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello! How can I help you today?');
  assert.equal(second.requests.length, 1);
});

test('a timeout on the only target is a 504 naming the provider and the setting', async (t) => {
  const { first, operon, clock, client } = await setup(t, slowFirst);
  first.enqueue({ kind: 'fixture', name: 'chat-completion.json', waitFor: gate(t) });
  const pending = client.chat.completions.create({ model: 'solo', messages: MESSAGES }).catch((thrown: unknown) => thrown);
  await until(() => first.requests.length === 1, 'the target got the request');
  clock.advance(5_000);
  const error = await pending;
  assert.ok(error instanceof OpenAI.APIError);
  assert.equal(error.status, 504);
  assert.equal(error.code, 'upstream_timeout');
  assert.match(error.message, /first.*5000 ms.*timeoutMs/);
  const trace = await operon.trace(operon.project.id, error.headers?.get('x-operon-trace-id') ?? '');
  assert.equal(trace?.status, 'error');
  assert.equal(trace?.spans[0]?.errorCode, 'upstream_timeout');
});

const breakerModels: Models = (first, second) => ({
  smart: { targets: [{ provider: first, model: 'gpt-4o-mini' }, { provider: second, model: 'gpt-4o' }], retries: ONE_ATTEMPT },
  solo: { targets: [{ provider: first, model: 'gpt-4o-mini' }], retries: ONE_ATTEMPT },
});
const breakerConfig: OperonConfigInput = { routing: { breaker: { failureThreshold: 2, cooldownMs: 10_000 } } };

test('after failureThreshold failures a target is skipped until the cooldown ends, then one trial goes through', async (t) => {
  const { first, second, operon, clock, client } = await setup(t, breakerModels, breakerConfig);
  first.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  for (let call = 0; call < 2; call++) {
    const completion = await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
    assert.equal(completion.model, 'gpt-4o');
  }
  assert.equal(first.requests.length, 2);

  // Open: the first target is not even tried.
  const { data, response } = await client.chat.completions.create({ model: 'smart', messages: MESSAGES }).withResponse();
  assert.equal(data.model, 'gpt-4o');
  assert.equal(first.requests.length, 2);
  assert.equal(second.requests.length, 3);
  const skipped = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(skipped?.attempts.map((attempt) => [attempt.provider, attempt.errorCode]), [
    ['first', 'circuit_open'],
    ['second', undefined],
  ]);
  assert.equal(skipped?.fallbackUsed, true);

  clock.advance(9_999);
  await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  assert.equal(first.requests.length, 2, 'still open just before the cooldown ends');

  // Half-open: one trial call; it succeeds, so the breaker closes.
  clock.advance(1);
  const trial = await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  assert.equal(trial.model, 'gpt-4o-mini');
  assert.equal(first.requests.length, 3);
  const after = await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  assert.equal(after.model, 'gpt-4o-mini');
  assert.equal(first.requests.length, 4);
  assert.equal(second.requests.length, 4);
});

test('a failed trial opens the breaker for another cooldown', async (t) => {
  const { first, clock, client } = await setup(t, breakerModels, breakerConfig);
  first.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  clock.advance(10_000);
  await client.chat.completions.create({ model: 'smart', messages: MESSAGES }); // the trial fails
  assert.equal(first.requests.length, 3);
  await client.chat.completions.create({ model: 'smart', messages: MESSAGES });
  assert.equal(first.requests.length, 3, 'open again after the failed trial');
});

test('with every target open the client gets a 503 with a Retry-After until the next trial', async (t) => {
  const { first, clock, client } = await setup(t, breakerModels, breakerConfig);
  first.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  for (let call = 0; call < 2; call++) await client.chat.completions.create({ model: 'solo', messages: MESSAGES }).catch(() => undefined);
  clock.advance(2_500);
  const error = await client.chat.completions.create({ model: 'solo', messages: MESSAGES }).catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.InternalServerError);
  assert.equal(error.status, 503);
  assert.equal(error.code, 'all_targets_unavailable');
  assert.equal(error.headers?.get('retry-after'), '8');
  assert.equal(first.requests.length, 2);
});

test('a Retry-After within maxDelayMs is waited out on the clock before the retry', async (t) => {
  const models: Models = (first) => ({ solo: { targets: [{ provider: first, model: 'gpt-4o-mini' }], retries: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 5_000 } } });
  const { first, clock, client } = await setup(t, models);
  first.enqueue({ kind: 'error', status: 429, retryAfter: '2' });
  const pending = client.chat.completions.create({ model: 'solo', messages: MESSAGES });

  await until(() => first.requests.length === 1, 'the first attempt');
  await first.requests[0]?.closed;
  await turns();
  clock.advance(1_999);
  await turns();
  assert.equal(first.requests.length, 1, 'no retry before Retry-After has passed');
  clock.advance(1);
  const completion = await pending;
  assert.ok(completion.choices[0]?.message.content);
  assert.equal(first.requests.length, 2);
});

const weighted: Models = (first, second) => ({
  spread: {
    strategy: 'loadbalance',
    targets: [
      { provider: first, model: 'gpt-4o-mini', weight: 1 },
      { provider: second, model: 'gpt-4o', weight: 3 },
    ],
    retries: ONE_ATTEMPT,
  },
});

test('loadbalance picks targets in proportion to their weights, by the injected random source', async (t) => {
  // random × total weight (4): 0.4 → first, 2 → second, 3.6 → second, 0.96 → first, 1.04 → second.
  const draws = [0.1, 0.5, 0.9, 0.24, 0.26];
  const { operon, client } = await setup(t, weighted, {}, { random: () => draws.shift() ?? assert.fail('random called more often than expected') });
  const picked: string[] = [];
  for (let call = 0; call < 5; call++) {
    const { data, response } = await client.chat.completions.create({ model: 'spread', messages: MESSAGES }).withResponse();
    picked.push(data.model);
    const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
    assert.equal(span?.fallbackUsed, false);
    assert.equal(span?.attempts.length, 1);
  }
  assert.deepEqual(picked, ['gpt-4o-mini', 'gpt-4o', 'gpt-4o', 'gpt-4o-mini', 'gpt-4o']);
});

test('when the picked target fails, loadbalance falls back to the other one', async (t) => {
  const { first, second, operon, client } = await setup(t, weighted, {}, { random: () => 0.9 });
  second.enqueue({ kind: 'error', status: 500 });
  const { data, response } = await client.chat.completions.create({ model: 'spread', messages: MESSAGES }).withResponse();
  assert.equal(data.model, 'gpt-4o-mini');
  assert.equal(second.requests.length, 1);
  assert.equal(first.requests.length, 1);
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(span?.attempts.map((attempt) => attempt.provider), ['second', 'first']);
  assert.equal(span?.fallbackUsed, true);
});
