import type { DatabaseSync, SQLInputValue } from 'node:sqlite';

/**
 * Opening the embedded SQLite file and binding values to it, without Kysely: shared by the Kysely
 * dialect (sqlite-dialect.ts) and the span writer thread (span-write-worker.ts), which keeps its
 * isolate small by loading nothing else.
 */

/** Milliseconds a writer waits for another process's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/** Opens (creating if needed) the SQLite file, or `:memory:`, with WAL and the pragmas Operon relies on. */
export async function openSqlite(path: string): Promise<DatabaseSync> {
  // Loaded lazily so that a PostgreSQL deployment never loads node:sqlite.
  const { DatabaseSync } = await import('node:sqlite');
  const database = new DatabaseSync(path);
  try {
    database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.exec('PRAGMA journal_mode = WAL');
    database.exec('PRAGMA synchronous = NORMAL');
    database.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** Parameters as node:sqlite binds them (see `toSqlValue`). */
export function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  const out = new Array<SQLInputValue>(parameters.length);
  for (let index = 0; index < parameters.length; index++) out[index] = toSqlValue(parameters[index]);
  return out;
}

function toSqlValue(value: unknown): SQLInputValue {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'undefined':
      return null;
    default:
      if (value === null || ArrayBuffer.isView(value)) return value as SQLInputValue;
      if (value instanceof Date) return value.getTime();
      throw new TypeError(`Cannot bind a value of type ${typeof value} to SQLite; serialize it first.`);
  }
}
