import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, Migrator, sql } from 'kysely';
import { OperonError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { createSqliteDialect, openSqlite } from './embedded/sqlite-dialect.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './migrations/index.ts';
import { createPostgresDialect, createPostgresPool } from './postgres/postgres-dialect.ts';
import type { DatabaseSchema } from './schema.ts';
import { createSpanWriteThread, type SpanWriteThread } from './embedded/span-write-thread.ts';
import { compileSpanWriteSql } from './trace-store.ts';

/**
 * Opens the database Operon keeps its state in and brings its schema up to date: embedded SQLite
 * (`<dataDir>/operon.db`, WAL) by default, a PostgreSQL server when a `postgres://` URL is given.
 * Everything above this module talks Kysely and never cares which.
 *
 * @example
 * const database = await openDatabase(config.storage.databaseUrl
 *   ? { databaseUrl: config.storage.databaseUrl }
 *   : { dataDir: config.storage.dataDir }, { logger });
 * const stores = createStores(database);
 * await database.close();
 */
export type OpenDatabaseOptions =
  | { dataDir: string }
  | {
      databaseUrl: string;
      /** PostgreSQL schema to use (created if missing); the server's default when absent. Tests use a fresh one. */
      schema?: string;
    }
  /** `:memory:` for a throwaway database, or a file path (tests). */
  | {
      sqlitePath: string;
      /** Write span batches from a worker thread (file databases only). Default true. */
      spanWriterThread?: boolean;
    };

export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: 'sqlite' | 'postgres';
  /**
   * Where span batches are written when not through `db`: the writer thread of an embedded database in
   * a file (see embedded/span-write-thread.ts). Absent for `:memory:` and PostgreSQL.
   */
  spanWriter?: SpanWriteThread;
  /** Closes the connection(s). Safe to call twice. */
  close(): Promise<void>;
}

export interface DatabaseDeps {
  logger?: Logger;
}

/** The file inside the data folder that holds the embedded database. */
export const SQLITE_FILE_NAME = 'operon.db';

export async function openDatabase(options: OpenDatabaseOptions, deps: DatabaseDeps = {}): Promise<Database> {
  const database = 'databaseUrl' in options
    ? await openPostgres(options.databaseUrl, options.schema, deps)
    : await openEmbedded(
        'dataDir' in options ? dataDirFile(options.dataDir) : options.sqlitePath,
        'sqlitePath' in options ? options.spanWriterThread !== false : true,
        deps,
      );
  return database;
}

function dataDirFile(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new OperonError({
      code: 'data_dir_unavailable',
      kind: 'config',
      blame: 'user',
      message: `Could not create the data folder '${dir}': ${causeText(error)}. Set storage.dataDir in operon.yaml (or OPERON_DATA_DIR) to a folder Operon can write to.`,
      cause: error,
    });
  }
  return join(dir, SQLITE_FILE_NAME);
}

async function openEmbedded(path: string, writerThread: boolean, deps: DatabaseDeps): Promise<Database> {
  let sqlite;
  try {
    sqlite = await openSqlite(path);
  } catch (error) {
    throw new OperonError({
      code: 'database_unavailable',
      kind: 'config',
      blame: 'user',
      message: `Could not open the SQLite database '${path}': ${causeText(error)}. Check that the data folder (storage.dataDir or OPERON_DATA_DIR) is writable and that the file is an Operon database.`,
      cause: error,
    });
  }
  const db = new Kysely<DatabaseSchema>({ dialect: createSqliteDialect(sqlite) });
  // A file database takes its span batches on a thread of their own; `:memory:` exists only in this one.
  const inFile = path !== ':memory:' && !path.startsWith('file::memory:') && path !== '';
  const spanWriter = writerThread && inFile
    ? createSpanWriteThread({ path, compileSql: (rows) => compileSpanWriteSql(db, rows) })
    : undefined;
  const database = wrap(db, 'sqlite', spanWriter);
  try {
    await migrate(db, undefined, path, deps);
  } catch (error) {
    await database.close();
    throw error;
  }
  deps.logger?.info({ dialect: 'sqlite', path }, 'database ready');
  return database;
}

async function openPostgres(url: string, schema: string | undefined, deps: DatabaseDeps): Promise<Database> {
  const shown = redactUrl(url);
  const password = passwordOf(url);
  if (!/^postgres(ql)?:\/\/./.test(url) || shown === '(an unparseable URL)') {
    throw configError('database_url_invalid', `The database URL ${shown.startsWith('(') ? shown : `'${shown}'`} is not a valid postgres:// URL. Fix OPERON_DATABASE_URL (storage.databaseUrl), e.g. postgres://user:password@host:5432/operon.`);
  }
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) {
    throw configError('database_schema_invalid', `PostgreSQL schema name '${schema}' is not valid: use letters, digits and _ only.`);
  }
  const pool = createPostgresPool({
    connectionString: url,
    ...(schema ? { schema } : {}),
    onIdleError: (error) => deps.logger?.warn({ err: scrubError(error, password) }, 'idle PostgreSQL connection failed; it will be replaced'),
  });
  const db = new Kysely<DatabaseSchema>({ dialect: createPostgresDialect(pool) });
  const database = wrap(db, 'postgres');
  try {
    let current: string | null;
    try {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
      current = result.rows[0]?.schema ?? null;
    } catch (error) {
      throw new OperonError({
        code: 'database_unavailable',
        kind: 'unavailable',
        blame: 'system',
        isRetryable: true,
        message: `Could not connect to PostgreSQL at ${shown}: ${scrub(causeText(error), password)}. Check OPERON_DATABASE_URL and that the server is running.`,
        cause: scrubError(error, password),
      });
    }
    if (!current) {
      throw configError(
        'database_schema_missing',
        `PostgreSQL at ${shown} has no schema to create tables in (search_path names none that exists). Create one, or fix the user's search_path.`,
      );
    }
    await migrate(db, current, shown, deps);
  } catch (error) {
    await database.close();
    throw error;
  }
  deps.logger?.info({ dialect: 'postgres', url: shown, schema }, 'database ready');
  return database;
}

function wrap(db: Kysely<DatabaseSchema>, dialect: Database['dialect'], spanWriter?: SpanWriteThread): Database {
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect,
    ...(spanWriter ? { spanWriter } : {}),
    close: () =>
      (closing ??= (async () => {
        await spanWriter?.close();
        await db.destroy();
      })()),
  };
}

/** Runs every pending migration; the database is left at the last one that succeeded. */
async function migrate(db: Kysely<DatabaseSchema>, schema: string | undefined, where: string, deps: DatabaseDeps): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Kysely looks the migration table up across all schemas unless told which one.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    if (result.status === 'Success') deps.logger?.info({ migration: result.migrationName }, 'database migration applied');
  }
  if (error === undefined) return;
  const failed = results.find((result) => result.status === 'Error');
  const text = causeText(error);
  const message = /previously executed migration .* is missing/.test(text)
    ? `The database at ${where} was migrated by a newer version of Operon (${text}). Upgrade Operon, or point it at another database.`
    : `Database migration ${failed ? `'${failed.migrationName}' ` : ''}failed on ${where}: ${text}. The database is left at the last migration that succeeded; fix the cause and start Operon again.`;
  throw new OperonError({ code: 'migration_failed', kind: 'config', blame: 'system', message, cause: error });
}

function configError(code: string, message: string): OperonError {
  return new OperonError({ code, kind: 'config', blame: 'user', message });
}

/** `postgres://user@host:port/db (password hidden)`: the URL fit for messages and logs. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparseable URL)';
  }
  const hadPassword = parsed.password !== '';
  const user = parsed.username ? `${parsed.username}@` : '';
  const port = parsed.port ? `:${parsed.port}` : '';
  return `${parsed.protocol}//${user}${parsed.hostname}${port}${parsed.pathname}${hadPassword ? ' (password hidden)' : ''}`;
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

function scrub(text: string, password: string): string {
  return password.length >= 3 ? text.replaceAll(password, '***') : text;
}

/** The error with any copy of the password removed from its message (it may be logged). */
function scrubError(error: unknown, password: string): unknown {
  if (error instanceof Error && password.length >= 3 && error.message.includes(password)) {
    error.message = scrub(error.message, password);
  }
  return error;
}

/** A system error's code (`ECONNREFUSED`) or the error's message. */
function causeText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  if (error instanceof Error && error.message) return error.message.replace(/\.$/, '');
  return typeof code === 'string' ? code : String(error);
}
