import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Score } from './score.ts';
import type { ScoreStore } from './score-store.ts';

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

function makeScore(projectId: string, overrides: Partial<Score> = {}): Score {
  return {
    id: uid('score'), projectId, traceId: 'a'.repeat(32), spanId: null, name: 'helpful', dataType: 'numeric', value: 0.75,
    stringValue: null, source: 'api', comment: null, keyId: 'key_1', createdAt: 1_764_000_000_000, ...overrides,
  };
}

/** The behaviour every `ScoreStore` backend must have. */
export function scoreStoreContract(name: string, open: () => Promise<{ store: ScoreStore; close(): Promise<void> }>): void {
  describe(`ScoreStore contract: ${name}`, () => {
    test('scores of every data type round-trip, newest first', async () => {
      const { store, close } = await open();
      try {
        const projectId = uid('proj');
        const numeric = makeScore(projectId, { createdAt: 1 });
        const boolean = makeScore(projectId, { name: 'thumbs', dataType: 'boolean', value: 1, source: 'user-feedback', spanId: 'b'.repeat(16), createdAt: 2 });
        const category = makeScore(projectId, { name: 'tone', dataType: 'categorical', value: null, stringValue: 'friendly', source: 'human', comment: 'nice', createdAt: 3 });
        await store.addScores([numeric, boolean, category]);
        assert.deepEqual((await store.listScores({ projectId, limit: 10 })).scores, [category, boolean, numeric]);
      } finally {
        await close();
      }
    });

    test('an id stored already is not added again', async () => {
      const { store, close } = await open();
      try {
        const projectId = uid('proj');
        const score = makeScore(projectId);
        await store.addScores([score]);
        await store.addScores([{ ...score, value: 0.1 }]);
        assert.deepEqual((await store.listScores({ projectId, limit: 10 })).scores, [score]);
      } finally {
        await close();
      }
    });

    test('filters by trace, name and source, pages by cursor, and never shows another project', async () => {
      const { store, close } = await open();
      try {
        const projectId = uid('proj');
        const other = uid('proj');
        const scores = Array.from({ length: 5 }, (_, index) => makeScore(projectId, { createdAt: 10 + index, traceId: index % 2 ? 'c'.repeat(32) : 'd'.repeat(32) }));
        await store.addScores([...scores, makeScore(other, { traceId: 'c'.repeat(32) }), makeScore(projectId, { name: 'latency-ok', source: 'evaluator', createdAt: 99 })]);
        const onTrace = await store.listScores({ projectId, traceId: 'c'.repeat(32), limit: 10 });
        assert.deepEqual(onTrace.scores.map((score) => score.createdAt), [13, 11]);
        assert.equal((await store.listScores({ projectId, name: 'latency-ok', limit: 10 })).scores.length, 1);
        assert.equal((await store.listScores({ projectId, source: 'evaluator', limit: 10 })).scores[0]?.name, 'latency-ok');
        const seen: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listScores({ projectId, name: 'helpful', limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.scores.map((score) => score.createdAt));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        assert.deepEqual(seen, [14, 13, 12, 11, 10]);
        await assert.rejects(store.listScores({ projectId, limit: 10, cursor: 'garbage' }), /cursor/);
      } finally {
        await close();
      }
    });
  });
}
