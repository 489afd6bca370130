import type { ChatStreamPart, FinishReason } from '../chat-model.ts';
import { parseSse } from '../sse.ts';
import { describe, isRecord, numberOr, stringOr, tryParseJson, withProvider } from '../upstream-call.ts';
import { badResponseError, redact, upstreamHttpError } from '../upstream-error.ts';
import { ANTHROPIC_ERROR_STATUS, fromAnthropicStopReason, fromAnthropicUsage, parseAnthropicError } from './anthropic-response.ts';

/**
 * Maps a Messages API SSE body to stream parts: `message_start` → `start`; text and `input_json_delta`
 * deltas → text and tool-call deltas; `message_stop` → `finish` and `usage`. Usage counts come from
 * `message_start` and are overwritten by the cumulative counts in `message_delta`.
 *
 * `ping`, thinking deltas and unknown events are skipped; an `error` event is thrown as an OperonError;
 * a stream that ends before `message_stop` was cut short.
 */
export async function* anthropicStreamParts(
  body: AsyncIterable<Buffer>,
  provider: string,
  nowSeconds: number,
  apiKey?: string,
): AsyncGenerator<ChatStreamPart> {
  let stopped = false;
  let finishReason: FinishReason = 'stop';
  let usageFields: Record<string, unknown> | undefined;
  const toolIndexOfBlock = new Map<number, number>();

  try {
    for await (const event of parseSse(body)) {
      if (stopped) continue; // read to the end, so the socket goes back to the pool
      const value = tryParseJson(event.data);
      if (!isRecord(value)) throw badResponseError(provider, `a stream event is not JSON: ${describe(event.data)}`);
      const type = stringOr(value.type, event.event ?? '');
      switch (type) {
        case 'message_start': {
          const message = isRecord(value.message) ? value.message : {};
          if (isRecord(message.usage)) usageFields = { ...message.usage };
          yield { type: 'start', id: stringOr(message.id, ''), model: stringOr(message.model, ''), created: nowSeconds };
          break;
        }
        case 'content_block_start': {
          const block = isRecord(value.content_block) ? value.content_block : {};
          const blockIndex = numberOr(value.index, 0);
          if (block.type === 'tool_use') {
            const toolIndex = toolIndexOfBlock.size;
            toolIndexOfBlock.set(blockIndex, toolIndex);
            yield { type: 'tool-call-start', index: 0, toolIndex, id: stringOr(block.id, ''), name: stringOr(block.name, '') };
          } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
            yield { type: 'text-delta', index: 0, text: block.text };
          }
          break;
        }
        case 'content_block_delta': {
          const delta = isRecord(value.delta) ? value.delta : {};
          if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
            yield { type: 'text-delta', index: 0, text: delta.text };
          } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
            const toolIndex = toolIndexOfBlock.get(numberOr(value.index, 0));
            if (toolIndex !== undefined) yield { type: 'tool-call-delta', index: 0, toolIndex, argumentsDelta: delta.partial_json };
          }
          break;
        }
        case 'message_delta': {
          const delta = isRecord(value.delta) ? value.delta : {};
          if (typeof delta.stop_reason === 'string') finishReason = fromAnthropicStopReason(delta.stop_reason);
          if (isRecord(value.usage)) {
            const counts = Object.entries(value.usage).filter(([, count]) => typeof count === 'number' || isRecord(count));
            usageFields = { ...usageFields, ...Object.fromEntries(counts) };
          }
          break;
        }
        case 'message_stop': {
          stopped = true;
          yield { type: 'finish', index: 0, finishReason };
          const usage = fromAnthropicUsage(usageFields);
          if (usage) yield { type: 'usage', usage };
          break;
        }
        case 'error': {
          const details = parseAnthropicError(value);
          throw upstreamHttpError({
            ...details,
            message: details.message === undefined ? undefined : redact(details.message, apiKey),
            provider,
            status: ANTHROPIC_ERROR_STATUS[details.type ?? ''] ?? 500,
          });
        }
        default:
          break; // ping, content_block_stop, and events added after this was written
      }
    }
  } catch (error) {
    throw withProvider(provider, error);
  }
  if (!stopped) throw badResponseError(provider, 'the stream ended before message_stop');
}
