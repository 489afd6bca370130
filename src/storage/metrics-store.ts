import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { percentile } from '../metrics/latency-histogram.ts';
import type {
  MetricsGroupTotals,
  MetricsSeries,
  MetricsStore,
  MetricsValues,
  Percentiles,
} from '../metrics/metrics-store.ts';
import { LATENCY_COLUMNS, TTFT_COLUMNS } from './metrics-rollups.ts';
import { planQuery, seriesRange, totalsSegments, type MetricsPlan, type Segment } from './metrics-plan.ts';
import type { DatabaseSchema } from './schema.ts';

/**
 * `MetricsStore` over the rollups (metrics-rollups.ts), the same code on SQLite and PostgreSQL. A
 * series reads one resolution — the interval's — over its range; totals read the fewest segments of
 * day, hour, 5-minute and minute rows that cover the range (metrics-plan.ts). Both sum only the
 * columns the asked metrics need (the 60 histogram columns only for percentiles), and compute
 * percentiles from the summed histograms here.
 *
 * @example
 * const metrics = createMetricsStore(database.db);
 * const { series } = await metrics.series({ projectId, from, to, interval: '1h', groupBy: 'model' });
 */
export function createMetricsStore(db: Kysely<DatabaseSchema>): MetricsStore {
  return {
    async series(query) {
      const plan = planQuery(query);
      const range = seriesRange(query, plan);
      const rows = await select(db, plan, [{ resolution: range.resolution, from: range.from, to: range.to }], true);
      const byGroup = new Map<string | null, { total: number; points: Map<number, Row> }>();
      for (const row of rows) {
        const group = groupOf(row);
        let entry = byGroup.get(group);
        if (!entry) byGroup.set(group, (entry = { total: 0, points: new Map() }));
        entry.total += Number(row.span_count);
        entry.points.set(Number(row.bucket_start), row);
      }
      if (plan.groupColumn === null && byGroup.size === 0) byGroup.set(null, { total: 0, points: new Map() });
      const series: MetricsSeries[] = topGroups(byGroup, plan.limit).map(([group, entry]) => {
        const points = [];
        for (let start = range.from; start < range.to; start += range.width) {
          points.push({ start, ...valuesOf(entry.points.get(start), plan) });
        }
        return { group, points };
      });
      return { from: range.from, to: range.to, interval: query.interval, groupBy: plan.groupBy, kinds: plan.kinds, series };
    },

    async totals(query) {
      const plan = planQuery(query);
      const { from, to, segments } = totalsSegments(query, plan);
      const rows = await select(db, plan, segments, false);
      const byGroup = new Map<string | null, { total: number; row: Row }>();
      for (const row of rows) byGroup.set(groupOf(row), { total: Number(row.span_count), row });
      if (plan.groupColumn === null && byGroup.size === 0) byGroup.set(null, { total: 0, row: {} });
      const groups: MetricsGroupTotals[] = topGroups(byGroup, plan.limit).map(([group, entry]) => ({ group, ...valuesOf(entry.row, plan) }));
      return { from, to, groupBy: plan.groupBy, kinds: plan.kinds, groups };
    },
  };
}

type Row = Record<string, unknown>;
type RollupExpressions = ExpressionBuilder<DatabaseSchema, 'metrics_rollups'>;

const groupOf = (row: Row): string | null => (row.grp === undefined || row.grp === null ? null : String(row.grp));

/** The columns to sum for the metrics asked. */
function summedColumns(plan: MetricsPlan): string[] {
  const columns = ['span_count'];
  if (plan.metrics.has('errors')) columns.push('errors');
  if (plan.metrics.has('latency')) columns.push('latency_sum', ...LATENCY_COLUMNS);
  if (plan.metrics.has('ttft')) columns.push('ttft_count', 'ttft_sum', ...TTFT_COLUMNS);
  if (plan.metrics.has('tokens')) columns.push('input_tokens', 'output_tokens');
  if (plan.metrics.has('cost')) columns.push('cost_usd');
  if (plan.metrics.has('cache')) columns.push('cache_hits');
  return columns;
}

async function select(db: Kysely<DatabaseSchema>, plan: MetricsPlan, segments: Segment[], byBucket: boolean): Promise<Row[]> {
  if (segments.length === 0) return [];
  const sums = summedColumns(plan).map((column) => sql<number>`sum(${sql.ref(column)})`.as(column));
  let query = db
    // Users have a narrow table of their own (metrics-rollups.ts); the plan asks it for no histogram.
    .selectFrom((plan.dimension === 'user' ? 'metrics_user_rollups' : 'metrics_rollups') as 'metrics_rollups')
    .select(sums)
    .where('project_id', '=', plan.projectId)
    .where('dimension', '=', plan.dimension)
    .where((eb) => eb.or(segments.map((segment) => inSegment(eb, segment))))
    .where('kind', 'in', plan.kinds);
  if (plan.values) query = query.where('value', 'in', plan.values);
  if (byBucket) query = query.select('bucket_start').groupBy('bucket_start');
  if (plan.groupColumn) query = query.select(sql.ref(plan.groupColumn).as('grp')).groupBy(plan.groupColumn);
  return (await query.execute()) as Row[];
}

function inSegment(eb: RollupExpressions, segment: Segment): Expression<SqlBool> {
  return eb.and([eb('resolution', '=', segment.resolution), eb('bucket_start', '>=', segment.from), eb('bucket_start', '<', segment.to)]);
}

/** The groups with the most requests first (then by name), at most `limit`. */
function topGroups<T extends { total: number }>(byGroup: Map<string | null, T>, limit: number): [string | null, T][] {
  return [...byGroup.entries()]
    .sort(([groupA, a], [groupB, b]) => b.total - a.total || (String(groupA) < String(groupB) ? -1 : String(groupA) > String(groupB) ? 1 : 0))
    .slice(0, limit);
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The figures asked for, from a row of sums (undefined: nothing in that bucket). */
function valuesOf(row: Row | undefined, plan: MetricsPlan): MetricsValues {
  const number = (column: string) => Number(row?.[column] ?? 0);
  const requests = number('span_count');
  const values: MetricsValues = { requests };
  if (plan.metrics.has('errors')) {
    values.errors = number('errors');
    values.errorRate = requests === 0 ? null : values.errors / requests;
  }
  if (plan.metrics.has('latency')) values.latencyMs = percentiles(requests, number('latency_sum'), LATENCY_COLUMNS.map(number));
  if (plan.metrics.has('ttft')) values.ttftMs = percentiles(number('ttft_count'), number('ttft_sum'), TTFT_COLUMNS.map(number));
  if (plan.metrics.has('tokens')) {
    values.inputTokens = number('input_tokens');
    values.outputTokens = number('output_tokens');
  }
  if (plan.metrics.has('cost')) values.costUsd = number('cost_usd');
  if (plan.metrics.has('cache')) values.cacheHits = number('cache_hits');
  return values;
}

function percentiles(count: number, sum: number, histogram: number[]): Percentiles | null {
  if (count === 0) return null;
  return {
    avg: round3(sum / count),
    p50: round3(percentile(histogram, 0.5) ?? 0),
    p95: round3(percentile(histogram, 0.95) ?? 0),
    p99: round3(percentile(histogram, 0.99) ?? 0),
  };
}
