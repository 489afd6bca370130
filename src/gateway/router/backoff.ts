export interface RetryConfig {
  /** Attempts per target, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before retry number `retry` (0 for the first retry) on the same target: exponential backoff with
 * full jitter, a uniformly random wait in [0, min(maxDelayMs, baseDelayMs × 2^retry)).
 * Full jitter spreads the retries of many clients that failed together (AWS Architecture Blog,
 * "Exponential Backoff And Jitter").
 */
export function backoffDelayMs(retry: number, config: RetryConfig, random: () => number): number {
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
