import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { projectStoreContract } from '../projects/project-store.contract.ts';
import { usageStoreContract } from '../projects/usage-store.contract.ts';
import { traceStoreContract } from '../tracing/trace-store.contract.ts';
import { scoreStoreContract } from '../tracing/score-store.contract.ts';
import { metricsStoreContract } from '../metrics/metrics-store.contract.ts';
import { alertStoreContract } from '../alerts/alert-store.contract.ts';
import { traceSearchContract } from '../tracing/trace-search.contract.ts';
import { traceViewsContract } from '../tracing/trace-views.contract.ts';
import { traceDeletionContract } from '../retention/trace-deletion.contract.ts';
import { auditLogContract } from '../projects/audit-log.contract.ts';
import { projectRetentionContract } from '../projects/project-retention.contract.ts';
import { countLeftovers } from './count-leftovers.ts';
import { createStores } from './index.ts';
import { openTestDatabase, postgresTestUrl, POSTGRES_TEST_URL_HINT, type TestBackend } from './test-databases.ts';

/**
 * The store contracts on every backend: embedded SQLite (a file in a temp folder, and `:memory:`) and
 * PostgreSQL (a fresh schema on the server in OPERON_TEST_DATABASE_URL). In CI the PostgreSQL run is
 * required; elsewhere it is skipped when no server is given.
 */
function contracts(backend: TestBackend): void {
  const open = async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    return { stores: createStores(database), db: database.db, close: cleanup };
  };
  traceSearchContract(async () => {
    const { stores, close } = await open();
    return { store: stores.traces, search: stores.search, close };
  });
  traceViewsContract(async () => {
    const { stores, close } = await open();
    return { store: stores.traces, views: stores.views, close };
  });
  traceDeletionContract(async () => {
    const { stores, db, close } = await open();
    const { deletion, traces, scores, search, views } = stores;
    return { deletion, traces, scores, search, views, leftovers: (projectId, userId, word) => countLeftovers(db, projectId, userId, word), close };
  });
  auditLogContract(async () => {
    const { stores, close } = await open();
    return { audit: stores.audit, close };
  });
  projectRetentionContract(async () => {
    const { stores, close } = await open();
    return { store: stores.projects, close };
  });
  projectStoreContract(async () => {
    const { stores, close } = await open();
    return { store: stores.projects, traces: stores.traces, usage: stores.usage, close };
  });
  usageStoreContract(async () => {
    const { stores, close } = await open();
    return { store: stores.usage, close };
  });
  traceStoreContract(async () => {
    const { stores, close } = await open();
    return { store: stores.traces, close };
  });
  scoreStoreContract(backend, async () => {
    const { stores, close } = await open();
    return { store: stores.scores, close };
  });
  metricsStoreContract(async () => {
    const { stores, close } = await open();
    return { metrics: stores.metrics, traces: stores.traces, close };
  });
  alertStoreContract(backend, async () => {
    const { stores, close } = await open();
    const addProject = async (id: string) => {
      await stores.projects.createProject({ id, name: id, createdAt: 0, captureBodies: 'full' });
    };
    return { store: stores.alerts, addProject, deleteProject: async (id) => void (await stores.projects.deleteProject(id)), close };
  });
}

describe('embedded SQLite (file)', () => contracts('sqlite-file'));
describe('embedded SQLite (:memory:)', () => contracts('sqlite-memory'));

if (postgresTestUrl()) {
  describe('PostgreSQL', () => contracts('postgres'));
} else if (process.env.CI === 'true') {
  test('PostgreSQL', () => {
    assert.fail(`The PostgreSQL store tests must run in CI: ${POSTGRES_TEST_URL_HINT}.`);
  });
} else {
  describe('PostgreSQL', { skip: POSTGRES_TEST_URL_HINT }, () => {});
}
