import type { ChatChoice, ChatResult, ChatStreamPart, FinishReason, TokenLogprob, Usage } from '../../providers/chat-model.ts';

/**
 * The internal answer → OpenAI `chat.completion` objects and `chat.completion.chunk` SSE events.
 *
 * `finish_reason` is passed through, including the internal `error` (no OpenAI value means "the
 * provider failed mid-answer"; gateways such as OpenRouter send `error` too).
 */

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: string | null; tool_calls?: OpenAIToolCall[] };
    logprobs: { content: OpenAITokenLogprob[] | null; refusal: null } | null;
    finish_reason: FinishReason;
  }>;
  usage?: OpenAIUsage;
  system_fingerprint: string | null;
}

export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

/**
 * @param requestedModel reported only when the result names no model; otherwise the model that answered is.
 *
 * @example
 * return c.json(toOpenAIChatCompletion(await handler.generate(request, context), context.requestedModel));
 */
export function toOpenAIChatCompletion(result: ChatResult, requestedModel: string): OpenAIChatCompletion {
  const completion: OpenAIChatCompletion = {
    id: result.id,
    object: 'chat.completion',
    created: result.created,
    model: result.model || requestedModel,
    choices: result.choices.map(toOpenAIChoice),
    system_fingerprint: result.systemFingerprint ?? null,
  };
  if (result.usage !== undefined) completion.usage = toOpenAIUsage(result.usage);
  return completion;
}

function toOpenAIChoice(choice: ChatChoice): OpenAIChatCompletion['choices'][number] {
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: choice.message.content,
    refusal: choice.message.refusal ?? null,
  };
  const toolCalls = choice.message.toolCalls;
  if (toolCalls !== undefined && toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  }
  return {
    index: choice.index,
    message,
    logprobs: choice.logprobs == null ? null : { content: choice.logprobs.map(toOpenAILogprob), refusal: null },
    finish_reason: choice.finishReason,
  };
}

function toOpenAILogprob(logprob: TokenLogprob): OpenAITokenLogprob {
  return { token: logprob.token, logprob: logprob.logprob, bytes: logprob.bytes, top_logprobs: logprob.topLogprobs };
}

export interface OpenAIChunkEncoderOptions {
  /** `stream_options.include_usage` of the request. */
  includeUsage: boolean;
  /** Reported as `model` only if the stream never names the model that answered (no `start` part). */
  requestedModel: string;
}

/** Turns stream parts into `chat.completion.chunk` SSE events; one encoder per response. */
export interface OpenAIChunkEncoder {
  /** Zero or more complete SSE events (`data: {...}\n\n`) for one part. */
  encode(part: ChatStreamPart): string;
  /** The last events of a stream that ended normally: the usage chunk (if asked for and known), then `data: [DONE]`. */
  end(): string;
}

/**
 * Each choice's first chunk carries `delta: { role: 'assistant', content: '' }`; for choice 0 it goes out
 * as soon as the `start` part arrives, so the client sees the first byte early. Usage parts are held back
 * for the final `choices: []` chunk that `stream_options.include_usage` asks for; without it they are dropped,
 * as OpenAI does.
 *
 * @example
 * const encoder = createOpenAIChunkEncoder({ includeUsage, requestedModel: context.requestedModel });
 * for await (const part of parts) write(encoder.encode(part));
 * write(encoder.end());
 */
export function createOpenAIChunkEncoder(options: OpenAIChunkEncoderOptions): OpenAIChunkEncoder {
  // Every chunk of a stream shares id, created and model, so that JSON is built once and each chunk
  // only serializes its choice.
  let head: string | undefined;
  const tail = options.includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const started: boolean[] = [];
  let usage: Usage | undefined;

  const begin = (id: string, model: string, created: number, systemFingerprint?: string): string => {
    const fingerprint = systemFingerprint === undefined ? '' : `"system_fingerprint":${JSON.stringify(systemFingerprint)},`;
    return `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},${fingerprint}"choices":[`;
  };
  const chunkHead = (): string => (head ??= begin('chatcmpl-operon', options.requestedModel, Math.floor(Date.now() / 1000)));
  const chunk = (index: number, delta: string): string =>
    `${chunkHead()}{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":null}${tail}`;
  const roleIfFirst = (index: number): string => {
    if (started[index] === true) return '';
    started[index] = true;
    return chunk(index, '{"role":"assistant","content":""}');
  };

  return {
    encode(part) {
      switch (part.type) {
        case 'start':
          if (head !== undefined) return '';
          head = begin(part.id, part.model || options.requestedModel, part.created, part.systemFingerprint);
          return roleIfFirst(0);
        case 'text-delta':
          if (part.text === '') return roleIfFirst(part.index);
          return roleIfFirst(part.index) + chunk(part.index, `{"content":${JSON.stringify(part.text)}}`);
        case 'refusal-delta':
          if (part.text === '') return roleIfFirst(part.index);
          return roleIfFirst(part.index) + chunk(part.index, `{"refusal":${JSON.stringify(part.text)}}`);
        case 'tool-call-start':
          return (
            roleIfFirst(part.index) +
            chunk(
              part.index,
              `{"tool_calls":[{"index":${part.toolIndex},"id":${JSON.stringify(part.id)},"type":"function","function":{"name":${JSON.stringify(part.name)},"arguments":""}}]}`,
            )
          );
        case 'tool-call-delta':
          if (part.argumentsDelta === '') return '';
          return (
            roleIfFirst(part.index) +
            chunk(part.index, `{"tool_calls":[{"index":${part.toolIndex},"function":{"arguments":${JSON.stringify(part.argumentsDelta)}}}]}`)
          );
        case 'logprobs': {
          const logprobs = JSON.stringify({ content: part.logprobs.map(toOpenAILogprob), refusal: null });
          return `${roleIfFirst(part.index)}${chunkHead()}{"index":${part.index},"delta":{},"logprobs":${logprobs},"finish_reason":null}${tail}`;
        }
        case 'finish':
          return `${roleIfFirst(part.index)}${chunkHead()}{"index":${part.index},"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(part.finishReason)}}${tail}`;
        case 'usage':
          usage = part.usage;
          return '';
      }
    },
    end() {
      const usageChunk =
        options.includeUsage && usage !== undefined ? `${chunkHead()}],"usage":${JSON.stringify(toOpenAIUsage(usage))}}\n\n` : '';
      return `${usageChunk}data: [DONE]\n\n`;
    },
  };
}
