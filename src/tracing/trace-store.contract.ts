import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import type { Span, TraceSummary } from './span.ts';
import type { TraceQuery, TraceStore } from './trace-store.ts';

/**
 * The behaviour every `TraceStore` must have, whatever the backend. Tests share one store and use
 * fresh project ids, so the store may hold other data.
 *
 * @example
 * traceStoreContract(async () => {
 *   const database = await openDatabase({ sqlitePath: ':memory:' });
 *   return { store: createTraceStore(database.db), close: () => database.close() };
 * });
 */
export interface TraceStoreFixture {
  store: TraceStore;
  close(): Promise<void>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const T0 = 1_764_000_000_000;

/** A complete span; a root span (no parent) unless `parentSpanId` is given. */
export function makeSpan(projectId: string, overrides: Partial<Span> = {}): Span {
  const startedAt = overrides.startedAt ?? T0;
  return {
    id: uid('span'),
    traceId: uid('trace'),
    projectId,
    parentSpanId: null,
    type: 'generation',
    name: 'chat.completions',
    startedAt,
    endedAt: startedAt + 250,
    status: 'ok',
    keyId: 'key_a',
    modelRequested: 'smart',
    modelUsed: 'gpt-4o',
    provider: 'openai',
    attempts: [{ provider: 'openai', model: 'gpt-4o', startedAt, durationMs: 249, status: 'ok' }],
    fallbackUsed: false,
    cacheHit: false,
    stream: false,
    latencyMs: 250,
    timeToFirstTokenMs: null,
    inputTokens: 12,
    outputTokens: 7,
    costUsd: 0.000123,
    errorCode: null,
    errorMessage: null,
    bodyCapture: 'full',
    input: { model: 'smart', messages: [{ role: 'user', content: 'Hi' }] },
    output: { role: 'assistant', content: 'Hello!' },
    attributes: { 'http.route': '/v1/chat/completions' },
    sessionId: null,
    userId: null,
    tags: [],
    metadata: {},
    release: null,
    environment: null,
    serviceName: 'operon',
    events: [],
    truncated: false,
    ...overrides,
  };
}

/** The summary a trace of `spans` has: the root's, with the count, tokens and cost summed over all spans. */
function summaryOf(root: Span, spans: Span[] | number): TraceSummary {
  const all = typeof spans === 'number' ? [root] : spans;
  // Only model calls count: a wrapper span repeats its children's usage.
  const counted = all.filter((span) => span.type === 'generation' || span.type === 'embedding');
  const sum = (pick: (span: Span) => number | null) =>
    counted.reduce<number | null>((total, span) => (pick(span) === null ? total : (total ?? 0) + (pick(span) as number)), null);
  return {
    id: root.traceId, projectId: root.projectId, name: root.name, startedAt: root.startedAt, endedAt: root.endedAt,
    status: root.status, keyId: root.keyId, modelRequested: root.modelRequested, modelUsed: root.modelUsed,
    provider: root.provider, latencyMs: root.latencyMs, inputTokens: sum((span) => span.inputTokens),
    outputTokens: sum((span) => span.outputTokens), costUsd: sum((span) => span.costUsd), cacheHit: root.cacheHit,
    spanCount: typeof spans === 'number' ? spans : spans.length,
    sessionId: all.find((span) => span.sessionId)?.sessionId ?? null, userId: all.find((span) => span.userId)?.userId ?? null,
    tags: root.tags, release: all.find((span) => span.release)?.release ?? null,
    environment: all.find((span) => span.environment)?.environment ?? null,
  };
}

/** Every trace id matching the query, walking all pages; fails on a repeated id. */
async function listAll(store: TraceStore, query: Omit<TraceQuery, 'cursor'>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.listTraces({ ...query, ...(cursor ? { cursor } : {}) });
    assert.ok(page.traces.length <= query.limit);
    ids.push(...page.traces.map((trace) => trace.id));
    if (!page.nextCursor) break;
    assert.ok(page.traces.length > 0, 'a page with a next cursor is not empty');
    cursor = page.nextCursor;
  }
  assert.equal(new Set(ids).size, ids.length, 'no trace appears twice');
  return ids;
}

async function rejectsInvalid(promise: Promise<unknown>, param: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param);
}

export function traceStoreContract(makeStore: () => Promise<TraceStoreFixture>): void {
  describe('TraceStore contract', () => {
    let fixture: TraceStoreFixture;
    let store: TraceStore;
    before(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.close();
    });

    test('a root span makes a trace whose summary is the span; every field round-trips', async () => {
      const projectId = uid('proj');
      const span = makeSpan(projectId, {
        stream: true, fallbackUsed: true, cacheHit: true, latencyMs: 812.375, timeToFirstTokenMs: 95.5, costUsd: 0.0000375,
        attempts: [
          { provider: 'openai', model: 'gpt-4o', startedAt: T0, durationMs: 400, status: 'error', errorCode: 'upstream_error', upstreamStatus: 503 },
          { provider: 'anthropic', model: 'claude', startedAt: T0 + 400, durationMs: 412, status: 'ok' },
        ],
        attributes: { nested: { list: [1, 'two', null, true], empty: {} }, 'gen_ai.system': 'openai' },
        input: { messages: [{ role: 'user', content: 'x'.repeat(20_000) }], temperature: 0.2 },
        output: ['array', 'output', 3],
      });
      await store.writeSpans([span]);
      assert.deepEqual(await store.getTrace(projectId, span.traceId), { ...summaryOf(span, 1), spans: [span] });
      const page = await store.listTraces({ projectId, limit: 10 });
      assert.deepEqual(page, { traces: [summaryOf(span, 1)], nextCursor: null });
    });

    test('nulls, errors and scalar bodies round-trip', async () => {
      const projectId = uid('proj');
      const span = makeSpan(projectId, {
        status: 'error', keyId: null, modelUsed: null, provider: null, inputTokens: null, outputTokens: null, costUsd: null,
        errorCode: 'upstream_timeout', errorMessage: 'The provider did not answer in 120000 ms.', bodyCapture: 'none',
        input: null, output: null, attributes: {}, attempts: [],
      });
      const scalar = makeSpan(projectId, { input: 'just a string', output: 42, bodyCapture: 'redacted' });
      await store.writeSpans([span, scalar]);
      assert.deepEqual((await store.getTrace(projectId, span.traceId))?.spans, [span]);
      assert.deepEqual((await store.getTrace(projectId, scalar.traceId))?.spans, [scalar]);
    });

    test('unicode text and bodies round-trip', async () => {
      const projectId = uid('proj');
      const text = 'Grüße 👋🏽 — 日本語 — עברית — e\u0301 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — "quotes" \\ back\nslash\ttab \u0000 nul';
      const span = makeSpan(projectId, {
        name: 'réponse ✨', modelRequested: 'модель-1', errorMessage: 'ошибка 🚫',
        input: { messages: [{ role: 'user', content: text }] }, output: { content: text }, attributes: { 'ключ 🔑': text },
      });
      await store.writeSpans([span]);
      const trace = await store.getTrace(projectId, span.traceId);
      assert.deepEqual(trace?.spans, [span]);
      assert.equal(trace?.name, 'réponse ✨');
      assert.deepEqual((await store.listTraces({ projectId, model: 'модель-1', limit: 5 })).traces.map((t) => t.id), [span.traceId]);
    });

    test('getTrace is scoped by project and gives undefined for unknown ids', async () => {
      const a = uid('proj');
      const b = uid('proj');
      const span = makeSpan(a);
      await store.writeSpans([span]);
      assert.equal(await store.getTrace(b, span.traceId), undefined);
      assert.equal(await store.getTrace(a, uid('trace')), undefined);
      assert.deepEqual((await store.listTraces({ projectId: b, limit: 200 })).traces, []);
    });

    test('a trace id used by two projects stays two traces', async () => {
      const traceId = uid('trace');
      const a = makeSpan(uid('proj'), { traceId, name: 'a' });
      const b = makeSpan(uid('proj'), { traceId, name: 'b' });
      await store.writeSpans([a, b]);
      assert.deepEqual((await store.getTrace(a.projectId, traceId))?.spans, [a]);
      assert.deepEqual((await store.getTrace(b.projectId, traceId))?.spans, [b]);
    });

    test('nested spans: the root gives the summary, spans come back in start order', async () => {
      const projectId = uid('proj');
      const root = makeSpan(projectId, { type: 'agent', name: 'agent.run', startedAt: T0, modelRequested: null, modelUsed: null });
      const child = makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + 10, name: 'llm' });
      const grandchild = makeSpan(projectId, { traceId: root.traceId, parentSpanId: child.id, startedAt: T0 + 20, type: 'embedding', name: 'embed' });
      await store.writeSpans([grandchild, child, root]);
      const trace = await store.getTrace(projectId, root.traceId);
      assert.deepEqual(trace, { ...summaryOf(root, [root, child, grandchild]), spans: [root, child, grandchild] });
    });

    test('spans of one trace across batches: count adds up, the root sets the summary when it comes', async () => {
      const projectId = uid('proj');
      const root = makeSpan(projectId, { name: 'root', startedAt: T0, status: 'error' });
      const early = makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + 5, name: 'child-1' });
      const late = makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + 50, name: 'child-2' });
      await store.writeSpans([early]);
      const provisional = await store.getTrace(projectId, root.traceId);
      assert.equal(provisional?.spanCount, 1);
      assert.deepEqual(provisional?.spans, [early]);
      await store.writeSpans([root]);
      await store.writeSpans([late]);
      assert.deepEqual(await store.getTrace(projectId, root.traceId), { ...summaryOf(root, [root, early, late]), spans: [root, early, late] });
    });

    test('observability fields round-trip, and the trace takes session, user, release and environment from whichever span names them', async () => {
      const projectId = uid('proj');
      const root = makeSpan(projectId, {
        type: 'agent', name: 'support-agent', inputTokens: null, outputTokens: null, costUsd: null, modelRequested: null, modelUsed: null,
        tags: ['beta', 'support'], metadata: { plan: 'pro', attempt: 2 }, serviceName: 'support-bot',
        events: [{ name: 'exception', time: T0 + 3, attributes: { 'exception.message': 'boom' } }],
      });
      const tool = makeSpan(projectId, {
        traceId: root.traceId, parentSpanId: root.id, type: 'tool', name: 'search', startedAt: T0 + 1, inputTokens: null, outputTokens: null,
        costUsd: null, sessionId: 'sess-1', userId: 'user-9', release: '1.4.0', environment: 'production', truncated: true,
      });
      const llm = makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + 2, inputTokens: 100, outputTokens: 20, costUsd: 0.5 });
      await store.writeSpans([tool]);
      await store.writeSpans([llm, root]);
      const trace = await store.getTrace(projectId, root.traceId);
      assert.deepEqual(trace, { ...summaryOf(root, [root, tool, llm]), spans: [root, tool, llm] });
      assert.equal(trace?.sessionId, 'sess-1');
      assert.equal(trace?.userId, 'user-9');
      assert.deepEqual(trace?.tags, ['beta', 'support']);
      assert.equal(trace?.inputTokens, 100);
      assert.equal(trace?.costUsd, 0.5);
    });

    test('a wrapper span repeating its children\'s usage does not count it twice in the trace', async () => {
      const projectId = uid('proj');
      const wrapper = makeSpan(projectId, { type: 'agent', name: 'ai.generateText', inputTokens: 30, outputTokens: 5, costUsd: 0.3 });
      const call = makeSpan(projectId, { traceId: wrapper.traceId, parentSpanId: wrapper.id, name: 'ai.generateText.doGenerate', inputTokens: 30, outputTokens: 5, costUsd: 0.3 });
      await store.writeSpans([wrapper, call]);
      const trace = await store.getTrace(projectId, wrapper.traceId);
      assert.equal(trace?.inputTokens, 30);
      assert.equal(trace?.outputTokens, 5);
      assert.equal(trace?.costUsd, 0.3);
    });

    test('traces filter by session and by user', async () => {
      const projectId = uid('proj');
      const first = makeSpan(projectId, { sessionId: 'sess-a', userId: 'u1', startedAt: T0 });
      const second = makeSpan(projectId, { sessionId: 'sess-a', userId: 'u2', startedAt: T0 + 1 });
      const third = makeSpan(projectId, { sessionId: 'sess-b', userId: 'u1', startedAt: T0 + 2 });
      await store.writeSpans([first, second, third]);
      assert.deepEqual(await listAll(store, { projectId, sessionId: 'sess-a', limit: 1 }), [second.traceId, first.traceId]);
      assert.deepEqual(await listAll(store, { projectId, userId: 'u1', limit: 10 }), [third.traceId, first.traceId]);
      assert.deepEqual(await listAll(store, { projectId, sessionId: 'sess-b', userId: 'u2', limit: 10 }), []);
    });

    test('writing the same spans again (a retried batch) neither duplicates nor recounts', async () => {
      const projectId = uid('proj');
      const root = makeSpan(projectId);
      const child = makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + 1 });
      await store.writeSpans([root, child]);
      await store.writeSpans([root, child]);
      await store.writeSpans([child]);
      const trace = await store.getTrace(projectId, root.traceId);
      assert.equal(trace?.spanCount, 2);
      assert.equal(trace?.spans.length, 2);
      assert.deepEqual(await listAll(store, { projectId, limit: 10 }), [root.traceId]);
    });

    test('a batch is atomic: one bad span writes nothing', async () => {
      const projectId = uid('proj');
      const good = makeSpan(projectId);
      const bad = makeSpan(projectId, { name: null as unknown as string });
      await assert.rejects(store.writeSpans([good, bad]));
      assert.equal(await store.getTrace(projectId, good.traceId), undefined);
      await store.writeSpans([good]);
      assert.equal((await store.getTrace(projectId, good.traceId))?.spanCount, 1);
    });

    test('an empty batch is a no-op', async () => {
      await store.writeSpans([]);
    });

    test('listTraces is newest first, ties broken by id, paged without gaps or duplicates', async () => {
      const projectId = uid('proj');
      // 53 traces over 20 distinct start times, so many share one.
      const spans = Array.from({ length: 53 }, (_, index) =>
        makeSpan(projectId, { traceId: `trace_${String(index).padStart(3, '0')}`, startedAt: T0 + (index % 20) * 1000 }),
      );
      await store.writeSpans(spans);
      const expected = [...spans]
        .sort((x, y) => y.startedAt - x.startedAt || (x.traceId < y.traceId ? 1 : -1))
        .map((span) => span.traceId);
      for (const limit of [1, 7, 53, 200]) assert.deepEqual(await listAll(store, { projectId, limit }), expected, `limit ${limit}`);
      const exact = await store.listTraces({ projectId, limit: 53 });
      assert.equal(exact.nextCursor, null, 'no cursor when nothing more matches');
      const first = await store.listTraces({ projectId, limit: 10 });
      assert.equal(typeof first.nextCursor, 'string');
    });

    test('the cursor is stable when newer traces arrive between pages', async () => {
      const projectId = uid('proj');
      const old = Array.from({ length: 30 }, (_, index) => makeSpan(projectId, { startedAt: T0 + index }));
      await store.writeSpans(old);
      const page1 = await store.listTraces({ projectId, limit: 10 });
      await store.writeSpans(Array.from({ length: 5 }, (_, index) => makeSpan(projectId, { startedAt: T0 + 1_000 + index })));
      await store.writeSpans([makeSpan(projectId, { startedAt: T0 + 29 })]); // same time as the newest old one
      const rest: string[] = [];
      let cursor = page1.nextCursor;
      while (cursor) {
        const page = await store.listTraces({ projectId, limit: 10, cursor });
        rest.push(...page.traces.map((trace) => trace.id));
        cursor = page.nextCursor;
      }
      const seen = [...page1.traces.map((trace) => trace.id), ...rest];
      const oldIds = new Set(old.map((span) => span.traceId));
      assert.deepEqual(seen.filter((id) => oldIds.has(id)).sort(), [...oldIds].sort(), 'every old trace is seen');
      assert.equal(new Set(seen).size, seen.length, 'no trace twice');
    });

    test('filters: time range, model (asked for or used), status, key, combined', async () => {
      const projectId = uid('proj');
      const spans = [
        makeSpan(projectId, { startedAt: T0, modelRequested: 'smart', modelUsed: 'gpt-4o', keyId: 'k1' }),
        makeSpan(projectId, { startedAt: T0 + 1000, modelRequested: 'gpt-4o', modelUsed: 'gpt-4o', status: 'error', keyId: 'k2' }),
        makeSpan(projectId, { startedAt: T0 + 2000, modelRequested: 'smart', modelUsed: 'claude', keyId: 'k1' }),
        makeSpan(projectId, { startedAt: T0 + 3000, modelRequested: 'cheap', modelUsed: null, status: 'error', keyId: null }),
      ];
      await store.writeSpans(spans);
      const ids = (indexes: number[]) => indexes.map((index) => spans[index]!.traceId);
      const find = (query: Partial<TraceQuery>) => listAll(store, { projectId, limit: 2, ...query });
      assert.deepEqual(await find({ from: T0 + 1000 }), ids([3, 2, 1]));
      assert.deepEqual(await find({ to: T0 + 2000 }), ids([1, 0]));
      assert.deepEqual(await find({ from: T0 + 1000, to: T0 + 3000 }), ids([2, 1]));
      assert.deepEqual(await find({ model: 'gpt-4o' }), ids([1, 0]));
      assert.deepEqual(await find({ model: 'smart' }), ids([2, 0]));
      assert.deepEqual(await find({ model: 'claude' }), ids([2]));
      assert.deepEqual(await find({ model: 'none' }), []);
      assert.deepEqual(await find({ status: 'error' }), ids([3, 1]));
      assert.deepEqual(await find({ status: 'ok' }), ids([2, 0]));
      assert.deepEqual(await find({ keyId: 'k1' }), ids([2, 0]));
      assert.deepEqual(await find({ keyId: 'k1', model: 'claude', status: 'ok', from: T0 + 1 }), ids([2]));
      assert.deepEqual(await find({ keyId: 'k2', status: 'ok' }), []);
    });

    test('limit must be 1 to 200 and the cursor must be one the store gave', async () => {
      const projectId = uid('proj');
      await rejectsInvalid(store.listTraces({ projectId, limit: 0 }), 'limit');
      await rejectsInvalid(store.listTraces({ projectId, limit: 201 }), 'limit');
      await rejectsInvalid(store.listTraces({ projectId, limit: 1.5 }), 'limit');
      await rejectsInvalid(store.listTraces({ projectId, limit: 10, cursor: 'not-a-cursor' }), 'cursor');
      await rejectsInvalid(store.listTraces({ projectId, limit: 10, cursor: Buffer.from('{"a":1}').toString('base64url') }), 'cursor');
    });

    test('large batches: 500 spans in one write, 2,000 over several, all listed', async () => {
      const projectId = uid('proj');
      const roots: Span[] = [];
      const all: Span[] = [];
      for (let index = 0; index < 1000; index++) {
        const root = makeSpan(projectId, { startedAt: T0 + index });
        roots.push(root);
        all.push(root, makeSpan(projectId, { traceId: root.traceId, parentSpanId: root.id, startedAt: T0 + index + 1 }));
      }
      const started = performance.now();
      for (let offset = 0; offset < all.length; offset += 500) await store.writeSpans(all.slice(offset, offset + 500));
      const elapsed = performance.now() - started;
      const ids = await listAll(store, { projectId, limit: 200 });
      assert.equal(ids.length, 1000);
      assert.deepEqual(ids, [...roots].reverse().map((root) => root.traceId));
      const page = await store.listTraces({ projectId, limit: 200 });
      assert.ok(page.traces.every((trace) => trace.spanCount === 2));
      assert.ok(elapsed < 20_000, `2,000 spans took ${Math.round(elapsed)} ms`);
    });
  });
}
