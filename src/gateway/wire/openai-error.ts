import type { ErrorKind, OperonError } from '../../core/errors.ts';

/**
 * The OpenAI error body, `{ error: { message, type, param, code } }`. The HTTP status is not decided
 * here: `src/server/error-response.ts` maps `error.kind` to it.
 *
 * @example
 * return c.json(toOpenAIErrorBody(error), statusFor(error));
 */
export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'timeout'
  | 'api_error'
  | 'server_error';

const typeByKind: Record<ErrorKind, OpenAIErrorType> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  conflict: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  budget_exceeded: 'insufficient_quota',
  // A provider that answered badly is reported as an API error; a provider's own 4xx keeps its meaning below.
  upstream: 'api_error',
  timeout: 'timeout',
  unavailable: 'server_error',
  config: 'server_error',
  internal: 'server_error',
};

/** For `upstream` errors passed through with the provider's own status, the type that status stands for. */
const typeByUpstreamStatus: Record<number, OpenAIErrorType> = {
  400: 'invalid_request_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function openAIErrorType(error: OperonError): OpenAIErrorType {
  if (error.kind === 'upstream' && error.upstreamStatus !== undefined) {
    return typeByUpstreamStatus[error.upstreamStatus] ?? 'api_error';
  }
  return typeByKind[error.kind];
}

export function toOpenAIErrorBody(error: OperonError): OpenAIErrorBody {
  return { error: { message: error.message, type: openAIErrorType(error), param: error.param ?? null, code: error.code } };
}

/**
 * An error after the stream's headers went out: OpenAI sends it as a data event with an `error` member,
 * which the OpenAI SDKs raise as an APIError. No `[DONE]` follows: the stream is over.
 */
export function encodeOpenAIErrorEvent(error: OperonError): string {
  return `data: ${JSON.stringify(toOpenAIErrorBody(error))}\n\n`;
}
