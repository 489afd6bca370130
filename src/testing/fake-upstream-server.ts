import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake upstream received. */
export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lowercased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it was not JSON (`undefined` when empty). */
  body: unknown;
  /** Resolves when the exchange is over; `early` when the connection closed before the answer was complete. */
  closed: Promise<{ early: boolean }>;
}

type Common = {
  status?: number;
  headers?: Record<string, string>;
  /** Answer only once this settles: the test controls the delay, no timers. */
  waitFor?: Promise<unknown>;
};

type Streaming = {
  /** Send this many events, then wait for `until` before the rest (a stream that stalls). */
  pauseAfter?: { events: number; until: Promise<unknown> };
  /** Send this many events, then drop the connection (a stream cut short). */
  cutAfter?: number;
};

/**
 * How the fake answers one request. Queue them with `enqueue`; with none queued, the fake answers from
 * its recorded fixtures.
 */
export type FakeBehavior =
  | (Common & Streaming & { kind: 'fixture'; name: string })
  | (Common & { kind: 'json'; body: unknown })
  | (Common & Streaming & { kind: 'sse'; body: string })
  /** An error status; `body` defaults to the provider's recorded error body for that status. */
  | (Common & { kind: 'error'; status: number; body?: unknown; retryAfter?: string })
  /** A body that is not what it claims: garbled JSON by default. */
  | (Common & { kind: 'garbled'; body?: string; contentType?: string })
  /** Drop the connection before answering. */
  | { kind: 'close'; waitFor?: Promise<unknown> }
  /** Send 200 and stream headers, then drop the connection before the first event. */
  | { kind: 'stream-error'; waitFor?: Promise<unknown> };

export interface FakeUpstream {
  /** The base URL to configure the provider with. */
  url: string;
  /** `http://127.0.0.1:<port>`, e.g. for an Azure baseUrl. */
  origin: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** TCP connections accepted so far (to check that clients reuse keep-alive sockets). */
  readonly connections: number;
  /** Queues behaviours for the next requests, first in first out. */
  enqueue(...behaviors: FakeBehavior[]): void;
  close(): Promise<void>;
}

export interface FakeUpstreamSpec {
  /** Folder of the recorded fixtures. */
  fixtures: URL;
  /** The path prefix of `url` (`/v1` for OpenAI). */
  basePath: string;
  /** The answer when nothing is queued. */
  fallback(request: RecordedRequest): FakeBehavior;
  /** The provider's error body for a status. */
  errorBody(status: number): unknown;
}

export async function startFakeUpstream(spec: FakeUpstreamSpec, initial: FakeBehavior[] = []): Promise<FakeUpstream> {
  const queue: FakeBehavior[] = [...initial];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = String(value);
      const closed = new Promise<{ early: boolean }>((resolve) => {
        response.on('close', () => resolve({ early: !response.writableFinished }));
      });
      const request: RecordedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers, body: parseBody(text), closed };
      requests.push(request);
      const behavior = queue.shift() ?? spec.fallback(request);
      answer(spec, behavior, response).catch(() => response.destroy());
    });
  });
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    get connections() {
      return connections;
    },
    url: `http://127.0.0.1:${port}${spec.basePath}`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...behaviors) => void queue.push(...behaviors),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(spec: FakeUpstreamSpec, behavior: FakeBehavior, response: http.ServerResponse): Promise<void> {
  if (behavior.waitFor) await behavior.waitFor;
  switch (behavior.kind) {
    case 'close':
      response.socket?.destroy();
      return;
    case 'stream-error':
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
      response.socket?.destroySoon();
      return;
    case 'json':
      return sendJson(response, behavior.status ?? 200, behavior.body, behavior.headers);
    case 'error': {
      const headers = { ...behavior.headers, ...(behavior.retryAfter !== undefined && { 'retry-after': behavior.retryAfter }) };
      return sendJson(response, behavior.status, behavior.body ?? spec.errorBody(behavior.status), headers);
    }
    case 'garbled':
      response.writeHead(behavior.status ?? 200, { 'content-type': behavior.contentType ?? 'application/json', ...behavior.headers });
      response.end(behavior.body ?? '{"id": "chatcmpl-garbled", "choices": [{"mess');
      return;
    case 'sse':
      return sendSse(response, behavior.body, behavior);
    case 'fixture': {
      const text = readFileSync(new URL(behavior.name, spec.fixtures), 'utf8');
      if (behavior.name.endsWith('.sse')) return sendSse(response, text, behavior);
      response.writeHead(behavior.status ?? 200, { 'content-type': 'application/json', ...behavior.headers });
      response.end(text);
      return;
    }
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function sendSse(response: http.ServerResponse, text: string, behavior: Common & Streaming): Promise<void> {
  response.writeHead(behavior.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...behavior.headers });
  response.flushHeaders();
  const events = splitEvents(text);
  for (const [index, event] of events.entries()) {
    if (behavior.cutAfter === index) {
      response.socket?.destroySoon();
      return;
    }
    if (behavior.pauseAfter?.events === index) await behavior.pauseAfter.until;
    if (response.destroyed) return;
    response.write(event);
  }
  if (behavior.pauseAfter?.events === events.length) await behavior.pauseAfter.until;
  if (!response.destroyed) response.end();
}

/** Splits an SSE body into events, each with its closing blank line. */
export function splitEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((event) => event.trim() !== '');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads a fixture file as text (for tests that replay fixtures without a server). */
export function readFixtureText(folder: URL, name: string): string {
  return readFileSync(new URL(name, folder), 'utf8');
}
