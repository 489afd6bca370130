import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeAnthropicUpstream, startFakeOpenAIUpstream, type FakeUpstream } from './fake-upstreams.ts';

// The official SDKs read what the fakes serve: proof that the recorded fixtures are the real wire format.
let openaiUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
let openai: OpenAI;
let anthropic: Anthropic;
before(async () => {
  openaiUpstream = await startFakeOpenAIUpstream();
  anthropicUpstream = await startFakeAnthropicUpstream();
  openai = new OpenAI({ baseURL: openaiUpstream.url, apiKey: 'sk-test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: anthropicUpstream.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});
after(async () => {
  await openaiUpstream.close();
  await anthropicUpstream.close();
});

test('the OpenAI SDK reads a default completion, with the requested model, and the request is recorded', async () => {
  const completion = await openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(completion.model, 'gpt-test');
  assert.equal(completion.choices[0]!.message.content, 'Hello! How can I assist you today?');
  const request = openaiUpstream.requests.at(-1)!;
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v1/chat/completions');
  assert.equal(request.headers.authorization, 'Bearer sk-test');
  assert.deepEqual(request.body, { model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] });
});

test('the OpenAI SDK streams the default stream with its usage chunk, and the recorded tool-call stream', async () => {
  const stream = await openai.chat.completions.create({ model: 'gpt-test', messages: [], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage: unknown;
  for await (const chunk of stream) {
    assert.equal(chunk.model, 'gpt-test');
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, 'Hello! How can I help you today?');
  assert.equal((usage as { total_tokens: number }).total_tokens, 29);

  openaiUpstream.enqueue({ kind: 'fixture', name: 'stream-tool-call.sse' });
  const tools = openai.chat.completions.stream({ model: 'gpt-test', messages: [] });
  const final = await tools.finalChatCompletion();
  assert.deepEqual(
    final.choices[0]!.message.tool_calls!.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : [])),
    [['get_weather', { location: 'Paris, France' }], ['get_time', { tz: 'CET' }]],
  );
});

test('the OpenAI SDK reads embeddings (one per input), models, and every recorded reply', async () => {
  const embeddings = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b', 'c'] });
  assert.equal(embeddings.data.length, 3);
  assert.equal(embeddings.data[2]!.embedding.length, 4);
  assert.equal((openaiUpstream.requests.at(-1)!.body as Record<string, unknown>).encoding_format, 'base64');
  const floats = await openai.embeddings.create({ model: 'e', input: 'a', encoding_format: 'float' });
  assert.deepEqual(floats.data[0]!.embedding.map((value) => value.toFixed(3)), embeddings.data[0]!.embedding.map((value) => value.toFixed(3)));
  const models = [];
  for await (const model of openai.models.list()) models.push(model.id);
  assert.deepEqual(models, ['gpt-4o-mini', 'text-embedding-3-small']);
  for (const name of ['tool-call.json', 'json-schema.json', 'refusal.json', 'logprobs.json']) {
    openaiUpstream.enqueue({ kind: 'fixture', name });
    const completion = await openai.chat.completions.create({ model: 'm', messages: [] });
    assert.equal(completion.object, 'chat.completion', name);
  }
});

test('the OpenAI SDK sees scripted errors with their status, body and retry-after', async () => {
  openaiUpstream.enqueue({ kind: 'error', status: 429, retryAfter: '20' }, { kind: 'error', status: 401 });
  const limited = await openai.chat.completions.create({ model: 'm', messages: [] }).catch((error: unknown) => error);
  assert.ok(limited instanceof OpenAI.RateLimitError);
  assert.equal(limited.headers.get('retry-after'), '20');
  assert.equal(limited.code, 'rate_limit_exceeded');
  const denied = await openai.chat.completions.create({ model: 'm', messages: [] }).catch((error: unknown) => error);
  assert.ok(denied instanceof OpenAI.AuthenticationError);
  assert.equal(denied.code, 'invalid_api_key');
});

test('the Anthropic SDK reads a default message, a default stream and the recorded tool-use stream', async () => {
  const message = await anthropic.messages.create({ model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(message.model, 'claude-test');
  assert.deepEqual(message.content, [{ type: 'text', text: 'Hi! My name is Claude.' }]);
  const request = anthropicUpstream.requests.at(-1)!;
  assert.equal(request.path, '/v1/messages');
  // SDK 1.x sends the key as a bearer token (API version 2026-10-21); Operon's own provider sends x-api-key.
  assert.equal(request.headers.authorization, 'Bearer sk-ant-test');

  const streamed = await anthropic.messages.stream({ model: 'claude-test', max_tokens: 10, messages: [] }).finalMessage();
  assert.equal(streamed.model, 'claude-test');
  assert.deepEqual(streamed.content.map((block) => (block.type === 'text' ? block.text : block.type)), ['Hello!']);
  assert.equal(streamed.usage.output_tokens, 15);

  anthropicUpstream.enqueue({ kind: 'fixture', name: 'stream-tool-use.sse' });
  const tool = await anthropic.messages.stream({ model: 'm', max_tokens: 10, messages: [] }).finalMessage();
  const use = tool.content.find((block) => block.type === 'tool_use');
  assert.deepEqual(use && 'input' in use ? use.input : undefined, { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.equal(tool.stop_reason, 'tool_use');
});

test('the Anthropic SDK sees overloaded errors, before and inside a stream', async () => {
  anthropicUpstream.enqueue({ kind: 'error', status: 529 }, { kind: 'fixture', name: 'stream-error.sse' });
  const overloaded = await anthropic.messages.create({ model: 'm', max_tokens: 1, messages: [] }).catch((error: unknown) => error);
  assert.ok(overloaded instanceof Anthropic.APIError);
  assert.equal(overloaded.status, 529);
  await assert.rejects(anthropic.messages.stream({ model: 'm', max_tokens: 1, messages: [] }).finalMessage(), /Overloaded/);
});

test('scripted behaviours: close, stream-error, garbled, and a reply held until the test releases it', async () => {
  openaiUpstream.enqueue({ kind: 'close' }, { kind: 'garbled' });
  await assert.rejects(openai.chat.completions.create({ model: 'm', messages: [] }), OpenAI.APIConnectionError);
  await assert.rejects(openai.chat.completions.create({ model: 'm', messages: [] }));
  openaiUpstream.enqueue({ kind: 'stream-error' });
  await assert.rejects(async () => {
    for await (const chunk of await openai.chat.completions.create({ model: 'm', messages: [], stream: true })) void chunk;
  });
  let release!: () => void;
  openaiUpstream.enqueue({ kind: 'json', body: { object: 'list', data: [] }, waitFor: new Promise<void>((resolve) => (release = resolve)) });
  let answered = false;
  const pending = fetch(`${openaiUpstream.url}/models`).then(async (response) => {
    answered = true;
    return response.json();
  });
  while (openaiUpstream.requests.at(-1)?.path !== '/v1/models') await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(answered, false);
  release();
  assert.deepEqual(await pending, { object: 'list', data: [] });
});

