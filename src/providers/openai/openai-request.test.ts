import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../chat-model.ts';
import { toOpenAIChatBody, toOpenAIEmbeddingBody } from './openai-request.ts';

const conversation: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }], name: 'ada' },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'And this?' },
        { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
      ],
    },
  ],
};

test('maps messages: text-only user content as a string, images as image_url parts, tool calls and results', () => {
  const body = toOpenAIChatBody(conversation, 'openai', false);
  assert.deepEqual(body, {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?', name: 'ada' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
        ],
      },
    ],
  });
});

test('maps every sampling option, tools, tool choice and json_schema response format', () => {
  const body = toOpenAIChatBody(
    {
      model: 'gpt-4o',
      messages: [],
      tools: [{ name: 'f', description: 'does f', parameters: { type: 'object' }, strict: true }],
      toolChoice: { name: 'f' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true, description: 'd' },
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 100,
      stop: ['END'],
      n: 2,
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      logprobs: true,
      topLogprobs: 3,
      user: 'user-1',
    },
    'openai',
    false,
  );
  assert.deepEqual(body, {
    model: 'gpt-4o',
    messages: [],
    tools: [{ type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object' }, strict: true } }],
    parallel_tool_calls: false,
    tool_choice: { type: 'function', function: { name: 'f' } },
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, description: 'd', strict: true } },
    max_completion_tokens: 100,
    temperature: 0.2,
    top_p: 0.9,
    stop: ['END'],
    n: 2,
    seed: 7,
    presence_penalty: 0.1,
    frequency_penalty: 0.3,
    logprobs: true,
    top_logprobs: 3,
    user: 'user-1',
  });
});

test('OpenAI-compatible servers and Azure get max_tokens; OpenAI gets max_completion_tokens', () => {
  const request: ChatRequest = { model: 'm', messages: [], maxTokens: 5 };
  assert.equal(toOpenAIChatBody(request, 'openai', false).max_completion_tokens, 5);
  assert.equal(toOpenAIChatBody(request, 'openai-compatible', false).max_tokens, 5);
  assert.equal(toOpenAIChatBody(request, 'azure-openai', false).max_tokens, 5);
  assert.equal(toOpenAIChatBody(request, 'openai-compatible', false).max_completion_tokens, undefined);
});

test('string tool choices and json_object pass as they are; parallel_tool_calls needs tools', () => {
  const body = toOpenAIChatBody({ model: 'm', messages: [], toolChoice: 'required', parallelToolCalls: true, responseFormat: { type: 'json_object' } }, 'openai', false);
  assert.equal(body.tool_choice, 'required');
  assert.deepEqual(body.response_format, { type: 'json_object' });
  assert.equal('parallel_tool_calls' in body, false);
});

test('streams ask for a usage chunk', () => {
  const body = toOpenAIChatBody({ model: 'm', messages: [] }, 'openai', true);
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
});

test('providerOptions.openai and providerOptions[type] are merged in as they are, the type winning', () => {
  const request: ChatRequest = {
    model: 'm',
    messages: [],
    temperature: 1,
    providerOptions: { openai: { reasoning_effort: 'low', temperature: 0 }, 'openai-compatible': { top_k: 40, reasoning_effort: 'high' }, anthropic: { top_k: 1 } },
  };
  const compatible = toOpenAIChatBody(request, 'openai-compatible', false);
  assert.equal(compatible.temperature, 0);
  assert.equal(compatible.top_k, 40);
  assert.equal(compatible.reasoning_effort, 'high');
  const openai = toOpenAIChatBody(request, 'openai', false);
  assert.equal(openai.reasoning_effort, 'low');
  assert.equal(openai.top_k, undefined);
});

test('embedding requests ask for floats and pass dimensions, user and provider options', () => {
  assert.deepEqual(
    toOpenAIEmbeddingBody({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 4, user: 'u', providerOptions: { openai: { x: 1 } } }, 'openai'),
    { model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float', dimensions: 4, user: 'u', x: 1 },
  );
});
