import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { OperonError } from '../core/errors.ts';
import { createStores, MIGRATIONS, openDatabase, redactUrl, SQLITE_FILE_NAME, type OpenDatabaseOptions } from './index.ts';
import { MIGRATION_TABLE } from './migrations/index.ts';
import { POSTGRES_TEST_URL_HINT, postgresTestUrl, randomSchemaName } from './test-databases.ts';

async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'operon-db-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function openError(options: OpenDatabaseOptions): Promise<OperonError> {
  try {
    const database = await openDatabase(options);
    await database.close();
  } catch (error) {
    assert.ok(OperonError.is(error), `expected an OperonError, got ${String(error)}`);
    return error;
  }
  assert.fail('openDatabase should have failed');
}

/** Opens twice on the same storage: the second open migrates nothing and keeps the data. */
async function assertReopenKeepsData(options: OpenDatabaseOptions): Promise<void> {
  const first = await openDatabase(options);
  await createStores(first).projects.createProject({ id: 'proj_keep', name: 'kept', createdAt: 1, captureBodies: 'none' });
  await first.close();
  const second = await openDatabase(options);
  try {
    assert.equal((await createStores(second).projects.getProject('proj_keep'))?.name, 'kept');
    const ran = await second.db
      .selectFrom(MIGRATION_TABLE as 'projects')
      .select(sql<string>`name`.as('name'))
      .execute();
    assert.deepEqual(ran.map((row) => row.name), Object.keys(MIGRATIONS));
  } finally {
    await second.close();
  }
}

describe('openDatabase: embedded SQLite', () => {
  test('creates the data folder and operon.db in WAL mode with foreign keys on', async () => {
    await withTempDir(async (dir) => {
      const dataDir = join(dir, 'nested', 'data');
      const database = await openDatabase({ dataDir });
      try {
        assert.equal(database.dialect, 'sqlite');
        assert.ok(existsSync(join(dataDir, SQLITE_FILE_NAME)));
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
        assert.equal(mode.rows[0]?.journal_mode, 'wal');
        const keys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db);
        assert.equal(keys.rows[0]?.foreign_keys, 1);
        const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
        assert.equal(sync.rows[0]?.synchronous, 1, 'synchronous = NORMAL');
      } finally {
        await database.close();
        await database.close(); // twice is fine
      }
    });
  });

  test('binds booleans and undefined, which node:sqlite cannot', async () => {
    const database = await openDatabase({ sqlitePath: ':memory:' });
    try {
      const result = await sql<{ t: number; f: number; u: null }>`select ${true} as t, ${false} as f, ${undefined} as u`.execute(database.db);
      assert.deepEqual({ ...result.rows[0] }, { t: 1, f: 0, u: null });
    } finally {
      await database.close();
    }
  });

  test('migrations are idempotent: opening twice keeps the data', async () => {
    await withTempDir((dir) => assertReopenKeepsData({ dataDir: join(dir, 'data') }));
  });

  test('a data folder that cannot be created is a config error naming the folder', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'a-file');
      await writeFile(file, 'not a folder');
      const error = await openError({ dataDir: join(file, 'data') });
      assert.equal(error.kind, 'config');
      assert.equal(error.code, 'data_dir_unavailable');
      assert.match(error.message, /a-file/);
      assert.match(error.message, /OPERON_DATA_DIR/);
    });
  });

  test('a file that is not a database is a config error', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, SQLITE_FILE_NAME), 'x'.repeat(4096));
      const error = await openError({ dataDir: dir });
      assert.equal(error.kind, 'config');
      assert.match(error.message, /operon\.db/);
    });
  });

  test('a failing migration is a config error naming the migration', async () => {
    await withTempDir(async (dir) => {
      const raw = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
      raw.exec('create table projects (something text)');
      raw.close();
      const error = await openError({ dataDir: dir });
      assert.equal(error.kind, 'config');
      assert.equal(error.code, 'migration_failed');
      assert.match(error.message, /0001-initial/);
    });
  });

  test('a database migrated by a newer Operon is refused with a clear message', async () => {
    await withTempDir(async (dir) => {
      const database = await openDatabase({ dataDir: dir });
      await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999-future', '2030-01-01')`.execute(database.db);
      await database.close();
      const error = await openError({ dataDir: dir });
      assert.equal(error.code, 'migration_failed');
      assert.match(error.message, /newer version of Operon/);
    });
  });
});

describe('openDatabase: PostgreSQL errors', () => {
  test('connection refused is an unavailable error that hides the password', async () => {
    const error = await openError({ databaseUrl: 'postgres://operon:s3cret-Passw0rd@127.0.0.1:1/operon' });
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'database_unavailable');
    assert.match(error.message, /^Could not connect to PostgreSQL at postgres:\/\/operon@127\.0\.0\.1:1\/operon \(password hidden\): ECONNREFUSED\. Check OPERON_DATABASE_URL/);
    assert.doesNotMatch(error.message, /s3cret-Passw0rd/);
    assert.doesNotMatch(String((error.cause as Error)?.message), /s3cret-Passw0rd/);
  });

  test('a URL that is not postgres:// is a config error', async () => {
    const error = await openError({ databaseUrl: 'mysql://root:hunter22@db/operon' });
    assert.equal(error.kind, 'config');
    assert.doesNotMatch(error.message, /hunter22/);
  });

  test('an invalid schema name is refused before connecting', async () => {
    const error = await openError({ databaseUrl: 'postgres://127.0.0.1:1/x', schema: 'bad; drop' });
    assert.equal(error.kind, 'config');
  });

  test('redactUrl keeps user, host, port and database only', () => {
    assert.equal(redactUrl('postgresql://u:p%40ss@db.example:6543/ops?sslmode=require'), 'postgresql://u@db.example:6543/ops (password hidden)');
    assert.equal(redactUrl('postgres://db/ops'), 'postgres://db/ops');
  });
});

describe('openDatabase: PostgreSQL server', { skip: postgresTestUrl() ? false : POSTGRES_TEST_URL_HINT }, () => {
  test('migrations are idempotent: opening twice keeps the data', async () => {
    const url = postgresTestUrl()!;
    const schema = randomSchemaName();
    try {
      await assertReopenKeepsData({ databaseUrl: url, schema });
    } finally {
      const cleanup = await openDatabase({ databaseUrl: url, schema });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(cleanup.db);
      await cleanup.close();
    }
  });

  test('bigint and numeric come back as numbers', async () => {
    const url = postgresTestUrl()!;
    const schema = randomSchemaName();
    const database = await openDatabase({ databaseUrl: url, schema });
    try {
      assert.equal(database.dialect, 'postgres');
      const row = (await sql<{ a: number; b: number; c: number }>`select 9007199254740991::bigint as a, 1.25::numeric as b, count(*) as c from (values (1), (2)) v(x)`.execute(database.db)).rows[0];
      assert.deepEqual({ ...row }, { a: 9007199254740991, b: 1.25, c: 2 });
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  });
});
