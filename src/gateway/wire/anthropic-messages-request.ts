import { z } from 'zod';
import { invalidRequest } from '../../core/errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice, ToolDefinition } from '../../providers/chat-model.ts';
import { toValidationError } from './validation-error.ts';

/**
 * `POST /v1/messages` (Anthropic Messages format) → the internal `ChatRequest`.
 *
 * Translation choices:
 * - `system` blocks are joined with a newline into one system message.
 * - `tool_result` blocks become internal `tool` messages placed before the rest of that user turn (the
 *   order OpenAI-style providers require); a result with `is_error: true` is prefixed with "Error: ",
 *   since the internal tool message has no error flag.
 * - `thinking` and `redacted_thinking` blocks in the history are dropped: the internal shape cannot carry them.
 * - `top_k` and every field this schema does not know (`thinking`, `service_tier`, …) go to
 *   `providerOptions.anthropic`.
 */

const textBlock = z.object({ type: z.literal('text'), text: z.string() });
const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string() }),
  ]),
});
const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) });
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))], {
      error: 'must be a string or an array of text blocks',
    })
    .optional(),
  is_error: z.boolean().optional(),
});
const thinkingBlock = z.object({ type: z.literal('thinking') });
const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking') });

const contentBlock = z.discriminatedUnion('type', [textBlock, imageBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock]);

const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlock)], { error: 'must be a string or an array of content blocks' }),
});

const tool = z.object({
  type: z.literal('custom', { error: "must be 'custom' or left out: Anthropic server tools are not supported by the gateway" }).nullish(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  strict: z.boolean().optional(),
});

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const unitRange = z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' });

/** The Anthropic Messages request body, as the gateway accepts it (also feeds the OpenAPI document). */
export const anthropicMessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z
    .number({ error: (issue) => (issue.input === undefined ? 'is required by the Anthropic Messages API; set it to the most tokens the answer may use, e.g. 1024' : undefined) })
    .int()
    .min(1),
  system: z.union([z.string(), z.array(textBlock)], { error: 'must be a string or an array of text blocks' }).optional(),
  messages: z.array(message).min(1),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: unitRange.optional(),
  top_p: unitRange.optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.object({ user_id: z.string().nullish() }).optional(),
  stream: z.boolean().optional(),
});

export type AnthropicMessagesRequestBody = z.infer<typeof anthropicMessagesRequestSchema>;

const knownFields = new Set(Object.keys(anthropicMessagesRequestSchema.shape));
knownFields.delete('top_k'); // passed through as a provider option, with the unknown fields

export interface ParsedAnthropicMessagesRequest {
  request: ChatRequest;
  stream: boolean;
}

/**
 * Validates an Anthropic Messages body and translates it. Throws an `invalid_request` OperonError
 * naming the field at fault.
 *
 * @example
 * const { request, stream } = parseAnthropicMessagesRequest(await c.req.json());
 */
export function parseAnthropicMessagesRequest(json: unknown): ParsedAnthropicMessagesRequest {
  const parsed = anthropicMessagesRequestSchema.safeParse(json);
  if (!parsed.success) throw toValidationError(parsed.error, json);
  const body = parsed.data;

  const messages: ChatMessage[] = [];
  if (body.system !== undefined) {
    const system = typeof body.system === 'string' ? body.system : body.system.map((block) => block.text).join('\n');
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  for (let i = 0; i < body.messages.length; i++) appendMessage(messages, body.messages[i]!, i);

  const request: ChatRequest = { model: body.model, messages, maxTokens: body.max_tokens };
  if (body.tools !== undefined && body.tools.length > 0) request.tools = body.tools.map(toToolDefinition);
  if (body.tool_choice !== undefined) {
    request.toolChoice = toToolChoice(body.tool_choice);
    if ('disable_parallel_tool_use' in body.tool_choice && body.tool_choice.disable_parallel_tool_use !== undefined) {
      request.parallelToolCalls = !body.tool_choice.disable_parallel_tool_use;
    }
  }
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  if (body.metadata?.user_id != null) request.user = body.metadata.user_id;

  const extra = extraFields(body);
  if (extra !== undefined) request.providerOptions = { anthropic: extra };

  return { request, stream: body.stream === true };
}

type WireMessage = AnthropicMessagesRequestBody['messages'][number];

function appendMessage(out: ChatMessage[], wire: WireMessage, index: number): void {
  if (typeof wire.content === 'string') {
    out.push(wire.role === 'user' ? { role: 'user', content: [{ type: 'text', text: wire.content }] } : { role: 'assistant', content: wire.content });
    return;
  }
  if (wire.role === 'user') appendUserBlocks(out, wire.content, index);
  else out.push(toAssistantMessage(wire.content, index));
}

function appendUserBlocks(out: ChatMessage[], blocks: Array<z.infer<typeof contentBlock>>, index: number): void {
  const parts: ContentPart[] = [];
  let toolResults = 0;
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j]!;
    switch (block.type) {
      case 'text':
        parts.push(block);
        break;
      case 'image':
        parts.push(toImagePart(block));
        break;
      case 'tool_result':
        out.push({ role: 'tool', toolCallId: block.tool_use_id, content: toolResultText(block, index, j) });
        toolResults++;
        break;
      case 'tool_use':
        throw invalidRequest(
          `messages[${index}].content[${j}] is a tool_use block in a user message; tool_use blocks belong in assistant messages.`,
          `messages[${index}].content[${j}]`,
        );
      default:
        break; // thinking blocks: nothing to carry
    }
  }
  if (parts.length > 0 || toolResults === 0) out.push({ role: 'user', content: parts });
}

function toAssistantMessage(blocks: Array<z.infer<typeof contentBlock>>, index: number): ChatMessage {
  let text: string | null = null;
  let toolCalls: ToolCall[] | undefined;
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j]!;
    switch (block.type) {
      case 'text':
        text = text === null ? block.text : text + block.text;
        break;
      case 'tool_use':
        (toolCalls ??= []).push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        break;
      case 'image':
      case 'tool_result':
        throw invalidRequest(
          `messages[${index}].content[${j}] is a ${block.type} block in an assistant message; assistant messages take text and tool_use blocks only.`,
          `messages[${index}].content[${j}]`,
        );
      default:
        break;
    }
  }
  if (toolCalls === undefined) return { role: 'assistant', content: text ?? '' };
  return { role: 'assistant', content: text, toolCalls };
}

function toImagePart(block: z.infer<typeof imageBlock>): ContentPart {
  const source = block.source;
  return { type: 'image', url: source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}` };
}

function toolResultText(block: z.infer<typeof toolResultBlock>, index: number, j: number): string {
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else if (block.content !== undefined) {
    const texts: string[] = [];
    for (let k = 0; k < block.content.length; k++) {
      const item = block.content[k]!;
      if (item.type !== 'text') {
        throw invalidRequest(
          `messages[${index}].content[${j}].content[${k}] is an image; tool results can carry text only through the gateway. Describe the image in text or send it in a user turn.`,
          `messages[${index}].content[${j}].content[${k}]`,
        );
      }
      texts.push(item.text);
    }
    text = texts.join('\n');
  }
  return block.is_error === true ? `Error: ${text}` : text;
}

function toToolDefinition(wire: z.infer<typeof tool>): ToolDefinition {
  const definition: ToolDefinition = { name: wire.name, parameters: wire.input_schema };
  if (wire.description !== undefined) definition.description = wire.description;
  if (wire.strict !== undefined) definition.strict = wire.strict;
  return definition;
}

function toToolChoice(choice: z.infer<typeof toolChoice>): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { name: choice.name };
  }
}

function extraFields(body: Record<string, unknown>): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in body) {
    if (knownFields.has(key) || body[key] === undefined) continue;
    (extra ??= {})[key] = body[key];
  }
  return extra;
}
