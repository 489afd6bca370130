const DAY_MS = 86_400_000;

/** UTC day and month names for a time, remembered for the current day since almost every call asks for it. */
export class UtcCalendar {
  #dayStart = Number.NaN;
  #day = '';
  #month = '';

  /** `YYYY-MM-DD` */
  day(nowMs: number): string {
    this.#refresh(nowMs);
    return this.#day;
  }

  /** `YYYY-MM` */
  month(nowMs: number): string {
    this.#refresh(nowMs);
    return this.#month;
  }

  /** `YYYY-MM-01` of the month of `nowMs`. */
  monthStart(nowMs: number): string {
    return `${this.month(nowMs)}-01`;
  }

  /** Milliseconds until the next UTC midnight. */
  msUntilNextDay(nowMs: number): number {
    return Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS - nowMs;
  }

  /** Milliseconds until the first instant of the next UTC month. */
  msUntilNextMonth(nowMs: number): number {
    const date = new Date(nowMs);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - nowMs;
  }

  #refresh(nowMs: number): void {
    if (nowMs >= this.#dayStart && nowMs < this.#dayStart + DAY_MS) return;
    this.#dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
    this.#day = new Date(this.#dayStart).toISOString().slice(0, 10);
    this.#month = this.#day.slice(0, 7);
  }
}
