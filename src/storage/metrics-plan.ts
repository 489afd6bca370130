import { invalidRequest } from '../core/errors.ts';
import {
  INTERVAL_MS,
  MAX_BUCKETS,
  METRIC_NAMES,
  METRICS_DIMENSIONS,
  METRICS_INTERVALS,
  MODEL_CALL_KINDS,
  type MetricName,
  type MetricsDimension,
  type MetricsSeriesQuery,
  type MetricsTotalsQuery,
} from '../metrics/metrics-store.ts';
import { SPAN_KINDS, type SpanType } from '../tracing/span.ts';
import { MAX_VALUE_LENGTH, MODEL_CALL_TYPES, ROLLUP_RESOLUTIONS, USER_RESOLUTIONS, type StoredDimension } from './metrics-rollups.ts';

/**
 * A metrics query checked and turned into what the rollups can answer: which stored dimension to read,
 * which column groups the rows, which values and kinds to keep, and which (resolution, time range)
 * segments cover the asked range. Errors name the parameter at fault and the fix.
 */
export interface MetricsPlan {
  projectId: string;
  dimension: StoredDimension;
  /** `value` when grouped by a dimension, `kind` when grouped by kind, null for one group. */
  groupColumn: 'value' | 'kind' | null;
  groupBy: MetricsDimension | null;
  values: string[] | undefined;
  kinds: SpanType[];
  metrics: ReadonlySet<MetricName>;
  limit: number;
}

export interface Segment {
  /** Bucket width, minutes. */
  resolution: number;
  from: number;
  to: number;
}

const MINUTE_MS = 60_000;
const RESOLUTION_OF: Readonly<Record<string, number>> = { '1m': 1, '5m': 5, '1h': 60, '1d': 1440 };

export function planQuery(query: MetricsTotalsQuery): MetricsPlan {
  if (!Number.isFinite(query.from) || !Number.isFinite(query.to)) throw invalidRequest('from and to must be epoch milliseconds or ISO-8601 date-times.', 'from');
  if (query.from >= query.to) throw invalidRequest(`from (${new Date(query.from).toISOString()}) must be before to (${new Date(query.to).toISOString()}).`, 'from');
  const groupBy = query.groupBy ?? null;
  if (groupBy !== null && !METRICS_DIMENSIONS.includes(groupBy)) {
    throw invalidRequest(`group_by must be one of ${METRICS_DIMENSIONS.join(', ')}; got '${String(groupBy)}'.`, 'group_by');
  }
  const metrics = new Set<MetricName>(query.metrics && query.metrics.length > 0 ? query.metrics : METRIC_NAMES);
  for (const name of metrics) {
    if (!METRIC_NAMES.includes(name)) throw invalidRequest(`metrics must name some of ${METRIC_NAMES.join(', ')}; got '${String(name)}'.`, 'metrics');
  }
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidRequest(`limit must be an integer from 1 to 1000, got ${String(limit)}.`, 'limit');

  const filters = query.filters ?? {};
  const kinds = filters.kind ?? [...MODEL_CALL_KINDS];
  if (kinds.length === 0) throw invalidRequest('The kind filter names no kind; leave it out for model calls, or name kinds.', 'kind');
  for (const kind of kinds) {
    if (!SPAN_KINDS.includes(kind)) throw invalidRequest(`kind must be some of ${SPAN_KINDS.join(', ')} (or all); got '${String(kind)}'.`, 'kind');
  }

  // The rollups are kept per dimension: one dimension besides the kind per query.
  const named = new Set<Exclude<MetricsDimension, 'kind'>>();
  if (groupBy !== null && groupBy !== 'kind') named.add(groupBy);
  for (const [dimension, values] of Object.entries(filters) as [MetricsDimension, string[] | undefined][]) {
    if (dimension === 'kind' || values === undefined) continue;
    if (!METRICS_DIMENSIONS.includes(dimension)) throw invalidRequest(`Cannot filter metrics by '${dimension}'; filters are ${METRICS_DIMENSIONS.join(', ')}.`, dimension);
    if (values.length === 0) throw invalidRequest(`The ${dimension} filter names no value; leave it out or name values.`, dimension);
    named.add(dimension);
  }
  if (named.size > 1) {
    const [first, second] = [...named];
    throw invalidRequest(
      `Metrics are kept per dimension, so ${describe(groupBy, first)} and ${describe(groupBy, second)} cannot be combined in one query; group and filter by the same dimension (the kind filter combines with any).`,
      [...named].find((dimension) => dimension !== groupBy) ?? first,
    );
  }
  const dimension: StoredDimension = [...named][0] ?? '';
  const values = dimension === '' ? undefined : filters[dimension]?.map((value) => value.slice(0, MAX_VALUE_LENGTH));
  if (dimension === 'user') userLimits(metrics, kinds, query.metrics !== undefined && query.metrics.length > 0);
  if (dimension === 'tag' && groupBy !== 'tag' && values && values.length > 1) {
    throw invalidRequest('A span with several tags counts once under each; filter by one tag at a time, or group by tag.', 'tag');
  }
  return {
    projectId: query.projectId,
    dimension,
    groupColumn: groupBy === null ? null : groupBy === 'kind' ? 'kind' : 'value',
    groupBy,
    values,
    kinds: [...new Set(kinds)],
    metrics,
    limit,
  };
}

/** Users are kept over model calls only, without histograms (metrics-rollups.ts). */
function userLimits(metrics: Set<MetricName>, kinds: readonly SpanType[], asked: boolean): void {
  const other = kinds.find((kind) => !MODEL_CALL_TYPES.has(kind));
  if (other) throw invalidRequest(`Metrics per user count model calls only (generation, embedding), not ${other} spans; leave the kind filter out.`, 'kind');
  for (const name of ['latency', 'ttft'] as const) {
    if (!metrics.has(name)) continue;
    if (asked) throw invalidRequest(`Percentiles (${name}) are not kept per user; ask per user for requests, errors, tokens, cost or cache.`, 'metrics');
    metrics.delete(name);
  }
}

function describe(groupBy: MetricsDimension | null, dimension: string | undefined): string {
  return groupBy === dimension ? `grouping by ${dimension}` : `filtering by ${dimension}`;
}

/** The time buckets of a series query: the resolution read, and the range widened to whole buckets. */
export function seriesRange(query: MetricsSeriesQuery, plan: MetricsPlan): { resolution: number; from: number; to: number; width: number } {
  if (!METRICS_INTERVALS.includes(query.interval)) {
    throw invalidRequest(`interval must be one of ${METRICS_INTERVALS.join(', ')}; got '${String(query.interval)}'.`, 'interval');
  }
  const width = INTERVAL_MS[query.interval];
  const resolution = RESOLUTION_OF[query.interval] as number;
  if (plan.dimension === 'user' && resolution < USER_RESOLUTIONS[0]) {
    throw invalidRequest('Metrics per user are kept per hour and per day; use interval 1h or 1d.', 'interval');
  }
  const from = Math.floor(query.from / width) * width;
  const to = Math.ceil(query.to / width) * width;
  const buckets = (to - from) / width;
  if (buckets > MAX_BUCKETS) {
    throw invalidRequest(`${buckets} buckets of ${query.interval} is too many for one query (at most ${MAX_BUCKETS}); use a longer interval or a shorter range.`, 'interval');
  }
  return { resolution, from, to, width };
}

/**
 * The range of a totals query, rounded to whole minutes (hours for users), and the fewest rollup
 * segments covering it: whole days from the day rows, the hours around them from the hour rows, and
 * so on down to minutes at the edges.
 */
export function totalsSegments(query: MetricsTotalsQuery, plan: MetricsPlan): { from: number; to: number; segments: Segment[] } {
  const resolutions: readonly number[] = plan.dimension === 'user' ? USER_RESOLUTIONS : ROLLUP_RESOLUTIONS;
  const finest = (resolutions[0] as number) * MINUTE_MS;
  const from = Math.floor(query.from / finest) * finest;
  const to = Math.ceil(query.to / finest) * finest;
  return { from, to, segments: cover(from, to, [...resolutions].reverse()) };
}

function cover(from: number, to: number, coarsestFirst: readonly number[]): Segment[] {
  if (from >= to) return [];
  const [resolution, ...finer] = coarsestFirst as [number, ...number[]];
  if (finer.length === 0) return [{ resolution, from, to }];
  const width = resolution * MINUTE_MS;
  const start = Math.ceil(from / width) * width;
  const end = Math.floor(to / width) * width;
  if (start >= end) return cover(from, to, finer);
  return [...cover(from, start, finer), { resolution, from: start, to: end }, ...cover(end, to, finer)];
}
