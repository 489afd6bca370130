import type { AlertComparison, AlertMetric, AlertRule } from './alert-rule.ts';

/**
 * Where alert rules, their state and their history are kept.
 *
 * State changes are compare-and-set on `state.version`: `saveState` writes only if the version is still
 * the one the evaluator read, and inserts the fired or resolved event in the same transaction. So an
 * alert fires once even with two Operon processes on one database, and a restart finds it firing
 * instead of firing it again. Events wait in the store until delivered (an outbox): the process that
 * created one holds a lease on its delivery; an event whose lease ran out (its process died) is
 * claimed again with `claimDelivery`.
 *
 * Rules and events belong to a project; every read but the evaluator's two is scoped by project id.
 *
 * @example
 * const rule = await store.getRule(projectId, ruleId);
 * const won = await store.saveState(rule, rule.state.version, { ...next }, { event, leaseUntil: now + 600_000 });
 * if (won) await deliver(event);
 */
export interface AlertStore {
  /** Stores a new rule in state ok. */
  createRule(rule: AlertRule): Promise<AlertRuleWithState>;
  getRule(projectId: string, id: string): Promise<AlertRuleWithState | undefined>;
  /** The project's rules, oldest first. */
  listRules(projectId: string): Promise<AlertRuleWithState[]>;
  /** Replaces the rule's definition, keeping its state. Undefined if no such rule in that project. */
  updateRule(rule: AlertRule): Promise<AlertRuleWithState | undefined>;
  /** Deletes the rule and its state; its history stays. */
  deleteRule(projectId: string, id: string): Promise<boolean>;
  /** Every project's enabled rules, and disabled ones not in state ok (they still have to settle). */
  listRulesToEvaluate(): Promise<AlertRuleWithState[]>;
  /**
   * Writes the rule's next state (version + 1) if its version is still `expectedVersion`, with `event`
   * (leased until `leaseUntil`) in the same transaction. False, writing nothing, if another writer
   * got there first or the rule was deleted.
   */
  saveState(rule: RuleRef, expectedVersion: number, next: Omit<AlertState, 'version'>, event?: { event: AlertEvent; leaseUntil: number }): Promise<boolean>;
  /** Takes the delivery of a pending event whose lease has run out (or was released). False if taken or done. */
  claimDelivery(projectId: string, eventId: string, now: number, leaseUntil: number): Promise<boolean>;
  /** Records the outcome so far; `leaseUntil` null releases the lease (delivery finished or given up for now). */
  recordDelivery(projectId: string, eventId: string, delivery: AlertDelivery, leaseUntil: number | null): Promise<void>;
  /** Pending events of every project whose lease has run out or was released, oldest first. */
  listUndelivered(now: number, limit: number): Promise<AlertEvent[]>;
  /** History, newest first. */
  listEvents(query: AlertEventQuery): Promise<AlertEventPage>;
}

export interface RuleRef {
  projectId: string;
  id: string;
}

export const ALERT_STATES = ['ok', 'pending', 'firing'] as const;
/** ok → pending (condition holds, waiting out `for`) → firing → (resolved event) → ok. */
export type AlertStateName = (typeof ALERT_STATES)[number];

export interface AlertState {
  state: AlertStateName;
  /** Pending: when the condition started to hold; firing: when the alert fired; ok: null. */
  since: number | null;
  /** The metric at the last evaluation; null without data. */
  value: number | null;
  /** Calls in the window at the last evaluation. */
  requests: number | null;
  /** Epoch ms of the last evaluation; null before the first. */
  evaluatedAt: number | null;
  /** Incremented by every `saveState`. */
  version: number;
}

export interface AlertRuleWithState extends AlertRule {
  state: AlertState;
}

/** The initial state of a new rule. */
export const OK_STATE: AlertState = { state: 'ok', since: null, value: null, requests: null, evaluatedAt: null, version: 0 };

export type AlertEventStatus = 'firing' | 'resolved';
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface AlertDelivery {
  /** pending: not yet delivered (attempts may remain); delivered: a 2xx came back; failed: given up. */
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last answer; null when none came. */
  responseStatus: number | null;
  /** Why the last attempt failed, without the URL. */
  lastError: string | null;
  deliveredAt: number | null;
}

/** One firing or resolving of a rule, as sent to its webhook and kept as history. */
export interface AlertEvent {
  id: string;
  projectId: string;
  ruleId: string;
  /** The rule as it was when the event happened (the rule may change or go later). */
  ruleName: string;
  metric: AlertMetric;
  comparison: AlertComparison;
  threshold: number;
  window: string;
  status: AlertEventStatus;
  value: number | null;
  requests: number | null;
  /** When the alert fired. */
  startsAt: number;
  /** When it resolved; null for a firing event. */
  endsAt: number | null;
  createdAt: number;
  /** The offending traces: the trace list API with the rule's filters and window. */
  link: string;
  /** The JSON body sent to the webhook, kept so that a resumed delivery sends exactly the same. */
  payload: string;
  delivery: AlertDelivery;
}

export interface AlertEventQuery {
  projectId: string;
  ruleId?: string;
  /** 1–200. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface AlertEventPage {
  events: AlertEvent[];
  nextCursor: string | null;
}

/** A delivery that has not been attempted yet. */
export const NEW_DELIVERY: AlertDelivery = { status: 'pending', attempts: 0, responseStatus: null, lastError: null, deliveredAt: null };
