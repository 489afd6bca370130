import type { SpanKind } from '../ingested-span.ts';
import type { RawSpan } from '../raw-span.ts';
import { collectPrefixed, parseJsonText, readNumber, readString, readStringList } from './read-attribute.ts';
import type { SpanFacts } from './span-facts.ts';

/**
 * The Vercel AI SDK's telemetry (`experimental_telemetry`; ai-sdk.dev/docs/ai-sdk-core/telemetry):
 * `ai.operationId`, `ai.model.*`, `ai.usage.*` (v4 promptTokens/completionTokens, v5+
 * inputTokens/outputTokens), `ai.prompt*`, `ai.response.*` (formerly `ai.result.*`), `ai.toolCall.*`,
 * `ai.telemetry.metadata.*`.
 */

/**
 * The wrapper calls (generateText, streamText, …) run the model-and-tools loop, so they are agents;
 * the provider calls inside them are the generations. The same split as OpenInference's mapping of
 * these spans (openinference-vercel `VercelSDKFunctionNameToSpanKindMap`).
 */
const OPERATION_KINDS = new Map<string, SpanKind>([
  ['ai.generateText', 'agent'],
  ['ai.streamText', 'agent'],
  ['ai.generateObject', 'agent'],
  ['ai.streamObject', 'agent'],
  ['ai.generateText.doGenerate', 'generation'],
  ['ai.streamText.doStream', 'generation'],
  ['ai.generateObject.doGenerate', 'generation'],
  ['ai.streamObject.doStream', 'generation'],
  ['ai.embed', 'chain'],
  ['ai.embedMany', 'chain'],
  ['ai.embed.doEmbed', 'embedding'],
  ['ai.embedMany.doEmbed', 'embedding'],
  ['ai.toolCall', 'tool'],
]);

export function vercelAiKind(span: RawSpan): SpanKind | undefined {
  const operationId = readString(span.attributes, 'ai.operationId');
  return operationId === undefined ? undefined : OPERATION_KINDS.get(operationId);
}

export function readVercelAi(span: RawSpan, facts: SpanFacts): void {
  const attributes = span.attributes;
  const operationId = readString(attributes, 'ai.operationId');
  const modelProvider = readString(attributes, 'ai.model.provider');
  // Most spans are not the AI SDK's; skip the rest of the reads for them.
  if (operationId === undefined && modelProvider === undefined) return;

  // "openai.chat", "openai.responses", "anthropic.messages": the provider, then which of its APIs.
  if (modelProvider !== undefined) facts.provider ??= modelProvider.split('.')[0];
  facts.modelRequested ??= readString(attributes, 'ai.model.id');
  facts.modelUsed ??= readString(attributes, 'ai.response.model');
  facts.inputTokens ??=
    readNumber(attributes, 'ai.usage.inputTokens') ??
    readNumber(attributes, 'ai.usage.promptTokens') ??
    readNumber(attributes, 'ai.usage.tokens'); // embeddings
  facts.outputTokens ??= readNumber(attributes, 'ai.usage.outputTokens') ?? readNumber(attributes, 'ai.usage.completionTokens');
  facts.timeToFirstTokenMs ??=
    readNumber(attributes, 'ai.response.msToFirstChunk') ?? readNumber(attributes, 'ai.stream.msToFirstChunk');

  if (operationId === 'ai.toolCall') {
    facts.input ??= parseJsonText(attributes['ai.toolCall.args']);
    facts.output ??= parseJsonText(attributes['ai.toolCall.result']);
  } else {
    facts.input ??=
      parseJsonText(attributes['ai.prompt.messages']) ??
      parseJsonText(attributes['ai.prompt']) ??
      attributes['ai.values'] ??
      attributes['ai.value'];
    facts.output ??= responseOutput(attributes);
  }

  const metadata = collectPrefixed(attributes, 'ai.telemetry.metadata.');
  if (metadata !== undefined) {
    facts.addMetadata(metadata);
    // Session, user and tags under the metadata names Langfuse's AI SDK integration documents.
    facts.sessionId ??= readString(metadata, 'sessionId');
    facts.userId ??= readString(metadata, 'userId');
    facts.addTags(readStringList(metadata, 'tags'));
  }
}

/** The text (or object), and the tool calls when the model asked for any. */
function responseOutput(attributes: Record<string, unknown>): unknown {
  const text = attributes['ai.response.text'] ?? attributes['ai.result.text'];
  const object = parseJsonText(attributes['ai.response.object'] ?? attributes['ai.result.object']);
  const toolCalls = parseJsonText(attributes['ai.response.toolCalls'] ?? attributes['ai.result.toolCalls']);
  const answer = text ?? object;
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    return answer === undefined ? { toolCalls } : { text: answer, toolCalls };
  }
  return answer;
}
