import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPENAI_FIXTURES, startFakeOpenAIUpstream, type FakeUpstream } from '../../testing/fake-upstreams.ts';
import { readFixtureText } from '../../testing/fake-upstream-server.ts';
import type { ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { createHttpTransport } from '../http-transport.ts';
import { createOpenAIProvider } from './openai-provider.ts';
import { openAIStreamParts } from './openai-stream.ts';

let upstream: FakeUpstream;
const transport = createHttpTransport();
before(async () => (upstream = await startFakeOpenAIUpstream()));
after(async () => {
  transport.close?.();
  await upstream.close();
});

const openai = () =>
  createOpenAIProvider({ name: 'openai', config: { type: 'openai', baseUrl: upstream.url, headers: {} }, transport, apiKey: 'sk-test' });
const hello: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function* bytes(text: string, ...splits: number[]): AsyncGenerator<Buffer> {
  const buffer = Buffer.from(text);
  let start = 0;
  for (const split of [...splits, buffer.length]) {
    yield buffer.subarray(start, split);
    start = split;
  }
}

test('a streamed answer: start, text deltas, finish, then usage last; the request asks for usage', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-usage.sse' });
  const parts = await collect(await openai().chat().stream(hello));
  const body = upstream.requests.at(-1)!.body as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.equal(upstream.requests.at(-1)!.headers.accept, 'text/event-stream');
  assert.deepEqual(parts[0], { type: 'start', id: 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0', model: 'gpt-4.1-nano-2025-04-14', created: 1770933892, systemFingerprint: 'fp_de604bd877' });
  const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
  assert.equal(text, 'Hello! How can I help you today?');
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 19, outputTokens: 10, cachedInputTokens: 0, reasoningTokens: 0 } },
  ]);
});

test('streamed tool calls: a start per index with id and name, then argument deltas', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-call.sse' });
  const parts = await collect(await openai().chat().stream(hello));
  const calls = parts.filter((part) => part.type === 'tool-call-start' || part.type === 'tool-call-delta');
  assert.deepEqual(calls[0], { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather' });
  const args = (toolIndex: number) =>
    parts.flatMap((part) => (part.type === 'tool-call-delta' && part.toolIndex === toolIndex ? [part.argumentsDelta] : [])).join('');
  assert.deepEqual(JSON.parse(args(0)), { location: 'Paris, France' });
  assert.deepEqual(JSON.parse(args(1)), { tz: 'CET' });
  assert.ok(parts.some((part) => part.type === 'tool-call-start' && part.toolIndex === 1 && part.name === 'get_time'));
  assert.deepEqual(parts.at(-2), { type: 'finish', index: 0, finishReason: 'tool_calls' });
  assert.deepEqual(parts.at(-1), { type: 'usage', usage: { inputTokens: 82, outputTokens: 36, cachedInputTokens: 64, reasoningTokens: 0 } });
});

test('streamed logprobs and refusals have their own parts', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-logprobs.sse' }, { kind: 'fixture', name: 'stream-refusal.sse' });
  const withLogprobs = await collect(await openai().chat().stream({ ...hello, logprobs: true }));
  const logprobs = withLogprobs.filter((part) => part.type === 'logprobs');
  assert.equal(logprobs.length, 2);
  assert.deepEqual(logprobs[1], { type: 'logprobs', index: 0, logprobs: [{ token: '!', logprob: -0.02380986, bytes: [33], topLogprobs: [{ token: '!', logprob: -0.02380986, bytes: [33] }, { token: ' there', logprob: -3.787621, bytes: [32, 116, 104, 101, 114, 101] }] }] });
  const refused = await collect(await openai().chat().stream(hello));
  assert.equal(refused.flatMap((part) => (part.type === 'refusal-delta' ? [part.text] : [])).join(''), "I'm sorry, I can't assist with that.");
  assert.ok(!refused.some((part) => part.type === 'text-delta'));
});

test('streams read to the end, and error answers, leave their socket for the next call', async () => {
  const transportOfItsOwn = createHttpTransport();
  const provider = createOpenAIProvider({ name: 'openai', config: { type: 'openai', baseUrl: upstream.url, headers: {} }, transport: transportOfItsOwn, apiKey: 'k' });
  const before = upstream.connections;
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-call.sse' }, { kind: 'error', status: 500 }, { kind: 'fixture', name: 'stream-usage.sse' });
  await collect(await provider.chat().stream(hello));
  await assert.rejects(provider.chat().stream(hello));
  await collect(await provider.chat().stream(hello));
  await provider.chat().generate(hello);
  assert.equal(upstream.connections - before, 1);
  transportOfItsOwn.close?.();
});

test('a non-2xx answer rejects stream() itself, before any part', async () => {
  upstream.enqueue({ kind: 'error', status: 429, retryAfter: '3' }, { kind: 'error', status: 401 });
  await assert.rejects(openai().chat().stream(hello), { kind: 'rate_limit', retryAfterSeconds: 3 });
  await assert.rejects(openai().chat().stream(hello), { code: 'provider_auth_failed' });
});

test('a stream dropped before its first event throws from the iterator, as unavailable', async () => {
  upstream.enqueue({ kind: 'stream-error' });
  const parts = await openai().chat().stream(hello);
  await assert.rejects(collect(parts), { kind: 'unavailable', isRetryable: true, message: /^Provider 'openai'/ });
});

test('a stream whose connection drops mid-way is unavailable; one that ends without [DONE] or finish is a bad response', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse', cutAfter: 4 });
  const parts = await openai().chat().stream(hello);
  await assert.rejects(collect(parts), { kind: 'unavailable', isRetryable: true, message: /^Provider 'openai': The connection to .* broke while reading the reply/ });
  const cleanEnd = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n';
  await assert.rejects(collect(openAIStreamParts(bytes(cleanEnd), 'openai')), { code: 'provider_bad_response', message: /ended before the answer was complete/ });
});

test('a chunk of garbled JSON is a bad response naming the provider', async () => {
  upstream.enqueue({ kind: 'sse', body: 'data: {"id":"c","choices":[]}\n\ndata: {"id": "c", "choi\n\ndata: [DONE]\n\n' });
  const parts = await openai().chat().stream(hello);
  await assert.rejects(collect(parts), { code: 'provider_bad_response', message: /^Provider 'openai' sent a reply Operon could not read: a stream chunk is not JSON/ });
});

test('an abort mid-stream ends the iterator with a timeout error and closes the upstream connection', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse', pauseAfter: { events: 3, until: new Promise(() => {}) } });
  const controller = new AbortController();
  const parts = await openai().chat().stream(hello, { signal: controller.signal });
  const request = upstream.requests.at(-1)!;
  const seen: ChatStreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of parts) {
        seen.push(part);
        if (part.type === 'text-delta') controller.abort();
      }
    })(),
    { kind: 'timeout', isRetryable: true },
  );
  assert.equal(seen.at(-1)?.type, 'text-delta');
  assert.deepEqual(await request.closed, { early: true });
});

test('a consumer that stops early frees the connection', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse', pauseAfter: { events: 2, until: new Promise(() => {}) } });
  const parts = await openai().chat().stream(hello);
  const request = upstream.requests.at(-1)!;
  for await (const part of parts) if (part.type === 'start') break;
  assert.deepEqual(await request.closed, { early: true });
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse', pauseAfter: { events: 1, until: new Promise(() => {}) } });
  const untouched = await openai().chat().stream(hello);
  await untouched[Symbol.asyncIterator]().return!();
  assert.deepEqual(await upstream.requests.at(-1)!.closed, { early: true });
});

test('the recorded stream gives the same parts whatever byte it is split at', async () => {
  const text = readFixtureText(OPENAI_FIXTURES, 'stream-tool-call.sse');
  const whole = await collect(openAIStreamParts(bytes(text), 'openai'));
  for (let offset = 1; offset < text.length; offset += 97) {
    assert.deepEqual(await collect(openAIStreamParts(bytes(text, offset), 'openai')), whole, `split at ${offset}`);
  }
});

test('Azure’s empty first chunk is skipped and servers without tool call ids get stable ones', async () => {
  const stream = [
    '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}',
    '{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{\\"a\\":"}}]},"finish_reason":null}]}',
    '{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"1}"}}]},"finish_reason":null}]}',
    '{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}',
  ].map((chunk) => `data: ${chunk}\n\n`).join('');
  assert.deepEqual(await collect(openAIStreamParts(bytes(stream), 'azure')), [
    { type: 'start', id: 'c1', model: 'm', created: 1 },
    { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'call_0_0', name: 'f' },
    { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"a":1}' },
    { type: 'finish', index: 0, finishReason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 2 } },
  ]);
});

test('an error object inside the stream is thrown as a mapped error, with the key redacted', async () => {
  const stream = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"error":{"message":"key sk-secret-key-1 overloaded","type":"server_error"}}\n\n';
  await assert.rejects(collect(openAIStreamParts(bytes(stream), 'openai', 'sk-secret-key-1')), (error: Error & { kind: string; isRetryable: boolean }) => {
    assert.equal(error.kind, 'upstream');
    assert.equal(error.isRetryable, true);
    assert.doesNotMatch(error.message, /sk-secret-key-1/);
    return true;
  });
});

test('several choices each get their own deltas and finish', async () => {
  const stream = [
    '{"id":"c","model":"m","created":1,"choices":[{"index":0,"delta":{"content":"A"}},{"index":1,"delta":{"content":"B"}}]}',
    '{"id":"c","model":"m","created":1,"choices":[{"index":1,"delta":{},"finish_reason":"length"}]}',
    '{"id":"c","model":"m","created":1,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  ].map((chunk) => `data: ${chunk}\n\n`).join('');
  const parts = await collect(openAIStreamParts(bytes(stream), 'openai'));
  assert.deepEqual(parts.slice(1), [
    { type: 'text-delta', index: 0, text: 'A' },
    { type: 'text-delta', index: 1, text: 'B' },
    { type: 'finish', index: 1, finishReason: 'length' },
    { type: 'finish', index: 0, finishReason: 'stop' },
  ]);
});
