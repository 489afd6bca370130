import type { ErrorKind, OperonError } from '../../core/errors.ts';

/**
 * The Anthropic error body, `{ type: 'error', error: { type, message } }`, with the error types of
 * Anthropic's API reference (docs "Errors": 400 invalid_request_error … 529 overloaded_error). The HTTP
 * status is not decided here: `src/server/error-response.ts` maps `error.kind` to it.
 *
 * @example
 * return c.json(toAnthropicErrorBody(error), statusFor(error));
 */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

const typeByKind: Record<ErrorKind, AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  conflict: 'invalid_request_error',
  payload_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  // Budgets answer 429, like rate limits; Anthropic's billing_error belongs to a 402.
  budget_exceeded: 'rate_limit_error',
  upstream: 'api_error',
  timeout: 'timeout_error',
  unavailable: 'overloaded_error',
  config: 'api_error',
  internal: 'api_error',
};

/** For `upstream` errors passed through with the provider's own status, the type that status stands for. */
const typeByUpstreamStatus: Record<number, AnthropicErrorType> = {
  400: 'invalid_request_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'request_too_large',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(error: OperonError): AnthropicErrorType {
  if (error.kind === 'upstream' && error.upstreamStatus !== undefined) {
    return typeByUpstreamStatus[error.upstreamStatus] ?? 'api_error';
  }
  return typeByKind[error.kind];
}

export function toAnthropicErrorBody(error: OperonError): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(error), message: error.message } };
}

/** An error after the stream's headers went out: an `error` event, which ends the stream. */
export function encodeAnthropicErrorEvent(error: OperonError): string {
  return `event: error\ndata: ${JSON.stringify(toAnthropicErrorBody(error))}\n\n`;
}
