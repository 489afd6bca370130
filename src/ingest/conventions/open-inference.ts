import type { SpanKind } from '../ingested-span.ts';
import type { RawSpan } from '../raw-span.ts';
import { isRecord, parseJsonText, readNumber, readString, readStringList } from './read-attribute.ts';
import type { SpanFacts } from './span-facts.ts';
import { unflattenList } from './unflatten-list.ts';

/**
 * OpenInference semantic conventions (Arize-ai/openinference `spec/semantic_conventions.md`), as
 * emitted by the OpenInference instrumentations and Phoenix: `openinference.span.kind`, `llm.*`, the
 * flattened message lists, `input.value` / `output.value`, `session.id`, `user.id`, `metadata`, `tag.tags`.
 */

const KINDS = new Map<string, SpanKind>([
  ['LLM', 'generation'],
  ['EMBEDDING', 'embedding'],
  ['RETRIEVER', 'retrieval'],
  ['RERANKER', 'retrieval'],
  ['TOOL', 'tool'],
  ['AGENT', 'agent'],
  ['CHAIN', 'chain'],
  ['GUARDRAIL', 'guardrail'],
  ['EVALUATOR', 'evaluator'],
  ['PROMPT', 'other'], // rendering a prompt template
]);

export function openInferenceKind(span: RawSpan): SpanKind | undefined {
  const kind = readString(span.attributes, 'openinference.span.kind');
  return kind === undefined ? undefined : KINDS.get(kind.toUpperCase());
}

export function readOpenInference(span: RawSpan, facts: SpanFacts): void {
  const attributes = span.attributes;
  facts.provider ??= readString(attributes, 'llm.provider') ?? readString(attributes, 'llm.system');
  const modelName =
    readString(attributes, 'llm.model_name') ??
    readString(attributes, 'embedding.model_name') ??
    readString(attributes, 'reranker.model_name');
  // llm.model_name is the model that answered, falling back to the one asked for (spec, "System and
  // Model Identification"); the request/response pair is only set when the two differ.
  facts.modelRequested ??= readString(attributes, 'llm.request.model_name') ?? modelName;
  facts.modelUsed ??= readString(attributes, 'llm.response.model_name') ?? modelName;
  facts.inputTokens ??= readNumber(attributes, 'llm.token_count.prompt');
  facts.outputTokens ??= readNumber(attributes, 'llm.token_count.completion');
  facts.costUsd ??= readNumber(attributes, 'llm.cost.total');

  if (facts.input === undefined || facts.output === undefined) {
    const lists = flattenedLists(attributes);
    facts.input ??=
      (lists.inputMessages ? messages(attributes, 'llm.input_messages') : undefined) ??
      (lists.prompts ? texts(attributes, 'llm.prompts', 'prompt') : undefined) ??
      ioValue(attributes, 'input');
    facts.output ??=
      (lists.outputMessages ? messages(attributes, 'llm.output_messages') : undefined) ??
      (lists.choices ? texts(attributes, 'llm.choices', 'completion') : undefined) ??
      ioValue(attributes, 'output') ??
      (lists.documents ? unwrap(unflattenList(attributes, 'retrieval.documents'), 'document') : undefined);
  }

  facts.sessionId ??= readString(attributes, 'session.id');
  facts.userId ??= readString(attributes, 'user.id');
  facts.addTags(readStringList(attributes, 'tag.tags'));
  const metadata = parseJsonText(attributes['metadata']);
  if (isRecord(metadata)) facts.addMetadata(metadata);
}

/** Which flattened lists the span has, in one pass over its keys. */
function flattenedLists(attributes: Record<string, unknown>) {
  const lists = { inputMessages: false, outputMessages: false, prompts: false, choices: false, documents: false };
  for (const key in attributes) {
    if (key.startsWith('llm.')) {
      if (key.startsWith('llm.input_messages.')) lists.inputMessages = true;
      else if (key.startsWith('llm.output_messages.')) lists.outputMessages = true;
      else if (key.startsWith('llm.prompts.')) lists.prompts = true;
      else if (key.startsWith('llm.choices.')) lists.choices = true;
    } else if (key.startsWith('retrieval.documents.')) {
      lists.documents = true;
    }
  }
  return lists;
}

/** `llm.input_messages.N.message.*` → `[{ role, content, tool_calls? }]` in the OpenAI chat shape. */
function messages(attributes: Record<string, unknown>, prefix: string): unknown[] | undefined {
  return unflattenList(attributes, prefix)?.map(toMessage);
}

function toMessage(entry: unknown): unknown {
  const message = isRecord(entry) && isRecord(entry.message) ? entry.message : entry;
  if (!isRecord(message)) return entry;
  const converted: Record<string, unknown> = {
    role: message.role ?? null,
    // Multimodal messages carry `message.contents.N.message_content.*` instead of one `message.content`.
    content: message.content ?? unwrap(asArray(message.contents), 'message_content') ?? null,
  };
  const toolCalls = asArray(message.tool_calls);
  if (toolCalls !== undefined) converted.tool_calls = toolCalls.map(toToolCall);
  if (message.tool_call_id !== undefined) converted.tool_call_id = message.tool_call_id;
  if (message.name !== undefined) converted.name = message.name;
  return converted;
}

function toToolCall(entry: unknown): unknown {
  const call = isRecord(entry) && isRecord(entry.tool_call) ? entry.tool_call : entry;
  if (!isRecord(call)) return entry;
  const fn = isRecord(call.function) ? call.function : {};
  return { id: call.id ?? null, type: 'function', function: { name: fn.name ?? null, arguments: fn.arguments ?? null } };
}

/** `llm.prompts.N.prompt.text` (legacy completions API) → the texts. */
function texts(attributes: Record<string, unknown>, prefix: string, wrapper: string): unknown[] | undefined {
  return unflattenList(attributes, prefix)?.map((entry) => {
    const inner = isRecord(entry) ? entry[wrapper] : undefined;
    return isRecord(inner) && 'text' in inner ? inner.text : entry;
  });
}

/** `input.value` / `output.value`, parsed when `*.mime_type` says JSON (or, unset, when it is JSON). */
function ioValue(attributes: Record<string, unknown>, side: 'input' | 'output'): unknown {
  const value = attributes[`${side}.value`];
  if (typeof value !== 'string') return value;
  const mimeType = readString(attributes, `${side}.mime_type`);
  if (mimeType === undefined) return parseJsonText(value);
  if (mimeType !== 'application/json') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // cut by the size limit, or not JSON after all
  }
}

function unwrap(list: unknown[] | undefined, wrapper: string): unknown[] | undefined {
  return list?.map((entry) => (isRecord(entry) && wrapper in entry ? entry[wrapper] : entry));
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}
