import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import type { ApiKey, NewProject, ProjectStore } from './project-store.ts';
import type { UsageStore } from './usage-store.ts';

/**
 * The behaviour every `ProjectStore` must have, whatever the backend. Tests share one store and use
 * fresh ids, so the store may hold other data. When the fixture also gives the trace and usage stores
 * of the same database, `deleteProject` is checked to remove the project's traces and usage too.
 *
 * @example
 * projectStoreContract(async () => {
 *   const database = await openDatabase({ sqlitePath: ':memory:' });
 *   return { store: createProjectStore(database.db), close: () => database.close() };
 * });
 */
export interface ProjectStoreFixture {
  store: ProjectStore;
  close(): Promise<void>;
  traces?: TraceStore;
  usage?: UsageStore;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

function newProject(overrides: Partial<NewProject> = {}): NewProject {
  return { id: uid('proj'), name: uid('name'), createdAt: 1_764_000_000_000, captureBodies: 'full', ...overrides };
}

function newKey(projectId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  const id = uid('key');
  return {
    id,
    projectId,
    name: 'ci key',
    prefix: 'opk_ab12',
    hash: `${id}`.padEnd(64, 'f'),
    scopes: ['gateway'],
    limits: {},
    createdAt: 1_764_000_000_000,
    revokedAt: null,
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, kind: OperonError['kind']): Promise<OperonError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(OperonError.is(error), `expected an OperonError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected a ${kind} error`);
}

export function projectStoreContract(makeStore: () => Promise<ProjectStoreFixture>): void {
  describe('ProjectStore contract', () => {
    let fixture: ProjectStoreFixture;
    let store: ProjectStore;
    before(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.close();
    });

    test('createProject fills defaults; getProject and getProjectByName return it', async () => {
      const input = newProject();
      const created = await store.createProject(input);
      const expected = { ...input, limits: {}, cacheEnabled: true, cacheTtlSeconds: null, retentionDays: null };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getProject(input.id), expected);
      assert.deepEqual(await store.getProjectByName(input.name), expected);
    });

    test('every field round-trips, unicode names included', async () => {
      const input = newProject({
        name: `Équipe 数据 🚀 שלום ${uid('u')}`,
        captureBodies: 'redacted',
        limits: { requestsPerMinute: 60, tokensPerMinute: 100_000, dailyBudgetUsd: 2.5, monthlyBudgetUsd: 0.125 },
        cacheEnabled: false,
        cacheTtlSeconds: 90,
        retentionDays: 14,
      });
      const created = await store.createProject(input);
      assert.deepEqual(created, input);
      assert.deepEqual(await store.getProject(input.id), input);
      assert.deepEqual(await store.getProjectByName(input.name), input);
    });

    test('unknown ids and names give undefined', async () => {
      assert.equal(await store.getProject(uid('missing')), undefined);
      assert.equal(await store.getProjectByName(uid('missing')), undefined);
      assert.equal(await store.updateProject(uid('missing'), { name: uid('n') }), undefined);
      assert.equal(await store.deleteProject(uid('missing')), false);
    });

    test('names and ids are unique (conflict errors)', async () => {
      const first = await store.createProject(newProject());
      const byName = await rejectsWith(store.createProject(newProject({ name: first.name })), 'conflict');
      assert.match(byName.message, new RegExp(first.name));
      await rejectsWith(store.createProject(newProject({ id: first.id })), 'conflict');
      assert.equal((await store.getProject(first.id))?.name, first.name);
    });

    test('listProjects lists created projects in creation order', async () => {
      const a = await store.createProject(newProject({ createdAt: 1_000 }));
      const b = await store.createProject(newProject({ createdAt: 2_000 }));
      const c = await store.createProject(newProject({ createdAt: 3_000 }));
      const ids = (await store.listProjects()).map((project) => project.id).filter((id) => [a.id, b.id, c.id].includes(id));
      assert.deepEqual(ids, [a.id, b.id, c.id]);
    });

    test('updateProject changes only the given fields', async () => {
      const project = await store.createProject(newProject({ limits: { requestsPerMinute: 5 }, cacheTtlSeconds: 30 }));
      const renamed = await store.updateProject(project.id, { name: `${project.name} ✓` });
      assert.deepEqual(renamed, { ...project, name: `${project.name} ✓` });
      const changed = await store.updateProject(project.id, {
        captureBodies: 'none',
        limits: { dailyBudgetUsd: 1.25 },
        cacheEnabled: false,
        cacheTtlSeconds: null,
      });
      const expected = { ...project, name: `${project.name} ✓`, captureBodies: 'none' as const, limits: { dailyBudgetUsd: 1.25 }, cacheEnabled: false, cacheTtlSeconds: null };
      assert.deepEqual(changed, expected);
      assert.deepEqual(await store.getProject(project.id), expected);
      assert.deepEqual(await store.updateProject(project.id, {}), expected);
    });

    test('renaming onto a taken name is a conflict and changes nothing', async () => {
      const a = await store.createProject(newProject());
      const b = await store.createProject(newProject());
      await rejectsWith(store.updateProject(b.id, { name: a.name }), 'conflict');
      assert.equal((await store.getProject(b.id))?.name, b.name);
    });

    test('keys round-trip through createKey, getKey, findKeyByHash and listKeys', async () => {
      const project = await store.createProject(newProject());
      const key = newKey(project.id, { scopes: ['admin', 'gateway', 'ingest'], limits: { requestsPerMinute: 10, monthlyBudgetUsd: 3.75 }, name: 'Clé 🔑' });
      assert.deepEqual(await store.createKey(key), key);
      assert.deepEqual(await store.getKey(project.id, key.id), key);
      assert.deepEqual(await store.findKeyByHash(key.hash), key);
      assert.deepEqual(await store.listKeys(project.id), [key]);
      assert.equal(await store.findKeyByHash('0'.repeat(64)), undefined);
      assert.equal(await store.getKey(project.id, uid('missing')), undefined);
    });

    test('listKeys is in creation order', async () => {
      const project = await store.createProject(newProject());
      const late = await store.createKey(newKey(project.id, { createdAt: 3_000 }));
      const early = await store.createKey(newKey(project.id, { createdAt: 1_000 }));
      const middle = await store.createKey(newKey(project.id, { createdAt: 2_000 }));
      assert.deepEqual((await store.listKeys(project.id)).map((key) => key.id), [early.id, middle.id, late.id]);
    });

    test("a project never sees another project's keys", async () => {
      const a = await store.createProject(newProject());
      const b = await store.createProject(newProject());
      const keyA = await store.createKey(newKey(a.id));
      assert.equal(await store.getKey(b.id, keyA.id), undefined);
      assert.deepEqual(await store.listKeys(b.id), []);
      assert.equal(await store.revokeKey(b.id, keyA.id, 5), false);
      assert.equal((await store.getKey(a.id, keyA.id))?.revokedAt, null);
    });

    test('revokeKey marks the key revoked once; lookups still find it, revoked', async () => {
      const project = await store.createProject(newProject());
      const key = await store.createKey(newKey(project.id));
      const other = await store.createKey(newKey(project.id));
      assert.equal(await store.revokeKey(project.id, key.id, 1_764_000_500_000), true);
      assert.equal((await store.findKeyByHash(key.hash))?.revokedAt, 1_764_000_500_000);
      assert.equal((await store.getKey(project.id, key.id))?.revokedAt, 1_764_000_500_000);
      assert.equal(await store.revokeKey(project.id, key.id, 1_764_000_900_000), true);
      assert.equal((await store.getKey(project.id, key.id))?.revokedAt, 1_764_000_500_000, 'the first revocation time is kept');
      assert.equal((await store.getKey(project.id, other.id))?.revokedAt, null);
      assert.equal(await store.revokeKey(project.id, uid('missing'), 1), false);
    });

    test('a key created revoked stays revoked', async () => {
      const project = await store.createProject(newProject());
      const key = await store.createKey(newKey(project.id, { revokedAt: 42 }));
      assert.equal((await store.findKeyByHash(key.hash))?.revokedAt, 42);
    });

    test('createKey needs an existing project and a unique hash', async () => {
      await rejectsWith(store.createKey(newKey(uid('missing'))), 'not_found');
      const project = await store.createProject(newProject());
      const key = await store.createKey(newKey(project.id));
      await rejectsWith(store.createKey(newKey(project.id, { hash: key.hash })), 'conflict');
      assert.equal((await store.listKeys(project.id)).length, 1);
    });

    test("deleteProject removes the project and its keys, and nothing of other projects'", async () => {
      const doomed = await store.createProject(newProject());
      const kept = await store.createProject(newProject());
      const doomedKey = await store.createKey(newKey(doomed.id));
      const keptKey = await store.createKey(newKey(kept.id));
      assert.equal(await store.deleteProject(doomed.id), true);
      assert.equal(await store.getProject(doomed.id), undefined);
      assert.equal(await store.getProjectByName(doomed.name), undefined);
      assert.equal(await store.findKeyByHash(doomedKey.hash), undefined);
      assert.deepEqual(await store.listKeys(doomed.id), []);
      assert.equal(await store.deleteProject(doomed.id), false);
      assert.deepEqual(await store.getProject(kept.id), kept);
      assert.deepEqual(await store.findKeyByHash(keptKey.hash), keptKey);
      // The name is free again.
      await store.createProject(newProject({ name: doomed.name }));
    });

    test('deleteProject removes the project traces and usage (when the fixture shares them)', async (t) => {
      const { traces, usage } = fixture;
      if (!traces || !usage) return t.skip('fixture gives no trace and usage stores');
      const doomed = await store.createProject(newProject());
      const kept = await store.createProject(newProject());
      for (const project of [doomed, kept]) {
        await traces.writeSpans([rootSpan(project.id, `trace_${project.id}`)]);
        await usage.add([{ projectId: project.id, keyId: 'k', day: '2026-01-02', requests: 1, inputTokens: 2, outputTokens: 3, costUsd: 0.5 }]);
      }
      assert.equal(await store.deleteProject(doomed.id), true);
      assert.equal(await traces.getTrace(doomed.id, `trace_${doomed.id}`), undefined);
      assert.deepEqual((await traces.listTraces({ projectId: doomed.id, limit: 10 })).traces, []);
      assert.equal((await usage.totals({ projectId: doomed.id, fromDay: '2026-01-01', toDay: '2026-12-31' })).requests, 0);
      assert.equal((await traces.getTrace(kept.id, `trace_${kept.id}`))?.spanCount, 1);
      assert.equal((await usage.totals({ projectId: kept.id, fromDay: '2026-01-01', toDay: '2026-12-31' })).requests, 1);
    });
  });
}

function rootSpan(projectId: string, traceId: string) {
  return {
    id: uid('span'), traceId, projectId, parentSpanId: null, type: 'generation' as const, name: 'chat', startedAt: 1, endedAt: 2,
    status: 'ok' as const, keyId: null, modelRequested: 'm', modelUsed: 'm', provider: 'mock', attempts: [], fallbackUsed: false,
    cacheHit: false, stream: false, latencyMs: 1, timeToFirstTokenMs: null, inputTokens: 1, outputTokens: 1, costUsd: null,
    errorCode: null, errorMessage: null, bodyCapture: 'none' as const, input: null, output: null, attributes: {},
    sessionId: null, userId: null, tags: [] as string[], metadata: {}, release: null, environment: null, serviceName: null, events: [] as never[], truncated: false,
  };
}
