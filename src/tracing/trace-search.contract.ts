import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import type { SearchIndex } from './search-index.ts';
import type { Span } from './span.ts';
import { makeSpan } from './trace-store.contract.ts';
import type { TraceStore } from './trace-store.ts';

/**
 * Full-text search over traces (`TraceQuery.search`, fed by `SearchIndex`), whatever the backend. The
 * database is shared by the tests (fresh project ids each), so counts are taken per project.
 *
 * @example
 * traceSearchContract(async () => ({ store: stores.traces, search: stores.search, close }));
 */
export interface TraceSearchFixture {
  store: TraceStore;
  search: SearchIndex;
  close(): Promise<void>;
}

const project = () => `proj_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/**
 * Indexes everything written so far. PostgreSQL indexes only spans of transactions older than every
 * running one, so a transaction of another client on the server may hold it back for a moment: this
 * retries (without sleeping) until nothing is pending.
 */
export async function indexAll(search: SearchIndex): Promise<void> {
  for (let attempt = 0; attempt < 20_000; attempt++) {
    await search.catchUp(1_000);
    if ((await search.pending()) === 0) return;
  }
  assert.fail('the search index never caught up');
}

export function traceSearchContract(makeFixture: () => Promise<TraceSearchFixture>): void {
  describe('trace search contract', () => {
    let fixture: TraceSearchFixture;
    let store: TraceStore;
    before(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.close();
    });

    const found = async (projectId: string, search: string, extra: { status?: 'ok' | 'error' } = {}) =>
      (await store.listTraces({ projectId, search, limit: 200, ...extra })).traces.map((trace) => trace.id).sort();

    async function write(spans: Span[]): Promise<void> {
      await store.writeSpans(spans);
      await indexAll(fixture.search);
    }

    test("finds the traces having one span whose name, input or output holds every word, whole words in any case", async () => {
      const projectId = project();
      const refund = makeSpan(projectId, { name: 'refund agent', input: null, output: null });
      const lookup = makeSpan(projectId, { traceId: refund.traceId, parentSpanId: refund.id, name: 'lookup', input: { query: 'Invoice 1234 for ACME' }, output: null });
      const shipping = makeSpan(projectId, { name: 'answer', input: { messages: [] }, output: { role: 'assistant', content: 'Our shipping policy: two days.' } });
      const other = makeSpan(projectId, { name: 'unrelated', input: { q: 'weather' }, output: { a: 'sunny' } });
      await write([refund, lookup, shipping, other]);

      assert.deepEqual(await found(projectId, 'refund'), [refund.traceId], 'a word of a span name');
      assert.deepEqual(await found(projectId, 'invoice'), [refund.traceId], "a word of a child span's input finds its trace");
      assert.deepEqual(await found(projectId, 'SHIPPING Policy'), [shipping.traceId], 'every word, any case, from the output');
      assert.deepEqual(await found(projectId, 'acme 1234'), [refund.traceId]);
      assert.deepEqual(await found(projectId, 'refund invoice'), [], 'all words must be in one span');
      assert.deepEqual(await found(projectId, 'ship'), [], 'whole words only');
      assert.deepEqual(await found(projectId, 'sunny weather'), [other.traceId], 'input and output of one span together');
    });

    test('punctuation and JSON escapes separate words: a line break before a word does not glue it to the word', async () => {
      const projectId = project();
      const span = makeSpan(projectId, {
        name: 'chat',
        input: { messages: [{ role: 'user', content: 'Hello\nWorld\tagain — write to bob@example.com about "gpt-4o" (v1.5)' }] },
        output: null,
      });
      await write([span]);
      for (const search of ['world', 'again', 'bob example com', 'bob@example.com', 'gpt-4o', 'gpt 4o', 'v1 5', '"hello"']) {
        assert.deepEqual(await found(projectId, search), [span.traceId], search);
      }
      assert.deepEqual(await found(projectId, 'nworld'), []);
    });

    test('only the first 8,192 characters of the input and of the output are indexed', async () => {
      const projectId = project();
      const filler = 'x'.repeat(9_000);
      const span = makeSpan(projectId, { name: 'long', input: `early ${filler} lateinput`, output: `answer ${filler} lateoutput` });
      await write([span]);
      assert.deepEqual(await found(projectId, 'early'), [span.traceId]);
      assert.deepEqual(await found(projectId, 'answer'), [span.traceId]);
      assert.deepEqual(await found(projectId, 'lateinput'), []);
      assert.deepEqual(await found(projectId, 'lateoutput'), []);
    });

    test('search goes with the other filters and pages newest first with the cursor', async () => {
      const projectId = project();
      const spans = Array.from({ length: 7 }, (_, index) =>
        makeSpan(projectId, { name: index % 2 ? 'needle odd' : 'needle even', startedAt: 1_764_000_000_000 + index * 1_000, status: index === 3 ? 'error' : 'ok' }),
      );
      await write([...spans, makeSpan(projectId, { name: 'haystack' })]);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listTraces({ projectId, search: 'needle', limit: 3, ...(cursor ? { cursor } : {}) });
        assert.ok(page.traces.length <= 3);
        ids.push(...page.traces.map((trace) => trace.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(ids, spans.map((span) => span.traceId).reverse());
      assert.deepEqual(await found(projectId, 'needle odd', { status: 'error' }), [spans[3]!.traceId]);
    });

    test("a project never finds another project's traces", async () => {
      const mine = project();
      const theirs = project();
      await write([makeSpan(theirs, { name: 'secretword' })]);
      assert.deepEqual(await found(mine, 'secretword'), []);
      assert.equal((await found(theirs, 'secretword')).length, 1);
    });

    test('a span is found once indexed; catchUp indexes at most what it is asked, and pending counts the rest', async () => {
      await indexAll(fixture.search);
      const projectId = project();
      const spans = [0, 1, 2].map((index) => makeSpan(projectId, { name: `fresh${index} lately` }));
      await store.writeSpans(spans);
      assert.equal(await fixture.search.pending(), 3);
      assert.deepEqual(await found(projectId, 'lately'), [], 'not indexed yet');
      const first = await fixture.search.catchUp(2);
      assert.ok(first <= 2, `catchUp(2) indexed ${first}`);
      await indexAll(fixture.search);
      assert.equal(await fixture.search.catchUp(10), 0, 'caught up');
      assert.deepEqual(await found(projectId, 'lately'), spans.map((span) => span.traceId).sort());
    });

    test('a search without a word, or with too many, is refused naming the parameter', async () => {
      const projectId = project();
      for (const search of ['', '  -- !!', Array.from({ length: 17 }, (_, index) => `w${index}`).join(' ')]) {
        await assert.rejects(store.listTraces({ projectId, search, limit: 10 }), (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === 'search');
      }
    });
  });
}
