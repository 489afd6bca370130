/**
 * Ingestion: telemetry from outside the gateway (OTLP trace exports today) decoded into normalized
 * spans. The HTTP layer un-gzips (`gunzipIfNeeded`), decodes (`decodeOtlpTraces`), answers OTLP
 * partial success from `rejected`, and hands `spans` on to tracing.
 */
export { normalizeSpan } from './conventions/normalize-span.ts';
export { DEFAULT_INGEST_LIMITS, resolveIngestLimits, type IngestLimits } from './ingest-limits.ts';
export {
  SPAN_KINDS,
  type IngestedSpan,
  type IngestedSpanEvent,
  type IngestRejection,
  type IngestResult,
  type SpanKind,
} from './ingested-span.ts';
export { decodeOtlpTraces, type DecodeOtlpOptions } from './otlp/decode-otlp.ts';
export { gunzipIfNeeded } from './otlp/gunzip-if-needed.ts';
export type { RawResource, RawSpan, RawSpanSink } from './raw-span.ts';
