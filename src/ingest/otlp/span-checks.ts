/**
 * The per-span checks both OTLP encodings share. A failed check rejects that span only, with a reason
 * that names the field and what was wrong (it goes back to the sender as OTLP partial success).
 */

/** Spans before this are clock bugs or unset times (0 is 1970). */
export const EARLIEST_SPAN_MS = Date.UTC(2000, 0, 1);
/** How far past the server clock a span may end (clock skew between hosts is real, days of it is not). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** How a format names a span's two times, and what to suggest for a time before 2000. */
export interface SpanTimeFields {
  start: string;
  end: string;
  /** What a valid time is in this format. */
  valid: string;
  /** Appended to the before-2000 reason: the likely mistake in this format. */
  earlyHint?: string;
}

const OTLP_TIME_FIELDS: SpanTimeFields = { start: 'startTimeUnixNano', end: 'endTimeUnixNano', valid: 'unsigned 64-bit nanosecond time' };

/** The reason the span's times are absurd, or null when they are fine. */
export function checkSpanTimes(startedAt: number, endedAt: number, now: number, fields: SpanTimeFields = OTLP_TIME_FIELDS): string | null {
  if (!Number.isFinite(startedAt)) return `${fields.start} is not a valid ${fields.valid}`;
  if (!Number.isFinite(endedAt)) return `${fields.end} is not a valid ${fields.valid}`;
  if (startedAt === 0) return `${fields.start} is missing (0)`;
  if (startedAt < EARLIEST_SPAN_MS) {
    return `${fields.start} is before 2000-01-01 (${new Date(startedAt).toISOString()})${fields.earlyHint ? `: ${fields.earlyHint}` : ''}`;
  }
  if (endedAt < startedAt) return `${fields.end} is before ${fields.start}`;
  if (endedAt > now + MAX_FUTURE_SKEW_MS) {
    return `the span ends more than 1 day after the server's clock (${new Date(endedAt).toISOString()})`;
  }
  return null;
}

const ZERO_IDS = new Set(['0'.repeat(32), '0'.repeat(16)]);

/** True for the all-zero trace or span id, which OTLP declares invalid. */
export function isZeroId(hex: string): boolean {
  return ZERO_IDS.has(hex);
}

/** Why an id of `byteLength` bytes (from either encoding) is not a valid id of `size` bytes. */
export function describeBadId(field: string, byteLength: number, size: number, allZero: boolean): string {
  if (byteLength === 0) return `${field} is missing`;
  if (byteLength !== size) return `${field} must be ${size} bytes (${size * 2} hex digits), got ${byteLength} bytes`;
  if (allZero) return `${field} is all zeros, which OTLP declares invalid`;
  return `${field} is invalid`;
}

/**
 * Epoch ms from OTLP nanoseconds held as two 32-bit halves, without losing the whole milliseconds:
 * hi * 2^32 = hi * 4294 * 10^6 + hi * 967296, and every partial product stays below 2^53.
 */
export function nanoHalvesToMs(high: number, low: number): number {
  const hi = high >>> 0;
  const rest = hi * 967_296 + (low >>> 0);
  return hi * 4294 + Math.floor(rest / 1e6) + (rest % 1e6) / 1e6;
}
