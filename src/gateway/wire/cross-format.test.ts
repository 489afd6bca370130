import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';
import { createAnthropicEventEncoder, toAnthropicMessage } from './anthropic-messages-response.ts';
import { parseAnthropicMessagesRequest } from './anthropic-messages-request.ts';
import { createOpenAIChunkEncoder, toOpenAIChatCompletion } from './openai-chat-response.ts';
import { parseOpenAIChatRequest } from './openai-chat-request.ts';

/**
 * An OpenAI client calling an Anthropic model and the reverse: parts shaped the way each provider
 * streams are encoded in the other format and read back with that format's official SDK. The streamed
 * answer must equal the non-streamed rendering of the same answer.
 */

/** The parts an OpenAI provider yields: an empty first delta, parallel tool calls one after the other, usage last. */
const openAIShapedParts: ChatStreamPart[] = [
  { type: 'start', id: 'chatcmpl-abc', model: 'gpt-4o-2024-08-06', created: 1700000000, systemFingerprint: 'fp_x' },
  { type: 'text-delta', index: 0, text: '' },
  { type: 'text-delta', index: 0, text: 'Checking both ' },
  { type: 'text-delta', index: 0, text: 'cities.' },
  { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_1', name: 'weather' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"ci' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: 'ty":"Oslo"}' },
  { type: 'tool-call-start', index: 0, toolIndex: 1, id: 'call_2', name: 'weather' },
  { type: 'tool-call-delta', index: 0, toolIndex: 1, argumentsDelta: '{"city":"Lima"}' },
  { type: 'finish', index: 0, finishReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 200, outputTokens: 40, cachedInputTokens: 128, reasoningTokens: 0 } },
];

/** The parts an Anthropic provider yields: one block at a time, usage (with cache writes) after finish. */
const anthropicShapedParts: ChatStreamPart[] = [
  { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5-20250929', created: 1700000000 },
  { type: 'text-delta', index: 0, text: 'I will look ' },
  { type: 'text-delta', index: 0, text: 'that up.' },
  { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'toolu_01', name: 'search' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"query": "tides' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: ' in Oslo"}' },
  { type: 'finish', index: 0, finishReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 900, outputTokens: 55, cachedInputTokens: 500, cacheWriteInputTokens: 300 } },
];

/** What a non-streaming call would have returned for the same parts. */
function accumulate(parts: ChatStreamPart[]): ChatResult {
  const result: ChatResult = { id: '', model: '', created: 0, choices: [] };
  for (const part of parts) {
    if (part.type === 'start') Object.assign(result, { id: part.id, model: part.model, created: part.created, systemFingerprint: part.systemFingerprint });
    else if (part.type === 'usage') result.usage = part.usage;
    else {
      const choice = (result.choices[part.index] ??= { index: part.index, message: { content: null }, finishReason: 'stop' });
      if (part.type === 'text-delta') choice.message.content = (choice.message.content ?? '') + part.text;
      else if (part.type === 'tool-call-start') (choice.message.toolCalls ??= [])[part.toolIndex] = { id: part.id, name: part.name, arguments: '' };
      else if (part.type === 'tool-call-delta') choice.message.toolCalls![part.toolIndex]!.arguments += part.argumentsDelta;
      else if (part.type === 'finish') choice.finishReason = part.finishReason;
    }
  }
  return result;
}

function encode(encoder: { encode(part: ChatStreamPart): string; end(): string }, parts: ChatStreamPart[]): string {
  let out = '';
  for (const part of parts) out += encoder.encode(part);
  return out + encoder.end();
}

const sse = (body: string) => async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } });

async function readWithOpenAISDK(parts: ChatStreamPart[]) {
  const body = encode(createOpenAIChunkEncoder({ includeUsage: true, requestedModel: 'alias' }), parts);
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://gateway.test/v1', maxRetries: 0, fetch: sse(body) });
  return client.chat.completions.stream({ model: 'alias', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }).finalChatCompletion();
}

async function readWithAnthropicSDK(parts: ChatStreamPart[]) {
  const body = encode(createAnthropicEventEncoder({ requestedModel: 'alias' }), parts);
  const client = new Anthropic({ apiKey: 'test', baseURL: 'http://gateway.test', maxRetries: 0, fetch: sse(body) });
  return client.messages.stream({ model: 'alias', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
}

for (const [shape, parts] of [['OpenAI', openAIShapedParts], ['Anthropic', anthropicShapedParts]] as const) {
  test(`an Anthropic client reads a stream from an ${shape}-shaped provider as the non-streamed message`, async () => {
    const streamed = await readWithAnthropicSDK(parts);
    const expected = toAnthropicMessage(accumulate(parts));
    assert.equal(streamed.id, expected.id);
    assert.equal(streamed.model, expected.model);
    assert.equal(streamed.stop_reason, expected.stop_reason);
    assert.equal(streamed.stop_sequence, null);
    assert.deepEqual(
      streamed.content.map((block) => (block.type === 'text' ? { type: 'text', text: block.text } : block.type === 'tool_use' ? { type: 'tool_use', id: block.id, name: block.name, input: block.input } : block)),
      expected.content,
    );
    assert.deepEqual(
      { input_tokens: streamed.usage.input_tokens, output_tokens: streamed.usage.output_tokens, cache_read_input_tokens: streamed.usage.cache_read_input_tokens, cache_creation_input_tokens: streamed.usage.cache_creation_input_tokens },
      expected.usage,
    );
  });

  test(`an OpenAI client reads a stream from an ${shape}-shaped provider as the non-streamed completion`, async () => {
    const streamed = await readWithOpenAISDK(parts);
    const expected = toOpenAIChatCompletion(accumulate(parts), 'alias');
    assert.equal(streamed.id, expected.id);
    assert.equal(streamed.model, expected.model);
    assert.equal(streamed.created, expected.created);
    const choice = streamed.choices[0]!;
    assert.equal(choice.finish_reason, expected.choices[0]!.finish_reason);
    assert.equal(choice.message.content, expected.choices[0]!.message.content);
    assert.deepEqual(
      choice.message.tool_calls?.map((call) => ({ id: call.id, type: call.type, function: call.type === 'function' ? { name: call.function.name, arguments: call.function.arguments } : undefined })),
      expected.choices[0]!.message.tool_calls,
    );
    assert.deepEqual(streamed.usage, expected.usage);
  });
}

test('the same conversation sent as OpenAI and as Anthropic becomes the same internal request', () => {
  const fromOpenAI = parseOpenAIChatRequest({
    model: 'smart',
    max_tokens: 300,
    temperature: 0.3,
    stop: ['END'],
    tools: [{ type: 'function', function: { name: 'weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    tool_choice: 'required',
    parallel_tool_calls: false,
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'Rain, 8°C' },
      { role: 'user', content: 'Thanks!' },
    ],
  }).request;
  const fromAnthropic = parseAnthropicMessagesRequest({
    model: 'smart',
    max_tokens: 300,
    temperature: 0.3,
    stop_sequences: ['END'],
    tools: [{ name: 'weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    system: 'Be terse.',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'Rain, 8°C' }] },
      { role: 'user', content: 'Thanks!' },
    ],
  }).request;
  assert.deepEqual(fromAnthropic, fromOpenAI);
});
