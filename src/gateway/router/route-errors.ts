import { OperonError, toOperonError } from '../../core/errors.ts';

/**
 * Whether trying again (later, or on another target) may help. Providers decide this when they build
 * the error (`src/providers/upstream-error.ts`: 429 except exhausted quota, 5xx, 408, 409); timeouts and
 * unreachable providers count too. Client errors (400, 401, 404, …) would fail the same way everywhere.
 */
export function isRetryable(error: OperonError): boolean {
  if (error.isRetryable) return true;
  return error.blame === 'provider' && (error.kind === 'timeout' || error.kind === 'unavailable');
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Providers throw `OperonError`s; anything else that reaches the router is either a dropped connection
 * (made a retryable `unavailable` error) or a bug (made an `internal` error, not retried).
 */
export function toRouteError(value: unknown, target: { provider: string; model: string }): OperonError {
  if (value instanceof OperonError) return value;
  const code = errorCode(value) ?? errorCode((value as { cause?: unknown } | undefined)?.cause);
  const fetchFailed = value instanceof TypeError && value.message === 'fetch failed';
  if ((code !== undefined && CONNECTION_ERROR_CODES.has(code)) || fetchFailed) {
    return new OperonError({
      code: 'upstream_connection_error',
      kind: 'unavailable',
      blame: 'provider',
      isRetryable: true,
      message: `Could not reach provider '${target.provider}' for model '${target.model}' (${code ?? 'fetch failed'}). Check its baseUrl and that it is running.`,
      cause: value,
    });
  }
  return toOperonError(value);
}

function errorCode(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function timeoutError(target: { provider: string; model: string }, timeoutMs: number, stream: boolean): OperonError {
  const what = stream ? 'sent no first chunk' : 'did not answer';
  return new OperonError({
    code: 'upstream_timeout',
    kind: 'timeout',
    blame: 'provider',
    isRetryable: true,
    message:
      `Provider '${target.provider}' ${what} for model '${target.model}' within ${timeoutMs} ms. ` +
      'Raise `timeoutMs` on the target (or `routing.timeoutMs`) in operon.yaml if the model is slow.',
  });
}

export function emptyStreamError(target: { provider: string; model: string }): OperonError {
  return new OperonError({
    code: 'upstream_empty_stream',
    kind: 'upstream',
    blame: 'provider',
    isRetryable: true,
    message: `Provider '${target.provider}' ended the stream for model '${target.model}' before sending anything.`,
  });
}

/** The client went away; nothing will read the answer, so nothing more is tried. */
export function clientClosedError(cause?: unknown): OperonError {
  return new OperonError({
    code: 'client_closed',
    kind: 'invalid_request',
    blame: 'user',
    message: 'The client closed the request before the answer was complete.',
    cause,
  });
}

export function modelNotFoundError(model: string, aliases: string[], providers: string[]): OperonError {
  const shown = aliases.slice(0, 5).map((alias) => `'${alias}'`).join(', ');
  const more = aliases.length > 5 ? ` and ${aliases.length - 5} more` : '';
  const configured = aliases.length > 0 ? `Configured models: ${shown}${more}. ` : 'No models are configured. ';
  const direct =
    providers.length > 0
      ? `call a provider's model directly as '<provider>/<model>' (providers: ${providers.join(', ')}), e.g. '${providers[0]}/${model.includes('/') ? model.slice(model.indexOf('/') + 1) : model}'`
      : "configure a provider under `providers:` and call its models as '<provider>/<model>'";
  return new OperonError({
    code: 'model_not_found',
    kind: 'not_found',
    blame: 'user',
    param: 'model',
    message: `Model '${model}' is not configured. ${configured}Add it under \`models:\` in operon.yaml, or ${direct}.`,
  });
}

export function allTargetsUnavailableError(targets: Array<{ provider: string; model: string; openUntil?: number }>, now: number): OperonError {
  const names = targets.map((target) => `${target.provider}/${target.model}`).join(', ');
  const reopen = Math.min(...targets.map((target) => target.openUntil ?? now));
  const seconds = Math.max(1, Math.ceil((reopen - now) / 1000));
  return new OperonError({
    code: 'all_targets_unavailable',
    kind: 'unavailable',
    blame: 'provider',
    isRetryable: true,
    retryAfterSeconds: seconds,
    message:
      `Every target is paused after repeated failures (circuit breaker open): ${names}. ` +
      `The next trial call is let through in ${seconds} s; see \`routing.breaker\` in operon.yaml to tune this.`,
  });
}

export function embeddingsUnsupportedError(model: string, providers: string[]): OperonError {
  return new OperonError({
    code: 'embeddings_not_supported',
    kind: 'invalid_request',
    blame: 'user',
    param: 'model',
    message: `Model '${model}' cannot make embeddings: provider ${providers.map((name) => `'${name}'`).join(', ')} has no embeddings endpoint. Use a model of a provider that has one.`,
  });
}
