/** What one deletion removed. */
export interface DeletedCounts {
  traces: number;
  spans: number;
  scores: number;
}

/**
 * Deleting stored telemetry: retention (old traces) and erasure (one end user's data). Each call is one
 * short transaction over a bounded number of traces, so that it never holds the write lock long (span
 * writes wait for it); callers loop until a call finds nothing more. What goes with a trace: all its
 * spans, the scores on it and on its spans, and its spans' search index entries.
 *
 * @example
 * let deleted;
 * do deleted = await deletion.deleteTracesStartedBefore(projectId, cutoff, 500);
 * while (deleted.traces > 0);
 */
export interface TraceDeletion {
  /** Deletes up to `maxTraces` of the project's oldest traces that started before `before` (epoch ms). */
  deleteTracesStartedBefore(projectId: string, before: number, maxTraces: number): Promise<DeletedCounts>;
  /**
   * Deletes up to `maxTraces` traces attributed to the user (`trace.userId`), then up to `maxTraces` spans
   * naming the user in other traces (whose counts and sums are recomputed; a trace left with no span is
   * deleted), with their scores, and the metrics the user is a dimension of. Nothing left when a call
   * returns all zeros.
   */
  eraseUser(projectId: string, userId: string, maxTraces: number): Promise<DeletedCounts>;
}

export const NOTHING_DELETED: Readonly<DeletedCounts> = Object.freeze({ traces: 0, spans: 0, scores: 0 });

export function addCounts(a: DeletedCounts, b: DeletedCounts): DeletedCounts {
  return { traces: a.traces + b.traces, spans: a.spans + b.spans, scores: a.scores + b.scores };
}
