import type { SpansTable } from '../schema.ts';

/**
 * Messages between the embedded store and its span writer thread (span-write-thread.ts ↔
 * span-write-worker.ts). The SQL is compiled by Kysely on the main thread, once, and travels with the
 * first batch, so the worker needs no query builder.
 */

export interface SpanWriteSql {
  /** Single-row span insert that skips a stored (project, id) and returns the id when it wrote one. */
  insertSpan: string;
  /** Single-row trace upserts (see trace-store.ts). */
  upsertRootTrace: string;
  upsertProvisionalTrace: string;
  /** Row keys in the order the statements bind them. */
  spanColumns: string[];
  traceColumns: string[];
}

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
