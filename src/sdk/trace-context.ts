import { createContextKey, type Attributes, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR, metadataAttributes } from './span-attributes.ts';

/**
 * Who and what a unit of work belongs to. Set with `withContext`; every span started inside carries it.
 *
 * @example
 * await operon.withContext({ sessionId: 'chat-42', userId: 'u-7', tags: ['beta'] }, () => handle(request));
 */
export interface TraceContextValues {
  /** `session.id`: groups the traces of one conversation */
  sessionId?: string;
  /** `user.id`: the end user the work is done for */
  userId?: string;
  /** added to `operon.tags` on every span inside */
  tags?: string[];
  /** `operon.metadata.<key>` on every span inside */
  metadata?: Record<string, unknown>;
}

/**
 * A private context key rather than W3C baggage: baggage would travel to every downstream service
 * through propagators, and a user id has no business in other services' headers.
 */
const TRACE_CONTEXT_KEY = createContextKey('operon.sdk.trace-context');

export function readTraceContext(context: Context): TraceContextValues | undefined {
  return context.getValue(TRACE_CONTEXT_KEY) as TraceContextValues | undefined;
}

export function writeTraceContext(context: Context, values: TraceContextValues): Context {
  return context.setValue(TRACE_CONTEXT_KEY, mergeTraceContext(readTraceContext(context), values));
}

/** Inner values win for ids and metadata keys; tags accumulate. */
export function mergeTraceContext(
  outer: TraceContextValues | undefined,
  inner: TraceContextValues,
): TraceContextValues {
  const merged: TraceContextValues = { ...outer };
  if (inner.sessionId !== undefined) merged.sessionId = inner.sessionId;
  if (inner.userId !== undefined) merged.userId = inner.userId;
  if (inner.tags !== undefined) merged.tags = unionTags(outer?.tags, inner.tags);
  if (inner.metadata !== undefined) merged.metadata = { ...outer?.metadata, ...inner.metadata };
  return merged;
}

export function unionTags(...lists: Array<readonly string[] | undefined>): string[] {
  const tags = new Set<string>();
  for (const list of lists) for (const tag of list ?? []) tags.add(tag);
  return [...tags];
}

export function traceContextAttributes(values: TraceContextValues): Attributes {
  const attributes: Attributes = {};
  if (values.sessionId !== undefined) attributes[ATTR.sessionId] = values.sessionId;
  if (values.userId !== undefined) attributes[ATTR.userId] = values.userId;
  if (values.tags !== undefined && values.tags.length > 0) attributes[ATTR.tags] = values.tags;
  if (values.metadata !== undefined) Object.assign(attributes, metadataAttributes(values.metadata));
  return attributes;
}

/**
 * Stamps every span of the SDK's provider when it starts: the release and environment, and the
 * session, user, tags and metadata of the context it starts in. Spans from other instrumentations
 * get them too when the provider is the global one.
 */
export class TraceContextProcessor implements SpanProcessor {
  readonly #staticAttributes: Attributes;

  constructor(staticAttributes: Attributes) {
    this.#staticAttributes = staticAttributes;
  }

  /** Attributes the span was started with win over the context's; tags are merged. */
  onStart(span: Span, parentContext: Context): void {
    try {
      const values = readTraceContext(parentContext);
      const stamped = { ...this.#staticAttributes, ...(values === undefined ? {} : traceContextAttributes(values)) };
      for (const [key, value] of Object.entries(stamped)) {
        const own = span.attributes[key];
        if (key === ATTR.tags && Array.isArray(own) && Array.isArray(value)) {
          span.setAttribute(key, unionTags(value as string[], own as string[]));
        } else if (own === undefined && value !== undefined) {
          span.setAttribute(key, value);
        }
      }
    } catch {
      // stamping is best effort; the span itself must go on
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
