import { invalidRequest } from '../../core/errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../chat-model.ts';
import { isRecord } from '../upstream-call.ts';

type Block = Record<string, unknown>;
type AnthropicMessage = { role: 'user' | 'assistant'; content: Block[] };

export interface AnthropicBodySettings {
  /** max_tokens when the request gives none (the API requires one). */
  defaultMaxTokens: number;
  /** The `anthropic-version` header value. */
  version: string;
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The Messages API body for a request.
 *
 * - System messages become the top-level `system`; tool results become `tool_result` blocks in a user
 *   message; consecutive messages of one role are merged, as the API wants turns to alternate.
 * - `responseFormat: json_schema` uses Anthropic's structured outputs (`output_config.format`, GA).
 *   `json_object` has no Anthropic equivalent and is not sent.
 * - `seed`, penalties and `logprobs` do not exist in the Messages API and are not sent; `n > 1` is refused.
 * - API version 2026-10-21 rejects `temperature` and `top_p` (even at their defaults), so from that
 *   version on they are not sent.
 * - `providerOptions.anthropic` is merged in last, as it is (e.g. `thinking`, `top_k`).
 */
export function toAnthropicBody(request: ChatRequest, settings: AnthropicBodySettings, stream: boolean): Record<string, unknown> {
  if (request.n !== undefined && request.n > 1) {
    throw invalidRequest('Anthropic models return one choice; remove n or set n=1.', 'n');
  }
  const system = request.messages.flatMap((message) => (message.role === 'system' ? [message.content] : []));
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? settings.defaultMaxTokens,
    messages: mergeTurns(request.messages.flatMap((message, position) => toAnthropicMessage(message, position))),
  };
  if (system.length === 1) body.system = system[0];
  else if (system.length > 1) body.system = system.map((text) => ({ type: 'text', text }));
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      input_schema: tool.parameters,
      ...(tool.strict !== undefined && { strict: tool.strict }),
    }));
    const toolChoice = toAnthropicToolChoice(request.toolChoice, request.parallelToolCalls);
    if (toolChoice) body.tool_choice = toolChoice;
  }
  if (request.stop !== undefined) body.stop_sequences = request.stop;
  if (samplingAllowed(settings.version)) {
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.responseFormat?.type === 'json_schema') {
    body.output_config = { format: { type: 'json_schema', schema: request.responseFormat.schema } };
  }
  if (stream) body.stream = true;
  const extra = request.providerOptions?.anthropic;
  return extra ? { ...body, ...extra } : body;
}

/** Versions are dates, so they compare as strings. */
function samplingAllowed(version: string): boolean {
  return version < '2026-10-21';
}

function toAnthropicMessage(message: ChatMessage, position: number): AnthropicMessage[] {
  switch (message.role) {
    case 'system':
      return [];
    case 'user':
      return [{ role: 'user', content: message.content.map((part) => toAnthropicPart(part, position)) }];
    case 'assistant': {
      const content: Block[] = [];
      if (message.content) content.push({ type: 'text', text: message.content });
      for (const call of message.toolCalls ?? []) {
        content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseToolInput(call.arguments, call.name, position) });
      }
      return content.length > 0 ? [{ role: 'assistant', content }] : [];
    }
    case 'tool':
      return [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }] }];
  }
}

function mergeTurns(messages: AnthropicMessage[]): AnthropicMessage[] {
  const merged: AnthropicMessage[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last && last.role === message.role) last.content.push(...message.content);
    else merged.push({ role: message.role, content: [...message.content] });
  }
  return merged;
}

function toAnthropicPart(part: ContentPart, position: number): Block {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (!part.url.startsWith('data:')) return { type: 'image', source: { type: 'url', url: part.url } };
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (!match || !IMAGE_TYPES.has(match[1]!.toLowerCase())) {
    throw invalidRequest(
      `messages[${position}]: an image data URL must be base64 data of type image/jpeg, image/png, image/gif or image/webp for Anthropic models.`,
      `messages[${position}].content`,
    );
  }
  return { type: 'image', source: { type: 'base64', media_type: match[1]!.toLowerCase(), data: match[2] } };
}

/** Anthropic wants a tool call's input as an object, so the JSON text must parse to one. */
function parseToolInput(text: string, name: string, position: number): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(
      `messages[${position}]: the arguments of tool call '${name}' are not valid JSON; Anthropic models need a JSON object.`,
      `messages[${position}].tool_calls`,
      error,
    );
  }
  if (!isRecord(value)) {
    throw invalidRequest(
      `messages[${position}]: the arguments of tool call '${name}' must be a JSON object for Anthropic models.`,
      `messages[${position}].tool_calls`,
    );
  }
  return value;
}

function toAnthropicToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Block | undefined {
  if (choice === 'none') return { type: 'none' };
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.name, ...disable };
}
