import type { AlertRule } from './alert-rule.ts';
import type { AlertEventStatus } from './alert-store.ts';

/**
 * The JSON body of an alert webhook. `id` is the history event's: delivery is at least once (a crash
 * between the receiver's answer and recording it sends again), so a receiver that must not act twice
 * drops an id it has seen. `text` is a one-line summary, so chat webhooks (Slack, Mattermost) show
 * something without a template.
 *
 * @example
 * {
 *   "id": "alertevt_…", "status": "firing",
 *   "rule": { "id": "alert_…", "name": "errors", "metric": "errorRate", "comparison": ">", "threshold": 0.05,
 *             "window": "5m", "for": "0m", "minRequests": 20, "filters": { "model": ["gpt-4o"] } },
 *   "value": 0.31, "requests": 42, "startsAt": "2026-01-05T10:02:00.000Z",
 *   "project": { "id": "proj_…", "name": "default" },
 *   "link": "https://operon.example.com/api/traces?from=…&to=…&status=error&model=gpt-4o",
 *   "text": "[FIRING] errors: errorRate 0.31 > 0.05 over 5m (42 calls)"
 * }
 */
export interface AlertPayload {
  id: string;
  status: AlertEventStatus;
  rule: Pick<AlertRule, 'id' | 'name' | 'metric' | 'comparison' | 'threshold' | 'window' | 'for' | 'minRequests' | 'filters'>;
  /** The metric when the alert fired or resolved; null without data (for example no calls any more). */
  value: number | null;
  /** Calls in the window then. */
  requests: number | null;
  /** ISO-8601. */
  startsAt: string;
  /** ISO-8601; resolved events only. */
  endsAt?: string;
  project: { id: string; name: string | null };
  /** The trace list API narrowed to the rule's window and filters: the offending traces. */
  link: string;
  text: string;
}

export interface PayloadInput {
  eventId: string;
  status: AlertEventStatus;
  rule: AlertRule;
  value: number | null;
  requests: number | null;
  startsAt: number;
  endsAt: number | null;
  projectName: string | null;
  link: string;
}

export function alertPayload(input: PayloadInput): AlertPayload {
  const { rule } = input;
  const shown = input.value === null ? 'no data' : String(Math.round(input.value * 10_000) / 10_000);
  const calls = input.requests === null ? '' : ` (${input.requests} calls)`;
  return {
    id: input.eventId,
    status: input.status,
    rule: { id: rule.id, name: rule.name, metric: rule.metric, comparison: rule.comparison, threshold: rule.threshold, window: rule.window, for: rule.for, minRequests: rule.minRequests, filters: rule.filters },
    value: input.value,
    requests: input.requests,
    startsAt: new Date(input.startsAt).toISOString(),
    ...(input.endsAt === null ? {} : { endsAt: new Date(input.endsAt).toISOString() }),
    project: { id: rule.projectId, name: input.projectName },
    link: input.link,
    text: `[${input.status.toUpperCase()}] ${rule.name}: ${rule.metric} ${shown} ${input.status === 'firing' ? rule.comparison : 'no longer ' + rule.comparison} ${rule.threshold} over ${rule.window}${calls}`,
  };
}

/**
 * The offending traces: `GET /api/traces` over [from, to), with `status=error` for error metrics and
 * the rule's model, key or user filter when it names one value (the trace list filters by those; the
 * other dimensions are not trace-list filters, so the link shows the window's traces unfiltered by them).
 */
export function tracesLink(publicUrl: string, rule: Pick<AlertRule, 'metric' | 'filters'>, from: number, to: number): string {
  const query = new URLSearchParams({ from: String(from), to: String(to) });
  if (rule.metric === 'errors' || rule.metric === 'errorRate') query.set('status', 'error');
  const single = (values: string[] | undefined) => (values?.length === 1 ? values[0] : undefined);
  const model = single(rule.filters.model);
  const key = single(rule.filters.key);
  const user = single(rule.filters.user);
  if (model !== undefined) query.set('model', model);
  if (key !== undefined) query.set('key_id', key);
  if (user !== undefined) query.set('user_id', user);
  return `${publicUrl.replace(/\/+$/, '')}/api/traces?${query}`;
}
