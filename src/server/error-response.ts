import type { ErrorKind, OperonError } from '../core/errors.ts';

/**
 * The one place where an error becomes an HTTP status. Provider 4xx answers that blame the caller keep
 * their status (a 400 from OpenAI stays a 400); everything else a provider did wrong is a 502.
 */
export function httpStatusOf(error: OperonError): number {
  if (error.kind === 'upstream') return 502;
  if ((error.kind === 'invalid_request' || error.kind === 'not_found') && error.upstreamStatus && error.upstreamStatus < 500) {
    return error.upstreamStatus;
  }
  return STATUS[error.kind];
}

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limit: 429,
  budget_exceeded: 429,
  upstream: 502,
  timeout: 504,
  unavailable: 503,
  config: 500,
  internal: 500,
};

/** Headers that go with an error response (`retry-after` for limits). */
export function errorHeaders(error: OperonError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  return headers;
}
