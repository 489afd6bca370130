/**
 * The full-text index behind `TraceQuery.search`. Spans are indexed after they are written, in batches,
 * by a background indexer (search-indexer.ts), so that writing spans never waits for tokenizing their
 * bodies; a span becomes searchable once the indexer has passed it (about a second, unless ingestion is
 * outrunning the indexer, which then catches up when the load drops).
 *
 * What is indexed: each span's name and the first 8,192 characters of its input and of its output (as
 * stored, JSON text). A search matches the traces having a span that contains every word searched for,
 * whole words, case-insensitive.
 *
 * @example
 * while ((await search.catchUp(1_000)) > 0);   // index everything written so far
 * const page = await traces.listTraces({ projectId, search: 'refund policy', limit: 50 });
 */
export interface SearchIndex {
  /** Indexes up to `maxSpans` spans not indexed yet, oldest first; returns how many (0: caught up). */
  catchUp(maxSpans: number): Promise<number>;
  /** How many spans are waiting to be indexed. */
  pending(): Promise<number>;
}
