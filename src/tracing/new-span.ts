import type { Span } from './span.ts';

/** The fields every span must be given; the rest default to "nothing recorded". */
export type SpanEssentials = Pick<Span, 'id' | 'traceId' | 'projectId' | 'type' | 'name' | 'startedAt' | 'endedAt' | 'status' | 'latencyMs'>;

/**
 * Builds a span from its essentials plus whatever the caller recorded, with every other field empty
 * (null, false, no attempts, no bodies), so each producer states only what it knows.
 *
 * @example
 * queue.enqueue(newSpan({ id, traceId, projectId, type: 'embedding', name: 'embeddings', startedAt, endedAt, status: 'ok', latencyMs }, { keyId }));
 */
export function newSpan(essentials: SpanEssentials, recorded: Partial<Span> = {}): Span {
  return {
    parentSpanId: null,
    keyId: null,
    modelRequested: null,
    modelUsed: null,
    provider: null,
    attempts: [],
    fallbackUsed: false,
    cacheHit: false,
    stream: false,
    timeToFirstTokenMs: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    errorCode: null,
    errorMessage: null,
    bodyCapture: 'none',
    input: null,
    output: null,
    attributes: {},
    sessionId: null,
    userId: null,
    tags: [],
    metadata: {},
    release: null,
    environment: null,
    serviceName: null,
    events: [],
    truncated: false,
    ...essentials,
    ...recorded,
  };
}
