import { Kysely, sql } from 'kysely';
import type { ProjectStore } from '../projects/project-store.ts';
import type { UsageStore } from '../projects/usage-store.ts';
import type { TraceStore } from '../tracing/trace-store.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import { createMetricsStore } from './metrics-store.ts';
import type { ScoreStore } from '../tracing/score-store.ts';
import { createScoreStore } from './score-store.ts';
import type { Database } from './database.ts';
import { createProjectStore } from './project-store.ts';
import type { DatabaseSchema } from './schema.ts';
import { createTraceStore } from './trace-store.ts';
import { createUsageStore } from './usage-store.ts';
import type { AuditLog } from '../projects/audit-log.ts';
import type { TraceDeletion } from '../retention/trace-deletion.ts';
import type { SearchIndex } from '../tracing/search-index.ts';
import type { TraceViews } from '../tracing/trace-views.ts';
import { createAuditLog } from './audit-log.ts';
import { createSearchIndex } from './search-index.ts';
import { createTraceDeletion } from './trace-deletion.ts';
import { createTraceViews } from './trace-views.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import { createAlertStore } from './alert-store.ts';

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
export { createMetricsStore } from './metrics-store.ts';
export { MIGRATIONS } from './migrations/index.ts';

export interface Stores {
  projects: ProjectStore;
  usage: UsageStore;
  traces: TraceStore;
  scores: ScoreStore;
  /** Metrics over the rollups the trace store keeps as it writes spans. */
  metrics: MetricsStore;
  /** The sessions and users views over the traces. */
  views: TraceViews;
  /** The full-text index behind the trace list's `search`, fed in the background. */
  search: SearchIndex;
  /** Retention and erasure. */
  deletion: TraceDeletion;
  audit: AuditLog;
  /** Alert rules, their state and history (the webhook outbox). */
  alerts: AlertStore;
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
    metrics: createMetricsStore(db),
    views: createTraceViews(db),
    search: createSearchIndex(db, spanWriter ? { catchUpInWriter: (maxSpans) => spanWriter.indexSearch(maxSpans) } : {}),
    deletion: createTraceDeletion(db),
    audit: createAuditLog(db),
    alerts: createAlertStore(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
}
