import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/**
 * For the erasure contract (retention/trace-deletion.contract.ts, `Leftovers`): what the tables still
 * hold of a user in a project, looked at directly rather than through the stores, and how many search
 * index entries (which no store method returns) still hold a word — on SQLite in any project, since the
 * index keeps no project: tests use a word of their own.
 *
 * @example
 * assert.deepEqual(await countLeftovers(db, projectId, 'user-7', 'secretword'), { spans: 0, … });
 */
export async function countLeftovers(db: Kysely<DatabaseSchema>, projectId: string, userId: string, word: string): Promise<{ spans: number; traces: number; scores: number; indexEntries: number; metricsRows: number }> {
  const count = async (query: { execute(): Promise<{ count: number | string | bigint }[]> }) => Number((await query.execute())[0]?.count ?? 0);
  const traceIds = db.selectFrom('traces').select('id').where('project_id', '=', projectId).where('user_id', '=', userId);
  const indexEntries = db.getExecutor().adapter instanceof SqliteAdapter
    ? await sql<{ count: number }>`select count(*) as count from span_search where span_search match ${`"${word}"`}`.execute(db)
    : await sql<{ count: number }>`select count(*) as count from span_search where project_id = ${projectId} and document @@ plainto_tsquery('simple', ${word})`.execute(db);
  return {
    spans: await count(db.selectFrom('spans').select((eb) => eb.fn.countAll<number>().as('count')).where('project_id', '=', projectId).where('user_id', '=', userId)),
    traces: await count(db.selectFrom('traces').select((eb) => eb.fn.countAll<number>().as('count')).where('project_id', '=', projectId).where('user_id', '=', userId)),
    scores: await count(db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('count')).where('project_id', '=', projectId).where('trace_id', 'in', traceIds)),
    indexEntries: Number(indexEntries.rows[0]?.count ?? 0),
    metricsRows: await count(
      db.selectFrom('metrics_user_rollups').select((eb) => eb.fn.countAll<number>().as('count')).where('project_id', '=', projectId).where('dimension', '=', 'user').where('value', '=', userId),
    ),
  };
}
