import { z } from 'zod';
import { invalidRequest, type OperonError } from '../core/errors.ts';
import { formatPath } from '../core/config-loader.ts';
import { METRICS_DIMENSIONS, MODEL_CALL_KINDS, type MetricName, type MetricsFilters, type MetricsValues } from '../metrics/metrics-store.ts';
import { SPAN_KINDS } from '../tracing/span.ts';
import { refusedHost } from './address-policy.ts';

/**
 * An alert rule: a condition on one metric of a project's calls over a sliding window, checked in the
 * background (alert-evaluator.ts), and the webhook told when it starts and stops holding.
 *
 * @example "p95 latency above 2 s over 5 minutes, for 5 minutes, counting only with 20 calls or more"
 * { name: 'slow gpt-4o', metric: 'latencyP95', comparison: '>', threshold: 2000, window: '5m', for: '5m',
 *   minRequests: 20, filters: { model: ['gpt-4o'] }, webhookUrl: 'https://hooks.example.com/operon' }
 * @example "guardrails block more than 10 % of checks over an hour"
 * { name: 'guardrail blocks', metric: 'errorRate', comparison: '>', threshold: 0.1, window: '1h',
 *   filters: { kind: ['guardrail'] }, webhookUrl: 'https://hooks.example.com/operon' }
 */
export interface AlertRule extends AlertRuleInput {
  id: string;
  projectId: string;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

/**
 * What a rule can watch. Latencies and times to first token are milliseconds (percentiles within
 * 11.1 %, see metrics/latency-histogram.ts), cost is USD, rates are fractions from 0 to 1.
 */
export const ALERT_METRICS = [
  'requests', 'errors', 'errorRate',
  'latencyAvg', 'latencyP50', 'latencyP95', 'latencyP99',
  'ttftAvg', 'ttftP50', 'ttftP95', 'ttftP99',
  'costUsd', 'inputTokens', 'outputTokens', 'totalTokens', 'cacheHitRate',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

export const ALERT_COMPARISONS = ['>', '>=', '<', '<='] as const;
export type AlertComparison = (typeof ALERT_COMPARISONS)[number];

/** Longest window: the rollups answer any range, but an alert over more than a month says little. */
const MAX_WINDOW_MS = 31 * 86_400_000;
const MAX_FOR_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: MINUTE_MS, h: HOUR_MS, d: 86_400_000 };
const DURATION = /^(\d{1,7})(s|m|h|d)$/;

/** `'90s'`, `'5m'`, `'1h'`, `'1d'` → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined;
}

const duration = (example: string) => z.string().regex(DURATION, `write a number and a unit (s, m, h or d), like '${example}'`);

export const alertFiltersSchema = z
  .object({
    ...(Object.fromEntries(
      METRICS_DIMENSIONS.filter((dimension) => dimension !== 'kind').map((dimension) => [dimension, z.array(z.string().min(1).max(500)).min(1).max(100).optional()]),
    ) as Record<Exclude<(typeof METRICS_DIMENSIONS)[number], 'kind'>, z.ZodOptional<z.ZodArray<z.ZodString>>>),
    kind: z.array(z.enum(SPAN_KINDS)).min(1).optional().describe('Span kinds counted; model calls (generation, embedding) when absent'),
  })
  .strict()
  .describe('Which calls count, like the metrics API: one dimension besides kind, e.g. { "model": ["gpt-4o"] } or { "kind": ["guardrail"] }');

const ruleShape = {
  name: z.string().trim().min(1).max(200),
  metric: z.enum(ALERT_METRICS).describe('ms for latency and ttft, USD for costUsd, a fraction 0–1 for rates'),
  comparison: z.enum(ALERT_COMPARISONS),
  threshold: z.number().finite(),
  window: duration('5m').describe('The sliding window the metric is computed over: whole minutes, 1m to 31d'),
  for: duration('0m').describe('How long the condition must hold before the alert fires; 0m fires at once'),
  filters: alertFiltersSchema,
  minRequests: z.number().int().min(0).max(1_000_000_000).describe('Calls the window must hold for the condition to count (ignored by the requests metric)'),
  webhookUrl: z.string().max(2_000).describe('http(s) URL that receives a JSON POST when the alert fires and when it resolves'),
  enabled: z.boolean(),
};

/** A new rule as the API takes it; `for`, `filters`, `minRequests` and `enabled` have defaults. */
export const alertRuleInputSchema = z
  .object({
    ...ruleShape,
    for: ruleShape.for.default('0m'),
    filters: ruleShape.filters.default({}),
    minRequests: ruleShape.minRequests.default(1),
    enabled: ruleShape.enabled.default(true),
  })
  .strict();
export type AlertRuleInput = z.output<typeof alertRuleInputSchema>;

/** A change to a rule: any of its fields. */
export const alertRulePatchSchema = z.object(ruleShape).partial().strict();
export type AlertRulePatch = z.output<typeof alertRulePatchSchema>;

export interface RuleCheckOptions {
  /** `alerts.allowPrivateWebhooks`: loopback and private webhook hosts are allowed (tests, internal receivers). */
  allowPrivateWebhooks: boolean;
}

/**
 * Parses and checks a whole rule (a new one, or an existing one with a patch applied). Throws a 400
 * naming the field at fault and the fix.
 */
export function parseAlertRule(input: unknown, options: RuleCheckOptions): AlertRuleInput {
  const result = alertRuleInputSchema.safeParse(input);
  if (!result.success) throw invalidRule(result.error);
  checkAlertRule(result.data, options);
  return result.data;
}

/** A 400 for the first problem the rule schemas found, naming the field (the API's routes use it too). */
export function invalidRule(error: z.ZodError): OperonError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const path = formatPath([...issue.path, issue.keys[0] ?? '']);
    const known = issue.path.length === 0 ? `a field of an alert rule; the fields are ${Object.keys(ruleShape).join(', ')}` : `a filter; the filters are ${METRICS_DIMENSIONS.join(', ')}`;
    return invalidRequest(`${path}: not ${known}.`, path);
  }
  const path = issue ? formatPath(issue.path) : '';
  return invalidRequest(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid alert rule'}.`, path || undefined);
}

/** What the schema cannot say: ranges that depend on the metric, the filters' one-dimension limit, the webhook. */
export function checkAlertRule(rule: AlertRuleInput, options: RuleCheckOptions): void {
  const windowMs = parseDuration(rule.window) as number;
  if (windowMs < MINUTE_MS || windowMs > MAX_WINDOW_MS || windowMs % MINUTE_MS !== 0) {
    throw invalidRequest(`window: metrics are kept per minute, so the window is whole minutes from 1m to 31d, like '5m', '1h' or '1d'; got '${rule.window}'.`, 'window');
  }
  if ((parseDuration(rule.for) as number) > MAX_FOR_MS) {
    throw invalidRequest(`for: at most 7d; got '${rule.for}'.`, 'for');
  }
  if (isRate(rule.metric) && (rule.threshold < 0 || rule.threshold > 1)) {
    throw invalidRequest(`threshold: ${rule.metric} is a fraction from 0 to 1; for 5 % write 0.05 (got ${rule.threshold}).`, 'threshold');
  }
  const dimensions = Object.keys(rule.filters).filter((key) => key !== 'kind' && rule.filters[key as keyof MetricsFilters] !== undefined);
  if (dimensions.length > 1) {
    throw invalidRequest(`filters: metrics are kept per dimension, so a rule filters by one of ${dimensions.join(' and ')} (the kind filter combines with any). Make one rule per dimension.`, `filters.${dimensions[1]}`);
  }
  if ((rule.filters.tag?.length ?? 0) > 1) {
    throw invalidRequest('filters.tag: a call with several tags counts once under each, so a rule watches one tag; make one rule per tag.', 'filters.tag');
  }
  if (rule.filters.user) {
    // Users are many, so their rollups are lighter: hourly, model calls only, no percentiles.
    if (windowMs % HOUR_MS !== 0) {
      throw invalidRequest(`window: metrics per user are kept per hour, so a rule filtered by user needs a window of whole hours, like '1h'; got '${rule.window}'.`, 'window');
    }
    if (rule.metric.startsWith('latency') || rule.metric.startsWith('ttft')) {
      throw invalidRequest(`metric: ${rule.metric} is not kept per user; per user, watch requests, errors, errorRate, tokens, costUsd or cacheHitRate.`, 'metric');
    }
    if (rule.filters.kind?.some((kind) => !MODEL_CALL_KINDS.includes(kind))) {
      throw invalidRequest('filters.kind: metrics per user count model calls only; leave the kind filter out of a rule filtered by user.', 'filters.kind');
    }
  }
  const refusal = webhookUrlRefusal(rule.webhookUrl, options);
  if (refusal) throw invalidRequest(`webhookUrl: ${refusal}`, 'webhookUrl');
}

/** Why a webhook URL is refused before any lookup, or undefined. */
export function webhookUrlRefusal(text: string, options: RuleCheckOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a URL; give an absolute http(s) URL, like 'https://hooks.example.com/operon'.";
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `only http and https webhooks are sent; got '${url.protocol}'.`;
  if (options.allowPrivateWebhooks) return undefined;
  const reason = refusedHost(url.hostname);
  return reason
    ? `the host is ${reason}, and webhooks go to public addresses only. Use a public receiver, or set alerts.allowPrivateWebhooks: true in operon.yaml for receivers on your own network.`
    : undefined;
}

const isRate = (metric: AlertMetric) => metric === 'errorRate' || metric === 'cacheHitRate';

/** The metrics-store figures a metric is computed from. */
export function metricNeeds(metric: AlertMetric): MetricName {
  if (metric === 'requests') return 'requests';
  if (metric === 'errors' || metric === 'errorRate') return 'errors';
  if (metric.startsWith('latency')) return 'latency';
  if (metric.startsWith('ttft')) return 'ttft';
  if (metric === 'costUsd') return 'cost';
  if (metric === 'cacheHitRate') return 'cache';
  return 'tokens';
}

/** The metric's value in `values`, or null without data (no calls, or no streamed call for ttft). */
export function metricValue(metric: AlertMetric, values: MetricsValues): number | null {
  const rate = (count: number | undefined) => (values.requests > 0 ? (count ?? 0) / values.requests : null);
  switch (metric) {
    case 'requests': return values.requests;
    case 'errors': return values.errors ?? 0;
    case 'errorRate': return rate(values.errors);
    case 'cacheHitRate': return rate(values.cacheHits);
    case 'latencyAvg': return values.latencyMs?.avg ?? null;
    case 'latencyP50': return values.latencyMs?.p50 ?? null;
    case 'latencyP95': return values.latencyMs?.p95 ?? null;
    case 'latencyP99': return values.latencyMs?.p99 ?? null;
    case 'ttftAvg': return values.ttftMs?.avg ?? null;
    case 'ttftP50': return values.ttftMs?.p50 ?? null;
    case 'ttftP95': return values.ttftMs?.p95 ?? null;
    case 'ttftP99': return values.ttftMs?.p99 ?? null;
    case 'costUsd': return values.costUsd ?? 0;
    case 'inputTokens': return values.inputTokens ?? 0;
    case 'outputTokens': return values.outputTokens ?? 0;
    case 'totalTokens': return (values.inputTokens ?? 0) + (values.outputTokens ?? 0);
  }
}

/** Whether the rule's condition holds for these figures: enough calls, a value, and the comparison true. */
export function conditionHolds(rule: Pick<AlertRuleInput, 'metric' | 'comparison' | 'threshold' | 'minRequests'>, values: MetricsValues): boolean {
  if (rule.metric !== 'requests' && values.requests < rule.minRequests) return false;
  const value = metricValue(rule.metric, values);
  if (value === null) return false;
  switch (rule.comparison) {
    case '>': return value > rule.threshold;
    case '>=': return value >= rule.threshold;
    case '<': return value < rule.threshold;
    case '<=': return value <= rule.threshold;
  }
}
