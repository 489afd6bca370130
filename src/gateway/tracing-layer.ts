import type { Clock } from '../core/clock.ts';
import { toOperonError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { ChatRequest, ChatResult, ChatStreamPart } from '../providers/chat-model.ts';
import { StreamAssembler } from './stream-assembler.ts';
import { captureBodyAsJson } from '../tracing/body-capture.ts';
import type { Span } from '../tracing/span.ts';
import type { SpanQueue } from '../tracing/span-queue.ts';
import type { CallContext, ChatMiddleware } from './pipeline.ts';

export interface TracingLayerOptions {
  queue: SpanQueue;
  clock: Clock;
  ids: IdGenerator;
}

/** Header carrying the trace id back to the client, so it can look the call up with `GET /api/traces/:id`. */
export const TRACE_ID_HEADER = 'x-operon-trace-id';

/**
 * The outermost layer: times the call, and when it ends (for streams: when the last part was read or the
 * client went away) turns the call record into a `generation` span and hands it to the span queue.
 * Writing never happens here: `enqueue` is synchronous and never throws.
 *
 * The trace id is chosen up front and exposed as `context.traceId` for the route to return in a header.
 */
/**
 * What the caller says about the call's context: the session and user (OpenAI's `user` field, or the
 * `x-operon-session-id` / `x-operon-user-id` headers) and tags (`x-operon-tags`, comma-separated), so
 * gateway calls show up in the sessions and users views beside the application's own spans.
 */
function gatewaySpanContext(request: ChatRequest, context: TracedContext): Pick<Span, 'sessionId' | 'userId' | 'tags' | 'metadata' | 'release' | 'environment' | 'serviceName' | 'events' | 'truncated'> {
  const header = (name: string) => {
    const value = context.headers[name]?.trim();
    return value ? value.slice(0, 200) : null;
  };
  const tags = header('x-operon-tags');
  return {
    sessionId: header('x-operon-session-id'),
    userId: header('x-operon-user-id') ?? (request.user ? request.user.slice(0, 200) : null),
    tags: tags ? [...new Set(tags.split(',').map((tag) => tag.trim()).filter(Boolean))].slice(0, 20) : [],
    metadata: {},
    release: null,
    environment: null,
    serviceName: 'operon-gateway',
    events: [],
    truncated: false,
  };
}

export function createTracingLayer(options: TracingLayerOptions): ChatMiddleware {
  const { clock, ids, queue } = options;

  const finish = (
    request: ChatRequest,
    context: TracedContext,
    started: { at: number; mono: number },
    outcome: { result?: ChatResult; error?: unknown },
  ): void => {
    const error = outcome.error === undefined ? undefined : toOperonError(outcome.error);
    const record = context.record;
    const mode = context.project.captureBodies;
    const span: Span = {
      id: ids.next('span'),
      traceId: context.traceId,
      projectId: context.project.id,
      parentSpanId: null,
      type: 'generation',
      name: context.wire === 'anthropic' ? 'messages' : 'chat.completions',
      startedAt: started.at,
      endedAt: started.at + Math.round(clock.monotonic() - started.mono),
      status: error ? 'error' : 'ok',
      keyId: context.key.id,
      modelRequested: context.requestedModel,
      modelUsed: record.modelUsed ?? null,
      provider: record.provider ?? null,
      attempts: record.attempts,
      fallbackUsed: record.fallbackUsed,
      cacheHit: record.cacheHit,
      stream: context.stream,
      latencyMs: round(clock.monotonic() - started.mono),
      timeToFirstTokenMs: record.firstTokenAt === undefined ? null : round(record.firstTokenAt - started.mono),
      inputTokens: record.usage?.inputTokens ?? null,
      outputTokens: record.usage?.outputTokens ?? null,
      costUsd: record.costUsd ?? null,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      bodyCapture: mode,
      input: captureBodyAsJson(mode, { ...request, model: context.requestedModel }),
      output: outcome.result ? captureBodyAsJson(mode, outcome.result) : null,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'operon.wire': context.wire,
        ...(record.usageEstimated ? { 'operon.usage.estimated': true } : {}),
        ...(record.usage?.cachedInputTokens ? { 'gen_ai.usage.cache_read_input_tokens': record.usage.cachedInputTokens } : {}),
      },
      ...gatewaySpanContext(request, context),
    };
    queue.enqueue(span);
  };

  return (next) => ({
    async generate(request, context) {
      const traced = asTraced(context);
      const started = { at: clock.now(), mono: clock.monotonic() };
      try {
        const result = await next.generate(request, context);
        finish(request, traced, started, { result });
        return result;
      } catch (error) {
        finish(request, traced, started, { error });
        throw error;
      }
    },
    async stream(request, context) {
      const traced = asTraced(context);
      const started = { at: clock.now(), mono: clock.monotonic() };
      let parts: AsyncIterable<ChatStreamPart>;
      try {
        parts = await next.stream(request, context);
      } catch (error) {
        finish(request, traced, started, { error });
        throw error;
      }
      return observeStream(parts, traced, clock, (outcome) => finish(request, traced, started, outcome));
    },
  });
}

export interface TracedContext extends CallContext {
  traceId: string;
}

function asTraced(context: CallContext): TracedContext {
  const traced = context as TracedContext;
  if (!traced.traceId) throw new Error('CallContext.traceId must be set by the route before the pipeline runs');
  return traced;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * Passes parts through untouched while assembling the answer for the span; calls `done` exactly once,
 * when the stream ends, fails, or the consumer stops early.
 */
async function* observeStream(
  parts: AsyncIterable<ChatStreamPart>,
  context: TracedContext,
  clock: Clock,
  done: (outcome: { result?: ChatResult; error?: unknown }) => void,
): AsyncGenerator<ChatStreamPart> {
  const assembled = new StreamAssembler();
  let finished = false;
  try {
    for await (const part of parts) {
      if (context.record.firstTokenAt === undefined && isContent(part)) context.record.firstTokenAt = clock.monotonic();
      assembled.add(part);
      yield part;
    }
    finished = true;
    done({ result: assembled.partial() });
  } catch (error) {
    finished = true;
    done({ error });
    throw error;
  } finally {
    if (!finished) done({ error: clientClosed() });
  }
}

function isContent(part: ChatStreamPart): boolean {
  return part.type === 'text-delta' || part.type === 'tool-call-start' || part.type === 'refusal-delta';
}

function clientClosed() {
  return Object.assign(new Error('The client closed the stream before it ended.'), { code: 'client_closed' });
}
