/**
 * Time is injected everywhere, so tests never sleep.
 *
 * @example
 * const clock = createManualClock(0);
 * const done = clock.sleep(1000); // resolves once the test advances time
 * clock.advance(1000);
 * await done;
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** High-resolution monotonic milliseconds, for durations. */
  monotonic(): number;
  /** Resolves after `ms`; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface ManualClock extends Clock {
  /** Moves time forward and wakes every sleeper whose time has come. */
  advance(ms: number): void;
  /** Number of sleepers waiting. */
  readonly pending: number;
}

/** A clock that only moves when the test says so. */
export function createManualClock(start = 0): ManualClock {
  let current = start;
  let sleepers: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => current,
    monotonic: () => current,
    get pending() {
      return sleepers.length;
    },
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = { at: current + ms, resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers = sleepers.filter((entry) => entry !== sleeper);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    advance(ms) {
      current += ms;
      const due = sleepers.filter((entry) => entry.at <= current);
      sleepers = sleepers.filter((entry) => entry.at > current);
      for (const entry of due) entry.resolve();
    },
  };
}
