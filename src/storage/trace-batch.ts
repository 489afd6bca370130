import type { SpansTable, TracesTable } from './schema.ts';
import { spanToRow, spanTotals, traceRow, type TraceGroupTotals } from './span-rows.ts';
import type { Span } from '../tracing/span.ts';

/**
 * The pure steps of writing a batch of spans, shared by the in-thread writer (trace-store.ts) and the
 * embedded store's writer thread (embedded/span-write-worker.ts), which must not load Kysely.
 */

/** The spans as rows, the last of any repeated (project, id) winning. */
export function uniqueRows(spans: readonly Span[]): SpansTable[] {
  const byId = new Map<string, SpansTable>();
  for (const span of spans) {
    const row = spanToRow(span);
    byId.set(`${row.project_id}\u0000${row.id}`, row);
  }
  return [...byId.values()];
}

/**
 * The trace rows that the newly stored spans create or update: a trace whose root span is among them
 * gets the root's summary (`withRoot`); otherwise its earliest new span stands in until the root comes
 * (`withoutRoot`, which only adds to the span count of a trace that exists). Sorted by key, so that
 * concurrent batches take row locks in one order and never deadlock on PostgreSQL.
 */
export function traceUpserts(inserted: readonly SpansTable[]): { withRoot: TracesTable[]; withoutRoot: TracesTable[] } {
  const groups = new Map<string, { root?: SpansTable; earliest: SpansTable; totals: TraceGroupTotals }>();
  for (const row of inserted) {
    const key = `${row.project_id}\u0000${row.trace_id}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { ...(row.parent_span_id === null ? { root: row } : {}), earliest: row, totals: spanTotals(row) });
      continue;
    }
    addTotals(group.totals, row);
    if (row.parent_span_id === null && !group.root) group.root = row;
    if (row.started_at < group.earliest.started_at) group.earliest = row;
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
  const withRoot: TracesTable[] = [];
  const withoutRoot: TracesTable[] = [];
  for (const group of ordered) {
    if (group.root) withRoot.push(traceRow(group.root, group.totals, true));
    else withoutRoot.push(traceRow(group.earliest, group.totals, false));
  }
  return { withRoot, withoutRoot };
}

const plus = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);

function addTotals(totals: TraceGroupTotals, row: SpansTable): void {
  const own = spanTotals(row);
  totals.spanCount += 1;
  totals.inputTokens = plus(totals.inputTokens, own.inputTokens);
  totals.outputTokens = plus(totals.outputTokens, own.outputTokens);
  totals.costUsd = plus(totals.costUsd, own.costUsd);
  totals.sessionId ??= row.session_id;
  totals.userId ??= row.user_id;
  totals.release ??= row.release;
  totals.environment ??= row.environment;
}
