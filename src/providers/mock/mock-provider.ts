import { createHash } from 'node:crypto';
import { OperonError } from '../../core/errors.ts';
import type {
  CallOptions,
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  EmbeddingModel,
  EmbeddingRequest,
  Provider,
  ToolCall,
  Usage,
} from '../chat-model.ts';
import { upstreamHttpError } from '../upstream-error.ts';
import { parseMockScript, type MockScriptEntry, type ParsedMockScriptEntry } from './mock-script.ts';

export interface MockProviderOptions {
  /** Provider instance name, e.g. `mock`. */
  name: string;
  /** Scripted answers, tried in order; see `MockScriptEntry`. Without a match the mock echoes. */
  script?: readonly (MockScriptEntry | Record<string, unknown>)[];
  /** Milliseconds since the epoch for `created`. Defaults to 0, so answers repeat byte for byte. */
  now?: () => number;
}

/** One call the mock received, for assertions. */
export type MockCall =
  | { kind: 'generate' | 'stream'; request: ChatRequest }
  | { kind: 'embed'; request: EmbeddingRequest };

export interface MockProvider extends Provider {
  readonly type: 'mock';
  /** The calls so far, in order: all of them, or at least the last 1,000 (a long-running mock must not grow without bound). */
  readonly calls: readonly MockCall[];
}

/**
 * A deterministic, offline provider for tests, demos and benchmarks. It never calls out: answers come
 * from the script, or echo the last user message ("Mock reply to: …"). Ids count up per instance
 * (`chatcmpl-mock-1`, …); token counts are words; embeddings are unit vectors hashed from the input.
 *
 * @example
 * const mock = createMockProvider({ name: 'mock', script: [{ match: { lastUserMessageIncludes: 'hi' }, reply: { text: 'Hello!' } }] });
 * const result = await mock.chat().generate({ model: 'mock-model', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
 * // result.choices[0].message.content === 'Hello!'
 */
/** Calls kept for assertions at least (see `MockProvider.calls`). */
const KEPT_CALLS = 1_000;

export function createMockProvider(options: MockProviderOptions): MockProvider {
  const { name } = options;
  const script = parseMockScript(name, options.script ?? []);
  const uses = new Map<ParsedMockScriptEntry, number>();
  const calls: MockCall[] = [];
  const record = (call: MockCall) => {
    // Trimmed in bulk, so a server run on the mock (benchmarks, demos) keeps flat memory at little cost per call.
    if (calls.length >= 2 * KEPT_CALLS) calls.splice(0, calls.length - KEPT_CALLS + 1);
    calls.push(call);
  };
  const now = options.now ?? (() => 0);
  let counter = 0;

  function pick(request: ChatRequest): ParsedMockScriptEntry | undefined {
    const lastUser = lastUserText(request.messages);
    const entry = script.find((candidate) => {
      const used = uses.get(candidate) ?? 0;
      if (candidate.times !== undefined && used >= candidate.times) return false;
      const match = candidate.match;
      if (match?.model !== undefined && match.model !== request.model) return false;
      if (match?.lastUserMessageIncludes !== undefined && !lastUser.includes(match.lastUserMessageIncludes)) return false;
      return true;
    });
    if (entry) uses.set(entry, (uses.get(entry) ?? 0) + 1);
    return entry;
  }

  function answer(request: ChatRequest, entry: ParsedMockScriptEntry | undefined): ChatResult {
    counter += 1;
    const reply = entry?.reply;
    const toolCalls: ToolCall[] | undefined = reply?.toolCalls?.map((call, position) => ({
      id: call.id ?? `call_mock_${counter}_${position}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const text = reply?.text ?? (toolCalls ? null : `Mock reply to: ${lastUserText(request.messages)}`);
    const message: ChatResult['choices'][number]['message'] = { content: text };
    if (toolCalls) message.toolCalls = toolCalls;
    if (reply?.refusal !== undefined) message.refusal = reply.refusal;
    const outputWords = countWords(text ?? '') + (toolCalls ?? []).reduce((sum, call) => sum + countWords(call.arguments), 0);
    const usage: Usage = reply?.usage ?? { inputTokens: countWords(requestText(request.messages)), outputTokens: outputWords };
    return {
      id: `chatcmpl-mock-${counter}`,
      model: request.model,
      created: Math.floor(now() / 1000),
      choices: [{ index: 0, message, finishReason: reply?.finishReason ?? (toolCalls ? 'tool_calls' : 'stop') }],
      usage: { ...usage },
    };
  }

  function failure(entry: ParsedMockScriptEntry): OperonError {
    const error = entry.error!;
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
    return upstreamHttpError({ provider: name, status: error.status, message: error.message ?? `scripted mock error ${error.status}`, code: error.code, headers });
  }

  const chat: ChatModel = {
    provider: name,
    providerType: 'mock',
    async generate(request, call?: CallOptions) {
      record({ kind: 'generate', request });
      throwIfAborted(name, call?.signal);
      const entry = pick(request);
      if (entry?.error) throw failure(entry);
      return answer(request, entry);
    },
    async stream(request, call?: CallOptions) {
      record({ kind: 'stream', request });
      throwIfAborted(name, call?.signal);
      const entry = pick(request);
      if (entry?.error && entry.error.afterChunks === undefined) throw failure(entry);
      const result = answer(request, entry);
      const failAfter = entry?.error ? { after: entry.error.afterChunks ?? 0, error: failure(entry) } : undefined;
      return streamParts(name, result, entry?.chunkSize, failAfter, call?.signal);
    },
  };

  const embeddings: EmbeddingModel = {
    provider: name,
    providerType: 'mock',
    async embed(request: EmbeddingRequest, call?: CallOptions) {
      record({ kind: 'embed', request });
      throwIfAborted(name, call?.signal);
      const dimensions = request.dimensions ?? 8;
      return {
        model: request.model,
        embeddings: request.input.map((input) => hashVector(input, dimensions)),
        usage: { inputTokens: request.input.reduce((sum, input) => sum + countWords(input), 0) },
      };
    },
  };

  const models = [...new Set(script.flatMap((entry) => (entry.match?.model ? [entry.match.model] : [])))];
  return {
    name,
    type: 'mock',
    calls,
    chat: () => chat,
    embeddings: () => embeddings,
    listModels: async () => (models.length > 0 ? models : ['mock-model']),
  };
}

async function* streamParts(
  provider: string,
  result: ChatResult,
  chunkSize: number | undefined,
  failAfter: { after: number; error: OperonError } | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<ChatStreamPart> {
  const choice = result.choices[0]!;
  yield { type: 'start', id: result.id, model: result.model, created: result.created };
  let sent = 0;
  for (const text of splitText(choice.message.content ?? '', chunkSize)) {
    if (failAfter && sent >= failAfter.after) throw failAfter.error;
    throwIfAborted(provider, signal);
    yield { type: 'text-delta', index: 0, text };
    sent += 1;
  }
  if (failAfter) throw failAfter.error;
  if (choice.message.refusal) yield { type: 'refusal-delta', index: 0, text: choice.message.refusal };
  for (const [toolIndex, call] of (choice.message.toolCalls ?? []).entries()) {
    yield { type: 'tool-call-start', index: 0, toolIndex, id: call.id, name: call.name };
    for (const piece of chunkSize ? splitText(call.arguments, chunkSize) : [call.arguments]) {
      if (piece !== '') yield { type: 'tool-call-delta', index: 0, toolIndex, argumentsDelta: piece };
    }
  }
  yield { type: 'finish', index: 0, finishReason: choice.finishReason };
  if (result.usage) yield { type: 'usage', usage: result.usage };
}

/** Fixed-size pieces, or one word (with the spaces before it) per piece. */
export function splitText(text: string, chunkSize?: number): string[] {
  if (text === '') return [];
  if (chunkSize) {
    const pieces: string[] = [];
    for (let start = 0; start < text.length; start += chunkSize) pieces.push(text.slice(start, start + chunkSize));
    return pieces;
  }
  const pieces: string[] = text.match(/\s*\S+/g) ?? [];
  const rest = text.slice(pieces.join('').length);
  if (rest !== '') {
    if (pieces.length > 0) pieces[pieces.length - 1] += rest;
    else pieces.push(rest);
  }
  return pieces;
}

function lastUserText(messages: ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message.role === 'user') return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ');
  }
  return '';
}

function requestText(messages: ChatMessage[]): string {
  return messages
    .map((message) => {
      if (message.role === 'user') return message.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
      return message.content ?? '';
    })
    .join(' ');
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

/** A unit vector from SHA-256 of the input: equal inputs, equal vectors. */
function hashVector(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block += 1) {
    const digest = createHash('sha256').update(`${block}\u0000${input}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4) {
      values.push(digest.readUInt32BE(offset) / 0xffffffff - 0.5);
    }
  }
  const length = Math.hypot(...values) || 1;
  return values.map((value) => value / length);
}

function throwIfAborted(provider: string, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
  throw new OperonError({
    code: timedOut ? 'provider_timeout' : 'request_aborted',
    kind: 'timeout',
    blame: 'provider',
    isRetryable: true,
    cause: signal.reason,
    message: `Provider '${provider}': the call was ${timedOut ? 'timed out' : 'aborted'} before it finished.`,
  });
}
