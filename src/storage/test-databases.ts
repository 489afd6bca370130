import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type Database } from './database.ts';

/**
 * Throwaway databases for tests: SQLite in a temp folder or in memory, and PostgreSQL in a fresh
 * schema `operon_test_<random>` of the server named by `OPERON_TEST_DATABASE_URL`, dropped on cleanup.
 *
 * @example
 * const { database, cleanup } = await openTestDatabase('postgres');
 * try { … } finally { await cleanup(); }
 */
export type TestBackend = 'sqlite-file' | 'sqlite-memory' | 'postgres';

export interface TestDatabase {
  database: Database;
  /** Closes the database and removes what it left (folder, schema). */
  cleanup(): Promise<void>;
}

export const POSTGRES_TEST_URL_HINT = 'set OPERON_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run';

export function postgresTestUrl(): string | undefined {
  return process.env.OPERON_TEST_DATABASE_URL || undefined;
}

export function randomSchemaName(): string {
  return `operon_test_${randomBytes(6).toString('hex')}`;
}

export async function openTestDatabase(backend: TestBackend): Promise<TestDatabase> {
  if (backend === 'sqlite-memory') {
    const database = await openDatabase({ sqlitePath: ':memory:' });
    return { database, cleanup: () => database.close() };
  }
  if (backend === 'sqlite-file') {
    const dir = await mkdtemp(join(tmpdir(), 'operon-store-'));
    const database = await openDatabase({ dataDir: join(dir, 'data') });
    return {
      database,
      cleanup: async () => {
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const url = postgresTestUrl();
  if (!url) throw new Error(`PostgreSQL tests need a server: ${POSTGRES_TEST_URL_HINT}.`);
  const schema = randomSchemaName();
  const database = await openDatabase({ databaseUrl: url, schema });
  return {
    database,
    cleanup: async () => {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      } finally {
        await database.close();
      }
    },
  };
}
