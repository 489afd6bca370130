import pg from 'pg';
import { PostgresDialect } from 'kysely';

/**
 * A Kysely dialect over a small `pg.Pool`. int8 (bigint, COUNT) and numeric (SUM of bigint) come back
 * as JS numbers, not strings: Operon stores epoch milliseconds, token counts and money, all well
 * inside 2^53. The parsers are set on this pool only, never globally on `pg.types`.
 *
 * @example
 * const pool = createPostgresPool({ connectionString: url, schema: 'operon' });
 * const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
 */

export interface PostgresPoolOptions {
  connectionString: string;
  /** Schema to use (sets `search_path`); the server's default (`public`) when absent. */
  schema?: string;
  /** Connections at most. */
  maxConnections?: number;
  connectionTimeoutMillis?: number;
  /** Called when an idle connection fails (the pool replaces it). */
  onIdleError?: (error: Error) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const numericTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export function createPostgresPool(options: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
    types: numericTypes,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

export function createPostgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
