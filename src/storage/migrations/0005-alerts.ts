import type { Kysely } from 'kysely';

/**
 * Alerts (alerts/alert-store.ts): rules with their evaluation state on the same row (so one
 * compare-and-set on `state_version` moves a rule between ok, pending and firing), and the history of
 * fired and resolved events, which doubles as the webhook outbox (`delivery_status`, `lease_until`).
 * Both go with their project (on delete cascade); an event outlives its rule. `window` and `for` are
 * SQL keywords, hence `window_duration` and `for_duration`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('comparison', 'text', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('window_duration', 'text', (c) => c.notNull())
    .addColumn('for_duration', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('min_requests', 'integer', (c) => c.notNull())
    .addColumn('webhook_url', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('ok'))
    .addColumn('state_since', 'bigint')
    .addColumn('state_value', 'double precision')
    .addColumn('state_requests', 'bigint')
    .addColumn('evaluated_at', 'bigint')
    .addColumn('state_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('alert_rules_project').on('alert_rules').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('rule_name', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('comparison', 'text', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('window_duration', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('requests', 'bigint')
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('link', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('delivery_status', 'text', (c) => c.notNull())
    .addColumn('delivery_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('lease_until', 'bigint')
    .addPrimaryKeyConstraint('alert_events_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('alert_events_project_created').on('alert_events').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('alert_events_project_rule_created').on('alert_events').columns(['project_id', 'rule_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('alert_events_delivery').on('alert_events').columns(['delivery_status', 'lease_until']).execute();
}
