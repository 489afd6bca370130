import { OperonError } from '../core/errors.ts';

/** What a provider's error body said, in its own words. */
export interface UpstreamErrorDetails {
  /** Provider instance name from config. */
  provider: string;
  status: number;
  headers?: Record<string, string>;
  message?: string;
  /** The provider's error type, e.g. `invalid_request_error`, `overloaded_error`. */
  type?: string;
  /** The provider's error code, e.g. `invalid_api_key`, `rate_limit_exceeded`. */
  code?: string;
  param?: string;
  /** The provider's id for the failed request, when its body gives one (its headers are read too). */
  requestId?: string;
  /** Env var that holds this provider's key, named in auth errors. */
  apiKeyEnv?: string;
  /** Milliseconds since the epoch, for `retry-after` given as an HTTP date. */
  now?: number;
}

const MAX_MESSAGE_LENGTH = 500;

/**
 * Turns a provider's non-2xx answer into an OperonError whose kind says what the router may do with it:
 * the caller's mistakes (400, 404, 422) keep their status and are not retried; 401/403 mean Operon's key
 * for the provider is wrong; 429 and 5xx are retryable, with the provider's `retry-after` when it gave one.
 */
export function upstreamHttpError(details: UpstreamErrorDetails): OperonError {
  const { provider, status } = details;
  const requestId = details.requestId ?? details.headers?.['x-request-id'] ?? details.headers?.['request-id'];
  const said = details.message ? `: ${truncate(details.message)}` : '';
  const suffix = requestId ? ` (upstream request id ${requestId})` : '';
  const base = { upstreamStatus: status, param: details.param };

  if (status === 401 || status === 403) {
    const where = details.apiKeyEnv ? `providers.${provider}.apiKey (or ${details.apiKeyEnv})` : `providers.${provider}.apiKey`;
    return new OperonError({
      ...base,
      code: 'provider_auth_failed',
      kind: 'upstream',
      blame: 'provider',
      message: `Provider '${provider}' rejected the API key (${status}). Check ${where} in operon.yaml.${details.message ? ` The provider said: ${truncate(details.message)}` : ''}${suffix}`,
    });
  }
  if (status === 429) {
    const quota = details.code === 'insufficient_quota';
    return new OperonError({
      ...base,
      code: quota ? 'provider_quota_exceeded' : 'provider_rate_limited',
      kind: 'rate_limit',
      blame: 'provider',
      isRetryable: !quota,
      retryAfterSeconds: retryAfterSeconds(details.headers, details.now),
      message: `Provider '${provider}' is rate limiting Operon (429)${said}${suffix}`,
    });
  }
  if (status === 400 || status === 404 || status === 422 || status === 413) {
    const kind = status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'invalid_request';
    return new OperonError({
      ...base,
      code: details.code ?? (status === 404 ? 'not_found' : 'invalid_request'),
      kind,
      blame: 'user',
      message: `Provider '${provider}' rejected the request (${status})${said}${suffix}`,
    });
  }
  const overloaded = status === 529 || details.type === 'overloaded_error';
  return new OperonError({
    ...base,
    code: overloaded ? 'provider_overloaded' : 'provider_error',
    kind: 'upstream',
    blame: 'provider',
    // 408 and 409 are worth another try, as the official SDKs do; other 4xx are not.
    isRetryable: status >= 500 || status === 408 || status === 409,
    retryAfterSeconds: retryAfterSeconds(details.headers, details.now),
    message: `Provider '${provider}' failed (${status})${said}${suffix}`,
  });
}

/** The provider sent something Operon cannot read: not JSON, or JSON of the wrong shape. */
export function badResponseError(provider: string, what: string, cause?: unknown): OperonError {
  return new OperonError({
    code: 'provider_bad_response',
    kind: 'upstream',
    blame: 'provider',
    isRetryable: false,
    upstreamStatus: 502,
    cause,
    message: `Provider '${provider}' sent a reply Operon could not read: ${what}.`,
  });
}

/** Seconds from `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function retryAfterSeconds(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers['retry-after-ms'];
  if (milliseconds !== undefined && milliseconds.trim() !== '' && Number.isFinite(Number(milliseconds))) {
    return Math.max(0, Number(milliseconds) / 1000);
  }
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Removes a secret from text that may quote it (some providers echo part of a bad key). */
export function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 8 ? text.split(secret).join('[redacted]') : text;
}

function truncate(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > MAX_MESSAGE_LENGTH ? `${trimmed.slice(0, MAX_MESSAGE_LENGTH)}…` : trimmed;
}
