import protobuf from 'protobufjs';
import { nanoHalvesToMs } from './span-checks.ts';
import type { ValueLimiter } from './value-limiter.ts';

/** Attribute keys up to this many bytes go through the key cache. */
const MAX_CACHED_KEY_BYTES = 64;

interface CachedKey {
  start: number;
  length: number;
  value: string;
}

/**
 * protobufjs's `Reader` over one request body, plus what the OTLP reader needs around it: narrowing
 * to a nested message, strings cut to the size limit before they are decoded, and a cache of
 * attribute keys. One per request.
 */
export class WireReader {
  readonly reader: protobuf.Reader;
  readonly limiter: ValueLimiter;
  /** The length of the field `bytesAt` last stepped over. */
  lastLength = 0;
  /** By a hash of the key's bytes; entries point into this request's buffer, so they never go stale. */
  readonly #keys = new Map<number, CachedKey>();

  constructor(body: Buffer, limiter: ValueLimiter) {
    // A Buffer gets protobufjs's BufferReader, which decodes strings natively.
    this.reader = protobuf.Reader.create(body);
    this.limiter = limiter;
  }

  /** Whether the current message has fields left. */
  hasMore(): boolean {
    return this.reader.pos < this.reader.len;
  }

  tag(): number {
    return this.reader.uint32();
  }

  /** Narrows the reader to the length-delimited message that starts here; returns the outer limit. */
  enter(): number {
    const reader = this.reader;
    const length = reader.uint32();
    const end = reader.pos + length;
    if (end > reader.len) throw new RangeError(`index out of range: ${reader.pos} + ${length} > ${reader.len}`);
    const outer = reader.len;
    reader.len = end;
    return outer;
  }

  leave(outer: number): void {
    this.reader.len = outer;
  }

  /** Steps over a length-delimited field and returns where its bytes start; its length is `lastLength`. */
  bytesAt(): number {
    const reader = this.reader;
    this.lastLength = reader.uint32();
    const start = reader.pos;
    reader.skip(this.lastLength);
    return start;
  }

  /** Notes where a length-delimited field's bytes are (start, length pairs) and steps over them. */
  remember(positions: number[]): void {
    const start = this.bytesAt();
    positions.push(start, this.lastLength);
  }

  /** Runs `read` with the reader narrowed to each remembered message in turn. */
  forEachRemembered(positions: number[], read: () => void): void {
    const reader = this.reader;
    const pos = reader.pos;
    const len = reader.len;
    for (let index = 0; index < positions.length; index += 2) {
      const start = positions[index]!;
      reader.pos = start;
      reader.len = start + positions[index + 1]!;
      read();
    }
    reader.pos = pos;
    reader.len = len;
  }

  /** A fixed64 nanosecond time as epoch ms, read as two 32-bit halves (no Long allocated). */
  nanosToMs(): number {
    const low = this.reader.fixed32();
    const high = this.reader.fixed32();
    return nanoHalvesToMs(high, low);
  }

  /** A string field, cut to `maxValueBytes` before decoding (a 50 MB value costs 64 KiB of work). */
  text(): string {
    const reader = this.reader;
    const lengthAt = reader.pos;
    const length = reader.uint32();
    const max = this.limiter.limits.maxValueBytes;
    if (length <= max) {
      reader.pos = lengthAt;
      return reader.string();
    }
    const start = reader.pos;
    reader.skip(length); // bounds-checked
    this.limiter.truncated = true;
    const buffer = reader.buf;
    let cut = start + max;
    // Back up to the first byte of the character the limit falls in (continuation bytes are 10xxxxxx).
    while (cut > start && (buffer[cut]! & 0xc0) === 0x80) cut--;
    return (buffer as Buffer).toString('utf8', start, cut);
  }

  /**
   * An attribute key. Keys repeat across a request's spans, and decoding one and then having V8
   * internalize it as a property name costs about 100 ns; finding the string made earlier for the
   * same bytes costs a fraction of that.
   */
  key(): string {
    const reader = this.reader;
    const lengthAt = reader.pos;
    const length = reader.uint32();
    const start = reader.pos;
    if (length > MAX_CACHED_KEY_BYTES || start + length > reader.len) {
      reader.pos = lengthAt;
      return this.text();
    }
    reader.pos = start + length;
    const buffer = reader.buf;
    // A cheap hash of the length and a few bytes (keys differ mostly in length and ending); the bytes
    // are compared in full on a hit, so a collision costs a decode, never a wrong key.
    const last = start + length - 1;
    let hash = length;
    if (length > 0) {
      hash = Math.imul(hash, 31) + buffer[start]!;
      hash = Math.imul(hash, 31) + buffer[last]!;
      hash = Math.imul(hash, 31) + buffer[start + (length >> 1)]!;
      hash = Math.imul(hash, 31) + buffer[last - (length >> 2)]!;
      hash = Math.imul(hash, 31) + buffer[start + (length >> 2)]!;
    }
    hash &= 0x3fffffff; // a small integer, the cheapest Map key
    const cached = this.#keys.get(hash);
    if (cached !== undefined && cached.length === length && sameBytes(buffer, cached.start, start, length)) return cached.value;
    const value = (buffer as Buffer).toString('utf8', start, start + length);
    if (cached === undefined) this.#keys.set(hash, { start, length, value });
    return value;
  }

  /** A bytes field as base64 (its OTLP/JSON form), cut so the text stays within `maxValueBytes`. */
  base64(): string {
    const start = this.bytesAt();
    const length = this.lastLength;
    const maxInput = Math.floor(this.limiter.limits.maxValueBytes / 4) * 3;
    if (length > maxInput) this.limiter.truncated = true;
    return (this.reader.buf as Buffer).toString('base64', start, start + Math.min(length, maxInput));
  }

  /** int64 as a number when it is exact, else as its decimal string (the OTLP/JSON form). */
  int64(): number | string {
    const value = this.reader.int64() as protobuf.Long | number;
    if (typeof value === 'number') return value;
    // With `long` installed (a protobufjs dependency) this is a Long instance.
    const long = value as protobuf.Long & { toNumber(): number; toString(): string };
    const number = long.toNumber();
    return Number.isSafeInteger(number) ? number : long.toString();
  }

  /** Skips a length-delimited field that is over a limit, and says so. */
  skipCut(): null {
    this.reader.skip(this.reader.uint32());
    this.limiter.truncated = true;
    return null;
  }

  /** Skips a field this reader does not use (unknown fields included, as protobuf requires). */
  skip(tag: number): void {
    this.reader.skipType(tag & 7, 0, tag >>> 3);
  }
}

function sameBytes(buffer: Uint8Array, left: number, right: number, length: number): boolean {
  for (let index = 0; index < length; index++) if (buffer[left + index] !== buffer[right + index]) return false;
  return true;
}
