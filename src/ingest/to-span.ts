import type { BodyCapture } from '../projects/project-store.ts';
import { captureBody } from '../tracing/body-capture.ts';
import { computeCost, type PriceLookup } from '../tracing/cost/index.ts';
import type { Span } from '../tracing/span.ts';
import type { IngestedSpan } from './ingested-span.ts';

export interface IngestContext {
  projectId: string;
  /** The key the telemetry came with. */
  keyId: string;
  /** The project's body capture: ingested inputs and outputs are kept, redacted or dropped like the gateway's. */
  captureBodies: BodyCapture;
  prices: PriceLookup;
}

/**
 * An ingested span as Operon stores it, in the caller's project. Generations and embeddings that report
 * tokens but no cost are priced from the price table (the span's own cost wins); the span's OTel
 * resource and instrumentation scope are kept as `operon.resource` and `operon.scope` attributes.
 */
export function toSpan(ingested: IngestedSpan, context: IngestContext): Span {
  const status = ingested.status === 'error' ? 'error' : 'ok';
  return {
    id: ingested.spanId,
    traceId: ingested.traceId,
    projectId: context.projectId,
    parentSpanId: ingested.parentSpanId,
    type: ingested.kind,
    name: ingested.name,
    startedAt: ingested.startedAt,
    endedAt: ingested.endedAt,
    status,
    keyId: context.keyId,
    modelRequested: ingested.modelRequested,
    modelUsed: ingested.modelUsed,
    provider: ingested.provider,
    attempts: [],
    fallbackUsed: false,
    cacheHit: false,
    stream: ingested.timeToFirstTokenMs !== null,
    latencyMs: Math.max(0, ingested.endedAt - ingested.startedAt),
    timeToFirstTokenMs: ingested.timeToFirstTokenMs,
    inputTokens: ingested.inputTokens,
    outputTokens: ingested.outputTokens,
    costUsd: ingested.costUsd ?? price(ingested, context.prices),
    errorCode: status === 'error' ? 'span_error' : null,
    errorMessage: status === 'error' ? ingested.statusMessage : null,
    bodyCapture: context.captureBodies,
    input: ingested.input === null || ingested.input === undefined ? null : captureBody(context.captureBodies, ingested.input),
    output: ingested.output === null || ingested.output === undefined ? null : captureBody(context.captureBodies, ingested.output),
    attributes: storedAttributes(ingested),
    sessionId: ingested.sessionId,
    userId: ingested.userId,
    tags: ingested.tags,
    metadata: ingested.metadata,
    release: ingested.release,
    environment: ingested.environment,
    serviceName: ingested.serviceName,
    events: ingested.events,
    truncated: ingested.truncated,
  };
}

/**
 * Attributes that carry prompts, completions, tool arguments or results: they become the span's input
 * and output, which the project's body capture keeps, redacts or drops. Kept in the attributes too,
 * they would escape that setting (and be stored twice).
 */
const BODY_KEYS = new Set([
  'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.prompt', 'gen_ai.completion',
  'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'input.value', 'output.value', 'tool.call.arguments', 'tool.call.result',
  'ai.prompt', 'ai.prompt.messages', 'ai.response.text', 'ai.response.object', 'ai.response.toolCalls', 'ai.result.text',
  'ai.result.object', 'ai.result.toolCalls', 'ai.toolCall.args', 'ai.toolCall.result', 'ai.value', 'ai.values', 'ai.embedding', 'ai.embeddings',
]);
const BODY_PREFIXES = ['llm.input_messages.', 'llm.output_messages.', 'gen_ai.prompt.', 'gen_ai.completion.', 'retrieval.documents.', 'embedding.embeddings.', 'llm.prompts.'];

/**
 * The span's attributes as stored: without the prompt-carrying ones, plus its OTel resource and scope
 * (`operon.resource`, `operon.scope`). Built in one pass into a fresh object — no copy-then-delete, which
 * would leave V8 a slow dictionary object for every span ingested.
 */
function storedAttributes(ingested: IngestedSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attributes = ingested.attributes;
  for (const key in attributes) if (!isBodyKey(key)) out[key] = attributes[key];
  for (const key in ingested.resourceAttributes) {
    out['operon.resource'] = ingested.resourceAttributes;
    break;
  }
  if (ingested.scope) out['operon.scope'] = ingested.scope;
  return out;
}

function isBodyKey(key: string): boolean {
  if (BODY_KEYS.has(key)) return true;
  for (const prefix of BODY_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}

function price(span: IngestedSpan, prices: PriceLookup): number | null {
  if (span.kind !== 'generation' && span.kind !== 'embedding') return null;
  if (span.inputTokens === null && span.outputTokens === null) return null;
  const model = span.modelUsed ?? span.modelRequested;
  if (!model) return null;
  const found = prices.find(model, span.provider ?? undefined);
  return found ? computeCost({ inputTokens: span.inputTokens ?? 0, outputTokens: span.outputTokens ?? 0 }, found) : null;
}
