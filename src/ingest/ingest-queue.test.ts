import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperonError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { newSpan } from '../tracing/new-span.ts';
import type { Span } from '../tracing/span.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import { createIngestQueue } from './ingest-queue.ts';

const span = (id: string): Span =>
  newSpan({ id, traceId: `t_${id}`, projectId: 'p', type: 'other', name: id, startedAt: 1, endedAt: 2, status: 'ok', latencyMs: 1 });

/** A store whose writes finish only when the test says so. */
function gatedStore() {
  const writes: { ids: string[]; finish: (error?: Error) => void }[] = [];
  const store: TraceStore = {
    writeSpans: (spans) =>
      new Promise<void>((resolve, reject) => {
        writes.push({ ids: spans.map((item) => item.id), finish: (error) => (error ? reject(error) : resolve()) });
      }),
    listTraces: async () => ({ traces: [], nextCursor: null }),
    getTrace: async () => undefined,
  };
  return { store, writes };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a submission resolves only once its spans are stored', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 100, batchSize: 50, retryAfterSeconds: 1 });
  let acknowledged = false;
  const submitted = queue.submit([span('a'), span('b')]).then(() => (acknowledged = true));
  await settle();
  assert.equal(acknowledged, false);
  assert.deepEqual(writes.map((write) => write.ids), [['a', 'b']]);
  writes[0]?.finish();
  await submitted;
  assert.equal(acknowledged, true);
  assert.deepEqual(queue.stats(), { written: 2, refused: 0, failed: 0, pending: 0, writes: 1 });
});

test('submissions that arrive during a write go together in the next one (group commit), up to the batch size', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 100, batchSize: 3, retryAfterSeconds: 1 });
  const first = queue.submit([span('a')]);
  await settle();
  const later = [queue.submit([span('b')]), queue.submit([span('c'), span('d')]), queue.submit([span('e')])];
  writes[0]?.finish();
  await first;
  await settle();
  assert.deepEqual(writes.map((write) => write.ids), [['a'], ['b', 'c', 'd']]);
  writes[1]?.finish();
  await settle();
  assert.deepEqual(writes[2]?.ids, ['e']);
  writes[2]?.finish();
  await Promise.all(later);
  assert.equal(queue.stats().writes, 3);
});

test('past the pending limit a submission is refused at once with a retryable 429 and Retry-After, and nothing of it is kept', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 3, batchSize: 10, retryAfterSeconds: 2 });
  const accepted = queue.submit([span('a'), span('b')]);
  const refused = await queue.submit([span('c'), span('d')]).then(() => undefined, (error: unknown) => error);
  assert.ok(refused instanceof OperonError);
  assert.equal(refused.kind, 'rate_limit');
  assert.equal(refused.code, 'ingest_overloaded');
  assert.equal(refused.isRetryable, true);
  assert.equal(refused.retryAfterSeconds, 2);
  await settle();
  writes[0]?.finish();
  await accepted;
  assert.deepEqual(writes.map((write) => write.ids), [['a', 'b']]);
  assert.deepEqual(queue.stats(), { written: 2, refused: 2, failed: 0, pending: 0, writes: 1 });
  // Room again: the retried export is taken.
  const retried = queue.submit([span('c'), span('d')]);
  await settle();
  writes[1]?.finish();
  await retried;
});

test('a submission larger than the limit is still taken when nothing else waits, so one big export cannot be refused forever', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 2, batchSize: 2, retryAfterSeconds: 1 });
  const big = queue.submit([span('a'), span('b'), span('c')]);
  await settle();
  writes[0]?.finish();
  await big;
  assert.deepEqual(writes[0]?.ids, ['a', 'b', 'c']);
});

test('a failed write rejects every submission in it with a retryable 503, and later writes go on', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 100, batchSize: 10, retryAfterSeconds: 1 });
  const first = queue.submit([span('a')]);
  await settle();
  const second = queue.submit([span('b')]).then(() => undefined, (error: unknown) => error);
  const third = queue.submit([span('c')]).then(() => undefined, (error: unknown) => error);
  writes[0]?.finish();
  await first;
  await settle();
  writes[1]?.finish(new Error('disk full'));
  for (const outcome of [await second, await third]) {
    assert.ok(outcome instanceof OperonError);
    assert.equal(outcome.kind, 'unavailable');
    assert.equal(outcome.isRetryable, true);
    assert.match(outcome.message, /nothing of this request was kept/);
  }
  const fourth = queue.submit([span('d')]);
  await settle();
  writes[2]?.finish();
  await fourth;
  assert.deepEqual(queue.stats(), { written: 2, refused: 0, failed: 2, pending: 0, writes: 3 });
});

test('close waits for what was submitted and refuses what comes after', async () => {
  const { store, writes } = gatedStore();
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans: 100, batchSize: 10, retryAfterSeconds: 1 });
  const submitted = queue.submit([span('a')]);
  await settle();
  let closed = false;
  const closing = queue.close().then(() => (closed = true));
  await settle();
  assert.equal(closed, false);
  writes[0]?.finish();
  await Promise.all([submitted, closing]);
  await assert.rejects(queue.submit([span('b')]), (error: unknown) => error instanceof OperonError && error.code === 'shutting_down');
});
