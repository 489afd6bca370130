import type { Kysely } from 'kysely';

/**
 * The first schema: projects, API keys, traces, spans and daily usage. Written with Kysely's schema
 * builder only, so the same code runs on SQLite and PostgreSQL. JSON is TEXT and booleans are
 * integer 0/1 on both; epoch milliseconds are bigint and money is double precision.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('capture_bodies', 'text', (c) => c.notNull())
    .addColumn('limits', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('cache_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('cache_ttl_seconds', 'integer')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('limits', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_project').on('api_keys').column('project_id').execute();

  await db.schema
    .createTable('traces')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('model_requested', 'text')
    .addColumn('model_used', 'text')
    .addColumn('provider', 'text')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint')
    .addColumn('output_tokens', 'bigint')
    .addColumn('cost_usd', 'double precision')
    .addColumn('cache_hit', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('span_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('has_root', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('traces_pk', ['project_id', 'id'])
    .execute();
  // Newest-first listing and its (started_at, id) cursor; the key filter gets its own index.
  await db.schema
    .createIndex('traces_project_started')
    .on('traces')
    .columns(['project_id', 'started_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('traces_project_key_started')
    .on('traces')
    .columns(['project_id', 'key_id', 'started_at desc', 'id desc'])
    .execute();

  await db.schema
    .createTable('spans')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('parent_span_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('model_requested', 'text')
    .addColumn('model_used', 'text')
    .addColumn('provider', 'text')
    .addColumn('attempts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('fallback_used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_hit', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('time_to_first_token_ms', 'double precision')
    .addColumn('input_tokens', 'bigint')
    .addColumn('output_tokens', 'bigint')
    .addColumn('cost_usd', 'double precision')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('body_capture', 'text', (c) => c.notNull())
    .addColumn('input', 'text')
    .addColumn('output', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addPrimaryKeyConstraint('spans_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('spans_project_trace').on('spans').columns(['project_id', 'trace_id']).execute();

  await db.schema
    .createTable('usage_daily')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_daily_pk', ['project_id', 'key_id', 'day'])
    .execute();
}
