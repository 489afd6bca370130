import type { SpansTable } from '../schema.ts';

/**
 * Messages between the embedded store and its span writer thread (span-write-thread.ts ↔
 * span-write-worker.ts). The SQL is compiled by Kysely on the main thread, once, and travels with the
 * first batch, so the worker needs no query builder.
 */

export interface SpanWriteSql {
  /** Single-row span insert that skips a stored (project, id) and returns the id when it wrote one. */
  insertSpan: string;
  /** The same for `MULTI_ROW_SPANS` rows at once: one statement per chunk costs less than one per row. */
  insertSpans: string;
  /** Single-row trace upserts (see trace-store.ts). */
  upsertRootTrace: string;
  upsertProvisionalTrace: string;
  /** Row keys in the order the statements bind them. */
  spanColumns: string[];
  traceColumns: string[];
  /**
   * Single-row metrics rollup upserts (metrics-rollup-sql.ts): rows with histograms, and the narrower
   * user rows; and their rows' keys. Absent, no rollups are kept: only the metrics benchmark's baseline
   * leaves them out.
   */
  upsertRollup?: string;
  rollupColumns?: string[];
  upsertUserRollup?: string;
  userRollupColumns?: string[];
}

/** Rows per multi-row span insert (37 columns each, far under SQLite's 32,766 parameters). */
export const MULTI_ROW_SPANS = 32;

export interface SpanWriteRequest {
  id: number;
  rows: SpansTable[];
  /** Present on the first batch a worker gets. */
  sql?: SpanWriteSql;
  /** Instead of writing rows (none given): index up to this many spans for search (span-search-sql.ts). */
  indexSearch?: number;
}

export interface SpanWriteReply {
  id: number;
  /** Absent on success. */
  error?: { message: string; code?: string };
  /** Spans indexed, for an `indexSearch` request. */
  indexed?: number;
}

export interface SpanWriteWorkerData {
  path: string;
}
