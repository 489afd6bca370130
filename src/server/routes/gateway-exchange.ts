import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.ts';
import { toOperonError, type OperonError } from '../../core/errors.ts';
import type { ApiKey, Project } from '../../projects/project-store.ts';
import type { IdGenerator } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { ChatRequest, ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';
import { newCallRecord, type CallContext, type ChatHandler } from '../../gateway/pipeline.ts';
import { TRACE_ID_HEADER } from '../../gateway/tracing-layer.ts';
import type { Authenticator } from '../authenticator.ts';
import { errorHeaders, httpStatusOf } from '../error-response.ts';
import { readJsonBody } from '../request-body.ts';

/** How one client-facing wire format reads requests and writes answers. */
export interface ChatWire {
  name: 'openai' | 'anthropic';
  parse(json: unknown): { request: ChatRequest; stream: boolean; includeUsage?: boolean };
  render(result: ChatResult, requestedModel: string): unknown;
  encoder(options: { includeUsage: boolean; requestedModel: string }): { encode(part: ChatStreamPart): string; end(): string };
  errorBody(error: OperonError): unknown;
  /** An SSE event reporting an error after the stream began. */
  errorEvent(error: OperonError): string;
}

export interface ExchangeDeps {
  authenticator: Authenticator;
  /** Records calls refused before the pipeline (bad body), so they leave a trace too. */
  rejected: (call: { traceId: string; project: Project; key: ApiKey; name: string; wire: string; startedAt: number; error: OperonError }) => void;
  clock: Clock;
  pipeline: ChatHandler;
  ids: IdGenerator;
  logger: Logger;
  maxBodyBytes: number;
}

/** Headers the pipeline may read; copied once, lowercased by Node already. */
const FORWARDED_HEADERS = ['x-operon-cache'] as const;

/**
 * Serves one chat call in the given wire format, writing straight to Node's response: the gateway's hot
 * path avoids web streams. Every failure becomes an error in the client's wire format; nothing thrown
 * here escapes to crash the server.
 */
export async function serveChat(wire: ChatWire, deps: ExchangeDeps, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const abort = new AbortController();
  let done = false;
  outgoing.once('close', () => {
    if (!done) abort.abort(new Error('client closed the connection'));
  });
  const traceId = deps.ids.next('trace');
  const startedAt = deps.clock.now();
  let principal: Awaited<ReturnType<Authenticator['authenticate']>> | undefined;
  let inPipeline = false;
  try {
    principal = await deps.authenticator.authenticate(incoming.headers, 'gateway');
    const parsed = wire.parse(await readJsonBody(incoming, deps.maxBodyBytes));
    inPipeline = true;
    const headers: Record<string, string | undefined> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = incoming.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const context: CallContext & { traceId: string } = {
      project: principal.project,
      key: principal.key,
      requestedModel: parsed.request.model,
      stream: parsed.stream,
      wire: wire.name,
      headers,
      signal: abort.signal,
      record: newCallRecord(),
      traceId,
    };
    if (!parsed.stream) {
      const result = await deps.pipeline.generate(parsed.request, context);
      writeJson(outgoing, 200, wire.render(result, context.requestedModel), traceId);
      return;
    }
    const parts = await deps.pipeline.stream(parsed.request, context);
    await writeStream(outgoing, parts, wire.encoder({ includeUsage: parsed.includeUsage ?? false, requestedModel: context.requestedModel }), wire, traceId, deps.logger, context.record);
  } catch (thrown) {
    const error = toOperonError(thrown);
    if (error.kind === 'internal') deps.logger.error({ err: thrown, traceId }, 'gateway request failed');
    if (principal && !inPipeline) {
      deps.rejected({ traceId, project: principal.project, key: principal.key, name: wire.name === 'anthropic' ? 'messages' : 'chat.completions', wire: wire.name, startedAt, error });
    }
    if (outgoing.headersSent) {
      if (!outgoing.writableEnded) outgoing.end(wire.errorEvent(error));
    } else {
      // Unauthenticated calls belong to no project, so they have no trace to name.
      writeJson(outgoing, httpStatusOf(error), wire.errorBody(error), principal ? traceId : undefined, errorHeaders(error));
    }
  } finally {
    done = true;
  }
}

export function writeJson(outgoing: ServerResponse, status: number, body: unknown, traceId?: string, headers: Record<string, string> = {}): void {
  if (outgoing.writableEnded || outgoing.destroyed) return;
  const payload = JSON.stringify(body);
  outgoing.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...(traceId ? { [TRACE_ID_HEADER]: traceId } : {}),
    ...headers,
  });
  outgoing.end(payload);
}

async function writeStream(
  outgoing: ServerResponse,
  parts: AsyncIterable<ChatStreamPart>,
  encoder: { encode(part: ChatStreamPart): string; end(): string },
  wire: ChatWire,
  traceId: string,
  logger: Logger,
  record: CallContext['record'],
): Promise<void> {
  outgoing.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    [TRACE_ID_HEADER]: traceId,
  });
  outgoing.flushHeaders();
  try {
    let sawUsage = false;
    for await (const part of parts) {
      if (outgoing.destroyed) return; // leaving the loop ends the upstream call and records the span
      if (part.type === 'usage') sawUsage = true;
      const text = encoder.encode(part);
      if (text && !outgoing.write(text)) await waitForDrain(outgoing);
    }
    // A provider that streamed no usage still gets usage to the client: the cost layer counted it.
    const counted = sawUsage ? '' : record.usage ? encoder.encode({ type: 'usage', usage: record.usage }) : '';
    outgoing.end(counted + encoder.end());
  } catch (thrown) {
    const error = toOperonError(thrown);
    if (error.kind === 'internal') logger.error({ err: thrown, traceId }, 'stream failed');
    if (!outgoing.writableEnded && !outgoing.destroyed) outgoing.end(wire.errorEvent(error));
  }
}

function waitForDrain(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}
