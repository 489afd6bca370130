import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../core/clock.ts';
import type { SearchIndex } from './search-index.ts';
import { createSearchIndexer } from './search-indexer.ts';

/** An index with `backlog` spans waiting; records the batch sizes asked for. */
function fakeIndex(backlog: number) {
  const asked: number[] = [];
  let failures = 0;
  const index: SearchIndex = {
    async catchUp(maxSpans) {
      asked.push(maxSpans);
      if (failures > 0) {
        failures -= 1;
        throw new Error('SQLITE_BUSY');
      }
      const done = Math.min(maxSpans, backlog);
      backlog -= done;
      return done;
    },
    pending: async () => backlog,
  };
  return { index, asked, add: (spans: number) => (backlog += spans), fail: () => (failures += 1), left: () => backlog };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a run indexes in batches until caught up', async () => {
  const fake = fakeIndex(2_500);
  const indexer = createSearchIndexer({ index: fake.index, clock: createManualClock(), intervalMs: 1_000, batchSize: 1_000, maxSpansPerRun: 100_000 });
  assert.equal(await indexer.runOnce(), 2_500);
  assert.deepEqual(fake.asked, [1_000, 1_000, 1_000]);
  assert.equal(await indexer.runOnce(), 0);
  assert.deepEqual(indexer.stats(), { indexed: 2_500, failures: 0 });
});

test('a run stops at maxSpansPerRun, leaving the rest to the next run', async () => {
  const fake = fakeIndex(5_000);
  const indexer = createSearchIndexer({ index: fake.index, clock: createManualClock(), intervalMs: 1_000, batchSize: 1_000, maxSpansPerRun: 2_500 });
  assert.equal(await indexer.runOnce(), 2_500);
  assert.deepEqual(fake.asked, [1_000, 1_000, 500]);
  assert.equal(fake.left(), 2_500);
});

test('started, it runs every interval on the clock; a failed run is counted and the next one retries', async () => {
  const clock = createManualClock();
  const fake = fakeIndex(10);
  const indexer = createSearchIndexer({ index: fake.index, clock, intervalMs: 1_000, batchSize: 100, maxSpansPerRun: 1_000 });
  indexer.start();
  await settle();
  assert.equal(fake.left(), 10, 'nothing before the first interval');
  fake.fail();
  clock.advance(1_000);
  await settle();
  assert.deepEqual(indexer.stats(), { indexed: 0, failures: 1 });
  clock.advance(1_000);
  await settle();
  assert.equal(fake.left(), 0);
  await indexer.stop();
  fake.add(5);
  clock.advance(5_000);
  await settle();
  assert.equal(fake.left(), 5, 'stopped');
});

test('while ingestion is heavy a run indexes one batch only, and catches up fully once it is not', async () => {
  const calls: number[] = [];
  let waiting = 10_000;
  const index = {
    catchUp: async (max: number) => {
      calls.push(max);
      const done = Math.min(max, waiting);
      waiting -= done;
      return done;
    },
    pending: async () => waiting,
  };
  let heavy = true;
  const indexer = createSearchIndexer({ index: index as never, clock: createManualClock(0), intervalMs: 1_000, batchSize: 1_000, maxSpansPerRun: 20_000, busy: () => heavy });
  assert.equal(await indexer.runOnce(), 1_000);
  assert.deepEqual(calls, [1_000]);
  heavy = false;
  assert.equal(await indexer.runOnce(), 9_000);
  assert.equal(waiting, 0);
});
