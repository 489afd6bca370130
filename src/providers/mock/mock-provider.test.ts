import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { createMockProvider, splitText } from './mock-provider.ts';

const ask = (text: string, model = 'mock-model'): ChatRequest => ({ model, messages: [{ role: 'user', content: [{ type: 'text', text }] }] });

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

test('without a script it echoes the last user message, with word counts as usage and counting ids', async () => {
  const mock = createMockProvider({ name: 'mock' });
  const first = await mock.chat().generate({
    model: 'any-model',
    messages: [
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
    ],
  });
  assert.deepEqual(first, {
    id: 'chatcmpl-mock-1',
    model: 'any-model',
    created: 0,
    choices: [{ index: 0, message: { content: 'Mock reply to: Hello there' }, finishReason: 'stop' }],
    usage: { inputTokens: 4, outputTokens: 5 },
  });
  assert.equal((await mock.chat().generate(ask('x'))).id, 'chatcmpl-mock-2');
  assert.equal(mock.type, 'mock');
  assert.equal(mock.chat().providerType, 'mock');
});

test('two mocks with the same script answer the same calls identically', async () => {
  const script = [{ reply: { text: 'fixed' } }];
  const a = createMockProvider({ name: 'a', script });
  const b = createMockProvider({ name: 'b', script });
  for (const text of ['one', 'two']) assert.deepEqual(await a.chat().generate(ask(text)), await b.chat().generate(ask(text)));
  assert.deepEqual(await collect(await a.chat().stream(ask('s'))), await collect(await b.chat().stream(ask('s'))));
});

test('entries match on model and on the last user message, in order, and `times` limits them', async () => {
  const mock = createMockProvider({
    name: 'mock',
    script: [
      { match: { model: 'small' }, reply: { text: 'small model' } },
      { match: { lastUserMessageIncludes: 'weather' }, reply: { text: 'sunny' }, times: 1 },
      { reply: { text: 'default' } },
    ],
  });
  const content = async (request: ChatRequest) => (await mock.chat().generate(request)).choices[0]!.message.content;
  assert.equal(await content(ask('weather?', 'small')), 'small model');
  assert.equal(await content(ask('the weather?')), 'sunny');
  assert.equal(await content(ask('the weather?')), 'default');
  assert.equal(await content({ model: 'm', messages: [...ask('weather').messages, { role: 'assistant', content: 'x' }, ...ask('later').messages] }), 'default');
  assert.deepEqual(await mock.listModels!(), ['small']);
  assert.deepEqual(await createMockProvider({ name: 'm' }).listModels!(), ['mock-model']);
});

test('scripted tool calls get counting ids and object arguments are written as JSON', async () => {
  const mock = createMockProvider({ name: 'mock', script: [{ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'noop' }] } }] });
  const choice = (await mock.chat().generate(ask('x'))).choices[0]!;
  assert.deepEqual(choice, {
    index: 0,
    message: {
      content: null,
      toolCalls: [
        { id: 'call_mock_1_0', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_mock_1_1', name: 'noop', arguments: '{}' },
      ],
    },
    finishReason: 'tool_calls',
  });
});

test('scripted errors are mapped like a real provider’s, before any stream part', async () => {
  const mock = createMockProvider({
    name: 'mock',
    script: [
      { match: { model: 'limited' }, error: { status: 429, retryAfterSeconds: 2 } },
      { match: { model: 'broken' }, error: { status: 503, message: 'down for maintenance' } },
      { match: { model: 'bad' }, error: { status: 400, message: 'no', code: 'bad_thing' } },
    ],
  });
  await assert.rejects(mock.chat().generate(ask('x', 'limited')), { kind: 'rate_limit', isRetryable: true, retryAfterSeconds: 2 });
  await assert.rejects(mock.chat().stream(ask('x', 'broken')), { kind: 'upstream', isRetryable: true, message: /down for maintenance/ });
  await assert.rejects(mock.chat().generate(ask('x', 'bad')), { kind: 'invalid_request', code: 'bad_thing', upstreamStatus: 400 });
});

test('streams: start, one word per chunk (or chunkSize characters), tool calls, finish, usage', async () => {
  const mock = createMockProvider({
    name: 'mock',
    script: [
      { match: { model: 'chunks' }, reply: { text: 'abcdefg', finishReason: 'length', usage: { inputTokens: 9, outputTokens: 3 } }, chunkSize: 3 },
      { match: { model: 'tools' }, reply: { text: 'Calling.', toolCalls: [{ name: 'f', arguments: '{"a":1}' }] } },
    ],
  });
  assert.deepEqual(await collect(await mock.chat().stream(ask('hi there'))), [
    { type: 'start', id: 'chatcmpl-mock-1', model: 'mock-model', created: 0 },
    { type: 'text-delta', index: 0, text: 'Mock' },
    { type: 'text-delta', index: 0, text: ' reply' },
    { type: 'text-delta', index: 0, text: ' to:' },
    { type: 'text-delta', index: 0, text: ' hi' },
    { type: 'text-delta', index: 0, text: ' there' },
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 2, outputTokens: 5 } },
  ]);
  const chunked = await collect(await mock.chat().stream(ask('x', 'chunks')));
  assert.deepEqual(chunked.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])), ['abc', 'def', 'g']);
  assert.deepEqual(chunked.slice(-2), [{ type: 'finish', index: 0, finishReason: 'length' }, { type: 'usage', usage: { inputTokens: 9, outputTokens: 3 } }]);
  const tools = await collect(await mock.chat().stream(ask('x', 'tools')));
  assert.deepEqual(tools.slice(2, 5), [
    { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_mock_3_0', name: 'f' },
    { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"a":1}' },
    { type: 'finish', index: 0, finishReason: 'tool_calls' },
  ]);
});

test('error.afterChunks fails a stream part-way, after the chunks it names', async () => {
  const mock = createMockProvider({ name: 'mock', script: [{ reply: { text: 'one two three' }, error: { status: 500, afterChunks: 2 } }] });
  const seen: ChatStreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of await mock.chat().stream(ask('x'))) seen.push(part);
    })(),
    { kind: 'upstream', isRetryable: true },
  );
  assert.deepEqual(seen.map((part) => (part.type === 'text-delta' ? part.text : part.type)), ['start', 'one', ' two']);
});

test('an aborted signal fails the call, and a stream between chunks', async () => {
  const mock = createMockProvider({ name: 'mock' });
  await assert.rejects(mock.chat().generate(ask('x'), { signal: AbortSignal.abort() }), { kind: 'timeout', code: 'request_aborted' });
  const controller = new AbortController();
  const parts = await mock.chat().stream(ask('a b c'), { signal: controller.signal });
  await assert.rejects(
    (async () => {
      for await (const part of parts) if (part.type === 'text-delta') controller.abort();
    })(),
    { kind: 'timeout' },
  );
});

test('embeddings are deterministic unit vectors of the asked dimension, 8 by default', async () => {
  const mock = createMockProvider({ name: 'mock' });
  const result = await mock.embeddings!().embed({ model: 'emb', input: ['hello world', 'other', 'hello world'] });
  assert.equal(result.model, 'emb');
  assert.deepEqual(result.usage, { inputTokens: 5 });
  const [a, b, c] = result.embeddings;
  assert.equal(a!.length, 8);
  assert.deepEqual(a, c);
  assert.notDeepEqual(a, b);
  assert.ok(Math.abs(Math.hypot(...a!) - 1) < 1e-9);
  const wide = await mock.embeddings!().embed({ model: 'emb', input: ['x'], dimensions: 100 });
  assert.equal(wide.embeddings[0]!.length, 100);
  assert.deepEqual((await createMockProvider({ name: 'other' }).embeddings!().embed({ model: 'emb', input: ['hello world'] })).embeddings[0], a);
});

test('calls are recorded for assertions', async () => {
  const mock = createMockProvider({ name: 'mock' });
  await mock.chat().generate(ask('one'));
  await mock.embeddings!().embed({ model: 'e', input: ['x'] });
  assert.deepEqual(mock.calls.map((call) => call.kind), ['generate', 'embed']);
});

test('an invalid script is a config error that names each bad field', () => {
  assert.throws(
    () => createMockProvider({ name: 'mock', script: [{ reply: { text: 5 } }, { error: { status: 200 } }, { reply: {}, error: { status: 500 } }, { nope: true }] }),
    (error: Error & { kind: string; code: string }) => {
      assert.equal(error.kind, 'config');
      assert.equal(error.code, 'invalid_mock_script');
      assert.match(error.message, /^The mock provider 'mock' has an invalid script: /);
      assert.match(error.message, /providers\.mock\.script\[0\]\.reply\.text: /);
      assert.match(error.message, /providers\.mock\.script\[1\]\.error\.status: /);
      assert.match(error.message, /providers\.mock\.script\[2\]: give either reply or error/);
      assert.match(error.message, /providers\.mock\.script\[3\]: .*nope/);
      return true;
    },
  );
});

test('splitText keeps every character, spaces included', () => {
  for (const text of ['  lead and trail  ', 'one', '   ', 'a\nb\tc']) {
    assert.equal(splitText(text).join(''), text);
    assert.equal(splitText(text, 2).join(''), text);
  }
  assert.deepEqual(splitText(''), []);
});

test('a long-running mock keeps at least the last 1,000 calls, not all of them', async () => {
  const mock = createMockProvider({ name: 'mock' });
  for (let index = 0; index < 2_500; index++) {
    await mock.chat().generate({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: `call ${index}` }] }] });
  }
  assert.ok(mock.calls.length >= 1_000 && mock.calls.length < 2_000, `kept ${mock.calls.length}`);
  const last = mock.calls[mock.calls.length - 1];
  assert.deepEqual(last?.kind === 'generate' && last.request.messages[0]?.content, [{ type: 'text', text: 'call 2499' }]);
});
