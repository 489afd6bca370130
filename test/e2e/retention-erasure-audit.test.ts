import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postgresTestUrl } from '../../src/storage/test-databases.ts';
import { startOperon, type RunningOperon } from './harness.ts';
import { indexNow } from './index-now.ts';

// On embedded SQLite, and on the PostgreSQL server when one is given (always in CI).
const backends = postgresTestUrl() || process.env.CI === 'true' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
for (const backend of backends) describe(`retention, erasure and the audit log over HTTP on ${backend}`, () => suite(backend));

const DAY = 86_400_000;

function suite(backend: 'sqlite' | 'postgres'): void {
  let operon: RunningOperon;
  let ingestKey: string;
  let other: { key: string; projectId: string; keyId: string };
  let adminKeyId: string;
  const now = Date.now();

  async function api<T = any>(path: string, key = operon.adminKey, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const response = await fetch(`${operon.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function ingest(key: string, spans: object[], scores: object[] = []): Promise<void> {
    const stored = await api('/v1/ingest', key, { method: 'POST', body: JSON.stringify({ spans, scores }) });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    assert.deepEqual(stored.body.rejected, []);
  }

  const audit = async (key = operon.adminKey, query = '') => (await api(`/api/audit${query}`, key)).body.entries as { action: string; target: string | null; actorKeyId: string | null; details: any }[];

  before(async () => {
    // Projects without retention days of their own keep traces 90 days.
    operon = await startOperon({ providers: { mock: { type: 'mock' } }, retention: { defaultDays: 90 } }, { backend });
    adminKeyId = (await api('/api/keys')).body.find((key: { name: string }) => key.name === 'admin').id;
    ingestKey = (await operon.createKey({ scopes: ['ingest'], name: 'app' })).key;
    other = await operon.createKey({ project: 'other', scopes: ['admin', 'ingest'] });
  });
  after(() => operon.close());

  test("DELETE /api/users/{id} erases the user's traces, spans, scores and search entries, counts them, and is audited", async () => {
    await ingest(ingestKey, [
      { traceId: 'e-1', id: 'a', name: 'agent', startTime: now - 5_000, userId: 'erin@example.com', sessionId: 'chat-e', input: 'my secret is bluewhale' },
      { traceId: 'e-1', id: 'b', parentId: 'a', name: 'chat', kind: 'generation', startTime: now - 4_900, output: 'bluewhale noted' },
      { traceId: 'k-1', id: 'c', name: 'shared run', startTime: now - 3_000, userId: 'kim' },
      { traceId: 'k-1', id: 'd', parentId: 'c', name: 'step for erin', startTime: now - 2_900, userId: 'erin@example.com', input: 'bluewhale again' },
    ], [
      { traceId: 'e-1', name: 'helpful', value: true },
      { traceId: 'k-1', spanId: 'd', name: 'accuracy', value: 0.5 },
      { traceId: 'k-1', name: 'helpful', value: false },
    ]);
    // The same user id in another project.
    await ingest(other.key, [{ traceId: 'o-1', id: 'x', name: 'elsewhere', startTime: now, userId: 'erin@example.com', input: 'bluewhale' }]);
    await indexNow(operon);
    assert.equal((await api('/api/traces?search=bluewhale')).body.traces.length, 2);

    // Another project's admin key erases only in its own project.
    const foreign = await api('/api/users/erin%40example.com', other.key, { method: 'DELETE' });
    assert.deepEqual(foreign.body, { userId: 'erin@example.com', deleted: { traces: 1, spans: 1, scores: 0 } });
    assert.equal((await api('/api/traces?search=bluewhale')).body.traces.length, 2, "this project's data is untouched");

    const erased = await api('/api/users/erin%40example.com', operon.adminKey, { method: 'DELETE' });
    assert.equal(erased.status, 200);
    assert.deepEqual(erased.body, { userId: 'erin@example.com', deleted: { traces: 1, spans: 3, scores: 2 } });

    assert.deepEqual((await api('/api/traces?search=bluewhale')).body.traces, []);
    assert.equal((await api('/api/traces/e-1')).status, 404);
    const kept = await api('/api/traces/k-1');
    assert.deepEqual(kept.body.spans.map((span: { id: string }) => span.id), ['c']);
    assert.deepEqual((await api('/api/scores?trace_id=k-1')).body.scores.map((score: { name: string }) => score.name), ['helpful']);
    assert.deepEqual((await api('/api/users')).body.users.map((user: { id: string }) => user.id), ['kim']);
    assert.equal((await api('/api/sessions/chat-e')).status, 404);

    const [entry] = await audit(operon.adminKey, '?action=user.erase');
    assert.deepEqual(entry && { ...entry, id: undefined, at: undefined }, {
      id: undefined, at: undefined, actorKeyId: adminKeyId, action: 'user.erase', target: 'erin@example.com', details: { traces: 1, spans: 3, scores: 2 },
    });
    const foreignAudit = await audit(other.key, '?action=user.erase');
    assert.deepEqual(foreignAudit.map((item) => item.details), [{ traces: 1, spans: 1, scores: 0 }], "each project's audit log has its own erasure only");

    // Erasing again finds nothing; a user id with a slash works as a path segment.
    assert.deepEqual((await api('/api/users/erin%40example.com', operon.adminKey, { method: 'DELETE' })).body.deleted, { traces: 0, spans: 0, scores: 0 });
    assert.equal((await api('/api/users/a%2Fb', operon.adminKey, { method: 'DELETE' })).body.userId, 'a/b');
    assert.equal((await api('/api/users/erin', ingestKey, { method: 'DELETE' })).status, 403, 'erasure needs an admin key');
  });

  test('retention: PATCH /api/project sets retentionDays; the job deletes older traces of each project, defaults from config, and audits it', async () => {
    const patched = await api('/api/project', operon.adminKey, { method: 'PATCH', body: JSON.stringify({ retentionDays: 7 }) });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.retentionDays, 7);
    assert.equal((await api('/api/project', operon.adminKey, { method: 'PATCH', body: JSON.stringify({ retentionDays: 0 }) })).status, 400);
    assert.equal((await api('/api/project')).body.retentionDays, 7);

    await ingest(ingestKey, [
      { traceId: 'old-1', id: 'o1', name: 'old', startTime: now - 10 * DAY },
      { traceId: 'old-1', id: 'o2', parentId: 'o1', name: 'old child', startTime: now - 10 * DAY + 5 },
      { traceId: 'new-1', id: 'n1', name: 'recent', startTime: now - 2 * DAY },
    ], [{ traceId: 'old-1', name: 'helpful', value: true }]);
    // The other project keeps 90 days (config default): 100 days old goes, 10 days old stays.
    await ingest(other.key, [
      { traceId: 'other-ancient', id: 'p1', name: 'ancient', startTime: now - 100 * DAY },
      { traceId: 'other-10d', id: 'p2', name: 'ten days', startTime: now - 10 * DAY },
    ]);

    const run = await operon.operon.retention.runOnce();
    assert.ok(run.deleted.traces >= 2, JSON.stringify(run));
    assert.equal((await api('/api/traces/old-1')).status, 404);
    assert.equal((await api('/api/traces/new-1')).status, 200);
    assert.equal((await api('/api/traces/other-ancient', other.key)).status, 404);
    assert.equal((await api('/api/traces/other-10d', other.key)).status, 200);
    assert.deepEqual((await api('/api/scores?trace_id=old-1')).body.scores, []);

    const [expired] = await audit(operon.adminKey, '?action=traces.expire');
    assert.equal(expired?.actorKeyId, null);
    assert.deepEqual({ ...expired?.details, startedBefore: undefined }, { retentionDays: 7, startedBefore: undefined, traces: 1, spans: 2, scores: 1 });
    const [update] = await audit(operon.adminKey, '?action=project.update');
    assert.deepEqual(update && [update.actorKeyId, update.details], [adminKeyId, { changes: { retentionDays: 7 } }]);

    // null: back to the server default.
    assert.equal((await api('/api/project', operon.adminKey, { method: 'PATCH', body: JSON.stringify({ retentionDays: null }) })).body.retentionDays, null);
  });

  test('GET /api/audit records key creation and revocation, pages newest first, and needs an admin key of the project', async () => {
    const created = await api('/api/keys', operon.adminKey, { method: 'POST', body: JSON.stringify({ name: 'temp', scopes: ['gateway'] }) });
    assert.equal(created.status, 201);
    assert.equal((await api(`/api/keys/${created.body.id}`, operon.adminKey, { method: 'DELETE' })).status, 204);

    const entries = await audit();
    assert.deepEqual(entries.slice(0, 2).map((item) => [item.action, item.target, item.actorKeyId]), [
      ['key.revoke', created.body.id, adminKeyId],
      ['key.create', created.body.id, adminKeyId],
    ]);
    assert.deepEqual(entries[1]?.details, { name: 'temp', scopes: ['gateway'], limits: {} });
    assert.ok(!JSON.stringify(entries).includes(created.body.key), 'no plain key in the audit log');
    assert.ok(entries.some((item) => item.action === 'key.create' && item.actorKeyId === null), 'keys made outside the API (bootstrap, harness) are recorded with no actor');

    const first = await api('/api/audit?limit=1');
    const second = await api(`/api/audit?limit=1&cursor=${first.body.nextCursor}`);
    assert.deepEqual([first.body.entries[0].action, second.body.entries[0].action], ['key.revoke', 'key.create']);

    assert.ok(!(await audit(other.key)).some((item) => item.target === created.body.id), "another project's log does not show it");
    assert.equal((await api('/api/audit', ingestKey)).status, 403);
    assert.equal((await api('/api/audit?action=nope')).status, 400);
  });
}
