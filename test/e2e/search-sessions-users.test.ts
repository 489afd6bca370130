import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postgresTestUrl } from '../../src/storage/test-databases.ts';
import { startOperon, type RunningOperon } from './harness.ts';
import { indexNow } from './index-now.ts';

// On embedded SQLite, and on the PostgreSQL server when one is given (always in CI).
const backends = postgresTestUrl() || process.env.CI === 'true' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
for (const backend of backends) describe(`search, sessions and users over HTTP on ${backend}`, () => suite(backend));

interface Answer<T = any> {
  status: number;
  body: T;
}

function suite(backend: 'sqlite' | 'postgres'): void {
  let operon: RunningOperon;
  let ingestKey: string;
  let otherAdmin: string;
  const now = Date.now();

  async function api<T = any>(path: string, key = operon.adminKey, init: RequestInit = {}): Promise<Answer<T>> {
    const response = await fetch(`${operon.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    operon = await startOperon({ providers: { mock: { type: 'mock' } } }, { backend });
    ingestKey = (await operon.createKey({ scopes: ['ingest'], name: 'app' })).key;
    otherAdmin = (await operon.createKey({ project: 'other', scopes: ['admin'] })).key;
    const spans = [
      { traceId: 't-refund', id: 'r1', name: 'support-agent', kind: 'agent', startTime: now - 60_000, endTime: now - 59_000, sessionId: 'chat-1', userId: 'alice' },
      { traceId: 't-refund', id: 'r2', parentId: 'r1', name: 'chat', kind: 'generation', startTime: now - 59_900, endTime: now - 59_500, model: 'gpt-4o', inputTokens: 100, outputTokens: 20, costUsd: 0.01, input: [{ role: 'user', content: 'I want a refund\nfor order 42' }], output: { role: 'assistant', content: 'Done.' } },
      { traceId: 't-ship', id: 's1', name: 'chat', kind: 'generation', startTime: now - 30_000, endTime: now - 29_000, sessionId: 'chat-1', userId: 'alice', model: 'gpt-4o', inputTokens: 50, outputTokens: 30, costUsd: 0.02, output: { role: 'assistant', content: 'Shipping to Paris takes two days.' } },
      { traceId: 't-weather', id: 'w1', name: 'weather lookup', kind: 'tool', startTime: now - 10_000, endTime: now - 9_000, status: 'error', sessionId: 'chat-2', userId: 'bob', input: { city: 'Paris' } },
    ];
    const stored = await api('/v1/ingest', ingestKey, { method: 'POST', body: JSON.stringify({ spans }) });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    assert.equal(stored.body.accepted.spans, 4);
    await indexNow(operon);
  });
  after(() => operon.close());

  const traceIds = async (query: string, key?: string) => {
    const answer = await api(`/api/traces?${query}`, key);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return (answer.body.traces as { id: string }[]).map((trace) => trace.id);
  };

  test('GET /api/traces?search= finds traces by words of a span name, input or output, with the other filters', async () => {
    assert.deepEqual(await traceIds('search=refund'), ['t-refund']);
    assert.deepEqual(await traceIds('search=ORDER%2042'), ['t-refund'], 'any case; words after a line break too');
    assert.deepEqual(await traceIds('search=paris'), ['t-weather', 't-ship'], 'newest first');
    assert.deepEqual(await traceIds('search=paris&user_id=alice'), ['t-ship']);
    assert.deepEqual(await traceIds('search=paris&status=error'), ['t-weather']);
    assert.deepEqual(await traceIds('search=refund%20paris'), [], 'every word, in one span');
    const noWord = await api('/api/traces?search=%20--%20');
    assert.equal(noWord.status, 400);
    assert.equal(noWord.body.error.param, 'search');
  });

  test('GET /api/sessions and /api/sessions/{id}: sessions with their sums, newest first; a session’s traces oldest first', async () => {
    const sessions = await api('/api/sessions');
    assert.equal(sessions.status, 200);
    assert.deepEqual(sessions.body.sessions.map((session: { id: string; traceCount: number; errorCount: number }) => [session.id, session.traceCount, session.errorCount]), [
      ['chat-2', 1, 1],
      ['chat-1', 2, 0],
    ]);
    const chat1 = sessions.body.sessions[1];
    assert.equal(chat1.totalTokens, 200);
    assert.ok(Math.abs(chat1.costUsd - 0.03) < 1e-9);
    assert.equal(chat1.firstSeenAt, now - 60_000);

    const paged = await api('/api/sessions?limit=1');
    assert.equal(paged.body.sessions[0].id, 'chat-2');
    const next = await api(`/api/sessions?limit=1&cursor=${paged.body.nextCursor}`);
    assert.deepEqual(next.body.sessions.map((session: { id: string }) => session.id), ['chat-1']);

    const detail = await api('/api/sessions/chat-1');
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.traces.map((trace: { id: string }) => trace.id), ['t-refund', 't-ship']);
    assert.equal(detail.body.session.traceCount, 2);
    const missing = await api('/api/sessions/no-such-session');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'session_not_found');
  });

  test('GET /api/users lists end users with their traces, sessions, errors, tokens and cost', async () => {
    const users = await api('/api/users');
    assert.equal(users.status, 200);
    assert.deepEqual(users.body.users.map((user: { id: string; traceCount: number; sessionCount: number; errorCount: number }) => [user.id, user.traceCount, user.sessionCount, user.errorCount]), [
      ['bob', 1, 1, 1],
      ['alice', 2, 1, 0],
    ]);
    assert.equal((await api('/api/users?limit=0')).status, 400);
  });

  test("another project's admin key finds nothing of this project's: no search hits, sessions, users or session detail", async () => {
    assert.deepEqual(await traceIds('search=refund', otherAdmin), []);
    assert.deepEqual((await api('/api/sessions', otherAdmin)).body, { sessions: [], nextCursor: null });
    assert.deepEqual((await api('/api/users', otherAdmin)).body, { users: [], nextCursor: null });
    assert.equal((await api('/api/sessions/chat-1', otherAdmin)).status, 404);
  });

  test('/openapi.json describes the search parameter and the new routes', async () => {
    const openapi = (await api('/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };
    for (const path of ['/api/sessions', '/api/sessions/{id}', '/api/users', '/api/users/{userId}', '/api/audit']) assert.ok(openapi.paths[path], path);
    assert.ok(openapi.paths['/api/traces']?.get?.parameters?.some((parameter) => parameter.name === 'search'));
    assert.ok(openapi.paths['/api/users/{userId}']?.delete);
  });

  test('the views need an admin key', async () => {
    for (const path of ['/api/sessions', '/api/users', '/api/sessions/chat-1', '/api/traces?search=refund']) {
      const answer = await api(path, ingestKey);
      assert.equal(answer.status, 403, path);
      assert.equal(answer.body.error.code, 'insufficient_scope');
    }
    assert.equal((await fetch(`${operon.url}/api/users`)).status, 401);
  });
}
