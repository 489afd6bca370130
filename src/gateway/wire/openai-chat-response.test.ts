import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OperonError } from '../../core/errors.ts';
import type { ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';
import { createOpenAIChunkEncoder, toOpenAIChatCompletion } from './openai-chat-response.ts';
import { encodeOpenAIErrorEvent } from './openai-error.ts';

/** Splits SSE text into the JSON of its data lines ('[DONE]' kept as a string). */
function dataEvents(sse: string): unknown[] {
  assert.ok(sse.endsWith('\n\n'), 'every event ends with a blank line');
  return sse
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      assert.ok(event.startsWith('data: '), `an OpenAI event is one data line: ${event}`);
      const data = event.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

function encodeAll(parts: ChatStreamPart[], includeUsage: boolean, requestedModel = 'alias'): string {
  const encoder = createOpenAIChunkEncoder({ includeUsage, requestedModel });
  let out = '';
  for (const part of parts) out += encoder.encode(part);
  return out + encoder.end();
}

function sdkClient(sse: string): OpenAI {
  return new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://gateway.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
  });
}

const start: ChatStreamPart = { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', created: 1700000000 };
const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini-2024-07-18' };

test('a result becomes a chat.completion with every field', () => {
  const result: ChatResult = {
    id: 'chatcmpl-9',
    model: 'gpt-4o-2024-08-06',
    created: 1700000001,
    systemFingerprint: 'fp_1',
    choices: [
      {
        index: 0,
        message: { content: null, toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
        finishReason: 'tool_calls',
        logprobs: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], topLogprobs: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105] }] }],
      },
      { index: 1, message: { content: null, refusal: 'No.' }, finishReason: 'content_filter' },
    ],
    usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 64, reasoningTokens: 5 },
  };
  assert.deepEqual(toOpenAIChatCompletion(result, 'smart'), {
    id: 'chatcmpl-9',
    object: 'chat.completion',
    created: 1700000001,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        logprobs: { content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105] }] }], refusal: null },
        finish_reason: 'tool_calls',
      },
      { index: 1, message: { role: 'assistant', content: null, refusal: 'No.' }, logprobs: null, finish_reason: 'content_filter' },
    ],
    usage: {
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 5 },
    },
    system_fingerprint: 'fp_1',
  });
});

test('the requested model is reported only when the result names none; unknown usage is left out', () => {
  const completion = toOpenAIChatCompletion({ id: 'x', model: '', created: 1, choices: [{ index: 0, message: { content: 'ok' }, finishReason: 'stop' }] }, 'smart');
  assert.equal(completion.model, 'smart');
  assert.equal('usage' in completion, false);
  assert.equal(completion.system_fingerprint, null);
  assert.deepEqual(completion.choices[0]?.message, { role: 'assistant', content: 'ok', refusal: null });
});

test('a text stream starts with the role chunk and ends with finish and [DONE]', () => {
  const sse = encodeAll([start, { type: 'text-delta', index: 0, text: 'Hel' }, { type: 'text-delta', index: 0, text: 'lo "you"' }, { type: 'finish', index: 0, finishReason: 'stop' }], false);
  assert.deepEqual(dataEvents(sse), [
    { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: { content: 'lo "you"' }, logprobs: null, finish_reason: null }] },
    { ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
    '[DONE]',
  ]);
});

test('with include_usage every chunk has usage null and a last chunk has no choices and the usage', () => {
  const sse = encodeAll(
    [start, { type: 'text-delta', index: 0, text: 'Hi' }, { type: 'finish', index: 0, finishReason: 'stop' }, { type: 'usage', usage: { inputTokens: 9, outputTokens: 2, cachedInputTokens: 4 } }],
    true,
  );
  const events = dataEvents(sse);
  assert.equal(events.length, 5);
  for (const event of events.slice(0, 3)) assert.equal((event as { usage: unknown }).usage, null);
  assert.deepEqual(events[3], {
    ...head,
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 0 } },
  });
  assert.equal(events[4], '[DONE]');
});

test('without include_usage the usage part is dropped and chunks carry no usage key', () => {
  const events = dataEvents(encodeAll([start, { type: 'finish', index: 0, finishReason: 'length' }, { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } }], false));
  assert.equal(events.length, 3);
  for (const event of events.slice(0, 2)) assert.equal('usage' in (event as object), false);
  assert.equal((events[1] as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason, 'length');
});

test('tool calls stream as a start with id and name, then argument deltas', () => {
  const events = dataEvents(
    encodeAll(
      [
        start,
        { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_a', name: 'weather' },
        { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '"Oslo"}' },
        { type: 'tool-call-start', index: 0, toolIndex: 1, id: 'call_b', name: 'time' },
        { type: 'finish', index: 0, finishReason: 'tool_calls' },
      ],
      false,
    ),
  );
  const deltas = events.slice(1, -2).map((event) => (event as { choices: Array<{ delta: unknown }> }).choices[0]?.delta);
  assert.deepEqual(deltas, [
    { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
    { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } }] },
  ]);
});

test('two choices each get their own role chunk, deltas and finish', () => {
  const events = dataEvents(
    encodeAll(
      [
        start,
        { type: 'text-delta', index: 0, text: 'A' },
        { type: 'text-delta', index: 1, text: 'B' },
        { type: 'finish', index: 0, finishReason: 'stop' },
        { type: 'finish', index: 1, finishReason: 'length' },
      ],
      false,
    ),
  ).slice(0, -1) as Array<{ choices: Array<{ index: number; delta: unknown; finish_reason: string | null }> }>;
  assert.deepEqual(
    events.map((event) => event.choices[0]),
    [
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'A' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { content: 'B' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      { index: 1, delta: {}, logprobs: null, finish_reason: 'length' },
    ],
  );
});

test('refusals and logprobs stream in their own fields', () => {
  const events = dataEvents(
    encodeAll(
      [
        start,
        { type: 'refusal-delta', index: 0, text: 'No.' },
        { type: 'logprobs', index: 0, logprobs: [{ token: 'No', logprob: -0.5, bytes: null, topLogprobs: [] }] },
      ],
      false,
    ),
  ) as Array<{ choices: Array<{ delta: unknown; logprobs: unknown }> }>;
  assert.deepEqual(events[1]?.choices[0]?.delta, { refusal: 'No.' });
  assert.deepEqual(events[2]?.choices[0], {
    index: 0,
    delta: {},
    logprobs: { content: [{ token: 'No', logprob: -0.5, bytes: null, top_logprobs: [] }], refusal: null },
    finish_reason: null,
  });
});

test('a system fingerprint is repeated on every chunk; a stream without start falls back to the requested model', () => {
  const fingerprinted = dataEvents(encodeAll([{ ...start, systemFingerprint: 'fp_9' }, { type: 'finish', index: 0, finishReason: 'stop' }], false));
  for (const event of fingerprinted.slice(0, -1)) assert.equal((event as { system_fingerprint: string }).system_fingerprint, 'fp_9');
  const headless = dataEvents(encodeAll([{ type: 'text-delta', index: 0, text: 'x' }], false, 'smart'));
  assert.equal((headless[0] as { model: string }).model, 'smart');
  assert.deepEqual(dataEvents(createOpenAIChunkEncoder({ includeUsage: true, requestedModel: 'm' }).end()), ['[DONE]']);
});

test('the OpenAI SDK accumulates the stream into the same completion', async () => {
  const sse = encodeAll(
    [
      start,
      { type: 'text-delta', index: 0, text: 'Let me check. ' },
      { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_a', name: 'weather' },
      { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"city":"Os' },
      { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: 'lo"}' },
      { type: 'finish', index: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 12 } },
    ],
    true,
  );
  const stream = sdkClient(sse).chat.completions.stream({ model: 'alias', messages: [{ role: 'user', content: 'Weather in Oslo?' }], stream_options: { include_usage: true } });
  const completion = await stream.finalChatCompletion();
  assert.equal(completion.id, 'chatcmpl-1');
  assert.equal(completion.model, 'gpt-4o-mini-2024-07-18');
  assert.equal(completion.choices[0]?.message.content, 'Let me check. ');
  assert.deepEqual(completion.choices[0]?.message.tool_calls?.map((call) => ({ id: call.id, function: call.type === 'function' ? call.function : undefined })), [
    { id: 'call_a', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
  ]);
  assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(completion.usage?.total_tokens, 42);
});

test('an error after the headers reaches OpenAI SDK users as an APIError', async () => {
  const error = new OperonError({ code: 'upstream_error', kind: 'upstream', blame: 'provider', message: 'The provider closed the stream.' });
  const encoder = createOpenAIChunkEncoder({ includeUsage: false, requestedModel: 'm' });
  const sse = encoder.encode(start) + encoder.encode({ type: 'text-delta', index: 0, text: 'Hi' }) + encodeOpenAIErrorEvent(error);
  assert.deepEqual(dataEvents(encodeOpenAIErrorEvent(error)), [
    { error: { message: 'The provider closed the stream.', type: 'api_error', param: null, code: 'upstream_error' } },
  ]);
  const stream = await sdkClient(sse).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
  await assert.rejects(
    (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })(),
    (thrown: unknown) => thrown instanceof OpenAI.APIError && thrown.message.includes('The provider closed the stream.'),
  );
});
