import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import type { Span } from '../tracing/span.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import { makeSpan } from '../tracing/trace-store.contract.ts';
import { bucketValue, histogramBucket, RELATIVE_ERROR } from './latency-histogram.ts';
import type { MetricsStore, MetricsTotalsQuery } from './metrics-store.ts';

/**
 * The behaviour every `MetricsStore` must have over the rollups its `TraceStore` keeps: spans go in
 * through `traces.writeSpans` (the real write path, in-thread or the embedded writer thread) and come
 * out as exact counts, sums and histogram percentiles. Tests use fresh project ids.
 *
 * @example
 * metricsStoreContract(async () => ({ metrics: stores.metrics, traces: stores.traces, close }));
 */
export interface MetricsStoreFixture {
  metrics: MetricsStore;
  traces: TraceStore;
  close(): Promise<void>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Midnight UTC, 2025-11-24. */
const DAY0 = 1_763_942_400_000;
const T0 = DAY0 + 10 * HOUR;

/** What a percentile reads back as: the value of the true value's bucket, within the documented error. */
function assertPercentile(actual: number | undefined, trueValue: number): void {
  assert.ok(actual !== undefined);
  assert.equal(actual, Math.round(bucketValue(histogramBucket(trueValue)) * 1000) / 1000);
  assert.ok(Math.abs(actual - trueValue) / trueValue <= RELATIVE_ERROR + 1e-9, `${actual} is within ${RELATIVE_ERROR} of ${trueValue}`);
}

const close = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

async function rejectsInvalid(promise: Promise<unknown>, param: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param);
}

export function metricsStoreContract(makeStore: () => Promise<MetricsStoreFixture>): void {
  describe('MetricsStore contract', () => {
    let fixture: MetricsStoreFixture;
    let metrics: MetricsStore;
    let traces: TraceStore;
    before(async () => {
      fixture = await makeStore();
      ({ metrics, traces } = fixture);
    });
    after(async () => {
      await fixture?.close();
    });

    const totals = async (query: Omit<MetricsTotalsQuery, 'from' | 'to'> & { from?: number; to?: number }) =>
      metrics.totals({ from: T0, to: T0 + MINUTE, ...query });

    test('counts, errors, tokens, cost, cache hits, latency and time to first token of hand-built spans', async () => {
      const projectId = uid('proj');
      const spans = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((latencyMs, index) =>
        makeSpan(projectId, {
          startedAt: T0 + index * 1000,
          latencyMs,
          status: index < 2 ? 'error' : 'ok',
          cacheHit: index === 9,
          inputTokens: 10 + index,
          outputTokens: index === 0 ? null : 5,
          costUsd: index === 0 ? null : 0.001,
          stream: index >= 6,
          timeToFirstTokenMs: index >= 6 ? 50 * index : null,
        }),
      );
      await traces.writeSpans(spans);
      const result = await totals({ projectId });
      assert.deepEqual({ ...result, groups: [] }, { from: T0, to: T0 + MINUTE, groupBy: null, kinds: ['generation', 'embedding'], groups: [] });
      const [all] = result.groups;
      assert.ok(all);
      assert.equal(all.group, null);
      assert.equal(all.requests, 10);
      assert.equal(all.errors, 2);
      assert.equal(all.errorRate, 0.2);
      assert.equal(all.cacheHits, 1);
      assert.equal(all.inputTokens, 145);
      assert.equal(all.outputTokens, 45);
      close(all.costUsd, 0.009);
      assert.equal(all.latencyMs?.avg, 550);
      assertPercentile(all.latencyMs?.p50, 500);
      assertPercentile(all.latencyMs?.p95, 1000);
      assertPercentile(all.latencyMs?.p99, 1000);
      // TTFT over the four streamed spans only: 300, 350, 400, 450.
      assert.equal(all.ttftMs?.avg, 375);
      assertPercentile(all.ttftMs?.p50, 350);
      assertPercentile(all.ttftMs?.p95, 450);
    });

    test('a series has every bucket, empty ones with zero requests, grouped by model', async () => {
      const projectId = uid('proj');
      await traces.writeSpans([
        makeSpan(projectId, { startedAt: T0 + 5_000, modelUsed: 'gpt-4o', latencyMs: 100 }),
        makeSpan(projectId, { startedAt: T0 + 2 * MINUTE + 1, modelUsed: 'gpt-4o', latencyMs: 300 }),
        makeSpan(projectId, { startedAt: T0 + 2 * MINUTE + 2, modelUsed: null, modelRequested: 'claude', latencyMs: 200 }),
      ]);
      const result = await metrics.series({ projectId, from: T0 + 1, to: T0 + 3 * MINUTE - 1, interval: '1m', groupBy: 'model', metrics: ['requests', 'latency'] });
      assert.equal(result.from, T0);
      assert.equal(result.to, T0 + 3 * MINUTE);
      assert.deepEqual(result.series.map((series) => series.group), ['gpt-4o', 'claude']);
      const [gpt, claude] = result.series;
      assert.deepEqual(gpt?.points.map((point) => [point.start, point.requests]), [[T0, 1], [T0 + MINUTE, 0], [T0 + 2 * MINUTE, 1]]);
      assert.equal(gpt?.points[1]?.latencyMs, null);
      assert.equal(gpt?.points[0]?.errors, undefined, 'only the metrics asked for');
      assertPercentile(gpt?.points[2]?.latencyMs?.p95, 300);
      assert.deepEqual(claude?.points.map((point) => point.requests), [0, 0, 1]);

      const hourly = await metrics.series({ projectId, from: T0, to: T0 + HOUR, interval: '1h', metrics: ['requests'] });
      assert.deepEqual(hourly.series, [{ group: null, points: [{ start: T0, requests: 3 }] }]);
      const fiveMinutes = await metrics.series({ projectId, from: T0, to: T0 + 10 * MINUTE, interval: '5m', groupBy: 'model', filters: { model: ['claude'] }, metrics: ['requests'] });
      assert.deepEqual(fiveMinutes.series, [{ group: 'claude', points: [{ start: T0, requests: 1 }, { start: T0 + 5 * MINUTE, requests: 0 }] }]);
    });

    test('model calls are counted unless the kind filter says otherwise; grouping by kind', async () => {
      const projectId = uid('proj');
      await traces.writeSpans([
        makeSpan(projectId, { startedAt: T0, type: 'generation' }),
        makeSpan(projectId, { startedAt: T0, type: 'embedding', modelUsed: 'text-embedding-3-small' }),
        makeSpan(projectId, { startedAt: T0, type: 'tool', name: 'search_docs', status: 'error', modelUsed: null, modelRequested: null }),
        makeSpan(projectId, { startedAt: T0, type: 'agent', name: 'planner', modelUsed: null, modelRequested: null }),
      ]);
      assert.equal((await totals({ projectId })).groups[0]?.requests, 2);
      const tools = await totals({ projectId, filters: { kind: ['tool'] } });
      assert.deepEqual(tools.groups.map(({ group, requests, errors }) => ({ group, requests, errors })), [{ group: null, requests: 1, errors: 1 }]);
      const byKind = await totals({ projectId, groupBy: 'kind', filters: { kind: ['generation', 'embedding', 'tool', 'agent'] }, metrics: ['requests'] });
      assert.deepEqual(byKind.groups, [
        { group: 'agent', requests: 1 }, { group: 'embedding', requests: 1 }, { group: 'generation', requests: 1 }, { group: 'tool', requests: 1 },
      ]);
      const byRoute = await totals({ projectId, groupBy: 'route', filters: { kind: ['tool', 'agent'] }, metrics: ['requests'] });
      assert.deepEqual(byRoute.groups, [{ group: 'planner', requests: 1 }, { group: 'search_docs', requests: 1 }]);
      const modelByKind = await totals({ projectId, groupBy: 'kind', filters: { model: ['gpt-4o'] }, metrics: ['requests'] });
      assert.deepEqual(modelByKind.groups, [{ group: 'generation', requests: 1 }]);
    });

    test('a batch written again, or with spans stored already, adds only the new spans', async () => {
      const projectId = uid('proj');
      const first = [makeSpan(projectId, { startedAt: T0 }), makeSpan(projectId, { startedAt: T0 + 1 })];
      await traces.writeSpans(first);
      await traces.writeSpans(first);
      await traces.writeSpans([...first, makeSpan(projectId, { startedAt: T0 + 2, costUsd: 0.5 })]);
      const [all] = (await totals({ projectId, metrics: ['requests', 'cost'] })).groups;
      assert.equal(all?.requests, 3);
      close(all?.costUsd, 0.5 + 2 * 0.000123);
    });

    test('by key, provider, release and tag; a span with two tags counts under each', async () => {
      const projectId = uid('proj');
      await traces.writeSpans([
        makeSpan(projectId, { startedAt: T0, keyId: 'key_a', provider: 'openai', release: '1.0', tags: ['beta', 'eu'] }),
        makeSpan(projectId, { startedAt: T0, keyId: 'key_b', provider: 'anthropic', release: '1.1', tags: ['eu'], status: 'error' }),
        makeSpan(projectId, { startedAt: T0, keyId: 'key_b', provider: 'anthropic', release: null, tags: [] }),
      ]);
      const groups = async (groupBy: 'key' | 'provider' | 'release' | 'tag') =>
        (await totals({ projectId, groupBy, metrics: ['requests', 'errors'] })).groups.map(({ group, requests, errors }) => [group, requests, errors]);
      assert.deepEqual(await groups('key'), [['key_b', 2, 1], ['key_a', 1, 0]]);
      assert.deepEqual(await groups('provider'), [['anthropic', 2, 1], ['openai', 1, 0]]);
      assert.deepEqual(await groups('release'), [['1.0', 1, 0], ['1.1', 1, 1]]);
      assert.deepEqual(await groups('tag'), [['eu', 2, 1], ['beta', 1, 0]]);
      const eu = await totals({ projectId, filters: { tag: ['eu'] }, metrics: ['requests'] });
      assert.deepEqual(eu.groups, [{ group: null, requests: 2 }]);
      await rejectsInvalid(totals({ projectId, filters: { tag: ['eu', 'beta'] } }), 'tag');
      const limited = await totals({ projectId, groupBy: 'key', limit: 1, metrics: ['requests'] });
      assert.deepEqual(limited.groups, [{ group: 'key_b', requests: 2 }]);
    });

    test('users are kept per hour and per day, over model calls, without percentiles', async () => {
      const projectId = uid('proj');
      await traces.writeSpans([
        makeSpan(projectId, { startedAt: T0 + 10 * MINUTE, userId: 'ada' }),
        makeSpan(projectId, { startedAt: T0 + 70 * MINUTE, userId: 'ada' }),
        makeSpan(projectId, { startedAt: T0 + 20 * MINUTE, userId: 'grace' }),
      ]);
      const hourly = await metrics.series({ projectId, from: T0, to: T0 + 2 * HOUR, interval: '1h', groupBy: 'user', metrics: ['requests'] });
      assert.deepEqual(hourly.series, [
        { group: 'ada', points: [{ start: T0, requests: 1 }, { start: T0 + HOUR, requests: 1 }] },
        { group: 'grace', points: [{ start: T0, requests: 1 }, { start: T0 + HOUR, requests: 0 }] },
      ]);
      const today = await metrics.totals({ projectId, from: T0 + 5 * MINUTE, to: T0 + 15 * MINUTE, filters: { user: ['ada'] }, metrics: ['requests'] });
      assert.deepEqual(today, { from: T0, to: T0 + HOUR, groupBy: null, kinds: ['generation', 'embedding'], groups: [{ group: null, requests: 1 }] });
      await rejectsInvalid(metrics.series({ projectId, from: T0, to: T0 + HOUR, interval: '5m', groupBy: 'user' }), 'interval');
      await rejectsInvalid(metrics.totals({ projectId, from: T0, to: T0 + HOUR, groupBy: 'user', metrics: ['requests', 'latency'] }), 'metrics');
      await rejectsInvalid(metrics.totals({ projectId, from: T0, to: T0 + HOUR, groupBy: 'user', filters: { kind: ['tool'] } }), 'kind');
      const everything = await metrics.totals({ projectId, from: T0, to: T0 + HOUR, groupBy: 'user' });
      assert.deepEqual(Object.keys(everything.groups[0] ?? {}).sort(), ['cacheHits', 'costUsd', 'errorRate', 'errors', 'group', 'inputTokens', 'outputTokens', 'requests']);
    });

    test('totals over a range that is not aligned add up minutes, hours and days exactly', async () => {
      const projectId = uid('proj');
      const times = [
        DAY0 - 3 * MINUTE, // before the range
        DAY0 - 2 * MINUTE + 30_000, // the first (partial) minute
        DAY0 - MINUTE,
        DAY0 + 7 * MINUTE,
        DAY0 + 3 * HOUR,
        DAY0 + DAY + 12 * HOUR,
        DAY0 + 2 * DAY + HOUR + 4 * MINUTE,
        DAY0 + 2 * DAY + HOUR + 5 * MINUTE, // after the range
      ];
      await traces.writeSpans(times.map((startedAt, index) => makeSpan(projectId, { startedAt, inputTokens: 2 ** index, outputTokens: 0 })));
      const result = await metrics.totals({ projectId, from: DAY0 - 2 * MINUTE + 45_000, to: DAY0 + 2 * DAY + HOUR + 4 * MINUTE + 1, metrics: ['tokens'] });
      assert.equal(result.from, DAY0 - 2 * MINUTE);
      assert.equal(result.to, DAY0 + 2 * DAY + HOUR + 5 * MINUTE);
      assert.deepEqual(result.groups, [{ group: null, requests: 6, inputTokens: 2 + 4 + 8 + 16 + 32 + 64, outputTokens: 0 }]);
      const daily = await metrics.series({ projectId, from: DAY0, to: DAY0 + 3 * DAY, interval: '1d', metrics: ['requests'] });
      assert.deepEqual(daily.series[0]?.points.map((point) => point.requests), [2, 1, 2]);
    });

    test('a project never sees another project\'s spans, in one batch or many', async () => {
      const mine = uid('proj');
      const theirs = uid('proj');
      await traces.writeSpans([makeSpan(mine, { startedAt: T0 }), makeSpan(theirs, { startedAt: T0 }), makeSpan(theirs, { startedAt: T0 })]);
      assert.equal((await totals({ projectId: mine })).groups[0]?.requests, 1);
      assert.equal((await totals({ projectId: theirs })).groups[0]?.requests, 2);
      assert.deepEqual((await totals({ projectId: uid('proj'), groupBy: 'model' })).groups, []);
      const empty = await totals({ projectId: uid('proj'), metrics: ['requests', 'latency'] });
      assert.deepEqual(empty.groups, [{ group: null, requests: 0, latencyMs: null }]);
    });

    test('queries that the rollups cannot answer are refused with the parameter at fault', async () => {
      const projectId = uid('proj');
      await rejectsInvalid(totals({ projectId, groupBy: 'key', filters: { model: ['gpt-4o'] } }), 'model');
      await rejectsInvalid(totals({ projectId, filters: { model: ['gpt-4o'], provider: ['openai'] } }), 'model');
      await rejectsInvalid(totals({ projectId, from: T0, to: T0 }), 'from');
      await rejectsInvalid(totals({ projectId, filters: { kind: ['nonsense' as Span['type']] } }), 'kind');
      await rejectsInvalid(totals({ projectId, limit: 0 }), 'limit');
      await rejectsInvalid(metrics.series({ projectId, from: T0, to: T0 + 30 * DAY, interval: '1m' }), 'interval');
    });
  });
}
