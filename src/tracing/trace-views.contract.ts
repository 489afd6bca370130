import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import { makeSpan } from './trace-store.contract.ts';
import type { TraceStore } from './trace-store.ts';
import type { SessionSummary, TraceViews, UserSummary } from './trace-views.ts';

/**
 * The sessions and users views, whatever the backend. Tests share one database and use fresh project ids.
 *
 * @example
 * traceViewsContract(async () => ({ store: stores.traces, views: stores.views, close }));
 */
export interface TraceViewsFixture {
  store: TraceStore;
  views: TraceViews;
  close(): Promise<void>;
}

const project = () => `proj_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const T0 = 1_764_000_000_000;

export function traceViewsContract(makeFixture: () => Promise<TraceViewsFixture>): void {
  describe('trace views contract', () => {
    let fixture: TraceViewsFixture;
    let store: TraceStore;
    let views: TraceViews;
    before(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      views = fixture.views;
    });
    after(async () => {
      await fixture?.close();
    });

    /** Session a: two traces of alice (one failed); b: one of bob; c: one of alice, the latest; and a trace with no session. */
    async function seed(projectId: string) {
      const spans = [
        makeSpan(projectId, { sessionId: 'a', userId: 'alice', startedAt: T0, inputTokens: 10, outputTokens: 5, costUsd: 0.5 }),
        makeSpan(projectId, { sessionId: 'a', userId: 'alice', startedAt: T0 + 3_000, status: 'error', inputTokens: 1, outputTokens: 2, costUsd: 0.25 }),
        makeSpan(projectId, { sessionId: 'b', userId: 'bob', startedAt: T0 + 2_000, inputTokens: null, outputTokens: null, costUsd: null }),
        makeSpan(projectId, { sessionId: 'c', userId: 'alice', startedAt: T0 + 4_000, inputTokens: 100, outputTokens: 0, costUsd: 1 }),
        makeSpan(projectId, { sessionId: null, userId: null, startedAt: T0 + 5_000 }),
      ];
      // A child span naming another session does not move its trace: a trace takes its first session.
      const child = makeSpan(projectId, { traceId: spans[0]!.traceId, parentSpanId: spans[0]!.id, sessionId: 'z', userId: 'zed', type: 'tool', inputTokens: null, outputTokens: null, costUsd: null });
      await store.writeSpans([...spans, child]);
      return spans;
    }

    test('sessions: newest latest trace first, with first and last seen, traces, errors, tokens and cost', async () => {
      const projectId = project();
      const spans = await seed(projectId);
      const { sessions, nextCursor } = await views.listSessions({ projectId, limit: 10 });
      assert.equal(nextCursor, null);
      assert.deepEqual(sessions, [
        { id: 'c', firstSeenAt: T0 + 4_000, lastSeenAt: T0 + 4_000, traceCount: 1, errorCount: 0, inputTokens: 100, outputTokens: 0, totalTokens: 100, costUsd: 1 },
        { id: 'a', firstSeenAt: T0, lastSeenAt: T0 + 3_000, traceCount: 2, errorCount: 1, inputTokens: 11, outputTokens: 7, totalTokens: 18, costUsd: 0.75 },
        { id: 'b', firstSeenAt: T0 + 2_000, lastSeenAt: T0 + 2_000, traceCount: 1, errorCount: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 },
      ] satisfies SessionSummary[]);
      assert.equal(spans.length, 5);
    });

    test('users: the same sums per end user, with their number of sessions', async () => {
      const projectId = project();
      await seed(projectId);
      const { users } = await views.listUsers({ projectId, limit: 10 });
      assert.deepEqual(users, [
        { id: 'alice', firstSeenAt: T0, lastSeenAt: T0 + 4_000, traceCount: 3, errorCount: 1, inputTokens: 111, outputTokens: 7, totalTokens: 118, costUsd: 1.75, sessionCount: 2 },
        { id: 'bob', firstSeenAt: T0 + 2_000, lastSeenAt: T0 + 2_000, traceCount: 1, errorCount: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0, sessionCount: 1 },
      ] satisfies UserSummary[]);
    });

    test('the cursor walks the groups newest first, each once, even when one becomes active again while paging', async () => {
      const projectId = project();
      await store.writeSpans(Array.from({ length: 7 }, (_, index) => makeSpan(projectId, { sessionId: `s${index}`, startedAt: T0 + index * 1_000 })));
      // Equal last-seen times are ordered by id.
      await store.writeSpans([makeSpan(projectId, { sessionId: 's3b', startedAt: T0 + 3_000 })]);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await views.listSessions({ projectId, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.sessions.map((session) => session.id));
        cursor = page.nextCursor ?? undefined;
        if (pages++ === 0) await store.writeSpans([makeSpan(projectId, { sessionId: 's0', startedAt: T0 + 9_000 })]);
      } while (cursor);
      // s0 moved ahead of the cursor while paging: later pages do not show it again (a fresh first page does).
      assert.deepEqual(seen, ['s6', 's5', 's4', 's3b', 's3', 's2', 's1']);
      assert.equal((await views.listSessions({ projectId, limit: 1 })).sessions[0]?.id, 's0', 'active again: first now');
    });

    test("a session's traces come oldest first, paged by the cursor; an unknown session is undefined", async () => {
      const projectId = project();
      const spans = Array.from({ length: 5 }, (_, index) => makeSpan(projectId, { sessionId: 'chat-1', startedAt: T0 + (5 - index) * 1_000 }));
      await store.writeSpans(spans);
      const first = await views.getSession({ projectId, sessionId: 'chat-1', limit: 2 });
      assert.ok(first);
      assert.equal(first.session.traceCount, 5);
      assert.deepEqual(first.traces.map((trace) => trace.id), [spans[4]!.traceId, spans[3]!.traceId]);
      assert.ok(first.nextCursor);
      const rest = await views.getSession({ projectId, sessionId: 'chat-1', limit: 10, cursor: first.nextCursor });
      assert.deepEqual(rest?.traces.map((trace) => trace.id), [spans[2]!.traceId, spans[1]!.traceId, spans[0]!.traceId]);
      assert.equal(rest?.nextCursor, null);
      assert.equal(await views.getSession({ projectId, sessionId: 'nope', limit: 10 }), undefined);
    });

    test("a project sees only its own sessions and users", async () => {
      const mine = project();
      const theirs = project();
      await seed(theirs);
      assert.deepEqual(await views.listSessions({ projectId: mine, limit: 10 }), { sessions: [], nextCursor: null });
      assert.deepEqual(await views.listUsers({ projectId: mine, limit: 10 }), { users: [], nextCursor: null });
      assert.equal(await views.getSession({ projectId: mine, sessionId: 'a', limit: 10 }), undefined);
    });

    test('a limit out of range or a cursor not from a page is refused naming the parameter', async () => {
      const projectId = project();
      const refused = (param: string) => (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param;
      await assert.rejects(views.listSessions({ projectId, limit: 0 }), refused('limit'));
      await assert.rejects(views.listUsers({ projectId, limit: 201 }), refused('limit'));
      await assert.rejects(views.listUsers({ projectId, limit: 5, cursor: 'garbage' }), refused('cursor'));
    });
  });
}
