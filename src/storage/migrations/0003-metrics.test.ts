import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, Migrator } from 'kysely';
import { makeSpan } from '../../tracing/trace-store.contract.ts';
import { createSqliteDialect, openSqlite } from '../embedded/sqlite-dialect.ts';
import { createMetricsStore } from '../metrics-store.ts';
import type { DatabaseSchema } from '../schema.ts';
import { spanToRow } from '../span-rows.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './index.ts';

const T0 = 1_763_942_400_000 + 10 * 3_600_000;

test('the spans stored before the metrics migration are rolled up by it, across pages', async () => {
  const db = new Kysely<DatabaseSchema>({ dialect: createSqliteDialect(await openSqlite(':memory:')) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE });
    assert.equal((await migrator.migrateTo('0002-observability')).error, undefined);
    // More than one page (5,000) of spans, in two projects, over two hours.
    const spans = Array.from({ length: 6_200 }, (_, index) =>
      spanToRow(makeSpan(index % 4 === 0 ? 'proj_b' : 'proj_a', { startedAt: T0 + index * 1_000, status: index % 10 === 0 ? 'error' : 'ok', userId: `user-${index % 3}` })),
    );
    for (let start = 0; start < spans.length; start += 500) await db.insertInto('spans').values(spans.slice(start, start + 500)).execute();

    assert.equal((await migrator.migrateTo('0003-metrics')).error, undefined);
    const metrics = createMetricsStore(db);
    const totals = await metrics.totals({ projectId: 'proj_a', from: T0, to: T0 + 3 * 3_600_000, metrics: ['requests', 'errors'] });
    assert.deepEqual(totals.groups, [{ group: null, requests: 4_650, errors: 310, errorRate: 310 / 4_650 }]);
    const hourly = await metrics.series({ projectId: 'proj_b', from: T0, to: T0 + 2 * 3_600_000, interval: '1h', metrics: ['requests'] });
    assert.deepEqual(hourly.series[0]?.points.map((point) => point.requests), [900, 650]);
    const users = await metrics.totals({ projectId: 'proj_b', from: T0, to: T0 + 2 * 3_600_000, groupBy: 'user', metrics: ['requests'] });
    assert.equal(users.groups.reduce((sum, group) => sum + group.requests, 0), 1_550);
  } finally {
    await db.destroy();
  }
});
