import { Kysely, sql } from 'kysely';
import type { ProjectStore } from '../projects/project-store.ts';
import type { UsageStore } from '../projects/usage-store.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import type { ScoreStore } from '../tracing/score-store.ts';
import { createScoreStore } from './score-store.ts';
import type { Database } from './database.ts';
import { createProjectStore } from './project-store.ts';
import type { DatabaseSchema } from './schema.ts';
import { createTraceStore } from './trace-store.ts';
import { createUsageStore } from './usage-store.ts';

/**
 * The storage layer: `openDatabase` (embedded SQLite or PostgreSQL, migrated on open) and the stores
 * over it, written once over Kysely for both.
 *
 * @example
 * const database = await openDatabase({ dataDir: './.operon' }, { logger });
 * const { projects, usage, traces } = createStores(database);
 */
export { openDatabase, redactUrl, SQLITE_FILE_NAME } from './database.ts';
export type { Database, DatabaseDeps, OpenDatabaseOptions } from './database.ts';
export type { DatabaseSchema } from './schema.ts';
export { createProjectStore } from './project-store.ts';
export { createUsageStore } from './usage-store.ts';
export { createTraceStore } from './trace-store.ts';
export { MIGRATIONS } from './migrations/index.ts';

export interface Stores {
  projects: ProjectStore;
  usage: UsageStore;
  traces: TraceStore;
  scores: ScoreStore;
  /** Resolves when the database answers a trivial query (readiness checks); rejects otherwise. */
  ping(): Promise<void>;
}

/** All stores over one database; accepts the `Database` from `openDatabase` or its Kysely instance. */
export function createStores(database: Database | Kysely<DatabaseSchema>): Stores {
  const db = database instanceof Kysely ? database : database.db;
  const spanWriter = database instanceof Kysely ? undefined : database.spanWriter;
  return {
    projects: createProjectStore(db),
    usage: createUsageStore(db),
    traces: createTraceStore(db, spanWriter ? { writeRows: (rows) => spanWriter.write(rows) } : {}),
    scores: createScoreStore(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
}
