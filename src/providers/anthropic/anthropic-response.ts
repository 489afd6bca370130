import type { ChatResult, FinishReason, ToolCall, Usage } from '../chat-model.ts';
import { badResponseError } from '../upstream-error.ts';
import { isRecord, numberOr, stringOr } from '../upstream-call.ts';

/**
 * Maps a Messages API reply to the internal result: text blocks joined into `content`, `tool_use`
 * blocks into tool calls (input as JSON text). Thinking blocks have no place in the port and are dropped.
 * Anthropic gives no creation time, so `created` is when the reply was read.
 */
export function fromAnthropicMessage(json: Record<string, unknown>, provider: string, nowSeconds: number): ChatResult {
  if (!Array.isArray(json.content)) throw badResponseError(provider, 'the message has no "content" array');
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of json.content.filter(isRecord)) {
    if (block.type === 'text' && typeof block.text === 'string') text = (text ?? '') + block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: stringOr(block.id, ''), name: stringOr(block.name, ''), arguments: JSON.stringify(block.input ?? {}) });
    }
  }
  const message: ChatResult['choices'][number]['message'] = { content: text };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  const refusal = refusalOf(json);
  if (refusal !== undefined) message.refusal = refusal;
  const result: ChatResult = {
    id: stringOr(json.id, ''),
    model: stringOr(json.model, ''),
    created: nowSeconds,
    choices: [{ index: 0, message, finishReason: fromAnthropicStopReason(json.stop_reason) }],
  };
  const usage = fromAnthropicUsage(json.usage);
  if (usage) result.usage = usage;
  return result;
}

/** When the model refused, Anthropic explains why in `stop_details` (when it can). */
function refusalOf(json: Record<string, unknown>): string | undefined {
  if (json.stop_reason !== 'refusal') return undefined;
  const details = json.stop_details;
  return isRecord(details) && typeof details.explanation === 'string' ? details.explanation : undefined;
}

export function fromAnthropicStopReason(value: unknown): FinishReason {
  switch (value) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

/**
 * Anthropic counts input in three parts (uncached, read from cache, written to cache); the port's
 * `inputTokens` is their sum, with the cached parts broken out.
 */
export function fromAnthropicUsage(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const cacheRead = numberOr(value.cache_read_input_tokens, 0);
  const cacheWrite = numberOr(value.cache_creation_input_tokens, 0);
  const usage: Usage = {
    inputTokens: numberOr(value.input_tokens, 0) + cacheRead + cacheWrite,
    outputTokens: numberOr(value.output_tokens, 0),
  };
  if (typeof value.cache_read_input_tokens === 'number') usage.cachedInputTokens = cacheRead;
  if (typeof value.cache_creation_input_tokens === 'number') usage.cacheWriteInputTokens = cacheWrite;
  const details = value.output_tokens_details;
  if (isRecord(details) && typeof details.thinking_tokens === 'number') usage.reasoningTokens = details.thinking_tokens;
  return usage;
}

/** Anthropic's error body: `{ type: 'error', error: { type, message }, request_id }`. */
export function parseAnthropicError(body: unknown): { message?: string; type?: string; requestId?: string } {
  if (!isRecord(body) || !isRecord(body.error)) return {};
  return {
    message: typeof body.error.message === 'string' ? body.error.message : undefined,
    type: typeof body.error.type === 'string' ? body.error.type : undefined,
    requestId: typeof body.request_id === 'string' ? body.request_id : undefined,
  };
}

/** The HTTP status Anthropic documents for each error type, for errors that arrive inside a stream. */
export const ANTHROPIC_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};
