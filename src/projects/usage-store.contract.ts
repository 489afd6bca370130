import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { UsageIncrement, UsageStore, UsageTotals } from './usage-store.ts';

/**
 * The behaviour every `UsageStore` must have, whatever the backend. Tests share one store and use
 * fresh project ids, so the store may hold other data.
 *
 * @example
 * usageStoreContract(async () => {
 *   const database = await openDatabase({ sqlitePath: ':memory:' });
 *   return { store: createUsageStore(database.db), close: () => database.close() };
 * });
 */
export interface UsageStoreFixture {
  store: UsageStore;
  close(): Promise<void>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

function increment(projectId: string, overrides: Partial<UsageIncrement> = {}): UsageIncrement {
  return { projectId, keyId: 'key_a', day: '2026-11-25', requests: 1, inputTokens: 10, outputTokens: 5, costUsd: 0.0001, ...overrides };
}

/** Compares totals, money within floating-point rounding. */
function assertTotals(actual: UsageTotals, expected: UsageTotals): void {
  assert.equal(actual.requests, expected.requests, 'requests');
  assert.equal(actual.inputTokens, expected.inputTokens, 'inputTokens');
  assert.equal(actual.outputTokens, expected.outputTokens, 'outputTokens');
  assert.ok(Math.abs(actual.costUsd - expected.costUsd) < 1e-9, `costUsd ${actual.costUsd} ≠ ${expected.costUsd}`);
}

const ZERO: UsageTotals = { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };

export function usageStoreContract(makeStore: () => Promise<UsageStoreFixture>): void {
  describe('UsageStore contract', () => {
    let fixture: UsageStoreFixture;
    let store: UsageStore;
    before(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.close();
    });

    test('totals are zero when nothing was recorded', async () => {
      const totals = await store.totals({ projectId: uid('proj'), fromDay: '2026-01-01', toDay: '2026-12-31' });
      assert.deepEqual(totals, ZERO);
    });

    test('add then totals returns what was added; numbers come back as numbers', async () => {
      const projectId = uid('proj');
      await store.add([increment(projectId, { requests: 2, inputTokens: 120, outputTokens: 30, costUsd: 0.0042 })]);
      const totals = await store.totals({ projectId, fromDay: '2026-11-25', toDay: '2026-11-25' });
      for (const value of Object.values(totals)) assert.equal(typeof value, 'number');
      assertTotals(totals, { requests: 2, inputTokens: 120, outputTokens: 30, costUsd: 0.0042 });
    });

    test('repeated adds to the same project, key and day accumulate', async () => {
      const projectId = uid('proj');
      await store.add([increment(projectId)]);
      await store.add([increment(projectId)]);
      await store.add([increment(projectId, { requests: 3, inputTokens: 1, outputTokens: 2, costUsd: 0.5 })]);
      assertTotals(await store.totals({ projectId, fromDay: '2026-11-25', toDay: '2026-11-25' }), {
        requests: 5, inputTokens: 21, outputTokens: 12, costUsd: 0.5002,
      });
    });

    test('one batch may hold the same project, key and day several times', async () => {
      const projectId = uid('proj');
      await store.add([increment(projectId), increment(projectId), increment(projectId, { keyId: 'key_b' }), increment(projectId)]);
      assertTotals(await store.totals({ projectId, keyId: 'key_a', fromDay: '2026-11-25', toDay: '2026-11-25' }), {
        requests: 3, inputTokens: 30, outputTokens: 15, costUsd: 0.0003,
      });
    });

    test('the day range is inclusive at both ends and excludes days outside it', async () => {
      const projectId = uid('proj');
      const days = ['2026-10-31', '2026-11-01', '2026-11-15', '2026-11-30', '2026-12-01'];
      await store.add(days.map((day, index) => increment(projectId, { day, requests: 10 ** index, costUsd: 10 ** index })));
      assertTotals(await store.totals({ projectId, fromDay: '2026-11-01', toDay: '2026-11-30' }), {
        requests: 10 + 100 + 1000, inputTokens: 30, outputTokens: 15, costUsd: 1110,
      });
      assert.equal((await store.totals({ projectId, fromDay: '2026-11-15', toDay: '2026-11-15' })).requests, 100);
      assert.equal((await store.totals({ projectId, fromDay: '2025-01-01', toDay: '2027-01-01' })).requests, 11111);
      assert.equal((await store.totals({ projectId, fromDay: '2026-11-02', toDay: '2026-11-14' })).requests, 0);
    });

    test('totals for one key, or for the whole project', async () => {
      const projectId = uid('proj');
      await store.add([
        increment(projectId, { keyId: 'key_a', requests: 1, costUsd: 0.25 }),
        increment(projectId, { keyId: 'key_b', requests: 2, costUsd: 0.5 }),
        increment(projectId, { keyId: 'key_b', day: '2026-11-26', requests: 4, costUsd: 1 }),
      ]);
      const range = { projectId, fromDay: '2026-11-01', toDay: '2026-11-30' };
      assert.equal((await store.totals({ ...range, keyId: 'key_a' })).requests, 1);
      assertTotals(await store.totals({ ...range, keyId: 'key_b' }), { requests: 6, inputTokens: 20, outputTokens: 10, costUsd: 1.5 });
      assertTotals(await store.totals(range), { requests: 7, inputTokens: 30, outputTokens: 15, costUsd: 1.75 });
      assert.deepEqual(await store.totals({ ...range, keyId: 'key_missing' }), ZERO);
    });

    test("a project's totals never include another project's usage", async () => {
      const a = uid('proj');
      const b = uid('proj');
      await store.add([increment(a, { requests: 5, keyId: 'shared_key' }), increment(b, { requests: 7, keyId: 'shared_key' })]);
      const range = { fromDay: '2026-11-01', toDay: '2026-11-30' };
      assert.equal((await store.totals({ ...range, projectId: a })).requests, 5);
      assert.equal((await store.totals({ ...range, projectId: b, keyId: 'shared_key' })).requests, 7);
    });

    test('concurrent adds all count', async () => {
      const projectId = uid('proj');
      const writers = 40;
      await Promise.all(
        Array.from({ length: writers }, (_, index) =>
          store.add([
            increment(projectId, { costUsd: 0.001 }),
            increment(projectId, { keyId: `key_${index % 3}`, day: '2026-11-26', costUsd: 0.002 }),
          ]),
        ),
      );
      assertTotals(await store.totals({ projectId, fromDay: '2026-11-25', toDay: '2026-11-26' }), {
        requests: writers * 2, inputTokens: writers * 20, outputTokens: writers * 10, costUsd: writers * 0.003,
      });
      assert.equal((await store.totals({ projectId, keyId: 'key_a', fromDay: '2026-11-25', toDay: '2026-11-25' })).requests, writers);
    });

    test('an empty batch changes nothing', async () => {
      await store.add([]);
    });

    test('large counts and many rows in one batch', async () => {
      const projectId = uid('proj');
      await store.add([increment(projectId, { inputTokens: 3_000_000_000, outputTokens: 2_500_000_000, requests: 1 })]);
      await store.add([increment(projectId, { inputTokens: 3_000_000_000, outputTokens: 0, requests: 1 })]);
      const big = await store.totals({ projectId, fromDay: '2026-11-25', toDay: '2026-11-25' });
      assert.equal(big.inputTokens, 6_000_000_000);
      assert.equal(big.outputTokens, 2_500_000_000);

      const many = uid('proj');
      const batch = Array.from({ length: 1500 }, (_, index) =>
        increment(many, { keyId: `key_${index % 50}`, day: `2026-11-${String((index % 28) + 1).padStart(2, '0')}` }),
      );
      await store.add(batch);
      assertTotals(await store.totals({ projectId: many, fromDay: '2026-11-01', toDay: '2026-11-30' }), {
        requests: 1500, inputTokens: 15_000, outputTokens: 7500, costUsd: 0.15,
      });
    });

    test('unicode project and key ids are kept apart', async () => {
      const projectId = uid('プロジェクト🚀');
      await store.add([increment(projectId, { keyId: 'ключ' }), increment(projectId, { keyId: 'ключ́' })]);
      const range = { projectId, fromDay: '2026-11-25', toDay: '2026-11-25' };
      assert.equal((await store.totals({ ...range, keyId: 'ключ' })).requests, 1);
      assert.equal((await store.totals(range)).requests, 2);
    });
  });
}
