import http from 'node:http';
import https from 'node:https';
import { OperonError } from '../core/errors.ts';

/**
 * The HTTP client port the providers call upstreams through. Injected, so tests can replay recorded
 * answers without a network, and so one process shares one pool of keep-alive sockets.
 *
 * The default implementation sits on `node:http`/`node:https` rather than global `fetch`: on the hot path
 * fetch and web streams cost about five times the CPU per request here.
 *
 * A response body must be read to its end or `destroy()`ed, or its socket never returns to the pool.
 *
 * @example
 * const transport = createHttpTransport();
 * const response = await transport.request({ url: 'https://api.openai.com/v1/models', method: 'GET', headers: {} });
 * const text = await response.text(); // reads the body to its end
 * transport.close();
 */
export interface HttpTransport {
  /**
   * Sends a request and resolves once the status and headers are in. Rejects with an `OperonError`
   * (kind `unavailable` or `timeout`) when the connection fails or the signal aborts.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes idle pooled sockets. */
  close?(): void;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lowercased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body in chunks. Errors while reading (reset, abort) are thrown as `OperonError`s. */
  body: AsyncIterable<Buffer>;
  /** Reads the whole body as UTF-8. */
  text(): Promise<string>;
  /** Drops the rest of the body and the socket with it. Safe to call more than once. */
  destroy(): void;
}

export interface HttpTransportOptions {
  /** Most sockets per upstream host (default 256). */
  maxSockets?: number;
}

/** The default transport: keep-alive agents on node:http and node:https. */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  return {
    request: (request) => send(request, request.url.startsWith('https:') ? httpsAgent : httpAgent),
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Where a URL string points, parsed once: a provider calls the same few URLs over and over. */
interface Target {
  https: boolean;
  /** `host[:port]`, for messages. */
  host: string;
  options: { protocol: string; hostname: string; port: string; path: string };
}

const targets = new Map<string, Target>();
/** Distinct URLs kept parsed; the map is emptied when full (Azure puts the deployment in the path). */
const MAX_TARGETS = 512;

function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target) return target;
  const parsed = new URL(url);
  // `[::1]` in a URL is `::1` to the socket.
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  target = {
    https: parsed.protocol === 'https:',
    host: parsed.host,
    options: { protocol: parsed.protocol, hostname, port: parsed.port, path: `${parsed.pathname}${parsed.search}` },
  };
  if (parsed.username || parsed.password) {
    (target.options as typeof target.options & { auth?: string }).auth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  }
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, target);
  return target;
}

function send(request: HttpRequest, agent: http.Agent): Promise<HttpResponse> {
  const target = targetOf(request.url);
  const { signal } = request;
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(target, signal));
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    const client = target.https ? https : http;
    const outgoing = client.request({ ...target.options, method: request.method, headers, agent });
    let incoming: http.IncomingMessage | undefined;
    let settled = false;

    const onAbort = () => {
      const error = abortError(target, signal);
      outgoing.destroy(error);
      incoming?.destroy(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);

    outgoing.on('error', (error) => {
      release();
      if (!settled) {
        settled = true;
        reject(connectionError(target, error, signal));
      }
    });
    outgoing.on('response', (response) => {
      incoming = response;
      settled = true;
      response.once('close', release);
      // Errors surface through `body`; without a listener an abort on an unread body would crash the process.
      response.on('error', ignore);
      resolve(wrapResponse(target, response, signal));
    });
    outgoing.end(request.body);
  });
}

function wrapResponse(target: Target, response: http.IncomingMessage, signal: AbortSignal | undefined): HttpResponse {
  const headers: Record<string, string> = {};
  const raw = response.headers;
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let used = false;
  const take = () => {
    if (used) throw new Error('The response body was already read.');
    used = true;
  };
  const cut = () => connectionError(target, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), signal, 'read');
  const body: AsyncIterable<Buffer> = {
    async *[Symbol.asyncIterator]() {
      take();
      try {
        for await (const chunk of response) yield chunk as Buffer;
        // A connection cut mid-body ends the stream without an error on some Node versions.
        if (!response.complete) throw cut();
      } catch (error) {
        throw connectionError(target, error, signal, 'read');
      } finally {
        if (!response.complete) response.destroy();
      }
    },
  };
  return {
    status: response.statusCode ?? 0,
    headers,
    body,
    // Events, not an async iterator: a JSON answer usually arrives in one chunk, and the iterator's
    // promises and stream plumbing cost more than the read itself.
    text() {
      return new Promise<string>((resolve, reject) => {
        take();
        const chunks: Buffer[] = [];
        let finished = false;
        const fail = (error: unknown) => {
          if (finished) return;
          finished = true;
          if (!response.complete) response.destroy();
          reject(connectionError(target, error, signal, 'read'));
        };
        if (response.errored) return fail(response.errored);
        if (response.destroyed && !response.readableEnded) return fail(cut());
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', fail);
        response.once('end', () => {
          if (finished) return;
          if (!response.complete) return fail(cut());
          finished = true;
          resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
        });
        // Closed without an end or an error: the connection was cut.
        response.once('close', () => {
          if (!finished) fail(cut());
        });
      });
    },
    destroy() {
      if (!response.destroyed) response.destroy();
    },
  };
}

function ignore(): void {}

const CONNECTION_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'socket closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed early',
};

/**
 * Maps a socket-level failure (or an abort) to an OperonError naming the host, never the key. `phase`
 * says whether the answer had started (`read`) or not (`connect`).
 */
export function connectionError(url: { host: string }, error: unknown, signal?: AbortSignal, phase: 'connect' | 'read' = 'connect'): OperonError {
  if (OperonError.is(error)) return error;
  if (signal?.aborted) return abortError(url, signal);
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? `${CONNECTION_HINTS[code] ?? 'network error'} (${code})` : (error as Error)?.message ?? String(error);
  return new OperonError({
    code: 'provider_unreachable',
    kind: 'unavailable',
    blame: 'provider',
    isRetryable: true,
    cause: error,
    message:
      phase === 'connect'
        ? `Could not reach ${url.host}: ${reason}. Check the provider's baseUrl, that the server is up, and that this machine can reach it.`
        : `The connection to ${url.host} broke while reading the reply: ${reason}. The provider or a proxy in between dropped it; trying again may work.`,
  });
}

function abortError(url: { host: string }, signal: AbortSignal | undefined): OperonError {
  const reason: unknown = signal?.reason;
  const timedOut = (reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
  return new OperonError({
    code: timedOut ? 'provider_timeout' : 'request_aborted',
    kind: 'timeout',
    blame: 'provider',
    isRetryable: true,
    cause: reason,
    message: timedOut
      ? `The call to ${url.host} timed out. Raise the target's timeoutMs (or routing.timeoutMs) if the model needs longer.`
      : `The call to ${url.host} was aborted before it finished (the client went away or a timeout fired).`,
  });
}
