import { gunzipSync } from 'node:zlib';
import { invalidRequest, OperonError } from '../../core/errors.ts';

/**
 * Undoes the request's `Content-Encoding`, which OTLP/HTTP allows to be `gzip` (or none). The inflated
 * size is capped at `maxBytes`, so a small zip bomb cannot take the process's memory; an uncompressed
 * body over the cap is refused the same way.
 *
 * @example
 * const body = gunzipIfNeeded(raw, headers['content-encoding'], 10 * 1024 * 1024);
 */
export function gunzipIfNeeded(body: Uint8Array, contentEncoding: string | null | undefined, maxBytes: number): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (body.length > maxBytes) throw tooLarge(`The request body (${body.length} bytes) is over the limit of ${maxBytes} bytes.`);
    return body;
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw invalidRequest(
      `Content-Encoding '${contentEncoding}' is not supported for OTLP. Send the body uncompressed or with Content-Encoding: gzip.`,
      'content-encoding',
    );
  }
  try {
    // maxOutputLength makes zlib stop (and throw) as soon as the output passes the cap.
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if (isCode(error, 'ERR_BUFFER_TOO_LARGE')) throw tooLarge(`The gzip body inflates to more than the limit of ${maxBytes} bytes.`, error);
    const detail = error instanceof Error ? error.message : String(error);
    throw invalidRequest(
      `The body is marked Content-Encoding: gzip but is not valid gzip (${detail}). Compress it with gzip, or drop the header.`,
      'body',
      error,
    );
  }
}

function tooLarge(problem: string, cause?: unknown): OperonError {
  return new OperonError({
    code: 'payload_too_large',
    kind: 'payload_too_large',
    blame: 'user',
    message: `${problem} Send smaller batches (the batch span processor's maxExportBatchSize).`,
    cause,
  });
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
