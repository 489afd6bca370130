import type { ChatMessage, ChatRequest, ContentPart, EmbeddingRequest, ResponseFormat, ToolChoice } from '../chat-model.ts';

export type OpenAIProviderType = 'openai' | 'openai-compatible' | 'azure-openai';

/**
 * The Chat Completions body for a request. Fields the caller left out stay out, so the provider's own
 * defaults apply. `providerOptions.openai`, then `providerOptions[type]`, are merged in last, as they are.
 */
export function toOpenAIChatBody(request: ChatRequest, type: OpenAIProviderType, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, messages: request.messages.map(toOpenAIMessage) };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
        ...(tool.strict !== undefined && { strict: tool.strict }),
      },
    }));
    // OpenAI rejects parallel_tool_calls without tools.
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice !== undefined) body.tool_choice = toOpenAIToolChoice(request.toolChoice);
  if (request.responseFormat !== undefined) body.response_format = toOpenAIResponseFormat(request.responseFormat);
  if (request.maxTokens !== undefined) {
    // OpenAI's reasoning models accept only max_completion_tokens; other servers mostly know only max_tokens.
    body[type === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
  }
  for (const [from, to] of SIMPLE_FIELDS) if (request[from] !== undefined) body[to] = request[from];
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return mergeProviderOptions(body, request.providerOptions, type);
}

/** Request fields copied as they are, under OpenAI's names. */
const SIMPLE_FIELDS: ReadonlyArray<readonly [keyof ChatRequest, string]> = [
  ['temperature', 'temperature'],
  ['topP', 'top_p'],
  ['stop', 'stop'],
  ['n', 'n'],
  ['seed', 'seed'],
  ['presencePenalty', 'presence_penalty'],
  ['frequencyPenalty', 'frequency_penalty'],
  ['logprobs', 'logprobs'],
  ['topLogprobs', 'top_logprobs'],
  ['user', 'user'],
];

export function toOpenAIEmbeddingBody(request: EmbeddingRequest, type: OpenAIProviderType): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, input: request.input, encoding_format: 'float' };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return mergeProviderOptions(body, request.providerOptions, type);
}

function mergeProviderOptions(
  body: Record<string, unknown>,
  options: Record<string, Record<string, unknown>> | undefined,
  type: OpenAIProviderType,
): Record<string, unknown> {
  if (!options) return body;
  return { ...body, ...options.openai, ...(type === 'openai' ? undefined : options[type]) };
}

function toOpenAIMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content: toOpenAIContent(message.content),
        ...(message.name !== undefined && { name: message.name }),
      };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.name !== undefined && { name: message.name }),
        ...(message.toolCalls &&
          message.toolCalls.length > 0 && {
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/** A lone text part goes as a plain string, which every OpenAI-compatible server understands. */
function toOpenAIContent(parts: ContentPart[]): string | Array<Record<string, unknown>> {
  if (parts.length === 1 && parts[0]?.type === 'text') return parts[0].text;
  return parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: part.url, ...(part.detail !== undefined && { detail: part.detail }) } },
  );
}

function toOpenAIToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function toOpenAIResponseFormat(format: ResponseFormat): unknown {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.description !== undefined && { description: format.description }),
      ...(format.strict !== undefined && { strict: format.strict }),
    },
  };
}
