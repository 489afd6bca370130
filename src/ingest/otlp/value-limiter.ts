import type { IngestLimits } from '../ingest-limits.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Applies `IngestLimits` to the values of one span while it is decoded and remembers whether it cut
 * anything (`truncated`, reset per span by the reader). One instance per `decodeOtlpTraces` call.
 */
export class ValueLimiter {
  readonly limits: IngestLimits;
  truncated = false;
  /** A string this short cannot exceed the byte limit (UTF-8 needs at most 3 bytes per UTF-16 unit). */
  readonly #safeLength: number;
  #scratch: Uint8Array | null = null;

  constructor(limits: IngestLimits) {
    this.limits = limits;
    this.#safeLength = Math.floor(limits.maxValueBytes / 3);
  }

  /** The string, or its longest prefix of whole characters within `maxValueBytes`. */
  text(value: string): string {
    if (value.length <= this.#safeLength) return value;
    const max = this.limits.maxValueBytes;
    // Every UTF-16 unit takes at least one UTF-8 byte, so only a string this short can still fit.
    if (value.length <= max && Buffer.byteLength(value, 'utf8') <= max) return value;
    this.#scratch ??= new Uint8Array(max);
    // encodeInto stops when the buffer is full, so a 50 MB string costs only `max` bytes of work.
    const { read, written } = encoder.encodeInto(value, this.#scratch);
    if (read === value.length) return value;
    this.truncated = true;
    // Decoding a copy (not `value.slice`) so the cut string does not keep the huge original alive.
    return decoder.decode(this.#scratch.subarray(0, written));
  }

  /** How many of `count` items (attributes, array items, events) to keep under `max`; flags a cut. */
  keep(count: number, max: number): number {
    if (count <= max) return count;
    this.truncated = true;
    return max;
  }
}
