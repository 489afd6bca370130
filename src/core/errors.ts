/**
 * The one error base of Operon. Every error that crosses a module boundary is an `OperonError`
 * (or is wrapped into one), so the server can map it to HTTP in exactly one place
 * (`src/server/error-response.ts`) and the router can decide what is worth retrying.
 *
 * @example
 * throw new OperonError({
 *   code: 'model_not_found',
 *   message: "Model 'gpt-5' is not configured. Add it under `models:` in operon.yaml or call a provider model as 'openai/gpt-5'.",
 *   kind: 'not_found',
 *   blame: 'user',
 * });
 */

/** Who caused the error: the caller, an upstream provider, or Operon itself. */
export type ErrorBlame = 'user' | 'provider' | 'system';

/**
 * The family of an error. The HTTP status follows from the kind alone
 * (see `src/server/error-response.ts`); the `code` refines it for clients.
 */
export type ErrorKind =
  | 'invalid_request' // 400
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'payload_too_large' // 413
  | 'rate_limit' // 429
  | 'budget_exceeded' // 429, code says budget
  | 'upstream' // 502 (provider answered badly) or provider's own 4xx passed through
  | 'timeout' // 504
  | 'unavailable' // 503
  | 'config' // start-up only: bad configuration
  | 'internal'; // 500

export interface OperonErrorOptions {
  /** Stable, machine-readable code, snake_case, e.g. `rate_limit_exceeded`. */
  code: string;
  /** What went wrong and what to do about it. */
  message: string;
  kind: ErrorKind;
  blame: ErrorBlame;
  /** Whether trying the same call again (later, or on another target) may succeed. */
  isRetryable?: boolean;
  cause?: unknown;
  /** For `upstream` errors: the status the provider answered with. */
  upstreamStatus?: number;
  /** Seconds to wait before retrying, when known (from `Retry-After` or a limiter). */
  retryAfterSeconds?: number;
  /** The request parameter at fault, for `invalid_request` (OpenAI's `param`). */
  param?: string;
}

export class OperonError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly blame: ErrorBlame;
  readonly isRetryable: boolean;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly param: string | undefined;

  constructor(options: OperonErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OperonError';
    this.code = options.code;
    this.kind = options.kind;
    this.blame = options.blame;
    this.isRetryable = options.isRetryable ?? false;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.param = options.param;
  }

  static is(value: unknown): value is OperonError {
    return value instanceof OperonError;
  }
}

/** A 400 with the parameter at fault. */
export function invalidRequest(message: string, param?: string, cause?: unknown): OperonError {
  return new OperonError({ code: 'invalid_request', kind: 'invalid_request', blame: 'user', message, param, cause });
}

/** Wraps anything thrown into an OperonError, keeping OperonErrors as they are. */
export function toOperonError(value: unknown): OperonError {
  if (value instanceof OperonError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new OperonError({
    code: 'internal_error',
    kind: 'internal',
    blame: 'system',
    message: `Internal error: ${message}. This is a bug in Operon; please report it with the server log.`,
    cause: value,
  });
}
