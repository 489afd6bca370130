import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { UsageIncrement, UsageStore } from '../../projects/usage-store.ts';

export interface UsageBufferStats {
  /** Increments (project × key × day) waiting to be written. */
  pending: number;
  written: number;
  failedWrites: number;
}

/**
 * Sums usage per project, key and UTC day in memory and writes it to the usage store in one batch
 * `flushIntervalMs` after the first unwritten call, and on `flush()`. A failed write is logged and its
 * increments are kept for the next flush: usage accounting never fails a request.
 */
export class UsageBuffer {
  readonly #store: UsageStore;
  readonly #clock: Clock;
  readonly #logger: Pick<Logger, 'warn'>;
  readonly #flushIntervalMs: number;
  #pending = new Map<string, UsageIncrement>();
  #flushing: Promise<void> | undefined;
  #timer: AbortController | undefined;
  #closed = false;
  #written = 0;
  #failedWrites = 0;

  constructor(options: { store: UsageStore; clock: Clock; logger: Pick<Logger, 'warn'>; flushIntervalMs: number }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#flushIntervalMs = options.flushIntervalMs;
  }

  add(increment: UsageIncrement): void {
    const id = `${increment.projectId}\n${increment.keyId}\n${increment.day}`;
    const existing = this.#pending.get(id);
    if (existing) {
      existing.requests += increment.requests;
      existing.inputTokens += increment.inputTokens;
      existing.outputTokens += increment.outputTokens;
      existing.costUsd += increment.costUsd;
    } else {
      this.#pending.set(id, { ...increment });
    }
    this.#schedule();
  }

  /** Writes everything buffered now (after any write in flight). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    this.#flushing = this.#write(batch);
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.abort();
    this.#timer = undefined;
    await this.flush();
  }

  stats(): UsageBufferStats {
    return { pending: this.#pending.size, written: this.#written, failedWrites: this.#failedWrites };
  }

  async #write(batch: UsageIncrement[]): Promise<void> {
    try {
      await this.#store.add(batch);
      this.#written += batch.length;
    } catch (error) {
      this.#failedWrites += 1;
      this.#logger.warn({ err: error, increments: batch.length }, 'Could not write usage; will try again at the next flush');
      for (const increment of batch) this.add(increment);
    }
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    const timer = new AbortController();
    this.#timer = timer;
    this.#clock.sleep(this.#flushIntervalMs, timer.signal).then(
      async () => {
        this.#timer = undefined;
        await this.flush();
        if (this.#pending.size > 0) this.#schedule();
      },
      () => {}, // stopped by close()
    );
  }
}
