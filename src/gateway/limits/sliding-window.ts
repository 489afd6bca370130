const SLOTS = 60;

/**
 * A one-minute sliding window of counts in sixty one-second slots: cheap to update, and it can say how
 * long until enough of the oldest slots expire. Time comes from the caller (epoch ms).
 */
export class SlidingWindow {
  readonly #slots = new Float64Array(SLOTS);
  /** The most recent second written or read; slots hold seconds (latest − 59) … latest. */
  #latest = -Infinity;
  #total = 0;

  /** The sum over the last 60 seconds at `nowMs`. */
  total(nowMs: number): number {
    this.#advance(Math.floor(nowMs / 1000));
    return this.#total;
  }

  add(nowMs: number, amount: number): void {
    const second = Math.floor(nowMs / 1000);
    this.#advance(second);
    const slot = slotOf(second);
    this.#slots[slot] = (this.#slots[slot] as number) + amount;
    this.#total += amount;
  }

  /** Whole seconds (at least 1) until the total drops below `limit`. */
  secondsUntilBelow(nowMs: number, limit: number): number {
    const now = Math.floor(nowMs / 1000);
    this.#advance(now);
    let remaining = this.#total;
    for (let oldest = now - SLOTS + 1; oldest <= now; oldest++) {
      remaining -= this.#slots[slotOf(oldest)] as number;
      if (remaining < limit) return Math.max(1, Math.ceil(((oldest + SLOTS) * 1000 - nowMs) / 1000));
    }
    return SLOTS;
  }

  #advance(second: number): void {
    if (second <= this.#latest) return;
    if (second - this.#latest >= SLOTS) {
      this.#slots.fill(0);
      this.#total = 0;
    } else {
      // The slots of seconds latest+1 … second held the seconds that just left the window.
      for (let expired = this.#latest + 1; expired <= second; expired++) {
        const slot = slotOf(expired);
        this.#total -= this.#slots[slot] as number;
        this.#slots[slot] = 0;
      }
    }
    this.#latest = second;
  }
}

function slotOf(second: number): number {
  return ((second % SLOTS) + SLOTS) % SLOTS;
}
