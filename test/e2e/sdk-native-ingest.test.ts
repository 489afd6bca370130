import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { init } from '../../src/sdk/index.ts';
import { postgresTestUrl } from '../../src/storage/test-databases.ts';
import { startOperon, type RunningOperon } from './harness.ts';

let operon: RunningOperon;
let ingestKey: string;

// On embedded SQLite, and on the PostgreSQL server when one is given (always in CI).
const backends = postgresTestUrl() || process.env.CI === 'true' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
for (const backend of backends) describe(`native ingestion, scores and the SDK on ${backend}`, () => suite(backend));

function suite(backend: 'sqlite' | 'postgres'): void {
  before(async () => {
    operon = await startOperon({ providers: { mock: { type: 'mock' } }, pricing: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } }, { backend });
    ingestKey = (await operon.createKey({ scopes: ['ingest'], name: 'app' })).key;
  });
  after(() => operon.close());

  interface StoredTrace {
    spanCount: number; sessionId: string | null; userId: string | null; costUsd: number | null;
    spans: { id: string; parentSpanId: string | null; type: string; name: string; inputTokens: number | null; outputTokens: number | null; costUsd: number | null; modelUsed: string | null; input: unknown; output: unknown; tags: string[] }[];
  }

  async function api<T>(path: string, init: RequestInit = {}, key = operon.adminKey): Promise<{ status: number; body: T }> {
    const response = await fetch(`${operon.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });
    return { status: response.status, body: (await response.json()) as T };
  }

  test('the native batch endpoint stores spans and scores, refusing bad items one by one', async () => {
    const now = Date.now();
    const batch = {
      spans: [
        { traceId: 'run-1', id: 'root', name: 'plan-trip', kind: 'agent', startTime: now - 1000, endTime: now, sessionId: 'chat-7', userId: 'grace', tags: ['beta'] },
        { traceId: 'run-1', id: 'llm', parentId: 'root', name: 'chat', kind: 'generation', startTime: new Date(now - 900).toISOString(), endTime: now - 500, model: 'gpt-4o-mini', inputTokens: 2000, outputTokens: 100, input: [{ role: 'user', content: 'Plan a trip' }], output: { role: 'assistant', content: 'Sure.' } },
        { traceId: 'run-1', id: 'late', name: 'seconds-not-ms', startTime: now / 1000 },
        { traceId: 'run-1', name: 'no id', startTime: now },
      ],
      scores: [
        { traceId: 'run-1', name: 'helpful', value: true, source: 'user-feedback' },
        { traceId: 'run-1', spanId: 'llm', name: 'accuracy', value: 0.9, source: 'evaluator', id: 'eval-1' },
        { traceId: 'run-1', name: 'tone', value: 'friendly', dataType: 'numeric' },
      ],
    };
    const stored = await api<{ accepted: { spans: number; scores: number }; rejected: { item: string; reason: string }[] }>('/v1/ingest', { method: 'POST', body: JSON.stringify(batch) }, ingestKey);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.body.accepted, { spans: 2, scores: 2 });
    assert.deepEqual(stored.body.rejected.map((item) => item.item), ['spans[2]', 'spans[3]', 'scores[2]']);
    assert.match(stored.body.rejected[0]!.reason, /milliseconds/);
    assert.match(stored.body.rejected[1]!.reason, /id/);
    assert.match(stored.body.rejected[2]!.reason, /not numeric/);

    // The same score id again (a retry) is not stored twice.
    await api('/v1/ingest', { method: 'POST', body: JSON.stringify({ scores: [batch.scores[1]] }) }, ingestKey);

    const trace = await api<StoredTrace>('/api/traces/run-1');
    assert.equal(trace.status, 200);
    assert.equal(trace.body.spanCount, 2);
    assert.equal(trace.body.sessionId, 'chat-7');
    assert.equal(trace.body.userId, 'grace');
    const llm = trace.body.spans.find((span) => span.id === 'llm');
    assert.equal(llm?.parentSpanId, 'root');
    assert.ok(Math.abs((llm?.costUsd ?? 0) - 0.00036) < 1e-12, String(llm?.costUsd));
    assert.deepEqual(llm?.input, [{ role: 'user', content: 'Plan a trip' }]);
    const scores = await api<{ scores: { name: string; value: number | null; dataType: string; spanId: string | null }[] }>('/api/scores?trace_id=run-1');
    assert.deepEqual(scores.body.scores.map((score) => [score.name, score.dataType, score.value, score.spanId]).sort(), [
      ['accuracy', 'numeric', 0.9, 'llm'],
      ['helpful', 'boolean', 1, null],
    ]);
  });

  test('native ingestion and scores need an ingest key, and a bad body is a 400 that names the shape', async () => {
    const gatewayKey = (await operon.createKey({ scopes: ['gateway'] })).key;
    assert.equal((await api('/v1/ingest', { method: 'POST', body: '{"spans":[]}' }, gatewayKey)).status, 403);
    assert.equal((await api('/v1/scores', { method: 'POST', body: '{"traceId":"x","name":"n","value":1}' }, gatewayKey)).status, 403);
    const wrong = await api<{ error: { message: string } }>('/v1/ingest', { method: 'POST', body: '{"span":[]}' }, ingestKey);
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.message, /"spans"/);
    const notJson = await api<{ error: { message: string } }>('/v1/ingest', { method: 'POST', body: '{' }, ingestKey);
    assert.equal(notJson.status, 400);
    const badScore = await api<{ error: { message: string } }>('/v1/scores', { method: 'POST', body: '{"traceId":"x","name":"n"}' }, ingestKey);
    assert.equal(badScore.status, 400);
    assert.match(badScore.body.error.message, /value/);
  });

  test('the SDK traces nested work, the wrapped openai client calling the gateway, and a score, into one tree', async () => {
    const sdk = init({ baseUrl: operon.url, apiKey: ingestKey, serviceName: 'trip-planner', release: '0.9.0', registerGlobal: 'never', flushOnExit: false });
    try {
      const gatewayKey = (await operon.createKey({ scopes: ['gateway'] })).key;
      const openai = sdk.wrapOpenAI(new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: gatewayKey }));
      let traceId = '';
      const answer = await sdk.withContext({ sessionId: 'sess-sdk', userId: 'linus', tags: ['e2e'] }, () =>
        sdk.trace('plan', async () => {
          traceId = sdk.currentTrace()?.traceId ?? '';
          const places = await sdk.span('search', async () => ['Lisbon', 'Porto'], { kind: 'retrieval', input: { query: 'portugal' } });
          const completion = await openai.chat.completions.create({ model: 'mock/mock-model', messages: [{ role: 'user', content: `Pick one of ${places.join(', ')}` }] });
          return completion.choices[0]?.message.content;
        }),
      );
      assert.ok(answer);
      sdk.score({ traceId, name: 'helpful', value: true });
      await sdk.flush();
      assert.deepEqual(sdk.stats().spansDropped, 0);

      const trace = await api<StoredTrace>(`/api/traces/${traceId}`);
      assert.equal(trace.status, 200, JSON.stringify(trace.body));
      assert.equal(trace.body.sessionId, 'sess-sdk');
      assert.equal(trace.body.userId, 'linus');
      const byName = new Map(trace.body.spans.map((span) => [span.name, span]));
      const root = byName.get('plan');
      assert.equal(root?.type, 'workflow');
      assert.equal(byName.get('search')?.type, 'retrieval');
      assert.equal(byName.get('search')?.parentSpanId, root?.id);
      assert.deepEqual(byName.get('search')?.output, ['Lisbon', 'Porto']);
      const llm = trace.body.spans.find((span) => span.type === 'generation');
      assert.ok(llm, 'the wrapped client made a generation span');
      assert.equal(llm.parentSpanId, root?.id);
      assert.ok((llm.inputTokens ?? 0) > 0 && (llm.outputTokens ?? 0) > 0);
      assert.deepEqual(root?.tags, ['e2e']);
      const scores = await api<{ scores: { name: string; value: number }[] }>(`/api/scores?trace_id=${traceId}`);
      assert.deepEqual(scores.body.scores.map((score) => [score.name, score.value]), [['helpful', 1]]);
    } finally {
      await sdk.shutdown();
    }
  });
}
