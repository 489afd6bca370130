import type { Span, Trace, TraceSummary, SpanStatus } from './span.ts';

export interface TraceQuery {
  projectId: string;
  /** Inclusive lower bound on start time, epoch ms. */
  from?: number;
  /** Exclusive upper bound on start time, epoch ms. */
  to?: number;
  /** Matches the model asked for or the model used. */
  model?: string;
  status?: SpanStatus;
  keyId?: string;
  sessionId?: string;
  userId?: string;
  /**
   * Words that one span of the trace must all contain, in its name or the start of its input or output
   * (whole words, any case; see search-index.ts: a span is searchable once indexed, about a second).
   */
  search?: string;
  /** 1–200. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface TracePage {
  traces: TraceSummary[];
  /** Present when more traces match; pass it back as `cursor`. */
  nextCursor: string | null;
}

/**
 * Where spans are written (in batches, off the hot path) and traces are read.
 * Newest first; the cursor is stable under concurrent inserts of newer traces.
 *
 * @example
 * await store.writeSpans(batch);
 * const page = await store.listTraces({ projectId, limit: 50 });
 * const trace = await store.getTrace(projectId, page.traces[0].id);
 */
export interface TraceStore {
  /** Writes the spans atomically; a span whose trace does not exist yet creates the trace. */
  writeSpans(spans: Span[]): Promise<void>;
  listTraces(query: TraceQuery): Promise<TracePage>;
  /** The trace with all its spans, or undefined if absent or of another project. */
  getTrace(projectId: string, traceId: string): Promise<Trace | undefined>;
}
