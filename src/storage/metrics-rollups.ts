import { HISTOGRAM_BUCKETS, histogramBucket } from '../metrics/latency-histogram.ts';
import type { LatencyColumn, MetricsRollupsTable, MetricsUserRollupsTable, SpansTable, TtftColumn } from './schema.ts';

/**
 * The metrics rollups a batch of newly stored spans adds to (the `metrics_rollups` table, migration
 * 0003): per project, span kind, dimension value and time bucket, the span count, errors, cache hits,
 * latency and time-to-first-token sums and histograms, tokens and cost. Pure and Kysely-free: the
 * in-thread writer (trace-store.ts) and the embedded writer thread (embedded/span-write-worker.ts) both
 * call it inside the span insert's transaction, with the spans that insert actually wrote — so a retried
 * batch adds nothing twice.
 *
 * Each batch is pre-aggregated here, so N spans of one minute make one upsert per (resolution,
 * dimension value, kind), not N. Rows come sorted by key, so that concurrent batches take PostgreSQL's
 * row locks in one order and never deadlock.
 *
 * Resolutions (bucket widths, minutes): 1, 5, 60 and 1440 — a query reads the coarsest one that fits
 * its interval, so a week at 1 h reads 168 buckets, not 10,080.
 *
 * End users are many (a batch of 5,000 spans can name thousands), so the user dimension is kept
 * cheaper: over model calls only, at 60 and 1440 only, and without histograms, in a narrow table of
 * their own (`UserRollupsRow`; half the cost of a row in the wide table). The other dimensions are
 * bounded by configuration or instrumentation.
 *
 * @example
 * const rows = metricsRollups(insertedRows); // then upsert each, adding to what is stored
 */
export const ROLLUP_RESOLUTIONS = [1, 5, 60, 1440] as const;
export const USER_RESOLUTIONS = [60, 1440] as const;

/** Dimensions as stored; '' (value '') is the whole project. The span kind is a key column of every row. */
export const STORED_DIMENSIONS = ['', 'model', 'provider', 'key', 'user', 'tag', 'route', 'release'] as const;
export type StoredDimension = (typeof STORED_DIMENSIONS)[number];

/** The kinds that are model calls: the only ones counted per user. */
export const MODEL_CALL_TYPES: ReadonlySet<string> = new Set(['generation', 'embedding']);

/** A user dimension row (table `metrics_user_rollups`): the key and the sums, no histograms. */
export type UserRollupsRow = MetricsUserRollupsTable;
export type RollupRow = MetricsRollupsTable | UserRollupsRow;
export const isUserRow = (row: RollupRow): row is UserRollupsRow => row.dimension === 'user';

/** Values are cut to this many characters, so a long span name cannot overflow an index entry. */
export const MAX_VALUE_LENGTH = 200;

const pad = (index: number) => String(index).padStart(2, '0');
export const LATENCY_COLUMNS: readonly LatencyColumn[] = Array.from({ length: HISTOGRAM_BUCKETS }, (_, index) => `latency_${pad(index)}` as LatencyColumn);
export const TTFT_COLUMNS: readonly TtftColumn[] = Array.from({ length: HISTOGRAM_BUCKETS }, (_, index) => `ttft_${pad(index)}` as TtftColumn);

/** The span columns a rollup reads. */
export type RollupSource = Pick<
  SpansTable,
  | 'project_id' | 'type' | 'name' | 'started_at' | 'status' | 'key_id' | 'model_requested' | 'model_used' | 'provider'
  | 'cache_hit' | 'latency_ms' | 'time_to_first_token_ms' | 'input_tokens' | 'output_tokens' | 'cost_usd' | 'user_id'
  | 'tags' | 'release'
>;

interface Accumulator {
  projectId: string;
  resolution: number;
  dimension: StoredDimension;
  bucketStart: number;
  value: string;
  kind: string;
  spanCount: number;
  errors: number;
  cacheHits: number;
  latencySum: number;
  ttftCount: number;
  ttftSum: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Absent for users, who have no histograms. */
  latency: number[] | undefined;
  ttft: number[] | undefined;
}

const MINUTE_MS = 60_000;

/** Sorted by key; user rows (`isUserRow`) come last within each resolution, as 'user' sorts last. */
export function metricsRollups(inserted: readonly RollupSource[]): RollupRow[] {
  // Step 1: per minute. Step 2: the minutes summed into the coarser resolutions. Nested maps keyed by
  // the spans' own strings (whose hashes V8 keeps) cost far less than a concatenated key per lookup.
  const slots: Slots = new Map();
  const minutes: Accumulator[] = [];
  for (const span of inserted) {
    const minute = Math.floor(Number(span.started_at) / MINUTE_MS) * MINUTE_MS;
    const slot = slotOf(slots, span.project_id, span.type, minute, 1);
    const latencyBucket = histogramBucket(Number(span.latency_ms));
    const ttft = span.time_to_first_token_ms === null ? null : Number(span.time_to_first_token_ms);
    const add = (dimension: number, value: string | null) => {
      if (value === null || (value === '' && dimension !== WHOLE)) return;
      const cut = value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
      const byValue = slot[dimension] as Map<string, Accumulator>;
      let accumulator = byValue.get(cut);
      if (!accumulator) {
        accumulator = emptyAccumulator(span.project_id, 1, STORED_DIMENSIONS[dimension] as StoredDimension, minute, cut, span.type);
        byValue.set(cut, accumulator);
        minutes.push(accumulator);
      }
      addSpan(accumulator, span, latencyBucket, ttft);
    };
    add(WHOLE, '');
    add(MODEL, span.model_used ?? span.model_requested);
    add(PROVIDER, span.provider);
    add(KEY, span.key_id);
    if (MODEL_CALL_TYPES.has(span.type)) add(USER, span.user_id);
    add(ROUTE, span.name);
    add(RELEASE, span.release);
    if (span.tags !== '[]' && span.tags !== '') {
      const tags = parseTags(span.tags);
      // A tag repeated on one span counts once.
      for (let index = 0; index < tags.length; index++) if (tags.indexOf(tags[index] as string) === index) add(TAG, tags[index] as string);
    }
  }

  // Users are not kept per minute: their minutes only feed the hour and the day.
  const out: Accumulator[] = minutes.filter((minute) => minute.dimension !== 'user');
  for (const minute of minutes) {
    const user = minute.dimension === 'user';
    for (const resolution of user ? USER_RESOLUTIONS : COARSER_RESOLUTIONS) {
      const width = resolution * MINUTE_MS;
      const bucketStart = Math.floor(minute.bucketStart / width) * width;
      const byValue = slotOf(slots, minute.projectId, minute.kind, bucketStart, resolution)[STORED_DIMENSIONS.indexOf(minute.dimension)] as Map<string, Accumulator>;
      let accumulator = byValue.get(minute.value);
      if (!accumulator) {
        accumulator = emptyAccumulator(minute.projectId, resolution, minute.dimension, bucketStart, minute.value, minute.kind);
        byValue.set(minute.value, accumulator);
        out.push(accumulator);
      }
      merge(accumulator, minute);
    }
  }
  return out.sort(compareKeys).map(toRow);
}

const [WHOLE, MODEL, PROVIDER, KEY, USER, TAG, ROUTE, RELEASE] = STORED_DIMENSIONS.map((_, index) => index) as [number, number, number, number, number, number, number, number];
const COARSER_RESOLUTIONS = ROLLUP_RESOLUTIONS.filter((resolution) => resolution !== 1);

/** project → kind → bucket start + resolution (unique: buckets are multiples of a minute) → one map per dimension. */
type Slots = Map<string, Map<string, Map<number, Map<string, Accumulator>[]>>>;

function slotOf(slots: Slots, projectId: string, kind: string, bucketStart: number, resolution: number): Map<string, Accumulator>[] {
  let byKind = slots.get(projectId);
  if (!byKind) slots.set(projectId, (byKind = new Map()));
  let byBucket = byKind.get(kind);
  if (!byBucket) byKind.set(kind, (byBucket = new Map()));
  let slot = byBucket.get(bucketStart + resolution);
  if (!slot) byBucket.set(bucketStart + resolution, (slot = STORED_DIMENSIONS.map(() => new Map<string, Accumulator>())));
  return slot;
}

function parseTags(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}

function emptyAccumulator(projectId: string, resolution: number, dimension: StoredDimension, bucketStart: number, value: string, kind: string): Accumulator {
  return {
    projectId, resolution, dimension, bucketStart, value, kind,
    spanCount: 0, errors: 0, cacheHits: 0, latencySum: 0, ttftCount: 0, ttftSum: 0, inputTokens: 0, outputTokens: 0, costUsd: 0,
    latency: dimension === 'user' ? undefined : new Array<number>(HISTOGRAM_BUCKETS).fill(0),
    ttft: undefined,
  };
}

function addSpan(accumulator: Accumulator, span: RollupSource, latencyBucket: number, ttft: number | null): void {
  accumulator.spanCount += 1;
  if (span.status === 'error') accumulator.errors += 1;
  if (span.cache_hit === 1) accumulator.cacheHits += 1;
  accumulator.latencySum += Number(span.latency_ms);
  if (accumulator.latency) (accumulator.latency[latencyBucket] as number) += 1;
  if (ttft !== null) {
    accumulator.ttftCount += 1;
    accumulator.ttftSum += ttft;
    if (accumulator.latency) {
      accumulator.ttft ??= new Array<number>(HISTOGRAM_BUCKETS).fill(0);
      (accumulator.ttft[histogramBucket(ttft)] as number) += 1;
    }
  }
  accumulator.inputTokens += Number(span.input_tokens ?? 0);
  accumulator.outputTokens += Number(span.output_tokens ?? 0);
  accumulator.costUsd += Number(span.cost_usd ?? 0);
}

function merge(into: Accumulator, from: Accumulator): void {
  into.spanCount += from.spanCount;
  into.errors += from.errors;
  into.cacheHits += from.cacheHits;
  into.latencySum += from.latencySum;
  into.ttftCount += from.ttftCount;
  into.ttftSum += from.ttftSum;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.costUsd += from.costUsd;
  if (into.latency && from.latency) {
    for (let index = 0; index < HISTOGRAM_BUCKETS; index++) (into.latency[index] as number) += from.latency[index] as number;
  }
  if (from.ttft) {
    into.ttft ??= new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    for (let index = 0; index < HISTOGRAM_BUCKETS; index++) (into.ttft[index] as number) += from.ttft[index] as number;
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareKeys(a: Accumulator, b: Accumulator): number {
  return (
    compareText(a.projectId, b.projectId) ||
    a.resolution - b.resolution ||
    compareText(a.dimension, b.dimension) ||
    a.bucketStart - b.bucketStart ||
    compareText(a.value, b.value) ||
    compareText(a.kind, b.kind)
  );
}

/** The row, its keys always in the same order (the statements bind by key order; see insert-cache.ts). */
function toRow(accumulator: Accumulator): RollupRow {
  const { latency, ttft } = accumulator;
  // Copying a template of every key gives each row the same shape at once (no 135 shape transitions).
  const row: Record<string, string | number> = latency ? { ...ROW_TEMPLATE } : { ...USER_ROW_TEMPLATE };
  row.project_id = accumulator.projectId;
  row.resolution = accumulator.resolution;
  row.dimension = accumulator.dimension;
  row.bucket_start = accumulator.bucketStart;
  row.value = accumulator.value;
  row.kind = accumulator.kind;
  row.span_count = accumulator.spanCount;
  row.errors = accumulator.errors;
  row.cache_hits = accumulator.cacheHits;
  row.latency_sum = accumulator.latencySum;
  row.ttft_count = accumulator.ttftCount;
  row.ttft_sum = accumulator.ttftSum;
  row.input_tokens = accumulator.inputTokens;
  row.output_tokens = accumulator.outputTokens;
  row.cost_usd = accumulator.costUsd;
  if (!latency) return row as unknown as UserRollupsRow;
  for (let index = 0; index < HISTOGRAM_BUCKETS; index++) if (latency[index] !== 0) row[LATENCY_COLUMNS[index] as string] = latency[index] as number;
  if (ttft) for (let index = 0; index < HISTOGRAM_BUCKETS; index++) if (ttft[index] !== 0) row[TTFT_COLUMNS[index] as string] = ttft[index] as number;
  return row as unknown as MetricsRollupsTable;
}

const USER_ROW_TEMPLATE: UserRollupsRow = {
  project_id: '', resolution: 0, dimension: '', bucket_start: 0, value: '', kind: '',
  span_count: 0, errors: 0, cache_hits: 0, latency_sum: 0, ttft_count: 0, ttft_sum: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0,
};
const ROW_TEMPLATE = Object.fromEntries([...Object.entries(USER_ROW_TEMPLATE), ...LATENCY_COLUMNS.map((column) => [column, 0]), ...TTFT_COLUMNS.map((column) => [column, 0])]);
