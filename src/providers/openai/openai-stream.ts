import type { ChatStreamPart, Usage } from '../chat-model.ts';
import { parseSse } from '../sse.ts';
import { describe, isRecord, numberOr, stringOr, tryParseJson, withProvider } from '../upstream-call.ts';
import { badResponseError, redact, upstreamHttpError } from '../upstream-error.ts';
import { fromOpenAIFinishReason, fromOpenAILogprobs, fromOpenAIUsage, parseOpenAIError } from './openai-response.ts';

/**
 * Maps a Chat Completions SSE body to stream parts. Tool calls arrive by index: the first delta with a
 * name starts the call, later `arguments` pieces are deltas. Usage (the last chunk, with no choices, when
 * `stream_options.include_usage` is on) is held back and given once, after every `finish`.
 *
 * The stream must end with `[DONE]` or with every choice finished; otherwise it was cut short.
 */
export async function* openAIStreamParts(body: AsyncIterable<Buffer>, provider: string, apiKey?: string): AsyncGenerator<ChatStreamPart> {
  let started = false;
  let done = false;
  let usage: Usage | undefined;
  const seen = new Set<number>();
  const finished = new Set<number>();
  const tools = new Map<string, { started: boolean; pending: string }>();

  try {
    for await (const event of parseSse(body)) {
      if (done) continue; // read to the end, so the socket goes back to the pool
      const data = event.data;
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      if (data.trim() === '') continue;
      const chunk = tryParseJson(data);
      if (!isRecord(chunk)) throw badResponseError(provider, `a stream chunk is not JSON: ${describe(data)}`);
      if (chunk.error !== undefined || event.event === 'error') throw inStreamError(provider, chunk, apiKey);

      const choices = Array.isArray(chunk.choices) ? chunk.choices.filter(isRecord) : [];
      if (!started && (stringOr(chunk.id, '') !== '' || choices.length > 0)) {
        started = true;
        const start: ChatStreamPart = { type: 'start', id: stringOr(chunk.id, ''), model: stringOr(chunk.model, ''), created: numberOr(chunk.created, 0) };
        if (typeof chunk.system_fingerprint === 'string') start.systemFingerprint = chunk.system_fingerprint;
        yield start;
      }
      usage = fromOpenAIUsage(chunk.usage) ?? usage;

      for (const [position, choice] of choices.entries()) {
        const index = numberOr(choice.index, position);
        seen.add(index);
        const delta = isRecord(choice.delta) ? choice.delta : {};
        if (typeof delta.content === 'string' && delta.content !== '') yield { type: 'text-delta', index, text: delta.content };
        if (typeof delta.refusal === 'string' && delta.refusal !== '') yield { type: 'refusal-delta', index, text: delta.refusal };
        if (Array.isArray(delta.tool_calls)) yield* toolCallParts(delta.tool_calls, index, tools);
        const logprobs = fromOpenAILogprobs(choice.logprobs);
        if (logprobs && logprobs.length > 0) yield { type: 'logprobs', index, logprobs };
        if (typeof choice.finish_reason === 'string' && !finished.has(index)) {
          finished.add(index);
          yield { type: 'finish', index, finishReason: fromOpenAIFinishReason(choice.finish_reason) };
        }
      }
    }
  } catch (error) {
    throw withProvider(provider, error);
  }

  const complete = done || (seen.size > 0 && [...seen].every((index) => finished.has(index)));
  if (!complete) throw badResponseError(provider, 'the stream ended before the answer was complete (no [DONE] and no finish_reason)');
  if (usage) yield { type: 'usage', usage };
}

function* toolCallParts(
  calls: unknown[],
  index: number,
  tools: Map<string, { started: boolean; pending: string }>,
): Generator<ChatStreamPart> {
  for (const [position, value] of calls.entries()) {
    if (!isRecord(value)) continue;
    const toolIndex = numberOr(value.index, position);
    const key = `${index}:${toolIndex}`;
    let state = tools.get(key);
    if (!state) {
      state = { started: false, pending: '' };
      tools.set(key, state);
    }
    const fn = isRecord(value.function) ? value.function : {};
    const piece = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (!state.started) {
      if (typeof fn.name !== 'string' || fn.name === '') {
        state.pending += piece; // arguments before the name: hold them until the call starts
        continue;
      }
      state.started = true;
      // Some OpenAI-compatible servers send no id; make a stable one.
      const id = typeof value.id === 'string' && value.id !== '' ? value.id : `call_${index}_${toolIndex}`;
      yield { type: 'tool-call-start', index, toolIndex, id, name: fn.name };
      const first = state.pending + piece;
      if (first !== '') yield { type: 'tool-call-delta', index, toolIndex, argumentsDelta: first };
      continue;
    }
    if (piece !== '') yield { type: 'tool-call-delta', index, toolIndex, argumentsDelta: piece };
  }
}

function inStreamError(provider: string, chunk: Record<string, unknown>, apiKey: string | undefined) {
  const details = parseOpenAIError(chunk);
  const status = isRecord(chunk.error) && typeof chunk.error.status === 'number' ? chunk.error.status : 500;
  return upstreamHttpError({
    ...details,
    message: details.message === undefined ? 'error event in the stream' : redact(details.message, apiKey),
    provider,
    status,
  });
}
