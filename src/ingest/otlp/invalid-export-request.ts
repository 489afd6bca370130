import { invalidRequest, type OperonError } from '../../core/errors.ts';

const WHAT_TO_SEND =
  'Send an opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest as binary protobuf ' +
  '(Content-Type: application/x-protobuf) or as OTLP/JSON (Content-Type: application/json), as the ' +
  'OpenTelemetry OTLP/HTTP exporters do.';

/**
 * The error for a body that is not an OTLP trace export at all (the whole request is refused, a 400):
 * what was wrong, then what to send instead.
 */
export function invalidExportRequest(problem: string, cause?: unknown): OperonError {
  return invalidRequest(`${problem} ${WHAT_TO_SEND}`, 'body', cause);
}
