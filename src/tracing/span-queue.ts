import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Span } from './span.ts';
import type { TraceStore } from './trace-store.ts';

export interface SpanQueueOptions {
  store: TraceStore;
  clock: Clock;
  logger: Logger;
  /** Spans held at most; past that new spans are dropped and counted. */
  queueSize: number;
  /** Spans per write. */
  batchSize: number;
  /** A partial batch is written at least this often. */
  flushIntervalMs: number;
  /** Attempts per batch before its spans are dropped (and counted). */
  maxWriteAttempts?: number;
}

export interface SpanQueueStats {
  enqueued: number;
  written: number;
  dropped: number;
  failedWrites: number;
  pending: number;
}

/**
 * A bounded queue that writes spans to the store in batches, off the request's path (see
 * `EARLY_WRITE_SPANS` for when a write starts).
 * `enqueue` never waits and never throws; a full queue drops the span and counts it; a failed write is
 * logged, counted and retried with the next flush, up to `maxWriteAttempts`.
 *
 * @example
 * const queue = createSpanQueue({ store, clock, logger, queueSize: 10_000, batchSize: 500, flushIntervalMs: 1000 });
 * queue.start();
 * queue.enqueue(span);
 * await queue.close(); // flushes what is left
 */
export interface SpanQueue {
  enqueue(span: Span): boolean;
  /** Writes everything queued now; resolves when done (failures are counted, not thrown). */
  flush(): Promise<void>;
  /** Starts the periodic flush. */
  start(): void;
  /** Stops the periodic flush and flushes. */
  close(): Promise<void>;
  stats(): SpanQueueStats;
}

/**
 * A write starts once this many spans wait (or `batchSize`, if smaller), without waiting for a full
 * batch: under load, spans (which hold whole request and response bodies) then die young instead of
 * being promoted to V8's old space, which kept the heap, and the process, 70 MB bigger. On SQLite a
 * smaller batch costs no more per span; a write still takes everything pending, up to `batchSize`.
 */
const EARLY_WRITE_SPANS = 100;

export function createSpanQueue(options: SpanQueueOptions): SpanQueue {
  const maxAttempts = options.maxWriteAttempts ?? 3;
  const writeAt = Math.min(options.batchSize, EARLY_WRITE_SPANS);
  let pending: Span[] = [];
  let retry: { spans: Span[]; attempts: number } | undefined;
  let flushing: Promise<void> | undefined;
  let flushRequested = false;
  let timerAbort: AbortController | undefined;
  const counters = { enqueued: 0, written: 0, dropped: 0, failedWrites: 0 };

  const writeBatch = async (spans: Span[], attempts: number): Promise<void> => {
    try {
      await options.store.writeSpans(spans);
      counters.written += spans.length;
    } catch (error) {
      counters.failedWrites += 1;
      if (attempts + 1 >= maxAttempts) {
        counters.dropped += spans.length;
        options.logger.error({ err: error, spans: spans.length }, 'trace write failed; spans dropped after retries');
      } else {
        retry = { spans, attempts: attempts + 1 };
        options.logger.warn({ err: error, spans: spans.length, attempt: attempts + 1 }, 'trace write failed; will retry');
      }
    }
  };

  const drain = async (): Promise<void> => {
    if (retry) {
      const { spans, attempts } = retry;
      retry = undefined;
      await writeBatch(spans, attempts);
      if (retry) return; // the store is still failing; try again at the next flush
    }
    while (pending.length > 0) {
      const batch = pending.length <= options.batchSize ? pending : pending.slice(0, options.batchSize);
      pending = batch === pending ? [] : pending.slice(options.batchSize);
      await writeBatch(batch, 0);
      if (retry) return;
    }
  };

  const flush = (): Promise<void> => {
    if (flushing) {
      flushRequested = true;
      return flushing;
    }
    flushing = (async () => {
      try {
        do {
          flushRequested = false;
          await drain();
        } while (flushRequested && !retry);
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  };

  const loop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await options.clock.sleep(options.flushIntervalMs, signal);
      } catch {
        return;
      }
      await flush();
    }
  };

  return {
    enqueue(span) {
      counters.enqueued += 1;
      if (pending.length + (retry?.spans.length ?? 0) >= options.queueSize) {
        counters.dropped += 1;
        return false;
      }
      pending.push(span);
      if (pending.length >= writeAt && !flushing) void flush();
      return true;
    },
    flush,
    start() {
      if (timerAbort) return;
      timerAbort = new AbortController();
      void loop(timerAbort.signal);
    },
    async close() {
      timerAbort?.abort();
      timerAbort = undefined;
      await flush();
      if (retry) await flush();
    },
    stats: () => ({ ...counters, pending: pending.length + (retry?.spans.length ?? 0) }),
  };
}
