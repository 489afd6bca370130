import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from './clock.ts';
import { startPeriodicJob } from './periodic-job.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('runs after the initial delay, then every interval from the end of the previous run; errors are reported and the job goes on', async () => {
  const clock = createManualClock(0);
  const runs: number[] = [];
  const errors: unknown[] = [];
  let release: (() => void) | undefined;
  const job = startPeriodicJob({
    clock,
    intervalMs: 100,
    initialDelayMs: 10,
    run: async () => {
      runs.push(clock.now());
      if (runs.length === 1) throw new Error('first run fails');
      if (runs.length === 2) await new Promise<void>((resolve) => (release = resolve));
    },
    onError: (error) => errors.push(error),
  });
  clock.advance(10);
  await settle();
  assert.deepEqual(runs, [10]);
  assert.equal(errors.length, 1);
  clock.advance(100);
  await settle();
  assert.deepEqual(runs, [10, 110]);
  clock.advance(500);
  await settle();
  assert.deepEqual(runs, [10, 110], 'one run at a time: the next interval starts when a run ends');
  release?.();
  await settle();
  clock.advance(100);
  await settle();
  assert.deepEqual(runs, [10, 110, 710]);
  const stopped = job.stop();
  await stopped;
  clock.advance(1_000);
  await settle();
  assert.equal(runs.length, 3);
  assert.equal(clock.pending, 0, 'nothing left sleeping on the clock');
});
