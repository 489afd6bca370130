import { CompiledQuery, SqliteAdapter, type Compilable, type Kysely, type QueryResult } from 'kysely';

/**
 * Runs a batch insert built with Kysely without compiling it per batch. Trace batches repeat the same
 * statement with only the rows changing, and rows must all have the same keys in the same order (the
 * store's row mappers guarantee it); the first compile checks that Kysely binds exactly those values, in
 * that order, and later batches only bind new values. The SQL is written once, in `build`.
 *
 * - PostgreSQL: one multi-row statement per batch (one round trip), its SQL kept per row count.
 * - SQLite: the single-row statement, prepared once and run once per row in the caller's transaction.
 *   In-process, a cached statement costs microseconds per row, while every distinct row count would be
 *   another large prepared statement held in memory; so memory stays flat whatever the batch sizes.
 *
 * Either way the result is what the multi-row statement would return: its rows (`returning`) and the
 * number of rows written.
 *
 * @example
 * const insertSpans = cachedInsert<SpansTable, { id: string }>((db, rows) => db.insertInto('spans').values(rows).returning('id'));
 * const result = await insertSpans(trx, rows);
 */
export type CachedInsert<Row extends object, Result> = (
  db: Kysely<any>,
  rows: readonly Row[],
) => Promise<QueryResult<Result>>;

/** Distinct row counts whose SQL is kept, least recently used evicted first. */
const MAX_CACHED_SHAPES = 16;

export function cachedInsert<Row extends object, Result = never>(
  build: (db: Kysely<any>, rows: Row[]) => Compilable<Result>,
): CachedInsert<Row, Result> {
  const sqlByCount = new Map<number, string>();

  const compiled = (db: Kysely<any>, rows: readonly Row[], parameters: unknown[]): CompiledQuery<Result> => {
    const cached = sqlByCount.get(rows.length);
    if (cached !== undefined) {
      sqlByCount.delete(rows.length);
      sqlByCount.set(rows.length, cached);
      return CompiledQuery.raw(cached, parameters) as CompiledQuery<Result>;
    }
    const query = build(db, rows as Row[]).compile();
    if (sameValues(query.parameters, parameters)) {
      sqlByCount.set(rows.length, query.sql);
      if (sqlByCount.size > MAX_CACHED_SHAPES) sqlByCount.delete(sqlByCount.keys().next().value as number);
    }
    return query;
  };

  return async (db, rows) => {
    if (rows.length === 0) return { rows: [], numAffectedRows: 0n };
    if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
      const parameters = bindValues(rows);
      return db.executeQuery<Result>(compiled(db, rows, parameters));
    }
    const first = [rows[0] as Row];
    const firstQuery = compiled(db, first, bindValues(first));
    // Not cached: Kysely binds something else than the row's values, so each row is compiled.
    const sql = sqlByCount.has(1) ? firstQuery.sql : undefined;
    const columns = Object.keys(rows[0] as Row);
    const out: Result[] = [];
    let affected = 0n;
    for (const row of rows) {
      let query: CompiledQuery<Result>;
      if (sql === undefined) query = build(db, [row]).compile();
      else {
        const record = row as Record<string, unknown>;
        const parameters = new Array<unknown>(columns.length);
        for (let index = 0; index < columns.length; index++) parameters[index] = record[columns[index] as string];
        query = CompiledQuery.raw(sql, parameters) as CompiledQuery<Result>;
      }
      const result = await db.executeQuery<Result>(query);
      for (const item of result.rows) out.push(item);
      affected += result.numAffectedRows ?? BigInt(result.rows.length);
    }
    return { rows: out, numAffectedRows: affected };
  };
}

/**
 * The SQL of `query`, built for the single `row`, when it binds exactly that row's values in key order
 * (so that a writer can bind other rows to it); throws otherwise.
 */
export function singleRowSql(query: Compilable<unknown>, row: object): string {
  return rowsSql(query, [row]);
}

/** `singleRowSql` for a statement built for several rows: their values, row after row, in key order. */
export function rowsSql(query: Compilable<unknown>, rows: readonly object[]): string {
  const compiled = query.compile();
  if (!sameValues(compiled.parameters, bindValues(rows))) {
    throw new Error(`The statement binds other values than its row's, so it cannot be reused for other rows: ${compiled.sql}`);
  }
  return compiled.sql;
}

function bindValues(rows: readonly object[]): unknown[] {
  const first = rows[0];
  if (!first) return [];
  const columns = Object.keys(first);
  const out = new Array<unknown>(rows.length * columns.length);
  let index = 0;
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    for (const column of columns) out[index++] = record[column];
  }
  return out;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (!Object.is(a[index], b[index])) return false;
  return true;
}
