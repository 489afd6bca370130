import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/**
 * Reuses the SQL Kysely compiles for a multi-row insert. Building and compiling a 500-row insert costs
 * about as much as running it on SQLite, and trace batches repeat the same statement with only the
 * row count varying, so the SQL is compiled once per row count (for this database's dialect) and later
 * batches only bind new values. Rows must all have the same keys in the same order (the store's row
 * mappers guarantee it); the first compile checks that Kysely binds exactly those values, in that order.
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

  return async (db, rows) => {
    const parameters = bindValues(rows);
    const cached = sqlByCount.get(rows.length);
    if (cached !== undefined) {
      sqlByCount.delete(rows.length);
      sqlByCount.set(rows.length, cached);
      return db.executeQuery<Result>(CompiledQuery.raw(cached, parameters));
    }
    const compiled = build(db, rows as Row[]).compile();
    if (sameValues(compiled.parameters, parameters)) {
      sqlByCount.set(rows.length, compiled.sql);
      if (sqlByCount.size > MAX_CACHED_SHAPES) sqlByCount.delete(sqlByCount.keys().next().value as number);
    }
    return db.executeQuery<Result>(compiled);
  };
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
