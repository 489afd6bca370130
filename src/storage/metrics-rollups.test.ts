import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramBucket } from '../metrics/latency-histogram.ts';
import { makeSpan } from '../tracing/trace-store.contract.ts';
import { MAX_VALUE_LENGTH, metricsRollups } from './metrics-rollups.ts';
import type { MetricsRollupsTable } from './schema.ts';
import type { RollupRow } from './metrics-rollups.ts';
import { spanToRow } from './span-rows.ts';

const T0 = 1_763_942_400_000 + 10 * 3_600_000;
const keyOf = (row: RollupRow) => [row.project_id, row.resolution, row.dimension, row.bucket_start, row.value, row.kind].join('|');

test('spans of one minute make one row per resolution, dimension value and kind, users per hour and day only', () => {
  const spans = [0, 1, 2].map((index) =>
    spanToRow(makeSpan('p1', { startedAt: T0 + index * 1000, latencyMs: 100 * (index + 1), keyId: 'key_a', userId: 'ada', tags: ['x', 'x', 'y'], release: '2.0', timeToFirstTokenMs: index === 0 ? 30 : null })),
  );
  const rows = metricsRollups(spans);
  const keys = rows.map(keyOf);
  assert.equal(new Set(keys).size, keys.length, 'one row per key');
  assert.deepEqual([...keys].sort(compareKeys), keys, 'sorted by key');
  // '', model, provider, key, route, release, tag x, tag y at 4 resolutions; user at 2.
  assert.equal(rows.length, 8 * 4 + 2);
  const users = rows.filter((row) => row.dimension === 'user');
  assert.deepEqual(users.map((row) => row.resolution), [60, 1440]);
  assert.equal('latency_00' in (users[0] ?? {}), false, 'user rows carry no histograms');
  assert.equal(users[0]?.span_count, 3);
  const whole = rows.find((row): row is MetricsRollupsTable => row.resolution === 5 && row.dimension === '');
  assert.ok(whole);
  assert.equal(whole.bucket_start, T0);
  assert.equal(whole.span_count, 3);
  assert.equal(whole.latency_sum, 600);
  assert.equal(whole[`latency_${String(histogramBucket(200)).padStart(2, '0')}` as 'latency_00'], 1);
  assert.equal(whole.ttft_count, 1);
  assert.equal(whole.input_tokens, 36);
  assert.equal(rows.find((row) => row.dimension === 'tag' && row.value === 'x' && row.resolution === 1)?.span_count, 3, 'a repeated tag counts once');
});

test('minutes roll up into their 5-minute, hour and day buckets; projects and kinds stay apart', () => {
  const rows = metricsRollups([
    spanToRow(makeSpan('p1', { startedAt: T0 + 4 * 60_000 })),
    spanToRow(makeSpan('p1', { startedAt: T0 + 6 * 60_000 })),
    spanToRow(makeSpan('p1', { startedAt: T0 + 6 * 60_000, type: 'tool', userId: 'ada' })),
    spanToRow(makeSpan('p2', { startedAt: T0 })),
  ]);
  const whole = (projectId: string, resolution: number, kind = 'generation') =>
    rows.filter((row) => row.project_id === projectId && row.dimension === '' && row.resolution === resolution && row.kind === kind).map((row) => [row.bucket_start, row.span_count]);
  assert.deepEqual(whole('p1', 1), [[T0 + 4 * 60_000, 1], [T0 + 6 * 60_000, 1]]);
  assert.deepEqual(whole('p1', 5), [[T0, 1], [T0 + 5 * 60_000, 1]]);
  assert.deepEqual(whole('p1', 60), [[T0, 2]]);
  assert.deepEqual(whole('p1', 1440), [[T0 - 10 * 3_600_000, 2]]);
  assert.deepEqual(whole('p1', 60, 'tool'), [[T0, 1]]);
  assert.deepEqual(whole('p2', 60), [[T0, 1]]);
  assert.equal(rows.some((row) => row.dimension === 'user'), false, 'users are counted over model calls only');
});

test('long values are cut, and empty ones are not counted', () => {
  const rows = metricsRollups([spanToRow(makeSpan('p1', { startedAt: T0, name: 'n'.repeat(5000), release: '', provider: null, tags: [''] }))]);
  assert.equal(rows.find((row) => row.dimension === 'route')?.value.length, MAX_VALUE_LENGTH);
  assert.equal(rows.some((row) => row.dimension === 'release' || row.dimension === 'provider' || row.dimension === 'tag'), false);
});

function compareKeys(a: string, b: string): number {
  const [pa, ra, da, ba, va, ka] = a.split('|');
  const [pb, rb, db, bb, vb, kb] = b.split('|');
  const text = (x = '', y = '') => (x < y ? -1 : x > y ? 1 : 0);
  return text(pa, pb) || Number(ra) - Number(rb) || text(da, db) || Number(ba) - Number(bb) || text(va, vb) || text(ka, kb);
}
