import { sql, type Kysely } from 'kysely';

/**
 * Observability (issue 3): spans of every kind from any application, not only the gateway's. Spans and
 * traces gain session, user, tags, metadata, release and environment; spans gain the reporting service,
 * events and a truncation flag; scores attach to a trace or a span. The gateway's old `span` type
 * becomes `other`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const spanColumns: [string, 'text' | 'integer', string | number | null][] = [
    ['session_id', 'text', null],
    ['user_id', 'text', null],
    ['tags', 'text', '[]'],
    ['metadata', 'text', '{}'],
    ['release', 'text', null],
    ['environment', 'text', null],
    ['service_name', 'text', null],
    ['events', 'text', '[]'],
    ['truncated', 'integer', 0],
  ];
  for (const [name, type, fallback] of spanColumns) {
    await db.schema
      .alterTable('spans')
      .addColumn(name, type, (c) => (fallback === null ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }
  for (const [name, type, fallback] of spanColumns.filter(([name]) => ['session_id', 'user_id', 'tags', 'release', 'environment'].includes(name))) {
    await db.schema
      .alterTable('traces')
      .addColumn(name, type, (c) => (fallback === null ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }
  await sql`update spans set type = 'other' where type = 'span'`.execute(db);

  // Sessions and users views, and the trace list filtered by either.
  await db.schema.createIndex('traces_project_session').on('traces').columns(['project_id', 'session_id', 'started_at desc']).execute();
  await db.schema.createIndex('traces_project_user').on('traces').columns(['project_id', 'user_id', 'started_at desc']).execute();

  await db.schema
    .createTable('scores')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('span_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('string_value', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('key_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('scores_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('scores_project_trace').on('scores').columns(['project_id', 'trace_id']).execute();
  await db.schema.createIndex('scores_project_name_created').on('scores').columns(['project_id', 'name', 'created_at']).execute();
}
