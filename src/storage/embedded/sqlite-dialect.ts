import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { bindable } from './open-sqlite.ts';

export { openSqlite } from './open-sqlite.ts';

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
