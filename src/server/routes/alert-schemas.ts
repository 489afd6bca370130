import { z } from '@hono/zod-openapi';
import { ALERT_COMPARISONS, ALERT_METRICS, alertFiltersSchema } from '../../alerts/alert-rule.ts';
import { ALERT_STATES, DELIVERY_STATUSES, type AlertEvent, type AlertRuleWithState } from '../../alerts/alert-store.ts';

/** Schemas of `/api/alerts/*` answers (requests use the rule schemas of alerts/alert-rule.ts). */

export const alertRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    metric: z.enum(ALERT_METRICS),
    comparison: z.enum(ALERT_COMPARISONS),
    threshold: z.number(),
    window: z.string(),
    for: z.string(),
    filters: alertFiltersSchema,
    minRequests: z.number().int(),
    webhookUrl: z.string(),
    enabled: z.boolean(),
    createdAt: z.number().int().openapi({ description: 'Epoch milliseconds' }),
    updatedAt: z.number().int(),
    state: z
      .object({
        state: z.enum(ALERT_STATES),
        since: z.number().int().nullable().openapi({ description: 'Pending: when the condition started to hold; firing: when the alert fired' }),
        value: z.number().nullable().openapi({ description: 'The metric at the last evaluation; null without data' }),
        requests: z.number().int().nullable().openapi({ description: 'Calls in the window at the last evaluation' }),
        evaluatedAt: z.number().int().nullable(),
      })
      .openapi('AlertState'),
  })
  .openapi('AlertRule');

export const alertEventSchema = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    ruleName: z.string(),
    status: z.enum(['firing', 'resolved']),
    metric: z.enum(ALERT_METRICS),
    comparison: z.enum(ALERT_COMPARISONS),
    threshold: z.number(),
    window: z.string(),
    value: z.number().nullable(),
    requests: z.number().int().nullable(),
    startsAt: z.number().int(),
    endsAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    link: z.string().openapi({ description: 'The offending traces (GET /api/traces with the window and filters)' }),
    delivery: z
      .object({
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.number().int(),
        responseStatus: z.number().int().nullable(),
        lastError: z.string().nullable(),
        deliveredAt: z.number().int().nullable(),
      })
      .openapi('AlertDelivery'),
  })
  .openapi('AlertEvent');

export const alertHistoryQuerySchema = z.object({
  rule_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const alertHistorySchema = z.object({ events: z.array(alertEventSchema), nextCursor: z.string().nullable() }).openapi('AlertHistory');

/** A rule as the API shows it: the state without its version counter. */
export function publicRule(rule: AlertRuleWithState) {
  const { version: _version, ...state } = rule.state;
  const { projectId: _projectId, ...rest } = rule;
  return { ...rest, state };
}

/** An event as the API shows it: without the project (the caller's) and the raw webhook body. */
export function publicEvent(event: AlertEvent) {
  const { projectId: _projectId, payload: _payload, ...rest } = event;
  return rest;
}
