import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { OperonError } from '../../core/errors.ts';
import { parseAnthropicMessagesRequest } from './anthropic-messages-request.ts';

const base = { model: 'claude-sonnet-4-5', max_tokens: 1024 };

function rejects(body: unknown): OperonError {
  try {
    parseAnthropicMessagesRequest(body);
  } catch (error) {
    assert.ok(error instanceof OperonError);
    assert.equal(error.kind, 'invalid_request');
    return error;
  }
  assert.fail('expected an invalid_request error');
}

test('a minimal request keeps model and max_tokens', () => {
  assert.deepEqual(parseAnthropicMessagesRequest({ ...base, messages: [{ role: 'user', content: 'Hi' }] }), {
    request: { model: 'claude-sonnet-4-5', maxTokens: 1024, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
    stream: false,
  });
});

test('system, images, tool use and tool results translate to internal messages', () => {
  const { request } = parseAnthropicMessagesRequest({
    ...base,
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Answer in English.' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/b.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Let me look ' },
          { type: 'text', text: 'them up.' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'cat' } },
          { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a cat' }, { type: 'text', text: 'grey' }] },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'not found', is_error: true },
          { type: 'text', text: 'Go on.' },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3' }] },
      { role: 'assistant', content: 'Done.' },
    ],
  });
  assert.deepEqual(request.messages, [
    { role: 'system', content: 'You are terse.\nAnswer in English.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', url: 'data:image/png;base64,iVBORw0' },
        { type: 'image', url: 'https://example.com/b.jpg' },
      ],
    },
    {
      role: 'assistant',
      content: 'Let me look them up.',
      toolCalls: [
        { id: 'toolu_1', name: 'lookup', arguments: '{"q":"cat"}' },
        { id: 'toolu_2', name: 'lookup', arguments: '{}' },
      ],
    },
    { role: 'tool', toolCallId: 'toolu_1', content: 'a cat\ngrey' },
    { role: 'tool', toolCallId: 'toolu_2', content: 'Error: not found' },
    { role: 'user', content: [{ type: 'text', text: 'Go on.' }] },
    { role: 'tool', toolCallId: 'toolu_3', content: '' },
    { role: 'assistant', content: 'Done.' },
  ]);
});

test('an assistant turn with only tool use has null content; a string system prompt is kept', () => {
  const { request } = parseAnthropicMessagesRequest({
    ...base,
    system: 'Be kind.',
    messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { a: [1] } }] }],
  });
  assert.deepEqual(request.messages[0], { role: 'system', content: 'Be kind.' });
  assert.deepEqual(request.messages[2], { role: 'assistant', content: null, toolCalls: [{ id: 't', name: 'f', arguments: '{"a":[1]}' }] });
});

test('tools, tool_choice, sampling, metadata and stream map; top_k and unknown fields go to providerOptions.anthropic', () => {
  const parsed = parseAnthropicMessagesRequest({
    ...base,
    messages: [{ role: 'user', content: 'x' }],
    tools: [
      { name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { type: 'custom', name: 'time', input_schema: { type: 'object' }, strict: true },
    ],
    tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
    stop_sequences: ['\n\nHuman:'],
    temperature: 0.2,
    top_p: 0.8,
    top_k: 40,
    metadata: { user_id: 'u-1' },
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 2000 },
    service_tier: 'auto',
  });
  assert.deepEqual(parsed.request, {
    model: 'claude-sonnet-4-5',
    maxTokens: 1024,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    tools: [
      { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'time', parameters: { type: 'object' }, strict: true },
    ],
    toolChoice: { name: 'weather' },
    parallelToolCalls: false,
    stop: ['\n\nHuman:'],
    temperature: 0.2,
    topP: 0.8,
    user: 'u-1',
    providerOptions: { anthropic: { top_k: 40, thinking: { type: 'enabled', budget_tokens: 2000 }, service_tier: 'auto' } },
  });
  assert.equal(parsed.stream, true);
});

test('each tool_choice type maps', () => {
  const choice = (tool_choice: unknown) => parseAnthropicMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }], tool_choice }).request;
  assert.equal(choice({ type: 'auto' }).toolChoice, 'auto');
  assert.equal(choice({ type: 'any', disable_parallel_tool_use: false }).toolChoice, 'required');
  assert.equal(choice({ type: 'any', disable_parallel_tool_use: false }).parallelToolCalls, true);
  assert.equal(choice({ type: 'none' }).toolChoice, 'none');
  assert.equal(choice({ type: 'auto' }).parallelToolCalls, undefined);
});

test('a missing max_tokens gets a clear message', () => {
  const error = rejects({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(error.message, 'max_tokens is required by the Anthropic Messages API; set it to the most tokens the answer may use, e.g. 1024.');
  assert.equal(error.param, 'max_tokens');
});

test('validation errors name the path and the fix', () => {
  const user = (content: unknown) => ({ ...base, messages: [{ role: 'user', content }] });
  assert.equal(rejects({ ...base, messages: [{ role: 'system', content: 'x' }] }).message, "messages[0].role must be one of user, assistant; got 'system'.");
  assert.equal(rejects(user([{ type: 'document' }])).param, 'messages[0].content[0].type');
  assert.equal(
    rejects(user([{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } }])).message,
    "messages[0].content[0].source.media_type must be one of image/jpeg, image/png, image/gif, image/webp; got 'image/bmp'.",
  );
  assert.equal(
    rejects({ ...user('x'), tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).message,
    "tools[0].type must be 'custom' or left out: Anthropic server tools are not supported by the gateway; got 'web_search_20250305'.",
  );
  assert.equal(rejects({ ...user('x'), temperature: 1.5 }).message, 'temperature must be between 0 and 1; got 1.5.');
  assert.equal(rejects({ ...base, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }).message, 'max_tokens must be at least 1; got 0.');
  assert.equal(rejects(user([{ type: 'tool_use', id: 't', name: 'f', input: {} }])).param, 'messages[0].content[0]');
  assert.equal(rejects({ ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] }] }).param, 'messages[0].content[0]');
  const image = rejects(user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }]));
  assert.equal(image.param, 'messages[0].content[0].content[0]');
  assert.match(image.message, /tool results can carry text only/);
});

test('the body the Anthropic SDK sends parses', async () => {
  let sent: unknown;
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://gateway.test',
    maxRetries: 0,
    fetch: async (_url, init) => {
      sent = JSON.parse(String(init?.body));
      return new Response('{"type":"error","error":{"type":"invalid_request_error","message":"stop here"}}', { status: 400, headers: { 'content-type': 'application/json' } });
    },
  });
  await assert.rejects(
    client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }],
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any' },
      stream: true,
    }),
  );
  const parsed = parseAnthropicMessagesRequest(sent);
  assert.deepEqual(parsed.request.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
  ]);
  assert.equal(parsed.request.toolChoice, 'required');
  assert.equal(parsed.stream, true);
});
