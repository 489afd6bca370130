import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as observability from './0002-observability.ts';

/**
 * Every migration, in order, by name. Names sort in the order they run; a new one is appended as
 * `000N-what.ts` and never edited once released. No file scanning: the list is code.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-observability': observability,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** Tables where Kysely's `Migrator` records what ran. */
export const MIGRATION_TABLE = 'operon_migrations';
export const MIGRATION_LOCK_TABLE = 'operon_migrations_lock';
