import protobuf from 'protobufjs';

/**
 * The bodies OTLP/HTTP answers with, in the request's encoding (the OTLP spec, "OTLP/HTTP Response"):
 * success is an `ExportTraceServiceResponse` (with `partial_success` when some spans were refused), and
 * a failure is a `google.rpc.Status`. Both messages are small enough to write field by field.
 */
export type OtlpEncoding = 'protobuf' | 'json';

/** gRPC status codes used in `google.rpc.Status.code`. */
export const GRPC_CODE = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

export function encodeExportResponse(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): Uint8Array | string {
  if (encoding === 'json') {
    return JSON.stringify(rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {});
  }
  if (rejectedSpans === 0) return new Uint8Array(0);
  const partial = protobuf.Writer.create().uint32(8).int64(rejectedSpans).uint32(18).string(errorMessage).finish();
  return protobuf.Writer.create().uint32(10).bytes(partial).finish();
}

export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Uint8Array | string {
  if (encoding === 'json') return JSON.stringify({ code, message });
  return protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
}
