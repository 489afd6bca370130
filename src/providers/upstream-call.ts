import { OperonError } from '../core/errors.ts';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-transport.ts';
import { badResponseError, redact, upstreamHttpError } from './upstream-error.ts';

/** What every HTTP provider needs to make a call and explain its failures. */
export interface UpstreamClient {
  /** Provider instance name from config. */
  provider: string;
  transport: HttpTransport;
  /** Env var that holds the key, named in auth errors. */
  apiKeyEnv?: string;
  /** The key in use, redacted from any message the provider sends back. */
  apiKey?: string;
  now: () => number;
  /** Reads the provider's own error body. */
  parseError(body: unknown): { message?: string; type?: string; code?: string; param?: string; requestId?: string };
}

/**
 * Sends a request and resolves with a 2xx response whose body is still unread. Connection failures are
 * named after the provider; a non-2xx answer is read, its body freed, and thrown as an OperonError.
 */
export async function callUpstream(client: UpstreamClient, request: HttpRequest): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    response = await client.transport.request(request);
  } catch (error) {
    throw withProvider(client.provider, error);
  }
  if (response.status >= 200 && response.status < 300) return response;
  let text = '';
  try {
    text = await response.text();
  } catch {
    response.destroy();
  }
  const details = client.parseError(tryParseJson(text));
  const message = details.message ?? (text.trim() === '' ? undefined : text);
  throw upstreamHttpError({
    ...details,
    message: message === undefined ? undefined : redact(message, client.apiKey),
    provider: client.provider,
    status: response.status,
    headers: response.headers,
    apiKeyEnv: client.apiKeyEnv,
    now: client.now(),
  });
}

/** Reads a 2xx JSON body; anything that is not JSON is a `provider_bad_response`. */
export async function readJson(client: UpstreamClient, response: HttpResponse): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw withProvider(client.provider, error);
  }
  const value = tryParseJson(text);
  if (!isRecord(value)) throw badResponseError(client.provider, `expected a JSON object, got ${describe(text)}`);
  return value;
}

/** Rewrites a transport error so its message starts with the provider's name. */
export function withProvider(provider: string, error: unknown): OperonError {
  if (!OperonError.is(error)) {
    return new OperonError({
      code: 'provider_unreachable',
      kind: 'unavailable',
      blame: 'provider',
      isRetryable: true,
      cause: error,
      message: `Provider '${provider}' could not be called: ${(error as Error)?.message ?? String(error)}`,
    });
  }
  if (error.message.startsWith('Provider ')) return error;
  return new OperonError({
    code: error.code,
    kind: error.kind,
    blame: error.blame,
    isRetryable: error.isRetryable,
    upstreamStatus: error.upstreamStatus,
    retryAfterSeconds: error.retryAfterSeconds,
    param: error.param,
    cause: error.cause ?? error,
    message: `Provider '${provider}': ${error.message.replace("the provider's baseUrl", `providers.${provider}.baseUrl`)}`,
  });
}

/**
 * Wraps a stream of parts so that the response is freed however iteration ends: at the end of the
 * body, on an error, or when the consumer stops early (even before it started).
 */
export function closeable<T>(parts: AsyncGenerator<T>, response: HttpResponse): AsyncIterable<T> {
  let handedOut = false;
  return {
    [Symbol.asyncIterator]() {
      if (handedOut) throw new Error('This stream can be iterated only once.');
      handedOut = true;
      return {
        next: () => parts.next(),
        async return(value?: unknown) {
          response.destroy();
          await parts.return(undefined as never);
          return { done: true, value: value as T };
        },
        async throw(error?: unknown) {
          response.destroy();
          return parts.throw(error);
        },
      };
    },
  };
}

export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A short, safe description of a bad body for error messages. */
export function describe(text: string): string {
  if (text.trim() === '') return 'an empty body';
  const start = text.trim().slice(0, 80).replace(/\s+/g, ' ');
  return `"${start}${text.length > 80 ? '…' : ''}"`;
}

export function trimTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** The config error for a provider that needs a key and has none. */
export function missingKeyError(provider: string, apiKeyEnv: string): OperonError {
  return new OperonError({
    code: 'provider_api_key_missing',
    kind: 'config',
    blame: 'system',
    message: `Provider '${provider}' has no API key: set ${apiKeyEnv} or providers.${provider}.apiKey in operon.yaml`,
  });
}
