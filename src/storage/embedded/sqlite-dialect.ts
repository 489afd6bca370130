import type { DatabaseSync, StatementSync, SQLInputValue } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

/**
 * A Kysely dialect over Node's built-in `node:sqlite` (`DatabaseSync`). Kysely's `SqliteDialect` only
 * needs a `prepare(sql)` returning `{ reader, all, run, iterate }`; this module adapts `StatementSync`
 * to it, converts values node:sqlite cannot bind (booleans → 0/1, undefined → NULL, Date → epoch ms),
 * and keeps a bounded LRU of prepared statements, since trace batches repeat the same inserts.
 *
 * @example
 * const sqlite = await openSqlite('/var/lib/operon/operon.db');
 * const db = new Kysely<DatabaseSchema>({ dialect: createSqliteDialect(sqlite) });
 */

/** Statements kept prepared, least recently used evicted first. */
const STATEMENT_CACHE_SIZE = 200;
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

export function createSqliteDialect(database: DatabaseSync): SqliteDialect {
  return new SqliteDialect({ database: adaptDatabase(database) });
}

function adaptDatabase(database: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      // `isOpen` is absent before Node 22.15; closing twice throws, so only close what is open.
      if (database.isOpen !== false) database.close();
    },
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached) {
        // Re-insert to mark as most recently used.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = adaptStatement(database.prepare(sql));
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
  };
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...bindable(parameters)),
    run: (parameters) => statement.run(...bindable(parameters)),
    iterate: (parameters) => statement.iterate(...bindable(parameters)) as IterableIterator<unknown>,
  };
}

function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
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
