import type { ChatResult, ChatStreamPart, FinishReason, Usage } from '../../providers/chat-model.ts';

/**
 * The internal answer → an Anthropic `message` object and Messages SSE events.
 *
 * Translation choices:
 * - Only choice 0 is reported (the Messages API has no `n`).
 * - `input_tokens` excludes cache reads and writes, as Anthropic counts them (internally they are part
 *   of `inputTokens`), so input_tokens + cache_read_input_tokens + cache_creation_input_tokens is the total.
 * - Tool arguments that are not a JSON object (invalid JSON, or an array) become `input: {}`: Anthropic
 *   clients pass `input` straight to the tool, and inventing a key for the raw text would look like a real
 *   argument. The raw text stays in the trace.
 * - The internal shape does not say which stop sequence matched, so `stop` becomes `end_turn` and
 *   `stop_sequence` is always null. `error` (provider failed mid-answer) also becomes `end_turn`.
 */

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

const stopReasons: Record<FinishReason, AnthropicStopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  error: 'end_turn',
};

export function toAnthropicStopReason(reason: FinishReason): AnthropicStopReason {
  return stopReasons[reason];
}

export function toAnthropicUsage(usage: Usage | undefined): AnthropicUsage {
  if (usage === undefined) return { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}

/** @example return c.json(toAnthropicMessage(await handler.generate(request, context))); */
export function toAnthropicMessage(result: ChatResult): AnthropicMessage {
  const choice = result.choices[0];
  const content: AnthropicContentBlock[] = [];
  if (choice !== undefined) {
    const text = choice.message.content || choice.message.refusal;
    if (text) content.push({ type: 'text', text });
    for (const call of choice.message.toolCalls ?? []) {
      content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseToolInput(call.arguments) });
    }
  }
  return {
    id: result.id,
    type: 'message',
    role: 'assistant',
    model: result.model,
    content,
    stop_reason: choice === undefined ? 'end_turn' : stopReasons[choice.finishReason],
    stop_sequence: null,
    usage: toAnthropicUsage(result.usage),
  };
}

function parseToolInput(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: see the module comment
  }
  return {};
}

/** A keep-alive event, for the server to send while a stream is idle. */
export const ANTHROPIC_PING_EVENT = 'event: ping\ndata: {"type":"ping"}\n\n';

export interface AnthropicEventEncoderOptions {
  /** Reported as `model` only if the stream never names the model that answered (no `start` part). */
  requestedModel?: string;
  /** Input tokens for `message_start`, when counted before the answer; otherwise 0 there and the real count in `message_delta`. */
  inputTokens?: number;
}

/** Turns stream parts into Anthropic Messages SSE events; one encoder per response. */
export interface AnthropicEventEncoder {
  /** Zero or more complete SSE events (`event: <type>\ndata: {...}\n\n`) for one part. */
  encode(part: ChatStreamPart): string;
  /** Closes what is open and ends the message (`message_delta`, `message_stop`) unless that already happened. */
  end(): string;
}

/**
 * Text and tool calls of choice 0 become content blocks with increasing indexes; a new block closes the
 * open one. Deltas of a tool call whose block was already closed are dropped (Anthropic cannot reopen a
 * block; OpenAI-style providers stream parallel tool calls one after the other, so this does not happen
 * in practice). Usage arrives as its own part, possibly after `finish`, so the `message_delta` with the
 * stop reason waits for the usage part or `end()`.
 *
 * @example
 * const encoder = createAnthropicEventEncoder({ requestedModel: context.requestedModel });
 * for await (const part of parts) write(encoder.encode(part));
 * write(encoder.end());
 */
export function createAnthropicEventEncoder(options: AnthropicEventEncoderOptions = {}): AnthropicEventEncoder {
  let started = false;
  let done = false;
  let blockCount = 0;
  /** Index of the open content block, or -1. */
  let openBlock = -1;
  /** Tool index of the open block when it is a tool_use block, -1 for a text block. */
  let openTool = -1;
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;

  const messageStart = (id: string, model: string): string => {
    started = true;
    const usageJson = `{"input_tokens":${options.inputTokens ?? 0},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}`;
    return `event: message_start\ndata: {"type":"message_start","message":{"id":${JSON.stringify(id)},"type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${usageJson}}}\n\n`;
  };
  const ensureStarted = (): string => (started ? '' : messageStart('msg_operon', options.requestedModel ?? ''));
  const closeOpen = (): string => {
    if (openBlock < 0) return '';
    const event = `event: content_block_stop\ndata: {"type":"content_block_stop","index":${openBlock}}\n\n`;
    openBlock = -1;
    openTool = -1;
    return event;
  };
  const openBlockEvent = (contentBlock: string, tool: number): string => {
    openBlock = blockCount++;
    openTool = tool;
    return `event: content_block_start\ndata: {"type":"content_block_start","index":${openBlock},"content_block":${contentBlock}}\n\n`;
  };
  const textDelta = (text: string): string => {
    const open = openBlock >= 0 && openTool < 0 ? '' : closeOpen() + openBlockEvent('{"type":"text","text":""}', -1);
    return `${open}event: content_block_delta\ndata: {"type":"content_block_delta","index":${openBlock},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;
  };
  const finishMessage = (): string => {
    done = true;
    const stopReason = stopReasons[finishReason ?? 'stop'];
    const counts = toAnthropicUsage(usage);
    // message_delta usage is cumulative; input and cache counts are repeated here because they were not known at message_start.
    const usageJson =
      usage === undefined
        ? `{"output_tokens":0}`
        : `{"input_tokens":${counts.input_tokens},"cache_creation_input_tokens":${counts.cache_creation_input_tokens},"cache_read_input_tokens":${counts.cache_read_input_tokens},"output_tokens":${counts.output_tokens}}`;
    return (
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":${usageJson}}\n\n` +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    );
  };

  return {
    encode(part) {
      if (done) return '';
      switch (part.type) {
        case 'start':
          return started ? '' : messageStart(part.id, part.model || (options.requestedModel ?? ''));
        case 'text-delta':
        case 'refusal-delta':
          if (part.index !== 0 || part.text === '') return part.index === 0 ? ensureStarted() : '';
          return ensureStarted() + textDelta(part.text);
        case 'tool-call-start':
          if (part.index !== 0) return '';
          return (
            ensureStarted() +
            closeOpen() +
            openBlockEvent(`{"type":"tool_use","id":${JSON.stringify(part.id)},"name":${JSON.stringify(part.name)},"input":{}}`, part.toolIndex)
          );
        case 'tool-call-delta':
          if (part.index !== 0 || part.argumentsDelta === '' || openBlock < 0 || openTool !== part.toolIndex) return '';
          return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${openBlock},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}}\n\n`;
        case 'logprobs':
          return '';
        case 'finish': {
          if (part.index !== 0) return '';
          finishReason = part.finishReason;
          const events = ensureStarted() + closeOpen();
          return usage === undefined ? events : events + finishMessage();
        }
        case 'usage':
          usage = part.usage;
          return finishReason === undefined ? '' : finishMessage();
      }
    },
    end() {
      if (done) return '';
      return ensureStarted() + closeOpen() + finishMessage();
    },
  };
}
