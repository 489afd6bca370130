import type { IngestedSpan, SpanKind } from '../ingested-span.ts';
import type { RawSpan } from '../raw-span.ts';
import { genAiKind, readGenAi, readGenAiLegacy } from './gen-ai.ts';
import { openInferenceKind, readOpenInference } from './open-inference.ts';
import { operonKind, readOperon } from './operon.ts';
import { readString } from './read-attribute.ts';
import { SpanFacts } from './span-facts.ts';
import { readVercelAi, vercelAiKind } from './vercel-ai.ts';

const STATUSES = ['unset', 'ok', 'error'] as const;

/**
 * Interprets a decoded span through every convention Operon knows.
 *
 * Precedence: for `kind`, an explicit `operon.span.kind` > `openinference.span.kind` >
 * `gen_ai.operation.name` > the AI SDK's `ai.operationId` > a guess from the attributes > `other`.
 * For every other fact: Operon > GenAI > OpenInference > Vercel AI SDK > deprecated GenAI (the
 * conventions are read in that order and each fills only what is still unknown); tags are united.
 * Release, environment and service come from the resource unless the span says otherwise.
 *
 * @example
 * const span = normalizeSpan(raw); // raw from a wire reader, e.g. readProtobufRequest
 */
export function normalizeSpan(span: RawSpan): IngestedSpan {
  const facts = new SpanFacts();
  readOperon(span, facts);
  readGenAi(span, facts);
  readOpenInference(span, facts);
  readVercelAi(span, facts);
  readGenAiLegacy(span, facts);
  const resource = span.resource.attributes;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: operonKind(span) ?? openInferenceKind(span) ?? genAiKind(span) ?? vercelAiKind(span) ?? guessKind(span, facts),
    startedAt: span.startedAt,
    endedAt: span.endedAt,
    status: STATUSES[span.statusCode] ?? 'unset',
    statusMessage: span.statusMessage === '' ? null : span.statusMessage,
    provider: facts.provider ?? null,
    operation: facts.operation ?? null,
    modelRequested: facts.modelRequested ?? null,
    modelUsed: facts.modelUsed ?? null,
    inputTokens: facts.inputTokens ?? null,
    outputTokens: facts.outputTokens ?? null,
    costUsd: facts.costUsd ?? null,
    timeToFirstTokenMs: facts.timeToFirstTokenMs ?? null,
    input: facts.input ?? null,
    output: facts.output ?? null,
    sessionId: facts.sessionId ?? null,
    userId: facts.userId ?? null,
    tags: facts.tags,
    metadata: facts.metadata,
    release: facts.release ?? readString(resource, 'service.version') ?? null,
    environment:
      facts.environment ??
      readString(resource, 'deployment.environment.name') ??
      readString(resource, 'deployment.environment') ??
      null,
    serviceName: readString(resource, 'service.name') ?? null,
    scope: span.scope,
    attributes: span.attributes,
    resourceAttributes: resource,
    events: span.events,
    truncated: span.truncated,
  };
}

/** No convention named the kind: a span that names a tool is one; one with a model or tokens is a generation. */
function guessKind(span: RawSpan, facts: SpanFacts): SpanKind {
  const attributes = span.attributes;
  if (attributes['gen_ai.tool.name'] !== undefined || attributes['tool.name'] !== undefined) return 'tool';
  if (facts.modelRequested !== undefined || facts.modelUsed !== undefined || facts.inputTokens !== undefined) {
    return 'generation';
  }
  return 'other';
}
