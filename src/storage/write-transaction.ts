import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/**
 * A transaction that will write, taking the write lock at its start. On SQLite a transaction that reads
 * first and then writes fails at once with SQLITE_BUSY when another connection (the span writer
 * thread) wrote in between; `BEGIN IMMEDIATE` waits for the lock instead (busy timeout), then nothing can
 * come between its reads and its writes. PostgreSQL needs nothing special.
 *
 * @example
 * const deleted = await writeTransaction(db, async (trx) => { … });
 */
export async function writeTransaction<T>(db: Kysely<DatabaseSchema>, work: (trx: Kysely<DatabaseSchema>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(work);
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      // SQLite may have rolled back already (some errors end the transaction); nothing to undo then.
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
