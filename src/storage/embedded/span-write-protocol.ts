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
   * Single-row metrics rollup upsert (metrics-rollup-sql.ts) and its row's keys. Absent, no rollups are
   * kept: only the metrics benchmark's baseline leaves it out.
   */
  upsertRollup?: string;
  rollupColumns?: string[];
}

/** Rows per multi-row span insert (37 columns each, far under SQLite's 32,766 parameters). */
export const MULTI_ROW_SPANS = 32;

export interface SpanWriteRequest {
  id: number;
  rows: SpansTable[];
  /** Present on the first batch a worker gets. */
  sql?: SpanWriteSql;
}

export interface SpanWriteReply {
  id: number;
  /** Absent on success. */
  error?: { message: string; code?: string };
}

export interface SpanWriteWorkerData {
  path: string;
}
