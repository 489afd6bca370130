import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Retention, erasure, the audit log and full-text search (docs/observability.md).
 *
 * - `projects.retention_days`: traces older than this many days are deleted in the background.
 * - `audit_log`: who did what to a project (keys, settings, erasures, retention), newest first.
 * - `spans_project_user`: erasure finds the spans of one end user in traces attributed to others.
 * - Search, indexed after the write by a background indexer (storage/search-index.ts), so that span
 *   writes do not pay for tokenizing bodies:
 *   - SQLite: `span_search`, an FTS5 table without content keyed by the span's rowid. Its largest rowid is
 *     the indexer's watermark; a trigger removes a span's entry when the span is deleted, so the
 *     watermark never passes a span that has not been indexed.
 *   - PostgreSQL: `span_search` (a tsvector per span, GIN-indexed, deleted with its span by the foreign
 *     key). Spans gain `search_xid`, the id of the transaction that wrote them; the watermark is the last
 *     (search_xid, project_id, id) indexed, and only spans of transactions older than every running one
 *     are indexed, so a span committed late is never skipped.
 * Spans stored before this migration are indexed by the same indexer, from the start.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').addColumn('retention_days', 'integer').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_key_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_log_project_at').on('audit_log').columns(['project_id', 'at desc', 'id desc']).execute();

  // Partial: spans without a user (most of them, in gateway traffic) cost the index nothing.
  await db.schema
    .createIndex('spans_project_user')
    .on('spans')
    .columns(['project_id', 'user_id'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();

  if (db.getExecutor().adapter instanceof SqliteAdapter) await sqliteSearch(db);
  else await postgresSearch(db);
}

async function sqliteSearch(db: Kysely<any>): Promise<void> {
  // No content of its own (the text is in `spans`); `contentless_delete` lets entries be removed.
  // unicode61 without diacritic folding tokenizes like PostgreSQL's `simple` configuration.
  await sql`create virtual table span_search using fts5(name, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db);
  // A delete rewrites a whole segment once 10 % of it is deleted (the default): over a large index that
  // held the write lock for more than a second per retention batch. At 50 % the rewrites are rarer and
  // smaller, and the index stays as compact in a steady state of inserts and deletions.
  await sql`insert into span_search (span_search, rank) values ('deletemerge', 50)`.execute(db);
  await sql`create trigger spans_search_delete after delete on spans begin delete from span_search where rowid = old.rowid; end`.execute(db);
}

async function postgresSearch(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('spans')
    .addColumn('search_xid', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .execute();
  await db.schema.createIndex('spans_search_xid').on('spans').columns(['search_xid', 'project_id', 'id']).execute();
  await db.schema
    .createTable('span_search')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('span_id', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('document', sql`tsvector`, (c) => c.notNull())
    .addPrimaryKeyConstraint('span_search_pk', ['project_id', 'span_id'])
    .addForeignKeyConstraint('span_search_span', ['project_id', 'span_id'], 'spans', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await sql`create index span_search_document on span_search using gin (document)`.execute(db);
  await db.schema
    .createTable('span_search_watermark')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('xid', sql`xid8`, (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('span_id', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into span_search_watermark (id, xid, project_id, span_id) values (1, '0'::xid8, '', '')`.execute(db);
}
