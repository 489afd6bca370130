import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruStore } from './lru-store.ts';

test('evicts the least recently used entry, reads included', () => {
  const store = new LruStore<string>({ maxEntries: 3, maxBytes: 1_000 });
  for (const key of ['a', 'b', 'c']) store.set(key, key, 100, 1);
  assert.equal(store.get('a', 0), 'a');
  store.set('d', 'd', 100, 1);
  assert.equal(store.get('b', 0), undefined);
  store.set('e', 'e', 100, 1);
  assert.equal(store.get('c', 0), undefined);
  assert.deepEqual(['a', 'd', 'e'].map((key) => store.get(key, 0)), ['a', 'd', 'e']);
  assert.equal(store.evictions, 2);
});

test('expired entries are dropped when read', () => {
  const store = new LruStore<string>({ maxEntries: 3, maxBytes: 1_000 });
  store.set('a', 'a', 100, 10);
  assert.equal(store.get('a', 99), 'a');
  assert.equal(store.get('a', 100), undefined);
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
});

test('stays within its byte bound, replacing and deleting keep the count right', () => {
  const store = new LruStore<string>({ maxEntries: 10, maxBytes: 25 });
  store.set('a', 'a', 100, 10);
  store.set('a', 'a2', 100, 10);
  assert.equal(store.bytes, 10);
  store.set('b', 'b', 100, 10);
  store.set('c', 'c', 100, 10);
  assert.equal(store.size, 2);
  assert.ok(store.bytes <= 25);
  store.set('huge', 'x', 100, 26);
  assert.equal(store.get('huge', 0), undefined);
  assert.equal(store.delete('c'), true);
  assert.equal(store.size, 1);
  store.clear();
  assert.equal(store.size, 0);
  store.set('z', 'z', 100, 1);
  assert.equal(store.get('z', 0), 'z');
});

test('clear with a prefix removes only matching keys', () => {
  const store = new LruStore<string>({ maxEntries: 10, maxBytes: 100 });
  store.set('p1\na', 'a', 100, 1);
  store.set('p2\nb', 'b', 100, 1);
  store.clear('p1\n');
  assert.equal(store.get('p1\na', 0), undefined);
  assert.equal(store.get('p2\nb', 0), 'b');
});
