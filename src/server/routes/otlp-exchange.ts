import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.ts';
import { invalidRequest, toOperonError, type OperonError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { OperonConfig } from '../../core/config.ts';
import { decodeOtlpTraces, gunzipIfNeeded } from '../../ingest/index.ts';
import type { IngestQueue } from '../../ingest/ingest-queue.ts';
import { toSpan } from '../../ingest/to-span.ts';
import { encodeExportResponse, encodeStatus, GRPC_CODE, type OtlpEncoding } from '../../ingest/otlp/export-response.ts';
import type { PriceLookup } from '../../tracing/cost/index.ts';
import type { Authenticator } from '../authenticator.ts';
import { errorHeaders, httpStatusOf } from '../error-response.ts';
import { readRawBody } from '../request-body.ts';

export interface OtlpExchangeDeps {
  authenticator: Authenticator;
  queue: IngestQueue;
  clock: Clock;
  logger: Logger;
  prices: PriceLookup;
  limits: OperonConfig['ingest'];
}

/** Rejection reasons quoted in a partial success, at most. */
const REASONS_SHOWN = 3;

/**
 * `POST /v1/traces`: OTLP/HTTP trace export, protobuf or JSON, gzip or not, with an ingest key. The
 * answer comes once the spans are stored (see ingest-queue.ts), so a 200 means they are kept: spans the
 * decoder refused are counted in `partial_success`, the rest are stored. A full queue answers 429 and a
 * failed write 503, both with Retry-After, which OTLP exporters retry; nothing is half-stored.
 */
export async function serveOtlpTraces(deps: OtlpExchangeDeps, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  let encoding: OtlpEncoding = 'json';
  try {
    encoding = encodingOf(incoming.headers['content-type']);
    const principal = await deps.authenticator.authenticate(incoming.headers, 'ingest');
    const raw = await readRawBody(incoming, deps.limits.maxBodyBytes, 'ingest.maxBodyBytes');
    const body = gunzipIfNeeded(raw, header(incoming.headers['content-encoding']), deps.limits.maxInflatedBytes);
    const decoded = decodeOtlpTraces(body, encoding, {
      clock: deps.clock,
      limits: { maxValueBytes: deps.limits.maxValueBytes, maxAttributes: deps.limits.maxAttributes },
    });
    const context = { projectId: principal.project.id, keyId: principal.key.id, captureBodies: principal.project.captureBodies, prices: deps.prices };
    await deps.queue.submit(decoded.spans.map((span) => toSpan(span, context)));
    const reasons = decoded.rejected.slice(0, REASONS_SHOWN).map((rejection) => rejection.reason);
    const message = decoded.rejected.length === 0 ? '' : `${decoded.rejected.length} span(s) refused: ${reasons.join('; ')}${decoded.rejected.length > REASONS_SHOWN ? '; …' : ''}`;
    write(outgoing, 200, encoding, encodeExportResponse(encoding, decoded.rejected.length, message));
  } catch (thrown) {
    const error = toOperonError(thrown);
    if (error.kind === 'internal') deps.logger.error({ err: thrown }, 'OTLP export failed');
    write(outgoing, httpStatusOf(error), encoding, encodeStatus(encoding, grpcCodeOf(error), error.message), errorHeaders(error));
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function encodingOf(contentType: string | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw invalidRequest(
    `Content-Type '${contentType ?? '(none)'}' is not an OTLP trace export. Send application/x-protobuf or application/json (an OTLP/HTTP exporter does this for you).`,
  );
}

function grpcCodeOf(error: OperonError): number {
  switch (error.kind) {
    case 'authentication':
      return GRPC_CODE.unauthenticated;
    case 'permission':
      return GRPC_CODE.permissionDenied;
    case 'rate_limit':
      return GRPC_CODE.resourceExhausted;
    case 'unavailable':
      return GRPC_CODE.unavailable;
    case 'invalid_request':
    case 'payload_too_large':
      return GRPC_CODE.invalidArgument;
    default:
      return GRPC_CODE.internal;
  }
}

function write(outgoing: ServerResponse, status: number, encoding: OtlpEncoding, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  if (outgoing.writableEnded || outgoing.destroyed) return;
  const payload = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  outgoing.writeHead(status, {
    ...headers,
    'content-type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  outgoing.end(payload);
}
