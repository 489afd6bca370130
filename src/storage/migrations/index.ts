import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as observability from './0002-observability.ts';
import * as metrics from './0003-metrics.ts';
import * as retentionAuditSearch from './0004-retention-audit-search.ts';
import * as alerts from './0005-alerts.ts';

/**
 * Every migration, in order, by name. Names sort in the order they run; a new one is appended as
 * `000N-what.ts` and never edited once released. No file scanning: the list is code.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-observability': observability,
  '0003-metrics': metrics,
  '0004-retention-audit-search': retentionAuditSearch,
  '0005-alerts': alerts,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Tables where Kysely's `Migrator` records what ran. */
export const MIGRATION_TABLE = 'operon_migrations';
export const MIGRATION_LOCK_TABLE = 'operon_migrations_lock';
