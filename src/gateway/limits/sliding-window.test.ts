import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindow } from './sliding-window.ts';

test('sums the last sixty seconds', () => {
  const window = new SlidingWindow();
  window.add(0, 1);
  window.add(30_500, 2);
  assert.equal(window.total(59_999), 3);
  assert.equal(window.total(60_000), 2);
  // Slots are whole seconds: the count added at 30.5 s leaves the window at 90 s.
  assert.equal(window.total(89_999), 2);
  assert.equal(window.total(90_000), 0);
});

test('says how long until the total drops below a limit', () => {
  const window = new SlidingWindow();
  window.add(1_000, 5);
  window.add(20_000, 5);
  assert.equal(window.secondsUntilBelow(30_000, 10), 31); // the slot of second 1 leaves at 61 s
  assert.equal(window.secondsUntilBelow(30_000, 5), 50); // both must leave
  assert.equal(window.secondsUntilBelow(60_500, 10), 1);
});

test('a long pause clears the window', () => {
  const window = new SlidingWindow();
  window.add(0, 100);
  assert.equal(window.total(10 * 60_000), 0);
  window.add(10 * 60_000, 1);
  assert.equal(window.total(10 * 60_000 + 59_000), 1);
});
