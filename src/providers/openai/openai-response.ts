import type { ChatChoice, ChatResult, EmbeddingResult, FinishReason, TokenLogprob, ToolCall, Usage } from '../chat-model.ts';
import { badResponseError } from '../upstream-error.ts';
import { isRecord, numberOr, stringOr } from '../upstream-call.ts';

/** Maps a Chat Completions reply to the internal result; a reply without choices is a bad response. */
export function fromOpenAIChatCompletion(json: Record<string, unknown>, provider: string): ChatResult {
  if (!Array.isArray(json.choices)) throw badResponseError(provider, 'the chat completion has no "choices" array');
  const result: ChatResult = {
    id: stringOr(json.id, ''),
    model: stringOr(json.model, ''),
    created: numberOr(json.created, 0),
    choices: json.choices.map((choice, position) => toChoice(choice, position, provider)),
  };
  const usage = fromOpenAIUsage(json.usage);
  if (usage) result.usage = usage;
  if (typeof json.system_fingerprint === 'string') result.systemFingerprint = json.system_fingerprint;
  return result;
}

function toChoice(value: unknown, position: number, provider: string): ChatChoice {
  if (!isRecord(value) || !isRecord(value.message)) throw badResponseError(provider, `choice ${position} has no "message"`);
  const message = value.message;
  const choice: ChatChoice = {
    index: numberOr(value.index, position),
    message: { content: typeof message.content === 'string' ? message.content : null },
    finishReason: fromOpenAIFinishReason(value.finish_reason),
  };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    choice.message.toolCalls = message.tool_calls.map(toToolCall);
  }
  if (typeof message.refusal === 'string') choice.message.refusal = message.refusal;
  const logprobs = fromOpenAILogprobs(value.logprobs);
  if (logprobs) choice.logprobs = logprobs;
  return choice;
}

function toToolCall(value: unknown): ToolCall {
  const call = isRecord(value) ? value : {};
  const fn = isRecord(call.function) ? call.function : {};
  const args = fn.arguments;
  return {
    id: stringOr(call.id, ''),
    name: stringOr(fn.name, ''),
    arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
  };
}

export function fromOpenAIFinishReason(value: unknown): FinishReason {
  switch (value) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function fromOpenAIUsage(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: Usage = { inputTokens: numberOr(value.prompt_tokens, 0), outputTokens: numberOr(value.completion_tokens, 0) };
  const cached = isRecord(value.prompt_tokens_details) ? value.prompt_tokens_details.cached_tokens : undefined;
  if (typeof cached === 'number') usage.cachedInputTokens = cached;
  const reasoning = isRecord(value.completion_tokens_details) ? value.completion_tokens_details.reasoning_tokens : undefined;
  if (typeof reasoning === 'number') usage.reasoningTokens = reasoning;
  return usage;
}

/** `choice.logprobs.content` → token logprobs; null when the provider sent none. */
export function fromOpenAILogprobs(value: unknown): TokenLogprob[] | null {
  if (!isRecord(value) || !Array.isArray(value.content)) return null;
  return value.content.filter(isRecord).map((entry) => ({
    token: stringOr(entry.token, ''),
    logprob: numberOr(entry.logprob, 0),
    bytes: Array.isArray(entry.bytes) ? (entry.bytes as number[]) : null,
    topLogprobs: (Array.isArray(entry.top_logprobs) ? entry.top_logprobs : []).filter(isRecord).map((top) => ({
      token: stringOr(top.token, ''),
      logprob: numberOr(top.logprob, 0),
      bytes: Array.isArray(top.bytes) ? (top.bytes as number[]) : null,
    })),
  }));
}

export function fromOpenAIEmbeddings(json: Record<string, unknown>, provider: string, inputCount: number): EmbeddingResult {
  if (!Array.isArray(json.data)) throw badResponseError(provider, 'the embeddings reply has no "data" array');
  const entries = json.data.filter(isRecord);
  const embeddings: number[][] = new Array(inputCount);
  entries.forEach((entry, position) => {
    const index = numberOr(entry.index, position);
    if (!Array.isArray(entry.embedding)) throw badResponseError(provider, `embedding ${index} is not an array of numbers`);
    embeddings[index] = entry.embedding as number[];
  });
  if (entries.length !== inputCount || embeddings.some((vector) => vector === undefined)) {
    throw badResponseError(provider, `expected ${inputCount} embeddings, got ${entries.length}`);
  }
  const result: EmbeddingResult = { model: stringOr(json.model, ''), embeddings };
  if (isRecord(json.usage) && typeof json.usage.prompt_tokens === 'number') result.usage = { inputTokens: json.usage.prompt_tokens };
  return result;
}

/** OpenAI's error body: `{ error: { message, type, code, param } }` (some compatible servers send a bare string). */
export function parseOpenAIError(body: unknown): { message?: string; type?: string; code?: string; param?: string } {
  if (!isRecord(body)) return {};
  const error = body.error;
  if (typeof error === 'string') return { message: error };
  if (!isRecord(error)) return typeof body.message === 'string' ? { message: body.message } : {};
  return {
    message: typeof error.message === 'string' ? error.message : undefined,
    type: typeof error.type === 'string' ? error.type : undefined,
    code: typeof error.code === 'string' ? error.code : undefined,
    param: typeof error.param === 'string' ? error.param : undefined,
  };
}
