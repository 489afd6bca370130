import type { Clock } from './clock.ts';

/**
 * Runs `run` every `intervalMs` (the first time after `initialDelayMs`) on the injected clock (tests drive it with `createManualClock`), one run
 * at a time: the next interval starts when a run ends. A run that throws is reported to `onError` and
 * the job goes on. `stop` ends the wait, and resolves once a run in progress has finished.
 *
 * @example
 * const job = startPeriodicJob({ clock, intervalMs: 60_000, run: () => retention.runOnce(), onError: (error) => logger.warn({ err: error }) });
 * await job.stop();
 */
export interface PeriodicJob {
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  clock: Clock;
  intervalMs: number;
  /** Wait before the first run; `intervalMs` when absent. */
  initialDelayMs?: number;
  run: () => Promise<unknown>;
  onError: (error: unknown) => void;
}

export function startPeriodicJob(options: PeriodicJobOptions): PeriodicJob {
  const stopping = new AbortController();
  const loop = (async () => {
    for (let wait = options.initialDelayMs ?? options.intervalMs; !stopping.signal.aborted; wait = options.intervalMs) {
      try {
        await options.clock.sleep(wait, stopping.signal);
      } catch {
        return; // stopped while waiting
      }
      try {
        await options.run();
      } catch (error) {
        options.onError(error);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
