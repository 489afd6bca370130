import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';
import { ANTHROPIC_PING_EVENT, createAnthropicEventEncoder, toAnthropicMessage, type AnthropicEventEncoderOptions } from './anthropic-messages-response.ts';

/** Splits SSE text into `{ type, ...data }` objects, checking each event name matches its data's type. */
function events(sse: string): Array<Record<string, unknown>> {
  if (sse === '') return [];
  assert.ok(sse.endsWith('\n\n'), 'every event ends with a blank line');
  return sse
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      const match = /^event: (\w+)\ndata: (.*)$/s.exec(event);
      assert.ok(match, `an Anthropic event is an event line and a data line: ${event}`);
      const data = JSON.parse(match[2]!) as Record<string, unknown>;
      assert.equal(data.type, match[1]);
      return data;
    });
}

function encodeAll(parts: ChatStreamPart[], options?: AnthropicEventEncoderOptions): string {
  const encoder = createAnthropicEventEncoder(options);
  let out = '';
  for (const part of parts) out += encoder.encode(part);
  return out + encoder.end();
}

function anthropicClient(sse: string): Anthropic {
  return new Anthropic({
    apiKey: 'test',
    baseURL: 'http://gateway.test',
    maxRetries: 0,
    fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
  });
}

const start: ChatStreamPart = { type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5', created: 1700000000 };

test('a result becomes an Anthropic message with text and tool_use blocks', () => {
  const result: ChatResult = {
    id: 'msg_9',
    model: 'claude-sonnet-4-5',
    created: 1,
    choices: [
      {
        index: 0,
        message: {
          content: 'Checking.',
          toolCalls: [
            { id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' },
            { id: 'toolu_2', name: 'time', arguments: '' },
            { id: 'toolu_3', name: 'broken', arguments: '{"city":' },
            { id: 'toolu_4', name: 'listy', arguments: '[1,2]' },
          ],
        },
        finishReason: 'tool_calls',
      },
      { index: 1, message: { content: 'ignored' }, finishReason: 'stop' },
    ],
    usage: { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 600, cacheWriteInputTokens: 300 },
  };
  assert.deepEqual(toAnthropicMessage(result), {
    id: 'msg_9',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'toolu_2', name: 'time', input: {} },
      { type: 'tool_use', id: 'toolu_3', name: 'broken', input: {} },
      { type: 'tool_use', id: 'toolu_4', name: 'listy', input: {} },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 600, cache_creation_input_tokens: 300 },
  });
});

test('finish reasons map to stop reasons; a refusal shows as text; unknown usage is zero', () => {
  const message = (finishReason: 'stop' | 'length' | 'content_filter' | 'error', content: string | null, refusal?: string) =>
    toAnthropicMessage({ id: 'm', model: 'x', created: 1, choices: [{ index: 0, message: { content, refusal }, finishReason }] });
  assert.equal(message('stop', 'a').stop_reason, 'end_turn');
  assert.equal(message('length', 'a').stop_reason, 'max_tokens');
  assert.equal(message('error', 'a').stop_reason, 'end_turn');
  const refused = message('content_filter', null, 'I cannot help with that.');
  assert.equal(refused.stop_reason, 'refusal');
  assert.deepEqual(refused.content, [{ type: 'text', text: 'I cannot help with that.' }]);
  assert.deepEqual(message('stop', '').content, []);
  assert.deepEqual(message('stop', 'a').usage, { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  assert.equal(toAnthropicMessage({ id: 'm', model: 'x', created: 1, choices: [] }).stop_reason, 'end_turn');
});

test('a text stream is message_start, one text block, message_delta with usage, message_stop', () => {
  const sse = encodeAll([
    start,
    { type: 'text-delta', index: 0, text: '' },
    { type: 'text-delta', index: 0, text: 'Hello' },
    { type: 'text-delta', index: 0, text: ' there' },
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 12, outputTokens: 3 } },
  ]);
  assert.deepEqual(events(sse), [
    {
      type: 'message_start',
      message: {
        id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 },
    },
    { type: 'message_stop' },
  ]);
});

test('finish waits for the usage part; end() after it adds nothing', () => {
  const encoder = createAnthropicEventEncoder();
  encoder.encode(start);
  encoder.encode({ type: 'text-delta', index: 0, text: 'x' });
  assert.deepEqual(events(encoder.encode({ type: 'finish', index: 0, finishReason: 'length' })), [{ type: 'content_block_stop', index: 0 }]);
  const tail = events(encoder.encode({ type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } }));
  assert.deepEqual(tail.map((event) => event.type), ['message_delta', 'message_stop']);
  assert.deepEqual(tail[0]?.delta, { stop_reason: 'max_tokens', stop_sequence: null });
  assert.equal(encoder.end(), '');
  assert.equal(encoder.encode({ type: 'text-delta', index: 0, text: 'late' }), '');
});

test('without a usage part end() closes the message with zero output tokens; known input tokens go in message_start', () => {
  const all = events(encodeAll([start, { type: 'text-delta', index: 0, text: 'x' }], { inputTokens: 42 }));
  assert.deepEqual((all[0]?.message as { usage: unknown }).usage, { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
  assert.deepEqual(all.slice(-3), [
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } },
    { type: 'message_stop' },
  ]);
});

test('tool calls become tool_use blocks with input_json_delta, a tool start closing the text block', () => {
  const all = events(
    encodeAll([
      start,
      { type: 'text-delta', index: 0, text: 'Checking.' },
      { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'toolu_1', name: 'weather' },
      { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '"Oslo"}' },
      { type: 'tool-call-start', index: 0, toolIndex: 1, id: 'toolu_2', name: 'time' },
      { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: 'late, dropped' },
      { type: 'tool-call-delta', index: 0, toolIndex: 1, argumentsDelta: '{}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
    ]),
  );
  assert.deepEqual(all.slice(1, -2), [
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_2', name: 'time', input: {} } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
    { type: 'content_block_stop', index: 2 },
  ]);
  assert.deepEqual((all.at(-2)?.delta as { stop_reason: string }).stop_reason, 'tool_use');
});

test('with two choices only choice 0 is streamed', () => {
  const all = events(
    encodeAll([
      start,
      { type: 'text-delta', index: 1, text: 'B' },
      { type: 'text-delta', index: 0, text: 'A' },
      { type: 'tool-call-start', index: 1, toolIndex: 0, id: 't', name: 'f' },
      { type: 'finish', index: 1, finishReason: 'tool_calls' },
      { type: 'finish', index: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } },
    ]),
  );
  assert.deepEqual(all.filter((event) => event.type === 'content_block_delta').map((event) => event.delta), [{ type: 'text_delta', text: 'A' }]);
  assert.equal((all.at(-2)?.delta as { stop_reason: string }).stop_reason, 'end_turn');
});

test('a stream without start still opens with message_start; the ping event is well-formed', () => {
  const all = events(encodeAll([{ type: 'text-delta', index: 0, text: 'x' }], { requestedModel: 'smart' }));
  assert.equal((all[0]?.message as { model: string }).model, 'smart');
  assert.deepEqual(events(ANTHROPIC_PING_EVENT), [{ type: 'ping' }]);
});

test('the Anthropic SDK accumulates the stream into the same message', async () => {
  const sse = encodeAll([
    start,
    { type: 'text-delta', index: 0, text: 'Let me check. ' },
    { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'toolu_1', name: 'weather' },
    { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":"Os' },
    { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: 'lo"}' },
    { type: 'finish', index: 0, finishReason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100 } },
  ]);
  const message = await anthropicClient(sse).messages.stream({ model: 'alias', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
  assert.equal(message.id, 'msg_1');
  assert.equal(message.model, 'claude-sonnet-4-5');
  assert.deepEqual(message.content.map((block) => (block.type === 'text' ? block.text : block.type === 'tool_use' ? { id: block.id, name: block.name, input: block.input } : block.type)), [
    'Let me check. ',
    { id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
  ]);
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.usage.input_tokens, 20);
  assert.equal(message.usage.cache_read_input_tokens, 100);
  assert.equal(message.usage.output_tokens, 30);
});
