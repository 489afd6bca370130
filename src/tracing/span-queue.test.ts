import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { createSpanQueue } from './span-queue.ts';
import type { Span } from './span.ts';
import type { TraceStore } from './trace-store.ts';

function span(id: string): Span {
  return {
    id, traceId: `trace_${id}`, projectId: 'p', parentSpanId: null, type: 'generation', name: 'chat', startedAt: 0, endedAt: 1,
    status: 'ok', keyId: null, modelRequested: 'm', modelUsed: 'm', provider: 'mock', attempts: [], fallbackUsed: false,
    cacheHit: false, stream: false, latencyMs: 1, timeToFirstTokenMs: null, inputTokens: 1, outputTokens: 1, costUsd: null,
    errorCode: null, errorMessage: null, bodyCapture: 'none', input: null, output: null, attributes: {},
    sessionId: null, userId: null, tags: [], metadata: {}, release: null, environment: null, serviceName: null, events: [], truncated: false,
  };
}

function fakeStore(failTimes = 0) {
  const batches: string[][] = [];
  let failures = failTimes;
  const store: TraceStore = {
    async writeSpans(spans) {
      if (failures > 0) { failures -= 1; throw new Error('disk full'); }
      batches.push(spans.map((s) => s.id));
    },
    listTraces: async () => ({ traces: [], nextCursor: null }),
    getTrace: async () => undefined,
  };
  return { store, batches };
}

test('writes spans in batches of batchSize and flushes the remainder on close', async () => {
  const { store, batches } = fakeStore();
  const queue = createSpanQueue({ store, clock: createManualClock(), logger: silentLogger(), queueSize: 100, batchSize: 2, flushIntervalMs: 1000 });
  for (const id of ['a', 'b', 'c']) queue.enqueue(span(id));
  await queue.close();
  assert.deepEqual(batches, [['a', 'b'], ['c']]);
  assert.equal(queue.stats().written, 3);
  assert.equal(queue.stats().pending, 0);
});

test('a full queue drops new spans and counts them', async () => {
  const { store } = fakeStore();
  const queue = createSpanQueue({ store, clock: createManualClock(), logger: silentLogger(), queueSize: 2, batchSize: 10, flushIntervalMs: 1000 });
  assert.equal(queue.enqueue(span('a')), true);
  assert.equal(queue.enqueue(span('b')), true);
  assert.equal(queue.enqueue(span('c')), false);
  assert.equal(queue.stats().dropped, 1);
});

test('a failed write is retried at the next flush, then dropped after max attempts', async () => {
  const { store, batches } = fakeStore(1);
  const queue = createSpanQueue({ store, clock: createManualClock(), logger: silentLogger(), queueSize: 10, batchSize: 10, flushIntervalMs: 1000 });
  queue.enqueue(span('a'));
  await queue.flush();
  assert.equal(queue.stats().failedWrites, 1);
  assert.equal(queue.stats().pending, 1);
  await queue.flush();
  assert.deepEqual(batches, [['a']]);

  const failing = fakeStore(10);
  const doomed = createSpanQueue({ store: failing.store, clock: createManualClock(), logger: silentLogger(), queueSize: 10, batchSize: 10, flushIntervalMs: 1000, maxWriteAttempts: 2 });
  doomed.enqueue(span('x'));
  await doomed.flush();
  await doomed.flush();
  assert.equal(doomed.stats().dropped, 1);
  assert.equal(doomed.stats().pending, 0);
});

test('the periodic flush writes partial batches when the clock advances', async () => {
  const { store, batches } = fakeStore();
  const clock = createManualClock();
  const queue = createSpanQueue({ store, clock, logger: silentLogger(), queueSize: 10, batchSize: 10, flushIntervalMs: 1000 });
  queue.start();
  queue.enqueue(span('a'));
  await Promise.resolve();
  assert.equal(clock.pending, 1);
  clock.advance(1000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [['a']]);
  await queue.close();
});

test('a write starts once 100 spans wait, without waiting for a full batch or the timer', async () => {
  const { store, batches } = fakeStore();
  const queue = createSpanQueue({ store, clock: createManualClock(), logger: silentLogger(), queueSize: 10_000, batchSize: 500, flushIntervalMs: 1000 });
  for (let index = 0; index < 99; index++) queue.enqueue(span(`s${index}`));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(batches.length, 0);
  queue.enqueue(span('s99'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches.map((batch) => batch.length), [100]);
  await queue.close();
});
