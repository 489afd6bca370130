import type { Kysely, Selectable } from 'kysely';
import type { AlertComparison, AlertMetric, AlertRule } from '../alerts/alert-rule.ts';
import type { AlertDelivery, AlertEvent, AlertEventStatus, AlertRuleWithState, AlertStateName, AlertStore, DeliveryStatus } from '../alerts/alert-store.ts';
import { checkEventLimit, decodeEventCursor, encodeEventCursor } from '../alerts/event-cursor.ts';
import type { AlertEventsTable, AlertRulesTable, DatabaseSchema } from './schema.ts';
import { cleanText, fromFlag, toFlag } from './sql-util.ts';

/**
 * `AlertStore` over Kysely, the same code on SQLite and PostgreSQL. A rule's state lives on its row;
 * `saveState` is one `update … where state_version = ?` and, when it hit, the event insert, in one
 * transaction. The history is the outbox: undelivered events are found by (delivery_status, lease_until).
 *
 * @example
 * const alerts = createAlertStore(database.db);
 */
export function createAlertStore(db: Kysely<DatabaseSchema>): AlertStore {
  const getRule = async (projectId: string, id: string) => {
    const row = await db.selectFrom('alert_rules').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row ? rowToRule(row) : undefined;
  };

  return {
    async createRule(rule) {
      await db.insertInto('alert_rules').values({ ...ruleToRow(rule), ...INITIAL_STATE }).execute();
      return (await getRule(rule.projectId, rule.id)) as AlertRuleWithState;
    },

    getRule,

    async listRules(projectId) {
      const rows = await db.selectFrom('alert_rules').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
      return rows.map(rowToRule);
    },

    async updateRule(rule) {
      const { id: _id, project_id: _projectId, created_at: _createdAt, ...definition } = ruleToRow(rule);
      const result = await db.updateTable('alert_rules').set(definition).where('project_id', '=', rule.projectId).where('id', '=', rule.id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? getRule(rule.projectId, rule.id) : undefined;
    },

    async deleteRule(projectId, id) {
      const result = await db.deleteFrom('alert_rules').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async listRulesToEvaluate() {
      const rows = await db
        .selectFrom('alert_rules')
        .selectAll()
        .where((eb) => eb.or([eb('enabled', '=', 1), eb('state', '!=', 'ok')]))
        .orderBy('id')
        .execute();
      return rows.map(rowToRule);
    },

    async saveState(rule, expectedVersion, next, event) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('alert_rules')
          .set({
            state: next.state,
            state_since: next.since,
            state_value: next.value,
            state_requests: next.requests,
            evaluated_at: next.evaluatedAt,
            state_version: expectedVersion + 1,
          })
          .where('project_id', '=', rule.projectId)
          .where('id', '=', rule.id)
          .where('state_version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        if (event) await trx.insertInto('alert_events').values({ ...eventToRow(event.event), lease_until: event.leaseUntil }).execute();
        return true;
      });
    },

    async claimDelivery(projectId, eventId, now, leaseUntil) {
      const result = await db
        .updateTable('alert_events')
        .set({ lease_until: leaseUntil })
        .where('project_id', '=', projectId)
        .where('id', '=', eventId)
        .where('delivery_status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async recordDelivery(projectId, eventId, delivery, leaseUntil) {
      await db
        .updateTable('alert_events')
        .set({ ...deliveryToColumns(delivery), lease_until: leaseUntil })
        .where('project_id', '=', projectId)
        .where('id', '=', eventId)
        .execute();
    },

    async listUndelivered(now, limit) {
      const rows = await db
        .selectFrom('alert_events')
        .selectAll()
        .where('delivery_status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(rowToEvent);
    },

    async listEvents(query) {
      checkEventLimit(query.limit);
      const cursor = query.cursor ? decodeEventCursor(query.cursor) : undefined;
      let select = db.selectFrom('alert_events').selectAll().where('project_id', '=', query.projectId);
      if (query.ruleId !== undefined) select = select.where('rule_id', '=', query.ruleId);
      if (cursor) select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
      const events = rows.slice(0, query.limit).map(rowToEvent);
      const last = events[events.length - 1];
      return { events, nextCursor: rows.length > query.limit && last ? encodeEventCursor(last) : null };
    },
  };
}

type StateColumns = 'state' | 'state_since' | 'state_value' | 'state_requests' | 'evaluated_at' | 'state_version';
const INITIAL_STATE: Pick<AlertRulesTable, StateColumns> = { state: 'ok', state_since: null, state_value: null, state_requests: null, evaluated_at: null, state_version: 0 };

/** The rule's definition columns; its state is written by `saveState` only. */
function ruleToRow(rule: AlertRule): Omit<AlertRulesTable, StateColumns> {
  return {
    id: rule.id,
    project_id: rule.projectId,
    name: cleanText(rule.name),
    metric: rule.metric,
    comparison: rule.comparison,
    threshold: rule.threshold,
    window_duration: rule.window,
    for_duration: rule.for,
    filters: JSON.stringify(rule.filters),
    min_requests: rule.minRequests,
    webhook_url: cleanText(rule.webhookUrl),
    enabled: toFlag(rule.enabled),
    created_at: rule.createdAt,
    updated_at: rule.updatedAt,
  };
}

const numberOrNull = (value: number | string | null) => (value === null ? null : Number(value));

function rowToRule(row: Selectable<AlertRulesTable>): AlertRuleWithState {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    metric: row.metric as AlertMetric,
    comparison: row.comparison as AlertComparison,
    threshold: Number(row.threshold),
    window: row.window_duration,
    for: row.for_duration,
    filters: JSON.parse(row.filters) as AlertRule['filters'],
    minRequests: Number(row.min_requests),
    webhookUrl: row.webhook_url,
    enabled: fromFlag(Number(row.enabled)),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    state: {
      state: row.state as AlertStateName,
      since: numberOrNull(row.state_since),
      value: numberOrNull(row.state_value),
      requests: numberOrNull(row.state_requests),
      evaluatedAt: numberOrNull(row.evaluated_at),
      version: Number(row.state_version),
    },
  };
}

function deliveryToColumns(delivery: AlertDelivery) {
  return {
    delivery_status: delivery.status,
    delivery_attempts: delivery.attempts,
    response_status: delivery.responseStatus,
    last_error: cleanText(delivery.lastError),
    delivered_at: delivery.deliveredAt,
  };
}

function eventToRow(event: AlertEvent): Omit<AlertEventsTable, 'lease_until'> {
  return {
    project_id: event.projectId,
    id: event.id,
    rule_id: event.ruleId,
    rule_name: cleanText(event.ruleName),
    metric: event.metric,
    comparison: event.comparison,
    threshold: event.threshold,
    window_duration: event.window,
    status: event.status,
    value: event.value,
    requests: event.requests,
    starts_at: event.startsAt,
    ends_at: event.endsAt,
    created_at: event.createdAt,
    link: cleanText(event.link),
    payload: event.payload,
    ...deliveryToColumns(event.delivery),
  };
}

function rowToEvent(row: Selectable<AlertEventsTable>): AlertEvent {
  return {
    id: row.id,
    projectId: row.project_id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    metric: row.metric as AlertMetric,
    comparison: row.comparison as AlertComparison,
    threshold: Number(row.threshold),
    window: row.window_duration,
    status: row.status as AlertEventStatus,
    value: numberOrNull(row.value),
    requests: numberOrNull(row.requests),
    startsAt: Number(row.starts_at),
    endsAt: numberOrNull(row.ends_at),
    createdAt: Number(row.created_at),
    link: row.link,
    payload: row.payload,
    delivery: {
      status: row.delivery_status as DeliveryStatus,
      attempts: Number(row.delivery_attempts),
      responseStatus: numberOrNull(row.response_status),
      lastError: row.last_error,
      deliveredAt: numberOrNull(row.delivered_at),
    },
  };
}
