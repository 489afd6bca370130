/**
 * Size limits applied while decoding, so one oversized span costs bounded memory and time downstream
 * (storage, UI) and never fails the batch: values are cut and the span is flagged `truncated`.
 *
 * @example
 * decodeOtlpTraces(body, 'json', { clock, limits: { maxValueBytes: 16 * 1024 } });
 */
export interface IngestLimits {
  /** Largest UTF-8 size of one string (attribute value or key, name, message); longer ones are cut. */
  maxValueBytes: number;
  /** Most attributes kept per span, resource or event; also the most items kept in one array or map value. */
  maxAttributes: number;
  /** Most events kept per span. */
  maxEvents: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxValueBytes: 64 * 1024,
  maxAttributes: 256,
  // The OpenTelemetry SDKs' own default event count limit.
  maxEvents: 128,
};

/** Fills the unset limits with the defaults. */
export function resolveIngestLimits(limits: Partial<IngestLimits> | undefined): IngestLimits {
  return {
    maxValueBytes: limits?.maxValueBytes ?? DEFAULT_INGEST_LIMITS.maxValueBytes,
    maxAttributes: limits?.maxAttributes ?? DEFAULT_INGEST_LIMITS.maxAttributes,
    maxEvents: limits?.maxEvents ?? DEFAULT_INGEST_LIMITS.maxEvents,
  };
}
