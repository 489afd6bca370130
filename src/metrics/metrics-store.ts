import type { SpanType } from '../tracing/span.ts';

/**
 * What the metrics API reads: request counts, errors, latency and time-to-first-token percentiles,
 * tokens and cost of a project's spans, per time bucket or in total, whole or broken down by one
 * dimension. Answered from rollups kept as spans are written (see storage/metrics-rollups.ts), never
 * from the raw spans, so a dashboard query costs the same at a million spans as at a thousand.
 *
 * What counts: every stored span is counted by its kind, at its start time (UTC buckets). Unless the
 * `kind` filter says otherwise, metrics are over model calls: `generation` and `embedding` spans (every
 * gateway call is one; so are the LLM spans applications report over OTLP). A span carrying several
 * tags counts once under each of them.
 *
 * Limits: one dimension per query — `groupBy` and the filters other than `kind` must name the same
 * dimension (the rollups are kept per dimension, not per combination); at most `MAX_BUCKETS` time
 * buckets per query. End users are many, so they are kept more cheaply: per hour and per day only,
 * over model calls only, and without latency or time-to-first-token percentiles (asking for those per
 * user is refused; by default they are left out).
 *
 * @example
 * const result = await metrics.series({
 *   projectId, from: Date.now() - 86_400_000, to: Date.now(), interval: '5m',
 *   groupBy: 'model', metrics: ['requests', 'errors', 'latency', 'cost'],
 * });
 * result.series[0]?.points[0]?.latencyMs?.p95;
 * const top = await metrics.totals({ projectId, from, to, groupBy: 'key', metrics: ['cost'] });
 */
export interface MetricsStore {
  series(query: MetricsSeriesQuery): Promise<MetricsSeriesResult>;
  totals(query: MetricsTotalsQuery): Promise<MetricsTotalsResult>;
}

export const METRICS_INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type MetricsInterval = (typeof METRICS_INTERVALS)[number];
export const INTERVAL_MS: Readonly<Record<MetricsInterval, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

/**
 * What a span can be grouped or filtered by: the model (the model used, else the one asked for), the
 * provider, the API key, the end user, each tag, the route (the span's name), the release and the kind.
 */
export const METRICS_DIMENSIONS = ['model', 'provider', 'key', 'user', 'tag', 'route', 'release', 'kind'] as const;
export type MetricsDimension = (typeof METRICS_DIMENSIONS)[number];

/** Which figures to compute; percentiles cost the most, so ask only for what is shown. */
export const METRIC_NAMES = ['requests', 'errors', 'latency', 'ttft', 'tokens', 'cost', 'cache'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The kinds counted when the `kind` filter is absent: model calls. */
export const MODEL_CALL_KINDS: readonly SpanType[] = ['generation', 'embedding'];

/** Time buckets one query may return at most: a week at 5 minutes. */
export const MAX_BUCKETS = 2_016;

export interface MetricsFilters {
  model?: string[];
  provider?: string[];
  key?: string[];
  user?: string[];
  tag?: string[];
  route?: string[];
  release?: string[];
  /** Default `MODEL_CALL_KINDS`. */
  kind?: SpanType[];
}

export interface MetricsTotalsQuery {
  projectId: string;
  /** Epoch ms, inclusive; rounded down to the minute (to the hour for the user dimension). */
  from: number;
  /** Epoch ms, exclusive; rounded up like `from`. */
  to: number;
  /** Default: all of `METRIC_NAMES` (per user: all but latency and ttft). */
  metrics?: readonly MetricName[];
  groupBy?: MetricsDimension;
  filters?: MetricsFilters;
  /** Groups returned at most, most requests first: 1–1000, default 100. */
  limit?: number;
}

export interface MetricsSeriesQuery extends MetricsTotalsQuery {
  /** Bucket width; buckets are aligned to it in UTC, and `from`/`to` are widened to whole buckets. */
  interval: MetricsInterval;
}

export interface Percentiles {
  avg: number;
  p50: number;
  p95: number;
  p99: number;
}

/** The figures of one group in one time bucket (or the whole range); present as asked in `metrics`. */
export interface MetricsValues {
  /** Spans counted: calls of the kinds asked for. Always present. */
  requests: number;
  errors?: number;
  /** errors / requests; null without requests. */
  errorRate?: number | null;
  /** Milliseconds; null without requests. Percentiles are within 11.1 % (see latency-histogram.ts). */
  latencyMs?: Percentiles | null;
  /** Milliseconds, over streamed calls that produced a first token; null without any. */
  ttftMs?: Percentiles | null;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  cacheHits?: number;
}

export interface MetricsPoint extends MetricsValues {
  /** Start of the bucket, epoch ms. */
  start: number;
}

export interface MetricsSeries {
  /** The dimension's value; null when not grouped. */
  group: string | null;
  /** Every bucket from `from` to `to`, empty ones with zero requests. */
  points: MetricsPoint[];
}

interface ResultRange {
  /** The range actually covered, after rounding. */
  from: number;
  to: number;
  groupBy: MetricsDimension | null;
  /** The kinds counted. */
  kinds: SpanType[];
}

export interface MetricsSeriesResult extends ResultRange {
  interval: MetricsInterval;
  series: MetricsSeries[];
}

export interface MetricsGroupTotals extends MetricsValues {
  group: string | null;
}

export interface MetricsTotalsResult extends ResultRange {
  groups: MetricsGroupTotals[];
}
