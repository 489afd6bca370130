import type { IngestedSpanEvent, IngestRejection } from './ingested-span.ts';

/** Where a wire reader hands each decoded span, or the reason it could not take one. */
export interface RawSpanSink {
  span(span: RawSpan): void;
  reject(rejection: IngestRejection): void;
}

/**
 * A span as decoded from the wire, ids and times already checked, attributes already converted to
 * JSON-able values and cut to the limits — but not yet interpreted. The conventions in `conventions/`
 * turn it into an `IngestedSpan`; keeping this seam lets other wire formats reuse them.
 */
export interface RawSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** Epoch ms (may have a fraction). */
  startedAt: number;
  endedAt: number;
  /** OTLP `Status.code`: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Record<string, unknown>;
  events: IngestedSpanEvent[];
  /** Shared by every span of one `ResourceSpans`. */
  resource: RawResource;
  scope: { name: string; version: string | null } | null;
  /** True when decoding cut a value or dropped attributes or events. */
  truncated: boolean;
}

export interface RawResource {
  attributes: Record<string, unknown>;
  truncated: boolean;
}
