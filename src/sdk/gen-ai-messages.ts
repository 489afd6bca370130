/**
 * Chat messages in the shape the OpenTelemetry GenAI conventions prescribe for `gen_ai.input.messages`
 * and `gen_ai.output.messages` (docs/gen-ai/gen-ai-input-messages.json and
 * gen-ai-output-messages.json in open-telemetry/semantic-conventions): `{ role, parts: [...] }`, with
 * text, tool_call and tool_call_response parts; output messages add `finish_reason`.
 * Converts from OpenAI's Chat Completions and Responses shapes; anything unknown passes through as a
 * generic part (any object with a `type`).
 */

export interface GenAiPart {
  type: string;
  [key: string]: unknown;
}

export interface GenAiMessage {
  role: string;
  parts: GenAiPart[];
  [key: string]: unknown;
}

export interface GenAiOutputMessage extends GenAiMessage {
  finish_reason: string;
}

type UnknownRecord = Record<string, unknown>;

function isRecord(value: unknown): value is UnknownRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Tool arguments as a JSON value when they parse, as the raw string otherwise. */
export function parseToolArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The conventions' finish reasons: `tool_call` for OpenAI's `tool_calls`/`function_call`. */
export function normalizeFinishReason(reason: unknown): string {
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_call';
  return typeof reason === 'string' && reason !== '' ? reason : 'error';
}

/** Inline data (base64 images, audio) is replaced by a marker: it would dwarf everything else. */
function withoutInlineData(part: UnknownRecord): UnknownRecord {
  const text = JSON.stringify(part);
  if (text === undefined || !text.includes(';base64,')) return part;
  return JSON.parse(text.replace(/(data:[^;"]*;base64,)[^"]*/g, '$1<omitted>')) as UnknownRecord;
}

function contentParts(content: unknown): GenAiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [{ type: 'text', content: JSON.stringify(content) }];
  return content.map((part): GenAiPart => {
    if (typeof part === 'string') return { type: 'text', content: part };
    if (!isRecord(part)) return { type: 'text', content: String(part) };
    const text = part.text;
    if (
      (part.type === 'text' || part.type === 'input_text' || part.type === 'output_text') &&
      typeof text === 'string'
    ) {
      return { type: 'text', content: text };
    }
    const generic = withoutInlineData(part);
    return { ...generic, type: typeof generic.type === 'string' ? generic.type : 'unknown' };
  });
}

function toolCallParts(toolCalls: unknown): GenAiPart[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return { type: 'tool_call', id: call.id ?? null, name: String(fn.name ?? ''), arguments: parseToolArguments(fn.arguments) };
  });
}

/** One Chat Completions request message (or an already converted one) → a GenAI message. */
function chatMessage(message: unknown): GenAiMessage {
  if (!isRecord(message)) return { role: 'user', parts: contentParts(message) };
  const role = typeof message.role === 'string' ? message.role : 'user';
  if (Array.isArray(message.parts)) return { role, parts: message.parts as GenAiPart[] };
  if (role === 'tool') {
    return { role, parts: [{ type: 'tool_call_response', id: message.tool_call_id ?? null, response: message.content }] };
  }
  const parts = contentParts(message.content);
  if (typeof message.refusal === 'string') parts.push({ type: 'refusal', content: message.refusal });
  parts.push(...toolCallParts(message.tool_calls));
  return { role, parts };
}

/**
 * `messages` of a chat request, or a prompt string, as `gen_ai.input.messages`.
 *
 * @example
 * toInputMessages([{ role: 'user', content: 'Hi' }]); // [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }]
 */
export function toInputMessages(messages: unknown): GenAiMessage[] {
  if (typeof messages === 'string') return [{ role: 'user', parts: [{ type: 'text', content: messages }] }];
  if (!Array.isArray(messages)) return [];
  return messages.map(chatMessage);
}

/** The choices of a chat completion as `gen_ai.output.messages`, one message per choice. */
export function chatChoicesToOutputMessages(choices: unknown): GenAiOutputMessage[] {
  if (!Array.isArray(choices)) return [];
  return choices.filter(isRecord).map((choice) => {
    const message = chatMessage(isRecord(choice.message) ? choice.message : { role: 'assistant', content: null });
    return { ...message, role: message.role || 'assistant', finish_reason: normalizeFinishReason(choice.finish_reason) };
  });
}

/**
 * A Responses API `input` (a string or a list of items) as input messages. Function call items and
 * their outputs become tool_call and tool_call_response parts.
 */
export function responsesInputToMessages(input: unknown): GenAiMessage[] {
  if (typeof input === 'string') return toInputMessages(input);
  if (!Array.isArray(input)) return [];
  return input.filter(isRecord).map((item): GenAiMessage => {
    if (item.type === 'function_call') {
      return {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: item.call_id ?? null, name: String(item.name ?? ''), arguments: parseToolArguments(item.arguments) }],
      };
    }
    if (item.type === 'function_call_output') {
      return { role: 'tool', parts: [{ type: 'tool_call_response', id: item.call_id ?? null, response: item.output }] };
    }
    return chatMessage(item);
  });
}

/** A Responses API `output` list as one assistant output message (the API returns one candidate). */
export function responsesOutputToMessages(output: unknown, finishReason: string): GenAiOutputMessage[] {
  if (!Array.isArray(output)) return [];
  const parts: GenAiPart[] = [];
  for (const item of output.filter(isRecord)) {
    if (item.type === 'message') parts.push(...contentParts(item.content));
    else if (item.type === 'function_call') {
      parts.push({ type: 'tool_call', id: item.call_id ?? null, name: String(item.name ?? ''), arguments: parseToolArguments(item.arguments) });
    } else if (item.type !== 'reasoning') parts.push({ ...withoutInlineData(item), type: String(item.type ?? 'unknown') });
  }
  return [{ role: 'assistant', parts, finish_reason: finishReason }];
}

/** `instructions` of a Responses request as `gen_ai.system_instructions` (a list of parts). */
export function toSystemInstructions(instructions: unknown): GenAiPart[] | undefined {
  if (typeof instructions !== 'string' || instructions === '') return undefined;
  return [{ type: 'text', content: instructions }];
}
