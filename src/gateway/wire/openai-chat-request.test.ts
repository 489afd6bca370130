import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OperonError } from '../../core/errors.ts';
import { openAIChatRequestSchema, parseOpenAIChatRequest } from './openai-chat-request.ts';

const user = (content: unknown) => ({ role: 'user', content });

function rejects(body: unknown): OperonError {
  try {
    parseOpenAIChatRequest(body);
  } catch (error) {
    assert.ok(error instanceof OperonError);
    assert.equal(error.kind, 'invalid_request');
    return error;
  }
  assert.fail('expected an invalid_request error');
}

test('a minimal request becomes a user message with one text part', () => {
  const parsed = parseOpenAIChatRequest({ model: 'gpt-4o-mini', messages: [user('Hi')] });
  assert.deepEqual(parsed, {
    request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
    stream: false,
    includeUsage: false,
  });
});

test('every message role translates, developer becoming system', () => {
  const { request } = parseOpenAIChatRequest({
    model: 'm',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Rule one.' }, { type: 'text', text: 'Rule two.' }] },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'a cat' }] },
      { role: 'assistant', name: 'bot', content: [{ type: 'text', text: 'A ' }, { type: 'text', text: 'cat.' }] },
      { role: 'assistant', refusal: 'I cannot help with that.' },
    ],
  });
  assert.deepEqual(request.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'system', content: 'Rule one.\nRule two.' },
    {
      role: 'user',
      name: 'ann',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image', url: 'https://example.com/cat.png', detail: 'low' },
        { type: 'image', url: 'data:image/png;base64,AAAA' },
      ],
    },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
    { role: 'assistant', name: 'bot', content: 'A cat.' },
    { role: 'assistant', content: 'I cannot help with that.' },
  ]);
});

test('every sampling and tool field maps to the internal request', () => {
  const parsed = parseOpenAIChatRequest({
    model: 'm',
    messages: [user('x')],
    tools: [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
      { type: 'function', function: { name: 'now' } },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', description: 'The answer', schema: { type: 'object' }, strict: true } },
    stop: 'END',
    n: 2,
    seed: 7,
    logprobs: true,
    top_logprobs: 3,
    max_tokens: 50,
    temperature: 0.5,
    top_p: 0.9,
    presence_penalty: 0.1,
    frequency_penalty: -0.2,
    user: 'user-1',
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.deepEqual(parsed.request, {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    tools: [
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
      { name: 'now', parameters: { type: 'object', properties: {} } },
    ],
    toolChoice: { name: 'get_weather' },
    parallelToolCalls: false,
    responseFormat: { type: 'json_schema', name: 'answer', description: 'The answer', schema: { type: 'object' }, strict: true },
    stop: ['END'],
    n: 2,
    seed: 7,
    logprobs: true,
    topLogprobs: 3,
    maxTokens: 50,
    temperature: 0.5,
    topP: 0.9,
    presencePenalty: 0.1,
    frequencyPenalty: -0.2,
    user: 'user-1',
  });
  assert.equal(parsed.stream, true);
  assert.equal(parsed.includeUsage, true);
});

test('tool_choice strings and the other response formats pass through', () => {
  for (const choice of ['none', 'auto', 'required'] as const) {
    assert.equal(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], tool_choice: choice }).request.toolChoice, choice);
  }
  assert.deepEqual(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], response_format: { type: 'json_object' } }).request.responseFormat, { type: 'json_object' });
  assert.deepEqual(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], response_format: { type: 'text' } }).request.responseFormat, { type: 'text' });
  assert.deepEqual(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], stop: ['a', 'b'] }).request.stop, ['a', 'b']);
});

test('max_completion_tokens wins over the deprecated max_tokens', () => {
  const { request } = parseOpenAIChatRequest({ model: 'm', messages: [user('x')], max_tokens: 10, max_completion_tokens: 20 });
  assert.equal(request.maxTokens, 20);
});

test('null means not set, as OpenAI accepts it', () => {
  const parsed = parseOpenAIChatRequest({
    model: 'm', messages: [user('x')], temperature: null, top_p: null, n: null, stop: null, seed: null, logprobs: null, top_logprobs: null,
    max_tokens: null, tools: null, tool_choice: null, response_format: null, stream: null, stream_options: null, user: null,
  });
  assert.deepEqual(parsed.request, { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] });
});

test('include_usage counts only for streams', () => {
  assert.equal(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], stream_options: { include_usage: true } }).includeUsage, false);
  assert.equal(parseOpenAIChatRequest({ model: 'm', messages: [user('x')], stream: true }).includeUsage, false);
});

test('unknown fields pass through as providerOptions.openai', () => {
  const { request } = parseOpenAIChatRequest({
    model: 'm', messages: [user('x')], logit_bias: { '42': -100 }, reasoning_effort: 'low', metadata: { a: 'b' },
  });
  assert.deepEqual(request.providerOptions, { openai: { logit_bias: { '42': -100 }, reasoning_effort: 'low', metadata: { a: 'b' } } });
});

test('validation errors name the path and the fix', () => {
  const bot = rejects({ model: 'm', messages: [user('a'), user('b'), { role: 'bot', content: 'x' }] });
  assert.equal(bot.message, "messages[2].role must be one of system, developer, user, assistant, tool; got 'bot'.");
  assert.equal(bot.param, 'messages[2].role');

  assert.equal(rejects({ model: 'm', messages: [user([{ type: 'input_audio' }])] }).message, "messages[0].content[0].type must be one of text, image_url; got 'input_audio'.");
  assert.equal(rejects({ model: 'm', messages: [user(5)] }).message, 'messages[0].content must be a string or an array of content parts (text, image_url); got 5.');
  assert.equal(rejects({ model: 'm', messages: [] }).message, 'messages must contain at least 1 item.');
  assert.equal(rejects({ messages: [user('x')] }).message, 'model is required; send a string.');
  assert.equal(rejects({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }).message, 'messages[0].tool_call_id is required; send a string.');
  assert.equal(rejects({ model: 'm', messages: [{ role: 'assistant' }] }).param, 'messages[0].content');
  assert.equal(rejects({ model: 'm', messages: [user('x')], stop: 4 }).message, 'stop must be a string or an array of strings; got 4.');
  assert.equal(rejects({ model: 'm', messages: [user('x')], tool_choice: 'any' }).param, 'tool_choice');
  assert.equal(rejects({ model: 'm', messages: [user('x')], response_format: { type: 'json_schema' } }).message, 'response_format.json_schema is required; send an object.');
});

test('ranges are enforced: n 1-128, top_logprobs 0-20 with logprobs, temperature 0-2', () => {
  const base = { model: 'm', messages: [user('x')] };
  assert.equal(rejects({ ...base, n: 0 }).message, 'n must be between 1 and 128; got 0.');
  assert.equal(rejects({ ...base, n: 129 }).message, 'n must be between 1 and 128; got 129.');
  assert.equal(rejects({ ...base, n: 1.5 }).message, 'n must be an integer; got 1.5.');
  assert.equal(rejects({ ...base, temperature: 2.5 }).message, 'temperature must be between 0 and 2; got 2.5.');
  assert.equal(rejects({ ...base, temperature: -1 }).param, 'temperature');
  assert.equal(rejects({ ...base, logprobs: true, top_logprobs: 21 }).message, 'top_logprobs must be between 0 and 20; got 21.');
  const needsLogprobs = rejects({ ...base, top_logprobs: 2 });
  assert.equal(needsLogprobs.message, 'top_logprobs requires logprobs: true; set logprobs to true or remove top_logprobs.');
  assert.equal(needsLogprobs.param, 'top_logprobs');
  assert.equal(parseOpenAIChatRequest({ ...base, n: 128, temperature: 2, logprobs: true, top_logprobs: 0 }).request.topLogprobs, 0);
});

test('the body the OpenAI SDK sends parses', async () => {
  let sent: unknown;
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://gateway.test/v1',
    fetch: async (_url, init) => {
      sent = JSON.parse(String(init?.body));
      return new Response('{"error":{"message":"stop here","type":"invalid_request_error","param":null,"code":null}}', { status: 400, headers: { 'content-type': 'application/json' } });
    },
  });
  await assert.rejects(
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'high' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  const parsed = parseOpenAIChatRequest(sent);
  assert.equal(parsed.request.messages[0]?.role, 'system');
  assert.deepEqual(parsed.request.messages[1], {
    role: 'user',
    content: [{ type: 'text', text: 'Weather?' }, { type: 'image', url: 'https://example.com/a.png', detail: 'high' }],
  });
  assert.equal(parsed.request.toolChoice, 'required');
  assert.equal(parsed.includeUsage, true);
});

test('the schema exports as JSON Schema for the OpenAPI document', async () => {
  const { z } = await import('zod');
  const schema = z.toJSONSchema(openAIChatRequestSchema, { io: 'input' }) as { properties: Record<string, unknown>; required: string[] };
  assert.ok('messages' in schema.properties && 'stream_options' in schema.properties);
  assert.deepEqual(schema.required.sort(), ['messages', 'model']);
});
