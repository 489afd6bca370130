import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock, type ManualClock } from '../core/clock.ts';
import { OperonError } from '../core/errors.ts';
import { sequentialIds } from '../core/ids.ts';
import { silentLogger } from '../core/logger.ts';
import type { MetricsStore, MetricsTotalsQuery, MetricsValues } from '../metrics/metrics-store.ts';
import { createAlertDelivery } from './alert-delivery.ts';
import { createAlertEvaluator } from './alert-evaluator.ts';
import type { AlertPayload } from './alert-payload.ts';
import type { AlertRule } from './alert-rule.ts';
import type { AlertStore } from './alert-store.ts';
import { createInMemoryAlertStore } from './in-memory-alert-store.ts';
import type { WebhookSender } from './webhook-sender.ts';

const MINUTE = 60_000;
/** 2026-01-05T10:00:00Z */
const T0 = Date.UTC(2026, 0, 5, 10);
const PROJECT = 'proj_1';

/** Metrics that say whatever the test sets, and remember what was asked. */
function fakeMetrics(initial: MetricsValues) {
  let values = initial;
  const queries: MetricsTotalsQuery[] = [];
  const store: MetricsStore = {
    series: () => Promise.reject(new Error('not used')),
    totals: async (query) => {
      queries.push(query);
      return { from: query.from, to: query.to, groupBy: null, kinds: ['generation', 'embedding'], groups: [{ group: null, ...values }] };
    },
  };
  return { store, queries, set: (next: MetricsValues) => void (values = next) };
}

type Answer = number | OperonError;

/** A webhook receiver that answers from a script (then 200) and keeps what it got. */
function fakeSender(script: Answer[] = []) {
  const calls: Array<{ url: string; payload: AlertPayload; headers: Record<string, string> | undefined }> = [];
  const sender: WebhookSender = {
    async post(url, body, headers) {
      calls.push({ url, payload: JSON.parse(body) as AlertPayload, headers });
      const answer = script.shift() ?? 200;
      if (typeof answer !== 'number') throw answer;
      return { status: answer };
    },
  };
  return { sender, calls };
}

function setup(options: { metrics?: MetricsValues; script?: Answer[]; store?: AlertStore; clock?: ManualClock; maxAttempts?: number } = {}) {
  const clock = options.clock ?? createManualClock(T0);
  const store = options.store ?? createInMemoryAlertStore();
  const metrics = fakeMetrics(options.metrics ?? { requests: 10, errors: 8 });
  const receiver = fakeSender(options.script);
  const logger = silentLogger();
  const delivery = createAlertDelivery({ store, sender: receiver.sender, clock, logger, maxAttempts: options.maxAttempts ?? 4, timeoutMs: 10_000 });
  const evaluator = createAlertEvaluator({
    store, metrics: metrics.store, delivery, clock, ids: sequentialIds(), logger, intervalMs: MINUTE, publicUrl: 'http://operon.test:4100/',
    projectName: async () => 'default',
  });
  /** Moves time on, evaluates once, and waits for deliveries to settle. */
  const tick = async (ms = MINUTE) => {
    clock.advance(ms);
    await evaluator.evaluateOnce();
    await evaluator.idle();
  };
  return { clock, store, metrics, receiver, evaluator, tick };
}

function rule(overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'alert_1', projectId: PROJECT, name: 'errors', metric: 'errorRate', comparison: '>', threshold: 0.5, window: '5m', for: '2m',
    filters: { model: ['gpt-4o'] }, minRequests: 3, webhookUrl: 'https://hooks.example.com/operon?token=s3cret', enabled: true,
    createdAt: T0, updatedAt: T0, ...overrides,
  };
}

const history = async (store: AlertStore) => (await store.listEvents({ projectId: PROJECT, limit: 100 })).events.reverse();

describe('alert evaluator', () => {
  test('fires once after the condition held for `for`, not again while firing, and resolves once', async () => {
    const { store, metrics, receiver, tick } = setup();
    await store.createRule(rule());
    await tick(0);
    assert.equal((await store.getRule(PROJECT, 'alert_1'))?.state.state, 'pending');
    await tick();
    assert.equal(receiver.calls.length, 0, 'held for one minute of two');
    await tick();
    assert.equal(receiver.calls.length, 1);
    const fired = receiver.calls[0];
    assert.equal(fired?.url, 'https://hooks.example.com/operon?token=s3cret');
    assert.deepEqual(fired?.payload, {
      id: 'alertevt_1',
      status: 'firing',
      rule: { id: 'alert_1', name: 'errors', metric: 'errorRate', comparison: '>', threshold: 0.5, window: '5m', for: '2m', minRequests: 3, filters: { model: ['gpt-4o'] } },
      value: 0.8,
      requests: 10,
      startsAt: '2026-01-05T10:02:00.000Z',
      project: { id: PROJECT, name: 'default' },
      link: `http://operon.test:4100/api/traces?from=${T0 - 3 * MINUTE}&to=${T0 + 2 * MINUTE}&status=error&model=gpt-4o`,
      text: '[FIRING] errors: errorRate 0.8 > 0.5 over 5m (10 calls)',
    });
    assert.deepEqual(fired?.headers, { 'x-operon-alert-event': 'alertevt_1' });
    assert.deepEqual(metrics.queries.at(-1), { projectId: PROJECT, from: T0 - 3 * MINUTE, to: T0 + 2 * MINUTE, metrics: ['errors'], filters: { model: ['gpt-4o'] } });

    await tick();
    await tick();
    assert.equal(receiver.calls.length, 1, 'still firing: nothing sent');

    metrics.set({ requests: 10, errors: 1 });
    await tick();
    assert.equal(receiver.calls.length, 2);
    const resolved = receiver.calls[1]?.payload;
    assert.equal(resolved?.status, 'resolved');
    assert.equal(resolved?.startsAt, '2026-01-05T10:02:00.000Z');
    assert.equal(resolved?.endsAt, '2026-01-05T10:05:00.000Z');
    assert.equal(resolved?.value, 0.1);
    assert.equal(resolved?.link, `http://operon.test:4100/api/traces?from=${T0 - 3 * MINUTE}&to=${T0 + 5 * MINUTE}&status=error&model=gpt-4o`);
    await tick();
    await tick();
    assert.equal(receiver.calls.length, 2, 'resolved once');

    const events = await history(store);
    assert.deepEqual(events.map((event) => [event.status, event.value, event.threshold, event.startsAt, event.endsAt, event.delivery.status, event.delivery.attempts]), [
      ['firing', 0.8, 0.5, T0 + 2 * MINUTE, null, 'delivered', 1],
      ['resolved', 0.1, 0.5, T0 + 2 * MINUTE, T0 + 5 * MINUTE, 'delivered', 1],
    ]);
    assert.deepEqual((await store.getRule(PROJECT, 'alert_1'))?.state, { state: 'ok', since: null, value: 0.1, requests: 10, evaluatedAt: T0 + 7 * MINUTE, version: 8 });
  });

  test('a condition that stops holding while pending goes back to ok without firing', async () => {
    const { store, metrics, receiver, tick } = setup();
    await store.createRule(rule({ for: '5m' }));
    await tick(0);
    await tick();
    metrics.set({ requests: 10, errors: 0 });
    await tick();
    assert.equal((await store.getRule(PROJECT, 'alert_1'))?.state.state, 'ok');
    metrics.set({ requests: 10, errors: 9 });
    for (let minute = 0; minute < 5; minute++) await tick();
    assert.equal(receiver.calls.length, 0, 'held 4 of 5 minutes: the wait started again when the condition held anew');
    await tick();
    assert.equal(receiver.calls.length, 1);
  });

  test('too few calls never fire, and no data is not a breach', async () => {
    const { store, metrics, receiver, tick } = setup({ metrics: { requests: 2, errors: 2 } });
    await store.createRule(rule({ for: '0m' }));
    await store.createRule(rule({ id: 'alert_2', metric: 'latencyP95', threshold: 2000, minRequests: 0 }));
    await tick(0);
    await tick();
    assert.equal(receiver.calls.length, 0, '2 calls, all failed, but the rule wants 3');
    metrics.set({ requests: 0, latencyMs: null, errors: 0 });
    await tick();
    assert.equal(receiver.calls.length, 0);
    metrics.set({ requests: 3, errors: 2 });
    await tick();
    assert.deepEqual(receiver.calls.map((call) => [call.payload.rule.id, call.payload.value, call.payload.requests]), [['alert_1', 2 / 3, 3]]);
  });

  test('a failed delivery is retried with backoff and every attempt recorded', async () => {
    const unreachable = new OperonError({ code: 'webhook_unreachable', kind: 'unavailable', blame: 'user', isRetryable: true, message: 'Could not reach the receiver (ECONNREFUSED).' });
    const { store, receiver, clock, evaluator, tick } = setup({ script: [503, unreachable] });
    await store.createRule(rule({ for: '0m' }));
    await tick(0);
    assert.equal(receiver.calls.length, 1);
    let [event] = await history(store);
    assert.deepEqual(event?.delivery, { status: 'pending', attempts: 1, responseStatus: 503, lastError: 'The receiver answered 503.', deliveredAt: null });
    clock.advance(4_999);
    await evaluator.idle();
    assert.equal(receiver.calls.length, 1, 'waits 5 s');
    clock.advance(1);
    await evaluator.idle();
    [event] = await history(store);
    assert.deepEqual(event?.delivery, { status: 'pending', attempts: 2, responseStatus: null, lastError: 'Could not reach the receiver (ECONNREFUSED).', deliveredAt: null });
    clock.advance(15_000);
    await evaluator.idle();
    [event] = await history(store);
    assert.deepEqual(event?.delivery, { status: 'delivered', attempts: 3, responseStatus: 200, lastError: null, deliveredAt: T0 + 20_000 });
    assert.equal(receiver.calls.length, 3);
    assert.equal(new Set(receiver.calls.map((call) => call.payload.id)).size, 1, 'the same event each time');
  });

  test('a refused answer is not retried; retries stop after the last attempt', async () => {
    const { store, receiver, clock, evaluator, tick } = setup({ script: [404, 500, 500], maxAttempts: 2 });
    await store.createRule(rule({ for: '0m' }));
    await store.createRule(rule({ id: 'alert_2', for: '0m', createdAt: T0 + 1 }));
    await tick(0);
    clock.advance(5_000);
    await evaluator.idle();
    const deliveries = (await history(store)).map((event) => [event.ruleId, event.delivery.status, event.delivery.attempts, event.delivery.responseStatus]);
    assert.deepEqual(deliveries, [['alert_1', 'failed', 1, 404], ['alert_2', 'failed', 2, 500]]);
    clock.advance(3_600_000);
    await evaluator.idle();
    assert.equal(receiver.calls.length, 3);
  });

  test('a restart neither fires again nor loses an undelivered event', async () => {
    const store = createInMemoryAlertStore();
    const clock = createManualClock(T0);
    const first = setup({ store, clock, script: [503] });
    await store.createRule(rule({ for: '0m' }));
    await store.createRule(rule({ id: 'alert_2', for: '0m', webhookUrl: 'https://other.example.com/hook', createdAt: T0 + 1 }));
    await first.tick(0);
    assert.deepEqual(first.receiver.calls.map((call) => call.url), ['https://hooks.example.com/operon?token=s3cret', 'https://other.example.com/hook']);
    await first.evaluator.close(); // alert_1's event waits to be retried: its lease is released

    const second = setup({ store, clock });
    await second.tick();
    await second.tick();
    assert.deepEqual(second.receiver.calls.map((call) => [call.url, call.payload.id, call.payload.status]), [['https://hooks.example.com/operon?token=s3cret', 'alertevt_1', 'firing']]);
    assert.deepEqual((await history(store)).map((event) => [event.ruleId, event.delivery.status, event.delivery.attempts]), [['alert_1', 'delivered', 2], ['alert_2', 'delivered', 1]]);
  });

  test('two evaluators on one store fire an alert once', async () => {
    const store = createInMemoryAlertStore();
    const clock = createManualClock(T0);
    const [a, b] = [setup({ store, clock }), setup({ store, clock })];
    await store.createRule(rule({ for: '0m' }));
    await Promise.all([a.evaluator.evaluateOnce(), b.evaluator.evaluateOnce()]);
    await Promise.all([a.evaluator.idle(), b.evaluator.idle()]);
    assert.equal(a.receiver.calls.length + b.receiver.calls.length, 1);
    assert.equal((await history(store)).length, 1);
  });

  test('a disabled rule that is firing resolves; a deleted one stops', async () => {
    const { store, receiver, tick } = setup();
    await store.createRule(rule({ for: '0m' }));
    await store.createRule(rule({ id: 'alert_2', for: '0m', createdAt: T0 + 1 }));
    await tick(0);
    assert.equal(receiver.calls.length, 2);
    const firing = await store.getRule(PROJECT, 'alert_1');
    await store.updateRule({ ...(firing as AlertRule), enabled: false });
    await store.deleteRule(PROJECT, 'alert_2');
    await tick();
    await tick();
    assert.deepEqual(receiver.calls.slice(2).map((call) => [call.payload.rule.id, call.payload.status, call.payload.value]), [['alert_1', 'resolved', null]]);
  });

  test('the background loop evaluates every interval on the injected clock', async () => {
    const { store, receiver, clock, evaluator } = setup();
    await store.createRule(rule({ for: '1m' }));
    const evaluations = async (count: number) => {
      while (evaluator.stats().evaluations < count) await new Promise((resolve) => setImmediate(resolve));
    };
    evaluator.start();
    await evaluations(1);
    assert.equal((await store.getRule(PROJECT, 'alert_1'))?.state.state, 'pending');
    clock.advance(MINUTE);
    await evaluations(2);
    await evaluator.idle();
    assert.equal(receiver.calls.length, 1);
    await evaluator.close();
    clock.advance(10 * MINUTE);
    assert.equal(evaluator.stats().evaluations, 2, 'closed: no more rounds');
    assert.deepEqual({ ...evaluator.stats() }, { evaluations: 2, failedRules: 0, fired: 1, resolved: 0, delivered: 1, failedAttempts: 0, gaveUp: 0 });
  });

  test('a rule whose metrics cannot be read is skipped and counted; the others still run', async () => {
    const { store, receiver, metrics, evaluator, tick } = setup();
    const { totals } = metrics.store;
    metrics.store.totals = async (query) => (query.filters?.model?.[0] === 'broken' ? Promise.reject(new Error('database is down')) : totals(query));
    await store.createRule(rule({ for: '0m', filters: { model: ['broken'] } }));
    await store.createRule(rule({ id: 'alert_2', for: '0m', createdAt: T0 + 1 }));
    await tick(0);
    assert.deepEqual(receiver.calls.map((call) => call.payload.rule.id), ['alert_2']);
    assert.equal(evaluator.stats().failedRules, 1);
    assert.equal((await store.getRule(PROJECT, 'alert_1'))?.state.state, 'ok');
  });
});
