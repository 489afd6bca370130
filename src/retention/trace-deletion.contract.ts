import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Score } from '../tracing/score.ts';
import type { ScoreStore } from '../tracing/score-store.ts';
import type { SearchIndex } from '../tracing/search-index.ts';
import type { Span } from '../tracing/span.ts';
import { indexAll } from '../tracing/trace-search.contract.ts';
import { makeSpan } from '../tracing/trace-store.contract.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import type { TraceViews } from '../tracing/trace-views.ts';
import type { DeletedCounts, TraceDeletion } from './trace-deletion.ts';

/**
 * Retention and erasure deletions, whatever the backend. `leftovers` looks under the ports, at the
 * tables themselves (storage knows them): what is still stored of a user, or of a word in the search index.
 *
 * @example
 * traceDeletionContract(async () => ({ deletion: stores.deletion, traces: stores.traces, …, leftovers, close }));
 */
export interface Leftovers {
  /** Spans naming the user, traces attributed to them, scores on those. */
  spans: number;
  traces: number;
  scores: number;
  /** Search index entries holding the word. */
  indexEntries: number;
  /** Metrics rollup rows keyed by the user. */
  metricsRows: number;
}

export interface TraceDeletionFixture {
  deletion: TraceDeletion;
  traces: TraceStore;
  scores: ScoreStore;
  search: SearchIndex;
  views: TraceViews;
  leftovers(projectId: string, userId: string, word: string): Promise<Leftovers>;
  close(): Promise<void>;
}

const project = () => `proj_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const DAY = 86_400_000;
const T0 = 1_764_000_000_000;

function score(span: Span, spanLevel = false): Score {
  return {
    id: `score_${randomUUID()}`, projectId: span.projectId, traceId: span.traceId, spanId: spanLevel ? span.id : null, name: 'helpful',
    dataType: 'numeric', value: 1, stringValue: null, source: 'api', comment: null, keyId: null, createdAt: T0,
  };
}

/** Calls `step` until it deletes nothing; returns the sum. */
async function drain(step: () => Promise<DeletedCounts>): Promise<DeletedCounts> {
  const total = { traces: 0, spans: 0, scores: 0 };
  for (let calls = 0; calls < 1_000; calls++) {
    const deleted = await step();
    if (deleted.traces + deleted.spans + deleted.scores === 0) return total;
    total.traces += deleted.traces;
    total.spans += deleted.spans;
    total.scores += deleted.scores;
  }
  return assert.fail('deletion never finished');
}

export function traceDeletionContract(makeFixture: () => Promise<TraceDeletionFixture>): void {
  describe('TraceDeletion contract', () => {
    let fixture: TraceDeletionFixture;
    before(async () => {
      fixture = await makeFixture();
    });
    after(async () => {
      await fixture?.close();
    });

    test('retention deletes the oldest traces started before the cutoff, a batch at a time, with their spans and scores', async () => {
      const projectId = project();
      const other = project();
      const old = [1, 2, 3].map((day) => makeSpan(projectId, { startedAt: T0 - (10 + day) * DAY }));
      const oldChild = makeSpan(projectId, { traceId: old[0]!.traceId, parentSpanId: old[0]!.id, startedAt: old[0]!.startedAt + 5 });
      const recent = makeSpan(projectId, { startedAt: T0 - DAY });
      const othersOld = makeSpan(other, { startedAt: T0 - 30 * DAY });
      await fixture.traces.writeSpans([...old, oldChild, recent, othersOld]);
      await fixture.scores.addScores([score(old[0]!), score(oldChild, true), score(recent), score(othersOld)]);

      const cutoff = T0 - 10 * DAY;
      const first = await fixture.deletion.deleteTracesStartedBefore(projectId, cutoff, 2);
      assert.equal(first.traces, 2);
      // The oldest two: days 13 and 12 (old[2], old[1]); old[0] (day 11, with the child and both scores) is left.
      assert.equal(await fixture.traces.getTrace(projectId, old[2]!.traceId), undefined);
      assert.ok(await fixture.traces.getTrace(projectId, old[0]!.traceId));
      assert.deepEqual(await fixture.deletion.deleteTracesStartedBefore(projectId, cutoff, 2), { traces: 1, spans: 2, scores: 2 });
      assert.deepEqual(await fixture.deletion.deleteTracesStartedBefore(projectId, cutoff, 2), { traces: 0, spans: 0, scores: 0 });

      assert.ok(await fixture.traces.getTrace(projectId, recent.traceId), 'a recent trace stays');
      assert.equal((await fixture.scores.listScores({ projectId, limit: 10 })).scores.length, 1, "the recent trace's score stays");
      assert.ok(await fixture.traces.getTrace(other, othersOld.traceId), "another project's old trace stays");
    });

    test("erasure deletes the user's traces, their spans in others' traces, the scores on both, and their index entries; others stay", async () => {
      const projectId = project();
      const other = project();
      const mine = makeSpan(projectId, { userId: 'u-erase', sessionId: 's1', name: 'chat', input: { content: 'zanzibarword' } });
      const mineChild = makeSpan(projectId, { traceId: mine.traceId, parentSpanId: mine.id, userId: null, type: 'tool', name: 'tool' });
      // A trace of someone else with one span of the user inside (a shared agent run).
      const theirs = makeSpan(projectId, { userId: 'u-keep', name: 'theirs', inputTokens: 10, outputTokens: 10, costUsd: 1 });
      const mineInTheirs = makeSpan(projectId, { traceId: theirs.traceId, parentSpanId: theirs.id, userId: 'u-erase', name: 'zanzibarword step', inputTokens: 5, outputTokens: 5, costUsd: 0.5 });
      // Another trace of someone else, the user's span a leaf of it.
      const lonely = makeSpan(projectId, { userId: 'u-other', name: 'lonely' });
      const lonelyMine = makeSpan(projectId, { traceId: lonely.traceId, parentSpanId: lonely.id, userId: 'u-erase', name: 'zanzibarword' });
      const sameIdElsewhere = makeSpan(other, { userId: 'u-erase', input: { content: 'elsewhereword' } });
      await fixture.traces.writeSpans([mine, mineChild, theirs, mineInTheirs, lonely, lonelyMine, sameIdElsewhere]);
      await fixture.scores.addScores([score(mine), score(mineChild, true), score(theirs), score(mineInTheirs, true)]);
      await indexAll(fixture.search);
      const stored = await fixture.leftovers(projectId, 'u-erase', 'zanzibarword');
      assert.ok(stored.indexEntries > 0 && stored.spans === 3 && stored.metricsRows > 0, JSON.stringify(stored));

      const deleted = await drain(() => fixture.deletion.eraseUser(projectId, 'u-erase', 2));
      assert.deepEqual(deleted, { traces: 1, spans: 4, scores: 3 });

      assert.deepEqual(await fixture.leftovers(projectId, 'u-erase', 'zanzibarword'), { spans: 0, traces: 0, scores: 0, indexEntries: 0, metricsRows: 0 });
      assert.equal(await fixture.traces.getTrace(projectId, mine.traceId), undefined);
      const kept = await fixture.traces.getTrace(projectId, theirs.traceId);
      assert.deepEqual(kept?.spans.map((span) => span.id), [theirs.id]);
      assert.equal(kept?.spanCount, 1);
      assert.equal(kept?.inputTokens, 10, "the trace's sums no longer count the erased span");
      assert.equal(kept?.costUsd, 1);
      assert.equal((await fixture.traces.getTrace(projectId, lonely.traceId))?.spanCount, 1);
      assert.deepEqual((await fixture.scores.listScores({ projectId, limit: 10 })).scores.map((entry) => entry.traceId), [theirs.traceId]);
      assert.deepEqual((await fixture.traces.listTraces({ projectId, search: 'zanzibarword', limit: 10 })).traces, []);
      assert.deepEqual((await fixture.views.listUsers({ projectId, limit: 10 })).users.map((user) => user.id).sort(), ['u-keep', 'u-other']);
      assert.ok(await fixture.traces.getTrace(other, sameIdElsewhere.traceId), 'the same user id in another project is not touched');
      assert.equal((await fixture.leftovers(other, 'u-erase', 'elsewhereword')).indexEntries, 1);
    });

    test('erasing a user with nothing stored deletes nothing', async () => {
      assert.deepEqual(await fixture.deletion.eraseUser(project(), 'nobody', 10), { traces: 0, spans: 0, scores: 0 });
    });

    test('a batch size that is not a positive integer is a programming error', async () => {
      await assert.rejects(fixture.deletion.deleteTracesStartedBefore(project(), T0, 0), RangeError);
      await assert.rejects(fixture.deletion.eraseUser(project(), 'u', 1.5), RangeError);
    });
  });
}
