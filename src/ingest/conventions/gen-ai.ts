import type { IngestedSpanEvent, SpanKind } from '../ingested-span.ts';
import type { RawSpan } from '../raw-span.ts';
import { isRecord, parseJsonText, readNumber, readString } from './read-attribute.ts';
import type { SpanFacts } from './span-facts.ts';
import { unflattenList } from './unflatten-list.ts';

/**
 * OpenTelemetry GenAI semantic conventions (open-telemetry/semantic-conventions `model/gen-ai/`,
 * `docs/gen-ai/gen-ai-spans.md`). `readGenAi` reads the current attributes; `readGenAiLegacy`
 * reads what older instrumentations still send (deprecated `gen_ai.system`, `prompt_tokens`,
 * `gen_ai.prompt` / `gen_ai.completion`, and prompts and completions as span events) and ranks last.
 */

/** `gen_ai.operation.name` well-known values (registry.yaml), plus two from newer drafts. */
const OPERATION_KINDS = new Map<string, SpanKind>([
  ['chat', 'generation'],
  ['text_completion', 'generation'],
  ['generate_content', 'generation'],
  ['embeddings', 'embedding'],
  ['execute_tool', 'tool'],
  ['create_agent', 'agent'],
  ['invoke_agent', 'agent'],
  ['retrieval', 'retrieval'],
  ['invoke_workflow', 'workflow'],
]);

export function genAiKind(span: RawSpan): SpanKind | undefined {
  const operation = readString(span.attributes, 'gen_ai.operation.name');
  return operation === undefined ? undefined : OPERATION_KINDS.get(operation);
}

export function readGenAi(span: RawSpan, facts: SpanFacts): void {
  const attributes = span.attributes;
  facts.operation ??= readString(attributes, 'gen_ai.operation.name');
  facts.provider ??= readString(attributes, 'gen_ai.provider.name');
  facts.modelRequested ??= readString(attributes, 'gen_ai.request.model');
  facts.modelUsed ??= readString(attributes, 'gen_ai.response.model');
  facts.inputTokens ??= readNumber(attributes, 'gen_ai.usage.input_tokens');
  facts.outputTokens ??= readNumber(attributes, 'gen_ai.usage.output_tokens');
  // Not in the conventions (they define no cost): the attribute Langfuse and LiteLLM read for a cost
  // the sender already knows.
  facts.costUsd ??= readNumber(attributes, 'gen_ai.usage.cost');
  const firstChunkSeconds = readNumber(attributes, 'gen_ai.response.time_to_first_chunk');
  if (firstChunkSeconds !== undefined) facts.timeToFirstTokenMs ??= firstChunkSeconds * 1000;
  facts.sessionId ??= readString(attributes, 'gen_ai.conversation.id');

  // Structured (kvlist/array) or a JSON string: the conventions allow both on spans.
  if (facts.input === undefined) {
    const messages = parseJsonText(attributes['gen_ai.input.messages']);
    const instructions = parseJsonText(attributes['gen_ai.system_instructions']);
    facts.input =
      messages !== undefined || instructions !== undefined
        ? withInstructions(messages, instructions)
        : parseJsonText(attributes['gen_ai.tool.call.arguments']);
  }
  facts.output ??=
    parseJsonText(attributes['gen_ai.output.messages']) ?? parseJsonText(attributes['gen_ai.tool.call.result']);
}

/**
 * System instructions ride separately from the chat history; Operon shows one list, so they go first
 * as a `system` message in the same parts shape (`[{ type: 'text', content }]`).
 */
function withInstructions(messages: unknown, instructions: unknown): unknown {
  if (instructions === undefined) return messages;
  const parts = Array.isArray(instructions) ? instructions : [{ type: 'text', content: instructions }];
  const system = { role: 'system', parts };
  if (messages === undefined) return [system];
  if (Array.isArray(messages)) return [system, ...messages];
  return { systemInstructions: instructions, messages };
}

const MESSAGE_EVENT_ROLES = new Map<string, string>([
  ['gen_ai.system.message', 'system'],
  ['gen_ai.user.message', 'user'],
  ['gen_ai.assistant.message', 'assistant'],
  ['gen_ai.tool.message', 'tool'],
]);

export function readGenAiLegacy(span: RawSpan, facts: SpanFacts): void {
  const attributes = span.attributes;
  facts.provider ??= readString(attributes, 'gen_ai.system');
  facts.inputTokens ??= readNumber(attributes, 'gen_ai.usage.prompt_tokens');
  facts.outputTokens ??= readNumber(attributes, 'gen_ai.usage.completion_tokens');
  facts.input ??=
    parseJsonText(attributes['gen_ai.prompt']) ?? unflattenList(attributes, 'gen_ai.prompt') ?? promptFromEvents(span.events);
  facts.output ??=
    parseJsonText(attributes['gen_ai.completion']) ??
    unflattenList(attributes, 'gen_ai.completion') ??
    completionFromEvents(span.events);
}

/**
 * Prompts as span events: `gen_ai.content.prompt` carrying `gen_ai.prompt` (semconv ≤ 1.26), or one
 * event per message (`gen_ai.user.message`, …; deprecated events-deprecated.yaml) with `content`/`role`,
 * or the whole message as JSON in `gen_ai.event.content` (Azure AI Inference SDKs).
 */
function promptFromEvents(events: IngestedSpanEvent[]): unknown {
  let collected: unknown[] | undefined;
  for (const event of events) {
    if (event.name === 'gen_ai.content.prompt') return parseJsonText(event.attributes['gen_ai.prompt']);
    const role = MESSAGE_EVENT_ROLES.get(event.name);
    if (role === undefined) continue;
    (collected ??= []).push(messageFromEvent(event.attributes, role));
  }
  return collected;
}

function completionFromEvents(events: IngestedSpanEvent[]): unknown {
  let collected: unknown[] | undefined;
  for (const event of events) {
    if (event.name === 'gen_ai.content.completion') return parseJsonText(event.attributes['gen_ai.completion']);
    if (event.name !== 'gen_ai.choice') continue;
    const attributes = event.attributes;
    const body = parseJsonText(attributes['gen_ai.event.content']);
    const message = isRecord(body) ? body.message ?? body : parseJsonText(attributes['message']);
    const choice = messageFromEvent(isRecord(message) ? message : attributes, 'assistant');
    const finishReason = (isRecord(body) ? body.finish_reason : undefined) ?? attributes['finish_reason'];
    if (isRecord(choice) && finishReason !== undefined) choice.finish_reason = finishReason;
    (collected ??= []).push(choice);
  }
  return collected;
}

function messageFromEvent(attributes: Record<string, unknown>, defaultRole: string): unknown {
  const body = parseJsonText(attributes['gen_ai.event.content']);
  if (isRecord(body)) return { role: defaultRole, ...body };
  const message: Record<string, unknown> = {
    role: readString(attributes, 'role') ?? defaultRole,
    content: parseJsonText(attributes['content']) ?? null,
  };
  const toolCalls = parseJsonText(attributes['tool_calls']);
  if (toolCalls !== undefined) message.tool_calls = toolCalls;
  if (attributes['id'] !== undefined) message.tool_call_id = attributes['id'];
  return message;
}
