import type { ChatRequest, ChatResult, ChatStreamPart, EmbeddingRequest, EmbeddingResult, Usage } from '../providers/chat-model.ts';
import type { ApiKey, Project } from '../projects/project-store.ts';
import type { Attempt } from '../tracing/span.ts';

/**
 * What the pipeline knows about one gateway call, and what each layer records about it for the trace.
 * Created by the route, filled in by the middleware, read by the tracing layer when the call ends.
 */
export interface CallContext {
  project: Project;
  key: ApiKey;
  /** The model name the client asked for (an alias, or `provider/model`). */
  requestedModel: string;
  stream: boolean;
  /** Which wire format the client spoke. */
  wire: 'openai' | 'anthropic';
  /** Lowercased request headers the layers may read (e.g. `x-operon-cache: no-store`). */
  headers: Record<string, string | undefined>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Filled in as the call proceeds. */
  record: CallRecord;
}

export interface CallRecord {
  /** Every attempt the router made, in order. */
  attempts: Attempt[];
  /** Provider instance and model that produced the answer. */
  provider?: string;
  modelUsed?: string;
  fallbackUsed: boolean;
  cacheHit: boolean;
  usage?: Usage;
  /** True when usage was counted with a tokenizer because the provider sent none. */
  usageEstimated: boolean;
  costUsd?: number;
  /** Monotonic ms at which the first content part reached the pipeline (streams). */
  firstTokenAt?: number;
}

export function newCallRecord(): CallRecord {
  return { attempts: [], fallbackUsed: false, cacheHit: false, usageEstimated: false };
}

/**
 * One layer's view of "the rest of the pipeline". `request.model` is the requested model name until the
 * router resolves it to a target.
 */
export interface ChatHandler {
  generate(request: ChatRequest, context: CallContext): Promise<ChatResult>;
  /** Resolves once the first part is available (so errors before the first chunk can still fall back). */
  stream(request: ChatRequest, context: CallContext): Promise<AsyncIterable<ChatStreamPart>>;
}

export interface EmbeddingHandler {
  embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult>;
}

/**
 * A middleware wraps the rest of the pipeline: tracing, limits, cache, router (and later guardrails) are
 * all middleware, composed once in `src/server/compose.ts`.
 *
 * @example
 * const logging: ChatMiddleware = (next) => ({
 *   generate: (request, context) => next.generate(request, context),
 *   stream: (request, context) => next.stream(request, context),
 * });
 */
export type ChatMiddleware = (next: ChatHandler) => ChatHandler;

/** Composes middleware outermost first around the innermost handler. */
export function composeChat(middleware: ChatMiddleware[], innermost: ChatHandler): ChatHandler {
  return middleware.reduceRight<ChatHandler>((next, layer) => layer(next), innermost);
}
