import { OperonError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Span } from '../tracing/span.ts';
import type { TraceStore } from '../tracing/trace-store.ts';

export interface IngestQueueOptions {
  store: TraceStore;
  logger: Logger;
  /** Spans accepted but not yet stored, at most; past that, submissions are refused (backpressure). */
  maxPendingSpans: number;
  /** Spans per write at most (a single larger submission is written alone). */
  batchSize: number;
  /** Seconds a refused client is told to wait (`Retry-After`). */
  retryAfterSeconds: number;
}

export interface IngestQueueStats {
  /** Spans stored and acknowledged. */
  written: number;
  /** Spans refused because the queue was full (the client was told to retry). */
  refused: number;
  /** Spans whose write failed (the client was told to retry). */
  failed: number;
  /** Spans waiting to be written now. */
  pending: number;
  /** Writes (each one transaction holding several submissions). */
  writes: number;
}

/**
 * Ingested spans, acknowledged only once stored: `submit` resolves when the spans are committed, so
 * an acknowledgement is durable — nothing acknowledged is lost if the process dies after it. Writes
 * are grouped: submissions that arrive while a write is running go together in the next one, so many
 * small exports cost one transaction (group commit).
 *
 * Backpressure instead of silent loss: when `maxPendingSpans` are waiting, `submit` rejects at once
 * with a retryable 429 (`Retry-After`); a failed write rejects its submissions with a retryable 503.
 * Retried exports do not duplicate: the store skips span ids it already holds.
 *
 * @example
 * const queue = createIngestQueue({ store, logger, maxPendingSpans: 100_000, batchSize: 5_000, retryAfterSeconds: 1 });
 * await queue.submit(spans); // then answer 200
 */
export interface IngestQueue {
  submit(spans: Span[]): Promise<void>;
  stats(): IngestQueueStats;
  /** Waits for everything submitted; later submissions are refused with 503. */
  close(): Promise<void>;
}

interface Submission {
  spans: Span[];
  resolve: () => void;
  reject: (error: OperonError) => void;
}

export function createIngestQueue(options: IngestQueueOptions): IngestQueue {
  const waiting: Submission[] = [];
  let pendingSpans = 0;
  let writing: Promise<void> | undefined;
  let closed = false;
  const counters = { written: 0, refused: 0, failed: 0, writes: 0 };

  const takeBatch = (): Submission[] => {
    const batch: Submission[] = [];
    let size = 0;
    while (waiting.length > 0) {
      const next = waiting[0] as Submission;
      if (batch.length > 0 && size + next.spans.length > options.batchSize) break;
      batch.push(next);
      size += next.spans.length;
      waiting.shift();
    }
    return batch;
  };

  const drain = async (): Promise<void> => {
    for (let batch = takeBatch(); batch.length > 0; batch = takeBatch()) {
      const spans = batch.length === 1 ? (batch[0] as Submission).spans : batch.flatMap((submission) => submission.spans);
      counters.writes += 1;
      try {
        await options.store.writeSpans(spans);
        counters.written += spans.length;
        for (const submission of batch) submission.resolve();
      } catch (error) {
        counters.failed += spans.length;
        options.logger.error({ err: error, spans: spans.length }, 'ingested spans could not be stored; the clients were told to retry');
        const failure = new OperonError({
          code: 'ingest_write_failed',
          kind: 'unavailable',
          blame: 'system',
          isRetryable: true,
          retryAfterSeconds: options.retryAfterSeconds,
          message: 'Operon could not store these spans right now; nothing of this request was kept. Retry the export later.',
          cause: error,
        });
        for (const submission of batch) submission.reject(failure);
      } finally {
        pendingSpans -= spans.length;
      }
    }
  };

  const schedule = () => {
    writing ??= drain().finally(() => {
      writing = undefined;
      if (waiting.length > 0) schedule();
    });
  };

  return {
    submit(spans) {
      if (spans.length === 0) return Promise.resolve();
      if (closed) {
        return Promise.reject(
          new OperonError({ code: 'shutting_down', kind: 'unavailable', blame: 'system', isRetryable: true, retryAfterSeconds: options.retryAfterSeconds, message: 'Operon is shutting down; retry the export in a moment.' }),
        );
      }
      if (pendingSpans + spans.length > options.maxPendingSpans && pendingSpans > 0) {
        counters.refused += spans.length;
        return Promise.reject(
          new OperonError({
            code: 'ingest_overloaded',
            kind: 'rate_limit',
            blame: 'system',
            isRetryable: true,
            retryAfterSeconds: options.retryAfterSeconds,
            message: `Operon is storing ${pendingSpans} spans already and accepts no more right now; nothing of this request was kept. Retry after the Retry-After delay (exporters do), or send smaller batches.`,
          }),
        );
      }
      pendingSpans += spans.length;
      return new Promise<void>((resolve, reject) => {
        waiting.push({ spans, resolve, reject });
        schedule();
      });
    },
    stats: () => ({ ...counters, pending: pendingSpans }),
    async close() {
      closed = true;
      while (writing) await writing;
    },
  };
}
