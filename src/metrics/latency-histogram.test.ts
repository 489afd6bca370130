import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketLowerBound, bucketValue, histogramBucket, HISTOGRAM_BUCKETS, HISTOGRAM_GROWTH, percentile, RELATIVE_ERROR } from './latency-histogram.ts';

test('every duration from 1 ms to 7 minutes falls in a bucket whose value is within the documented error', () => {
  assert.ok(Math.abs(RELATIVE_ERROR - 1 / 9) < 1e-12);
  for (let ms = 1; ms < bucketLowerBound(HISTOGRAM_BUCKETS - 1); ms *= 1.0137) {
    const index = histogramBucket(ms);
    assert.ok(index >= 1 && index < HISTOGRAM_BUCKETS - 1, `${ms} ms in bucket ${index}`);
    assert.ok(bucketLowerBound(index) <= ms * (1 + 1e-9) && ms < bucketLowerBound(index) * HISTOGRAM_GROWTH * (1 + 1e-9), `${ms} ms inside bucket ${index}`);
    assert.ok(Math.abs(bucketValue(index) - ms) / ms <= RELATIVE_ERROR + 1e-9, `${ms} ms reads as ${bucketValue(index)}`);
  }
});

test('bucket edges: below 1 ms, exact powers, and beyond the last bound', () => {
  assert.equal(histogramBucket(0), 0);
  assert.equal(histogramBucket(0.999), 0);
  assert.equal(histogramBucket(-5), 0);
  assert.equal(histogramBucket(Number.NaN), 0);
  assert.equal(bucketValue(0), 0.5);
  assert.equal(histogramBucket(1), 1);
  assert.equal(histogramBucket(HISTOGRAM_GROWTH ** 10), 11, 'a bucket includes its lower bound');
  assert.equal(histogramBucket(24 * 3_600_000), HISTOGRAM_BUCKETS - 1);
  assert.equal(bucketValue(HISTOGRAM_BUCKETS - 1), bucketLowerBound(HISTOGRAM_BUCKETS - 1));
  assert.ok(bucketLowerBound(HISTOGRAM_BUCKETS - 1) > 400_000, 'the last bound is about 7 minutes');
});

test('percentiles are nearest-rank over the counted values', () => {
  const counts = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
  assert.equal(percentile(counts, 0.5), null);
  const values = [3, 40, 41, 700, 12_000];
  for (const value of values) (counts[histogramBucket(value)] as number) += 1;
  assert.equal(percentile(counts, 0.5), bucketValue(histogramBucket(41)));
  assert.equal(percentile(counts, 0.2), bucketValue(histogramBucket(3)));
  assert.equal(percentile(counts, 0.21), bucketValue(histogramBucket(40)));
  assert.equal(percentile(counts, 0.95), bucketValue(histogramBucket(12_000)));
  assert.equal(percentile(counts, 1), bucketValue(histogramBucket(12_000)));
});
