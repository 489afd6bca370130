import { z } from 'zod';
import { invalidRequest } from '../../core/errors.ts';
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolChoice, ToolDefinition } from '../../providers/chat-model.ts';
import { toValidationError } from './validation-error.ts';

/**
 * `POST /v1/chat/completions` (OpenAI format) → the internal `ChatRequest`.
 *
 * Optional fields accept `null` as "not set", as OpenAI does. Fields this schema does not know
 * (`logit_bias`, `reasoning_effort`, `metadata`, …) are kept and passed through as
 * `providerOptions.openai`, so an OpenAI-compatible provider can forward them.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string(), detail: z.enum(['auto', 'low', 'high']).nullish() }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart)], { error: 'must be a string or an array of text parts' });
const userContent = z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))], {
  error: 'must be a string or an array of content parts (text, image_url)',
});

const messageToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const systemMessage = z.object({ role: z.literal('system'), content: textContent, name: z.string().nullish() });
const developerMessage = z.object({ role: z.literal('developer'), content: textContent, name: z.string().nullish() });
const userMessage = z.object({ role: z.literal('user'), content: userContent, name: z.string().nullish() });
const assistantMessage = z.object({
  role: z.literal('assistant'),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))], {
      error: 'must be a string, an array of text or refusal parts, or null',
    })
    .nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(messageToolCall).nullish(),
  name: z.string().nullish(),
});
const toolMessage = z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() });

const functionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union(
  [z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })],
  { error: "must be 'none', 'auto', 'required' or { type: 'function', function: { name } }" },
);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const range = (min: number, max: number) => z.number().min(min, { error: `must be between ${min} and ${max}` }).max(max, { error: `must be between ${min} and ${max}` });
const positiveInt = z.number().int().min(1);

/** The OpenAI chat completions request body, as the gateway accepts it (also feeds the OpenAPI document). */
export const openAIChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.discriminatedUnion('role', [systemMessage, developerMessage, userMessage, assistantMessage, toolMessage])).min(1),
  tools: z.array(functionTool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  stop: z.union([z.string(), z.array(z.string())], { error: 'must be a string or an array of strings' }).nullish(),
  n: z.number().int().min(1, { error: 'must be between 1 and 128' }).max(128, { error: 'must be between 1 and 128' }).nullish(),
  seed: z.number().int().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0, { error: 'must be between 0 and 20' }).max(20, { error: 'must be between 0 and 20' }).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: range(0, 2).nullish(),
  top_p: range(0, 1).nullish(),
  presence_penalty: range(-2, 2).nullish(),
  frequency_penalty: range(-2, 2).nullish(),
  user: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
});

export type OpenAIChatRequestBody = z.infer<typeof openAIChatRequestSchema>;

const knownFields = new Set(Object.keys(openAIChatRequestSchema.shape));

export interface ParsedOpenAIChatRequest {
  request: ChatRequest;
  stream: boolean;
  /** `stream_options.include_usage`: send a last chunk with usage (and `usage: null` on the others). */
  includeUsage: boolean;
}

/**
 * Validates an OpenAI chat completions body and translates it. Throws an `invalid_request` OperonError
 * naming the field at fault.
 *
 * @example
 * const { request, stream } = parseOpenAIChatRequest(await c.req.json());
 */
export function parseOpenAIChatRequest(json: unknown): ParsedOpenAIChatRequest {
  const parsed = openAIChatRequestSchema.safeParse(json);
  if (!parsed.success) throw toValidationError(parsed.error, json);
  const body = parsed.data;

  if (body.top_logprobs != null && body.logprobs !== true) {
    throw invalidRequest('top_logprobs requires logprobs: true; set logprobs to true or remove top_logprobs.', 'top_logprobs');
  }

  const request: ChatRequest = { model: body.model, messages: toMessages(body.messages) };
  if (body.tools != null && body.tools.length > 0) request.tools = body.tools.map(toToolDefinition);
  if (body.tool_choice != null) request.toolChoice = toToolChoice(body.tool_choice);
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format != null) request.responseFormat = toResponseFormat(body.response_format);
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  // max_tokens is the deprecated name of max_completion_tokens; the newer one wins when both are sent.
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.n != null) request.n = body.n;
  if (body.seed != null) request.seed = body.seed;
  if (body.presence_penalty != null) request.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) request.frequencyPenalty = body.frequency_penalty;
  if (body.logprobs != null) request.logprobs = body.logprobs;
  if (body.top_logprobs != null) request.topLogprobs = body.top_logprobs;
  if (body.user != null) request.user = body.user;

  const extra = extraFields(body);
  if (extra !== undefined) request.providerOptions = { openai: extra };

  const stream = body.stream === true;
  return { request, stream, includeUsage: stream && body.stream_options?.include_usage === true };
}

type WireMessage = OpenAIChatRequestBody['messages'][number];

function toMessages(messages: WireMessage[]): ChatMessage[] {
  const out: ChatMessage[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    switch (message.role) {
      case 'system':
      case 'developer':
        out[i] = { role: 'system', content: joinText(message.content, '\n') };
        break;
      case 'user': {
        const user: ChatMessage = { role: 'user', content: toUserContent(message.content) };
        if (message.name != null) user.name = message.name;
        out[i] = user;
        break;
      }
      case 'assistant':
        out[i] = toAssistantMessage(message, i);
        break;
      case 'tool':
        out[i] = { role: 'tool', toolCallId: message.tool_call_id, content: joinText(message.content, '\n') };
        break;
    }
  }
  return out;
}

function toUserContent(content: Extract<WireMessage, { role: 'user' }>['content']): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part): ContentPart => {
    if (part.type === 'text') return part;
    const image: ContentPart = { type: 'image', url: part.image_url.url };
    if (part.image_url.detail != null) image.detail = part.image_url.detail;
    return image;
  });
}

function toAssistantMessage(message: Extract<WireMessage, { role: 'assistant' }>, index: number): ChatMessage {
  let content: string | null = null;
  if (typeof message.content === 'string') content = message.content;
  else if (message.content != null) content = message.content.map((part) => (part.type === 'text' ? part.text : part.refusal)).join('');
  // A refusal given back in the history is text the model produced; no provider takes it as a field.
  if (content === null && message.refusal != null) content = message.refusal;

  const assistant: Extract<ChatMessage, { role: 'assistant' }> = { role: 'assistant', content };
  if (message.tool_calls != null && message.tool_calls.length > 0) {
    assistant.toolCalls = message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
  } else if (content === null) {
    throw invalidRequest(`messages[${index}].content is required unless tool_calls is set; send the assistant's text or its tool_calls.`, `messages[${index}].content`);
  }
  if (message.name != null) assistant.name = message.name;
  return assistant;
}

function joinText(content: string | Array<{ text: string }>, separator: string): string {
  if (typeof content === 'string') return content;
  if (content.length === 1) return content[0]!.text;
  return content.map((part) => part.text).join(separator);
}

function toToolDefinition(tool: z.infer<typeof functionTool>): ToolDefinition {
  const { name, description, parameters, strict } = tool.function;
  // OpenAI: omitting `parameters` defines a function that takes no arguments.
  const definition: ToolDefinition = { name, parameters: parameters ?? { type: 'object', properties: {} } };
  if (description != null) definition.description = description;
  if (strict != null) definition.strict = strict;
  return definition;
}

function toToolChoice(choice: z.infer<typeof toolChoice>): ToolChoice {
  return typeof choice === 'string' ? choice : { name: choice.function.name };
}

function toResponseFormat(format: z.infer<typeof responseFormat>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, description, schema, strict } = format.json_schema;
  const out: ResponseFormat = { type: 'json_schema', name, schema: schema ?? {} };
  if (description != null) out.description = description;
  if (strict != null) out.strict = strict;
  return out;
}

function extraFields(body: Record<string, unknown>): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in body) {
    if (knownFields.has(key) || body[key] === undefined) continue;
    (extra ??= {})[key] = body[key];
  }
  return extra;
}
