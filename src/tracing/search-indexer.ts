import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { startPeriodicJob, type PeriodicJob } from '../core/periodic-job.ts';
import type { SearchIndex } from './search-index.ts';

export interface SearchIndexerOptions {
  index: SearchIndex;
  clock: Clock;
  logger?: Logger;
  /** Time between runs. */
  intervalMs: number;
  /** Spans per batch: one short write transaction each. */
  batchSize: number;
  /**
   * Spans a run indexes at most. Under sustained heavy ingestion the index then falls behind rather than
   * taking the writer's time from the spans, and catches up when the load drops.
   */
  maxSpansPerRun: number;
  /**
   * True while ingestion is heavy: a run then indexes one batch only, leaving the writer's time to the
   * spans, and the index catches up when the load drops. Asked once per run.
   */
  busy?: () => boolean;
}

/**
 * Keeps the search index caught up with the spans written: every `intervalMs`, batches of `batchSize`
 * until none is left or `maxSpansPerRun` were indexed.
 *
 * @example
 * const indexer = createSearchIndexer({ index: stores.search, clock, intervalMs: 1_000, batchSize: 1_000, maxSpansPerRun: 20_000 });
 * indexer.start();
 * await indexer.stop();
 */
export function createSearchIndexer(options: SearchIndexerOptions) {
  let job: PeriodicJob | undefined;
  let indexed = 0;
  let failures = 0;

  async function runOnce(): Promise<number> {
    let done = 0;
    const limit = options.busy?.() ? Math.min(options.batchSize, options.maxSpansPerRun) : options.maxSpansPerRun;
    while (done < limit) {
      const wanted = Math.min(options.batchSize, limit - done);
      const count = await options.index.catchUp(wanted);
      done += count;
      if (count < wanted) break; // caught up
    }
    indexed += done;
    return done;
  }

  return {
    /** One run now: returns the spans indexed. */
    runOnce,
    start(): void {
      job ??= startPeriodicJob({
        clock: options.clock,
        intervalMs: options.intervalMs,
        run: runOnce,
        onError: (error) => {
          failures += 1;
          options.logger?.warn({ err: error }, 'search indexing failed; the next run retries');
        },
      });
    },
    async stop(): Promise<void> {
      await job?.stop();
      job = undefined;
    },
    stats: () => ({ indexed, failures }),
  };
}

export type SearchIndexer = ReturnType<typeof createSearchIndexer>;
