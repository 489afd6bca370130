import { sql, type Kysely, type RawBuilder } from 'kysely';
import { cachedInsert, singleRowSql, type CachedInsert } from './insert-cache.ts';
import { isUserRow, LATENCY_COLUMNS, metricsRollups, TTFT_COLUMNS, type RollupRow, type RollupSource, type UserRollupsRow } from './metrics-rollups.ts';
import type { DatabaseSchema, MetricsRollupsTable } from './schema.ts';
import { chunk, rowsPerInsert } from './sql-util.ts';

/** The key of a rollup row (the table's primary key, migration 0003). */
export const ROLLUP_KEY = ['project_id', 'resolution', 'dimension', 'bucket_start', 'value', 'kind'] as const;

/** The columns that add up, histograms aside. */
const SCALAR_SUMS = ['span_count', 'errors', 'cache_hits', 'latency_sum', 'ttft_count', 'ttft_sum', 'input_tokens', 'output_tokens', 'cost_usd'];
/** Every column that adds up: the sums and every histogram bucket. */
export const ROLLUP_SUMS: readonly string[] = [...SCALAR_SUMS, ...LATENCY_COLUMNS, ...TTFT_COLUMNS];

/**
 * Adds rollup rows to what is stored: a new key is inserted, an existing one gets every sum added.
 * Binds exactly the rows' values in key order, so it is compiled once (insert-cache.ts) and the
 * embedded writer thread can bind rows to it. User rows (no histograms) go to their own narrow table.
 */
function upsertQuery(db: Kysely<DatabaseSchema>, table: 'metrics_rollups' | 'metrics_user_rollups', rows: RollupRow[], sums: readonly string[]) {
  const added: Record<string, RawBuilder<number>> = {};
  for (const column of sums) added[column] = sql<number>`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`;
  return db
    .insertInto(table as 'metrics_rollups')
    .values(rows as MetricsRollupsTable[])
    .onConflict((oc) => oc.columns([...ROLLUP_KEY]).doUpdateSet(added as never));
}

export const upsertRollupsQuery = (db: Kysely<DatabaseSchema>, rows: MetricsRollupsTable[]) => upsertQuery(db, 'metrics_rollups', rows, ROLLUP_SUMS);
export const upsertUserRollupsQuery = (db: Kysely<DatabaseSchema>, rows: UserRollupsRow[]) => upsertQuery(db, 'metrics_user_rollups', rows, SCALAR_SUMS);

export interface RollupUpserts {
  rows: CachedInsert<MetricsRollupsTable, never>;
  userRows: CachedInsert<UserRollupsRow, never>;
}

/** The statements, compiled once per row count (insert-cache.ts); one set per store. */
export const createRollupUpserts = (): RollupUpserts => ({
  rows: cachedInsert<MetricsRollupsTable>(upsertRollupsQuery),
  userRows: cachedInsert<UserRollupsRow>(upsertUserRollupsQuery),
});

const ROWS_PER_INSERT = rowsPerInsert(ROLLUP_KEY.length + ROLLUP_SUMS.length);

/**
 * Adds the newly stored spans to the rollups, in the caller's transaction (after the trace upserts).
 * Rows go in key order — runs of one shape at a time — so PostgreSQL's row locks are always taken in
 * the same order.
 */
export async function addToRollups(trx: Kysely<DatabaseSchema>, upserts: RollupUpserts, inserted: readonly RollupSource[]): Promise<void> {
  if (inserted.length === 0) return;
  const rows = metricsRollups(inserted);
  for (let start = 0; start < rows.length; ) {
    const user = isUserRow(rows[start] as RollupRow);
    let end = start + 1;
    while (end < rows.length && isUserRow(rows[end] as RollupRow) === user) end++;
    const run = rows.slice(start, end);
    for (const part of chunk(run, ROWS_PER_INSERT)) {
      if (user) await upserts.userRows(trx, part as UserRollupsRow[]);
      else await upserts.rows(trx, part as MetricsRollupsTable[]);
    }
    start = end;
  }
}

/** The single-row upserts and their column orders, for the embedded writer thread (see compileSpanWriteSql). */
export function compileRollupSql(db: Kysely<DatabaseSchema>, span: RollupSource) {
  // A model call with a user yields both shapes.
  const rows = metricsRollups([{ ...span, type: 'generation', user_id: 'user' }]);
  const row = rows.find((candidate): candidate is MetricsRollupsTable => !isUserRow(candidate));
  const userRow = rows.find(isUserRow);
  if (!row || !userRow) throw new Error('A model call with a user yields rows of both shapes.');
  return {
    upsertRollup: singleRowSql(upsertRollupsQuery(db, [row]), row),
    rollupColumns: Object.keys(row),
    upsertUserRollup: singleRowSql(upsertUserRollupsQuery(db, [userRow]), userRow),
    userRollupColumns: Object.keys(userRow),
  };
}
