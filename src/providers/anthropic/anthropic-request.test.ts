import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../chat-model.ts';
import { toAnthropicBody } from './anthropic-request.ts';

const SETTINGS = { defaultMaxTokens: 10, version: '2023-06-01' };
const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] });

test('system messages go to the top level; tool results become user turns; same-role turns merge', () => {
  const body = toAnthropicBody(
    {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking.',
          toolCalls: [
            { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'toolu_2', name: 'get_weather', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: '21°C' },
        { role: 'tool', toolCallId: 'toolu_2', content: '25°C' },
        user('Thanks'),
      ],
    },
    { ...SETTINGS, defaultMaxTokens: 4096 },
    false,
  );
  assert.deepEqual(body, {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    system: 'Be brief.',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '21°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '25°C' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ],
  });
});

test('several system messages become text blocks', () => {
  const body = toAnthropicBody({ model: 'm', messages: [{ role: 'system', content: 'A' }, user('hi'), { role: 'system', content: 'B' }] }, SETTINGS, false);
  assert.deepEqual(body.system, [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }]);
});

test('images: data URLs as base64 sources, other URLs as url sources', () => {
  const body = toAnthropicBody(
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', url: 'data:image/PNG;base64,iVBORw0KGgo=' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
          ],
        },
      ],
    },
    SETTINGS,
    false,
  );
  assert.deepEqual((body.messages as Array<{ content: unknown }>)[0]!.content, [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
  ]);
});

test('an unsupported data URL is the caller’s error', () => {
  assert.throws(
    () => toAnthropicBody({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/tiff;base64,AAAA' }] }] }, SETTINGS, false),
    { kind: 'invalid_request', param: 'messages[0].content' },
  );
});

test('tool call arguments that are not a JSON object are the caller’s error', () => {
  for (const args of ['{"city":', '[1,2]']) {
    assert.throws(
      () => toAnthropicBody({ model: 'm', messages: [user('x'), { role: 'assistant', content: null, toolCalls: [{ id: 't', name: 'f', arguments: args }] }] }, SETTINGS, false),
      { kind: 'invalid_request', blame: 'user', message: /messages\[1\]: the arguments of tool call 'f'/ },
    );
  }
});

test('n > 1 is refused with a way out', () => {
  assert.throws(() => toAnthropicBody({ model: 'm', messages: [], n: 2 }, SETTINGS, false), {
    kind: 'invalid_request',
    param: 'n',
    message: 'Anthropic models return one choice; remove n or set n=1.',
  });
  assert.doesNotThrow(() => toAnthropicBody({ model: 'm', messages: [], n: 1 }, SETTINGS, false));
});

test('tools, tool choice and parallel tool use', () => {
  const tools = [{ name: 'f', description: 'does f', parameters: { type: 'object', properties: {} }, strict: true }];
  const base: ChatRequest = { model: 'm', messages: [], tools };
  assert.deepEqual(toAnthropicBody(base, SETTINGS, false).tools, [{ name: 'f', description: 'does f', input_schema: { type: 'object', properties: {} }, strict: true }]);
  assert.equal(toAnthropicBody(base, SETTINGS, false).tool_choice, undefined);
  assert.deepEqual(toAnthropicBody({ ...base, toolChoice: 'auto' }, SETTINGS, false).tool_choice, { type: 'auto' });
  assert.deepEqual(toAnthropicBody({ ...base, toolChoice: 'none' }, SETTINGS, false).tool_choice, { type: 'none' });
  assert.deepEqual(toAnthropicBody({ ...base, toolChoice: 'required' }, SETTINGS, false).tool_choice, { type: 'any' });
  assert.deepEqual(toAnthropicBody({ ...base, toolChoice: { name: 'f' }, parallelToolCalls: false }, SETTINGS, false).tool_choice, {
    type: 'tool',
    name: 'f',
    disable_parallel_tool_use: true,
  });
  assert.deepEqual(toAnthropicBody({ ...base, parallelToolCalls: false }, SETTINGS, false).tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  assert.equal(toAnthropicBody({ model: 'm', messages: [], toolChoice: 'required' }, SETTINGS, false).tool_choice, undefined);
});

test('sampling options map; options Anthropic lacks are left out; json_schema uses output_config.format', () => {
  const body = toAnthropicBody(
    {
      model: 'm',
      messages: [],
      maxTokens: 50,
      temperature: 0.5,
      topP: 0.8,
      stop: ['END'],
      user: 'u-1',
      seed: 1,
      presencePenalty: 1,
      frequencyPenalty: 1,
      logprobs: true,
      topLogprobs: 2,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', additionalProperties: false } },
      providerOptions: { anthropic: { top_k: 5, thinking: { type: 'enabled', budget_tokens: 1024 } }, openai: { seed: 3 } },
    },
    { ...SETTINGS, defaultMaxTokens: 4096 },
    true,
  );
  assert.deepEqual(body, {
    model: 'm',
    max_tokens: 50,
    messages: [],
    stop_sequences: ['END'],
    temperature: 0.5,
    top_p: 0.8,
    metadata: { user_id: 'u-1' },
    output_config: { format: { type: 'json_schema', schema: { type: 'object', additionalProperties: false } } },
    stream: true,
    top_k: 5,
    thinking: { type: 'enabled', budget_tokens: 1024 },
  });
  assert.equal(toAnthropicBody({ model: 'm', messages: [], responseFormat: { type: 'json_object' } }, SETTINGS, false).output_config, undefined);
});

test('from API version 2026-10-21 on, temperature and top_p are not sent (the API rejects them)', () => {
  const request: ChatRequest = { model: 'm', messages: [], temperature: 0.2, topP: 0.5 };
  const body = toAnthropicBody(request, { defaultMaxTokens: 10, version: '2026-10-21' }, false);
  assert.equal('temperature' in body, false);
  assert.equal('top_p' in body, false);
  assert.equal(toAnthropicBody(request, { defaultMaxTokens: 10, version: '2023-06-01' }, false).temperature, 0.2);
});
