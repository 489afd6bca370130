/**
 * A stand-in for the Operon server in the SDK's tests: a node:http server on 127.0.0.1 (port 0)
 * that records `/v1/traces` and `/v1/scores` requests, decodes OTLP/JSON span batches, and answers
 * with a scripted status. Test support only; not exported from `operon/sdk`.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One span of an OTLP/JSON batch, attributes decoded to plain values. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  resource: Record<string, unknown>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}

function decodeValue(value: OtlpAnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

export function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((item) => [item.key, decodeValue(item.value)]));
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest body. */
export function decodeJsonTraces(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{
      resource?: { attributes?: OtlpKeyValue[] };
      scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
    }>;
  };
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = decodeAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          name: span.name as string,
          traceId: span.traceId as string,
          spanId: span.spanId as string,
          parentSpanId: (span.parentSpanId as string | undefined) || undefined,
          kind: span.kind as number,
          status: (span.status as ReceivedSpan['status']) ?? {},
          attributes: decodeAttributes(span.attributes as OtlpKeyValue[]),
          events: ((span.events as Array<{ name: string; attributes?: OtlpKeyValue[] }>) ?? []).map((event) => ({
            name: event.name,
            attributes: decodeAttributes(event.attributes),
          })),
          resource,
        });
      }
    }
  }
  return spans;
}

export class FakeOperonReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #server: Server;
  #replies: Reply[] = [];
  #held: Array<() => void> | undefined;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeOperonReceiver> {
    const server = createServer();
    const receiver = new FakeOperonReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        receiver.#notify();
        const reply = receiver.#replies.shift() ?? { status: 200 };
        const send = (): void => {
          response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          response.end(reply.status < 300 ? '{}' : '{"error":"scripted"}');
        };
        if (receiver.#held !== undefined) receiver.#held.push(send);
        else send();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get baseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The next requests are answered with these, in order; then 200 again. */
  replyWith(...replies: Reply[]): void {
    this.#replies.push(...replies);
  }

  /** Holds every answer until the returned function is called. */
  hold(): () => void {
    this.#held = [];
    return () => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const send of held) send();
    };
  }

  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  traceRequests(): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === '/v1/traces');
  }

  /** Every span received so far over OTLP/JSON. */
  spans(): ReceivedSpan[] {
    return this.traceRequests()
      .filter((request) => String(request.headers['content-type']).startsWith('application/json'))
      .flatMap((request) => decodeJsonTraces(request.body));
  }

  span(name: string): ReceivedSpan {
    const found = this.spans().find((span) => span.name === name);
    if (found === undefined) throw new Error(`no span named ${name}; got ${this.spans().map((span) => span.name).join(', ')}`);
    return found;
  }

  scores(): unknown[] {
    return this.requests
      .filter((request) => request.path === '/v1/scores')
      .map((request) => JSON.parse(request.body.toString('utf8')));
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.requests.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    const release = this.#held;
    this.#held = undefined;
    for (const send of release ?? []) send();
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A logger that keeps its lines for assertions. */
export function recordingLogger(): { lines: string[]; warn(message: string): void; info(message: string): void } {
  const lines: string[] = [];
  return {
    lines,
    warn: (message) => lines.push(`warn: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
  };
}
