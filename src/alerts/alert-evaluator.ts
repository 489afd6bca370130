import type { Clock } from '../core/clock.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import type { MetricsStore, MetricsValues } from '../metrics/metrics-store.ts';
import type { AlertDeliveryService } from './alert-delivery.ts';
import { alertPayload, tracesLink } from './alert-payload.ts';
import { conditionHolds, metricNeeds, metricValue, parseDuration } from './alert-rule.ts';
import { NEW_DELIVERY, type AlertEvent, type AlertEventStatus, type AlertRuleWithState, type AlertState, type AlertStore } from './alert-store.ts';

export interface AlertEvaluatorOptions {
  store: AlertStore;
  metrics: MetricsStore;
  delivery: AlertDeliveryService;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** `alerts.evaluationIntervalSeconds` × 1000. */
  intervalMs: number;
  /** `server.publicUrl`: where the links in webhooks point. */
  publicUrl: string;
  /** The project's name for the payload; undefined when unknown. */
  projectName?: (projectId: string) => Promise<string | undefined>;
}

export interface EvaluatorStats {
  /** Evaluation rounds completed. */
  evaluations: number;
  /** Rules whose metrics could not be read in some round (logged). */
  failedRules: number;
  fired: number;
  resolved: number;
}

/**
 * Evaluates every alert rule every `intervalMs`, on the injected clock, and moves each through
 *
 *   ok ──condition holds──▶ pending ──held for `for`──▶ firing ──condition fails──▶ ok
 *   (with `for` 0, ok goes straight to firing)
 *
 * Firing and resolving each create one history event, written in the same compare-and-set as the new
 * state (alert-store.ts) before anything is sent: a restart, or a second Operon on the same database,
 * finds the alert firing and does not fire it again, and the event is delivered from the outbox
 * (alert-delivery.ts). The condition is the rule's metric over [now − window, now) from the metrics
 * rollups, counted only with `minRequests` calls or more; no data never fires. A disabled rule that is
 * firing resolves at its next evaluation; a deleted one just stops.
 *
 * @example
 * const evaluator = createAlertEvaluator({ store, metrics, delivery, clock, ids, logger, intervalMs: 60_000, publicUrl });
 * evaluator.start();
 * await evaluator.close();
 */
export function createAlertEvaluator(options: AlertEvaluatorOptions) {
  const { store, metrics, delivery, clock, ids, logger } = options;
  const stats: EvaluatorStats = { evaluations: 0, failedRules: 0, fired: 0, resolved: 0 };
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function evaluateRule(rule: AlertRuleWithState, now: number): Promise<void> {
    const windowMs = parseDuration(rule.window) as number;
    let values: MetricsValues | undefined;
    if (rule.enabled) {
      const totals = await metrics.totals({ projectId: rule.projectId, from: now - windowMs, to: now, metrics: [metricNeeds(rule.metric)], filters: rule.filters });
      values = totals.groups[0] ?? { requests: 0 };
    }
    const holds = values !== undefined && conditionHolds(rule, values);
    const measured = { value: values ? metricValue(rule.metric, values) : null, requests: values?.requests ?? null, evaluatedAt: now };
    const { state, since } = rule.state;

    let next: Omit<AlertState, 'version'>;
    let event: AlertEvent | undefined;
    if (state === 'firing') {
      next = holds ? { ...measured, state: 'firing', since } : { ...measured, state: 'ok', since: null };
      if (!holds) event = await newEvent(rule, 'resolved', measured, since ?? now, now, (since ?? now) - windowMs);
    } else if (holds) {
      const pendingSince = state === 'pending' && since !== null ? since : now;
      if (now - pendingSince >= (parseDuration(rule.for) as number)) {
        next = { ...measured, state: 'firing', since: now };
        event = await newEvent(rule, 'firing', measured, now, null, now - windowMs);
      } else {
        next = { ...measured, state: 'pending', since: pendingSince };
      }
    } else {
      next = { ...measured, state: 'ok', since: null };
    }

    const saved = await store.saveState(rule, rule.state.version, next, event && { event, leaseUntil: now + delivery.leaseMs });
    // Lost the compare-and-set: another evaluator (or an edit racing this one) moved the rule; its
    // owner delivers whatever it decided.
    if (!saved || !event) return;
    if (event.status === 'firing') stats.fired += 1;
    else stats.resolved += 1;
    logger.info({ ruleId: rule.id, projectId: rule.projectId, status: event.status, value: event.value }, `alert ${event.status}`);
    delivery.deliver(event);
  }

  async function newEvent(
    rule: AlertRuleWithState,
    status: AlertEventStatus,
    measured: { value: number | null; requests: number | null },
    startsAt: number,
    endsAt: number | null,
    linkFrom: number,
  ): Promise<AlertEvent> {
    const now = endsAt ?? startsAt;
    const id = ids.next('alertevt');
    const link = tracesLink(options.publicUrl, rule, linkFrom, now);
    const projectName = (await options.projectName?.(rule.projectId).catch(() => undefined)) ?? null;
    const payload = alertPayload({ eventId: id, status, rule, ...measured, startsAt, endsAt, projectName, link });
    return {
      id,
      projectId: rule.projectId,
      ruleId: rule.id,
      ruleName: rule.name,
      metric: rule.metric,
      comparison: rule.comparison,
      threshold: rule.threshold,
      window: rule.window,
      status,
      ...measured,
      startsAt,
      endsAt,
      createdAt: now,
      link,
      payload: JSON.stringify(payload),
      delivery: { ...NEW_DELIVERY },
    };
  }

  const evaluator = {
    /** One round: resume orphaned deliveries, then evaluate every rule once, at `clock.now()`. */
    async evaluateOnce(): Promise<void> {
      const now = clock.now();
      try {
        await delivery.resume(now);
      } catch (error) {
        logger.warn({ err: error }, 'could not resume alert deliveries');
      }
      let rules: AlertRuleWithState[];
      try {
        rules = await store.listRulesToEvaluate();
      } catch (error) {
        logger.warn({ err: error }, 'could not read alert rules');
        return;
      }
      // One rule after another: a round costs one small rollup query per rule, and sequential rounds
      // keep the database load of alerting flat.
      for (const rule of rules) {
        try {
          await evaluateRule(rule, now);
        } catch (error) {
          stats.failedRules += 1;
          logger.warn({ err: error, ruleId: rule.id, projectId: rule.projectId }, 'alert rule not evaluated');
        }
      }
    },

    /** Evaluates now, then every `intervalMs` until `close`. */
    start(): void {
      if (loop) return;
      const signal = (controller = new AbortController()).signal;
      loop = (async () => {
        while (!signal.aborted) {
          await evaluator.evaluateOnce();
          // Counted right before sleeping, so a test that sees the count can advance the clock.
          stats.evaluations += 1;
          try {
            await clock.sleep(options.intervalMs, signal);
          } catch {
            return;
          }
        }
      })();
    },

    /** For tests: resolves once deliveries under way have finished or wait for the clock. */
    idle: (): Promise<void> => delivery.idle(),

    stats: () => ({ ...stats, ...delivery.stats() }),

    /** Stops the loop after the round under way, then stops deliveries (see AlertDeliveryService.close). */
    async close(): Promise<void> {
      controller?.abort();
      await loop;
      await delivery.close();
    },
  };
  return evaluator;
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>;
