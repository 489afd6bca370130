import type { AlertRule } from './alert-rule.ts';
import { OK_STATE, type AlertEvent, type AlertRuleWithState, type AlertStore } from './alert-store.ts';
import { checkEventLimit, decodeEventCursor, encodeEventCursor } from './event-cursor.ts';

/**
 * An `AlertStore` in memory, for the evaluator's unit tests. It passes the same contract suite as the
 * database store (alert-store.contract.ts), so tests on it say something about production.
 *
 * @example
 * const store = createInMemoryAlertStore();
 * await store.createRule(rule);
 */
export function createInMemoryAlertStore(): AlertStore & { readonly events: readonly EventRecord[] } {
  const rules = new Map<string, AlertRuleWithState>();
  const events: EventRecord[] = [];
  const copy = <T>(value: T): T => structuredClone(value);
  const find = (projectId: string, id: string) => {
    const rule = rules.get(id);
    return rule && rule.projectId === projectId ? rule : undefined;
  };
  const findEvent = (projectId: string, id: string) => events.find((record) => record.event.projectId === projectId && record.event.id === id);
  const newestFirst = (a: AlertEvent, b: AlertEvent) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

  return {
    get events() {
      return events;
    },
    async createRule(rule) {
      if (rules.has(rule.id)) throw new Error(`rule ${rule.id} exists`);
      rules.set(rule.id, { ...copy(rule), state: { ...OK_STATE } });
      return copy(rules.get(rule.id) as AlertRuleWithState);
    },
    async getRule(projectId, id) {
      const rule = find(projectId, id);
      return rule && copy(rule);
    },
    async listRules(projectId) {
      return [...rules.values()].filter((rule) => rule.projectId === projectId).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map(copy);
    },
    async updateRule(rule: AlertRule) {
      const existing = find(rule.projectId, rule.id);
      if (!existing) return undefined;
      rules.set(rule.id, { ...copy(rule), createdAt: existing.createdAt, state: existing.state });
      return copy(rules.get(rule.id));
    },
    async deleteRule(projectId, id) {
      return find(projectId, id) ? rules.delete(id) : false;
    },
    async listRulesToEvaluate() {
      return [...rules.values()].filter((rule) => rule.enabled || rule.state.state !== 'ok').sort((a, b) => a.id.localeCompare(b.id)).map(copy);
    },
    async saveState(ref, expectedVersion, next, event) {
      const rule = find(ref.projectId, ref.id);
      if (!rule || rule.state.version !== expectedVersion) return false;
      rule.state = { ...next, version: expectedVersion + 1 };
      if (event) events.push({ event: copy(event.event), leaseUntil: event.leaseUntil });
      return true;
    },
    async claimDelivery(projectId, eventId, now, leaseUntil) {
      const record = findEvent(projectId, eventId);
      if (!record || record.event.delivery.status !== 'pending' || (record.leaseUntil !== null && record.leaseUntil > now)) return false;
      record.leaseUntil = leaseUntil;
      return true;
    },
    async recordDelivery(projectId, eventId, delivery, leaseUntil) {
      const record = findEvent(projectId, eventId);
      if (!record) return;
      record.event.delivery = copy(delivery);
      record.leaseUntil = leaseUntil;
    },
    async listUndelivered(now, limit) {
      return events
        .filter((record) => record.event.delivery.status === 'pending' && (record.leaseUntil === null || record.leaseUntil <= now))
        .map((record) => record.event)
        .sort((a, b) => newestFirst(b, a))
        .slice(0, limit)
        .map(copy);
    },
    async listEvents(query) {
      checkEventLimit(query.limit);
      const cursor = query.cursor ? decodeEventCursor(query.cursor) : undefined;
      const matching = events
        .map((record) => record.event)
        .filter((event) => event.projectId === query.projectId && (query.ruleId === undefined || event.ruleId === query.ruleId))
        .filter((event) => !cursor || event.createdAt < cursor.createdAt || (event.createdAt === cursor.createdAt && event.id < cursor.id))
        .sort(newestFirst);
      const page = matching.slice(0, query.limit).map(copy);
      const last = page[page.length - 1];
      return { events: page, nextCursor: matching.length > query.limit && last ? encodeEventCursor(last) : null };
    },
  };
}

export interface EventRecord {
  event: AlertEvent;
  leaseUntil: number | null;
}
