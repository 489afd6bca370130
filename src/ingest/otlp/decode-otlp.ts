import type { Clock } from '../../core/clock.ts';
import { normalizeSpan } from '../conventions/normalize-span.ts';
import { resolveIngestLimits, type IngestLimits } from '../ingest-limits.ts';
import type { IngestResult } from '../ingested-span.ts';
import type { RawSpanSink } from '../raw-span.ts';
import { readJsonRequest } from './read-json-request.ts';
import { readProtobufRequest } from './read-protobuf-request.ts';
import { ValueLimiter } from './value-limiter.ts';

export interface DecodeOtlpOptions {
  /** "Now", for refusing spans that end more than a day in the future. */
  clock: Clock;
  limits?: Partial<IngestLimits>;
}

/**
 * Decodes an OTLP/HTTP trace export (`ExportTraceServiceRequest`, already un-gzipped: see
 * `gunzipIfNeeded`) into normalized spans. A body that is not a trace export at all throws an
 * `invalid_request` OperonError; a bad span (ids, absurd times) only lands in `rejected`, and an
 * oversized value is cut and its span flagged `truncated`.
 *
 * @example
 * const body = gunzipIfNeeded(raw, request.headers['content-encoding'], 10 * 1024 * 1024);
 * const { spans, rejected } = decodeOtlpTraces(body, 'protobuf', { clock: systemClock });
 * // answer OTLP partial success with rejected.length and the first reasons
 */
export function decodeOtlpTraces(
  body: Uint8Array,
  contentType: 'protobuf' | 'json',
  options: DecodeOtlpOptions,
): IngestResult {
  const limiter = new ValueLimiter(resolveIngestLimits(options.limits));
  const result: IngestResult = { spans: [], rejected: [] };
  const sink: RawSpanSink = {
    span(raw) {
      try {
        result.spans.push(normalizeSpan(raw));
      } catch (error) {
        // Normalizing is meant to be total; should it ever throw, that span is refused, not the batch.
        const detail = error instanceof Error ? error.message : String(error);
        result.rejected.push({ traceId: raw.traceId, spanId: raw.spanId, reason: `the span could not be normalized: ${detail}` });
      }
    },
    reject(rejection) {
      result.rejected.push(rejection);
    },
  };
  const now = options.clock.now();
  if (contentType === 'protobuf') readProtobufRequest(body, limiter, now, sink);
  else readJsonRequest(body, limiter, now, sink);
  return result;
}
