import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANTHROPIC_FIXTURES, startFakeAnthropicUpstream, type FakeUpstream } from '../../testing/fake-upstreams.ts';
import { readFixtureText } from '../../testing/fake-upstream-server.ts';
import type { ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { createHttpTransport } from '../http-transport.ts';
import { createAnthropicProvider } from './anthropic-provider.ts';
import { anthropicStreamParts } from './anthropic-stream.ts';

let upstream: FakeUpstream;
const transport = createHttpTransport();
before(async () => (upstream = await startFakeAnthropicUpstream()));
after(async () => {
  transport.close?.();
  await upstream.close();
});

const NOW = Date.parse('2025-06-01T00:00:00Z');
function anthropic(apiKey: string | null = 'sk-ant-test-key') {
  return createAnthropicProvider({
    name: 'anthropic',
    config: { type: 'anthropic', baseUrl: `${upstream.url}/`, version: '2023-06-01', defaultMaxTokens: 1024, headers: { 'anthropic-beta': 'x' }, apiKey: apiKey ?? undefined },
    transport,
    now: () => NOW,
  });
}
const hello: ChatRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

test('generate posts to /v1/messages with x-api-key and anthropic-version and maps text and usage', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'message.json' });
  const result = await anthropic().chat().generate(hello);
  const request = upstream.requests.at(-1)!;
  assert.equal(request.path, '/v1/messages');
  assert.equal(request.headers['x-api-key'], 'sk-ant-test-key');
  assert.equal(request.headers['anthropic-version'], '2023-06-01');
  assert.equal(request.headers['anthropic-beta'], 'x');
  assert.equal(request.headers.authorization, undefined);
  assert.deepEqual(request.body, { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] });
  assert.deepEqual(result, {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    model: 'claude-sonnet-4-5-20250929',
    created: NOW / 1000,
    choices: [{ index: 0, message: { content: 'Hi! My name is Claude.' }, finishReason: 'stop' }],
    usage: { inputTokens: 2095 + 1024 + 312, outputTokens: 503, cachedInputTokens: 1024, cacheWriteInputTokens: 312 },
  });
});

test('tool_use blocks become tool calls with JSON text arguments', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'tool-use.json' });
  const choice = (await anthropic().chat().generate(hello)).choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.message.content, "I'll check the current weather in San Francisco for you.");
  assert.deepEqual(choice.message.toolCalls, [
    { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
  ]);
});

test('stop reasons: max_tokens is length, refusal is content_filter with the explanation', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'max-tokens.json' }, { kind: 'fixture', name: 'refusal.json' }, { kind: 'fixture', name: 'json-output.json' });
  assert.equal((await anthropic().chat().generate(hello)).choices[0]!.finishReason, 'length');
  const refused = (await anthropic().chat().generate(hello)).choices[0]!;
  assert.equal(refused.finishReason, 'content_filter');
  assert.equal(refused.message.content, null);
  assert.match(refused.message.refusal!, /blocked under Anthropic's Usage Policy/);
  const structured = await anthropic().chat().generate({ ...hello, responseFormat: { type: 'json_schema', name: 'e', schema: { type: 'object' } } });
  assert.deepEqual((upstream.requests.at(-1)!.body as Record<string, unknown>).output_config, { format: { type: 'json_schema', schema: { type: 'object' } } });
  assert.equal(JSON.parse(structured.choices[0]!.message.content!).name, 'Science Fair');
});

test('errors map like OpenAI’s: overloaded is retryable, invalid_request is the caller’s, 401 names the setting', async () => {
  upstream.enqueue({ kind: 'error', status: 529 }, { kind: 'error', status: 400 }, { kind: 'error', status: 401 }, { kind: 'error', status: 429, retryAfter: '12' });
  await assert.rejects(anthropic().chat().generate(hello), { kind: 'upstream', code: 'provider_overloaded', isRetryable: true, upstreamStatus: 529 });
  await assert.rejects(anthropic().chat().generate(hello), {
    kind: 'invalid_request',
    blame: 'user',
    upstreamStatus: 400,
    message: /^Provider 'anthropic' rejected the request \(400\): max_tokens: Field required \(upstream request id req_/,
  });
  await assert.rejects(anthropic().chat().generate(hello), {
    code: 'provider_auth_failed',
    message: /^Provider 'anthropic' rejected the API key \(401\)\. Check providers\.anthropic\.apiKey \(or ANTHROPIC_API_KEY\)/,
  });
  await assert.rejects(anthropic().chat().generate(hello), { kind: 'rate_limit', retryAfterSeconds: 12 });
});

test('n > 1 and a missing key fail before any call', async () => {
  const count = upstream.requests.length;
  await assert.rejects(anthropic().chat().generate({ ...hello, n: 3 }), { kind: 'invalid_request', param: 'n' });
  await assert.rejects(anthropic(null).chat().stream(hello), {
    kind: 'config',
    message: "Provider 'anthropic' has no API key: set ANTHROPIC_API_KEY or providers.anthropic.apiKey in operon.yaml",
  });
  assert.equal(upstream.requests.length, count);
});

test('a garbled body is a bad response; no embeddings are offered; models are listed', async () => {
  upstream.enqueue({ kind: 'garbled' });
  await assert.rejects(anthropic().chat().generate(hello), { code: 'provider_bad_response', message: /^Provider 'anthropic'/ });
  assert.equal(anthropic().embeddings, undefined);
  assert.deepEqual(await anthropic().listModels!(), ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001']);
  assert.equal(upstream.requests.at(-1)!.path, '/v1/models?limit=1000');
});

test('a streamed answer: start, text deltas, finish and usage at message_stop; pings skipped', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse' });
  const parts = await collect(await anthropic().chat().stream(hello));
  assert.equal((upstream.requests.at(-1)!.body as Record<string, unknown>).stream, true);
  assert.deepEqual(parts, [
    { type: 'start', id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', model: 'claude-sonnet-4-5-20250929', created: NOW / 1000 },
    { type: 'text-delta', index: 0, text: 'Hello' },
    { type: 'text-delta', index: 0, text: '!' },
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 25, outputTokens: 15, cachedInputTokens: 0, cacheWriteInputTokens: 0 } },
  ]);
});

test('a streamed tool call: tool-call-start from content_block_start, arguments from input_json_delta', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-use.sse' });
  const parts = await collect(await anthropic().chat().stream(hello));
  assert.deepEqual(parts.find((part) => part.type === 'tool-call-start'), { type: 'tool-call-start', index: 0, toolIndex: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' });
  const args = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('');
  assert.deepEqual(JSON.parse(args), { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.equal(parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join(''), "Okay, let's check the weather:");
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', index: 0, finishReason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 472 + 128, outputTokens: 89, cachedInputTokens: 128, cacheWriteInputTokens: 0 } },
  ]);
});

test('an error event mid-stream is thrown as a retryable overloaded error after the parts before it', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-error.sse' });
  const seen: ChatStreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of await anthropic().chat().stream(hello)) seen.push(part);
    })(),
    { kind: 'upstream', code: 'provider_overloaded', isRetryable: true, message: /^Provider 'anthropic' failed \(529\): Overloaded/ },
  );
  assert.deepEqual(seen.map((part) => part.type), ['start', 'text-delta']);
});

test('streams read to the end leave their socket for the next call', async () => {
  const own = createHttpTransport();
  const provider = createAnthropicProvider({ name: 'anthropic', config: { type: 'anthropic', baseUrl: upstream.url, version: '2023-06-01', defaultMaxTokens: 5, headers: {} }, transport: own, apiKey: 'k' });
  const before = upstream.connections;
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-use.sse' }, { kind: 'fixture', name: 'stream-text.sse' });
  await collect(await provider.chat().stream(hello));
  await collect(await provider.chat().stream(hello));
  assert.equal(upstream.connections - before, 1);
  own.close?.();
});

test('a non-2xx answer rejects stream() before any part; a cut or unfinished stream throws from the iterator', async () => {
  upstream.enqueue({ kind: 'error', status: 529 });
  await assert.rejects(anthropic().chat().stream(hello), { code: 'provider_overloaded' });
  upstream.enqueue({ kind: 'stream-error' });
  await assert.rejects(collect(await anthropic().chat().stream(hello)), { kind: 'unavailable' });
  upstream.enqueue({ kind: 'sse', body: readFixtureText(ANTHROPIC_FIXTURES, 'stream-text.sse').split('event: message_stop')[0]! });
  await assert.rejects(collect(await anthropic().chat().stream(hello)), { code: 'provider_bad_response', message: /ended before message_stop/ });
  upstream.enqueue({ kind: 'sse', body: 'event: message_start\ndata: {"type":"message_start","message":{"id":\n\n' });
  await assert.rejects(collect(await anthropic().chat().stream(hello)), { code: 'provider_bad_response', message: /not JSON/ });
});

test('an abort mid-stream throws a timeout error and closes the upstream connection', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'stream-text.sse', pauseAfter: { events: 4, until: new Promise(() => {}) } });
  const controller = new AbortController();
  const parts = await anthropic().chat().stream(hello, { signal: controller.signal });
  const request = upstream.requests.at(-1)!;
  await assert.rejects(
    (async () => {
      for await (const part of parts) if (part.type === 'text-delta') controller.abort();
    })(),
    { kind: 'timeout' },
  );
  assert.deepEqual(await request.closed, { early: true });
});

test('the recorded tool-use stream gives the same parts whatever byte it is split at', async () => {
  const text = readFixtureText(ANTHROPIC_FIXTURES, 'stream-tool-use.sse');
  async function* split(offset: number) {
    yield Buffer.from(text.slice(0, offset));
    yield Buffer.from(text.slice(offset));
  }
  const whole = await collect(anthropicStreamParts(split(0), 'anthropic', 1));
  for (let offset = 1; offset < text.length; offset += 89) {
    assert.deepEqual(await collect(anthropicStreamParts(split(offset), 'anthropic', 1)), whole, `split at ${offset}`);
  }
});

test('usage counts in message_delta overwrite those of message_start', async () => {
  const events = [
    { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 0, cache_read_input_tokens: null, output_tokens: 1 } } },
    { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { input_tokens: 40, cache_read_input_tokens: 10, output_tokens: 7, server_tool_use: null } },
    { type: 'message_stop' },
  ];
  async function* body() {
    for (const event of events) yield Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
  const parts = await collect(anthropicStreamParts(body(), 'anthropic', 1));
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', index: 0, finishReason: 'length' },
    { type: 'usage', usage: { inputTokens: 50, outputTokens: 7, cachedInputTokens: 10 } },
  ]);
});
