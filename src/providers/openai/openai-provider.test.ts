import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAIUpstream, type FakeUpstream } from '../../testing/fake-upstreams.ts';
import type { ChatRequest } from '../chat-model.ts';
import { createHttpTransport } from '../http-transport.ts';
import { createOpenAIProvider, type OpenAIProviderConfig } from './openai-provider.ts';

let upstream: FakeUpstream;
const transport = createHttpTransport();
before(async () => (upstream = await startFakeOpenAIUpstream()));
after(async () => {
  transport.close?.();
  await upstream.close();
});

function openai(config: Partial<OpenAIProviderConfig> = {}, apiKey: string | null = 'sk-test-key-123') {
  const full = { type: 'openai', baseUrl: upstream.url, headers: {}, ...config } as OpenAIProviderConfig;
  return createOpenAIProvider({ name: 'openai', config: full, transport, apiKey: apiKey ?? undefined, now: () => Date.parse('2025-01-01T00:00:00Z') });
}

const hello: ChatRequest = { model: 'gpt-4.1', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };

test('generate posts to /chat/completions with the bearer key and maps the reply', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'chat-completion.json' });
  const result = await openai({ organization: 'org-1', headers: { 'x-extra': 'yes' } }).chat().generate(hello);
  const request = upstream.requests.at(-1)!;
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v1/chat/completions');
  assert.equal(request.headers.authorization, 'Bearer sk-test-key-123');
  assert.equal(request.headers['openai-organization'], 'org-1');
  assert.equal(request.headers['x-extra'], 'yes');
  assert.deepEqual(request.body, { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }] });
  assert.deepEqual(result, {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    model: 'gpt-4.1-2025-04-14',
    created: 1741569952,
    choices: [{ index: 0, message: { content: 'Hello! How can I assist you today?' }, finishReason: 'stop' }],
    usage: { inputTokens: 19, outputTokens: 10, cachedInputTokens: 6, reasoningTokens: 0 },
    systemFingerprint: 'fp_2d3e1a6b1c',
  });
});

test('tool calls come back with ids, names and argument text', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'tool-call.json' });
  const result = await openai().chat().generate(hello);
  const choice = result.choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.message.content, null);
  assert.deepEqual(choice.message.toolCalls, [
    { id: 'call_Xv2Xm3ZKQdR4kBZw1YnK4sLk', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
    { id: 'call_Qw7Z1o7WkIa8nZ6h2mQe0d3N', name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}' },
  ]);
});

test('a json_schema answer, a refusal and logprobs are mapped', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'json-schema.json' }, { kind: 'fixture', name: 'refusal.json' }, { kind: 'fixture', name: 'logprobs.json' });
  const structured = await openai().chat().generate({ ...hello, responseFormat: { type: 'json_schema', name: 'event', schema: { type: 'object' } } });
  assert.deepEqual(JSON.parse(structured.choices[0]!.message.content!), { name: 'Science Fair', date: 'Friday', participants: ['Alice', 'Bob'] });
  const refused = await openai().chat().generate(hello);
  assert.deepEqual(refused.choices[0]!.message, { content: null, refusal: "I'm sorry, I can't assist with that request." });
  const withLogprobs = await openai().chat().generate({ ...hello, logprobs: true, topLogprobs: 2 });
  assert.deepEqual(withLogprobs.choices[0]!.logprobs![0], {
    token: 'Hello',
    logprob: -0.31725305,
    bytes: [72, 101, 108, 108, 111],
    topLogprobs: [
      { token: 'Hello', logprob: -0.31725305, bytes: [72, 101, 108, 108, 111] },
      { token: 'Hi', logprob: -1.3190403, bytes: [72, 105] },
    ],
  });
});

test('embeddings come back in input order with usage', async () => {
  upstream.enqueue({
    kind: 'json',
    body: {
      object: 'list',
      data: [
        { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
        { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    },
  });
  const result = await openai().embeddings!().embed({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 2 });
  assert.deepEqual(result, { model: 'text-embedding-3-small', embeddings: [[0.1, 0.2], [0.3, 0.4]], usage: { inputTokens: 8 } });
  assert.equal(upstream.requests.at(-1)!.path, '/v1/embeddings');
  assert.deepEqual(upstream.requests.at(-1)!.body, { model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float', dimensions: 2 });
});

test('embeddings replies with the wrong count are bad responses', async () => {
  upstream.enqueue({ kind: 'fixture', name: 'embeddings.json' });
  await assert.rejects(openai().embeddings!().embed({ model: 'e', input: ['only one'] }), { code: 'provider_bad_response' });
});

test('listModels reads GET /models', async () => {
  assert.deepEqual(await openai().listModels!(), ['gpt-4o-mini', 'text-embedding-3-small']);
  assert.equal(upstream.requests.at(-1)!.method, 'GET');
});

test('Azure calls the deployment URL with api-version and the api-key header', async () => {
  const azure = createOpenAIProvider({
    name: 'azure',
    config: { type: 'azure-openai', baseUrl: `${upstream.origin}/`, apiKey: 'azure-key-123', apiVersion: '2024-10-21', headers: {} },
    transport,
  });
  upstream.enqueue({ kind: 'fixture', name: 'chat-completion.json' });
  await azure.chat().generate({ ...hello, model: 'my deployment', maxTokens: 9 });
  const request = upstream.requests.at(-1)!;
  assert.equal(request.path, '/openai/deployments/my%20deployment/chat/completions?api-version=2024-10-21');
  assert.equal(request.headers['api-key'], 'azure-key-123');
  assert.equal(request.headers.authorization, undefined);
  assert.equal((request.body as Record<string, unknown>).max_tokens, 9);
  upstream.enqueue({ kind: 'json', body: { data: [{ index: 0, embedding: [1] }] } });
  await azure.embeddings!().embed({ model: 'emb', input: ['x'] });
  assert.equal(upstream.requests.at(-1)!.path, '/openai/deployments/emb/embeddings?api-version=2024-10-21');
  assert.deepEqual(await azure.listModels!(), []);
});

test('an OpenAI-compatible server without a key gets no authorization header and max_tokens', async () => {
  const local = createOpenAIProvider({ name: 'ollama', config: { type: 'openai-compatible', baseUrl: upstream.url, headers: {} }, transport });
  upstream.enqueue({ kind: 'fixture', name: 'chat-completion.json' });
  await local.chat().generate({ ...hello, maxTokens: 3 });
  const request = upstream.requests.at(-1)!;
  assert.equal(request.headers.authorization, undefined);
  assert.equal((request.body as Record<string, unknown>).max_tokens, 3);
});

test('OpenAI without a key fails at call time with a config error naming the env var and setting', async () => {
  const count = upstream.requests.length;
  await assert.rejects(openai({}, null).chat().generate(hello), {
    kind: 'config',
    message: "Provider 'openai' has no API key: set OPENAI_API_KEY or providers.openai.apiKey in operon.yaml",
  });
  assert.equal(upstream.requests.length, count);
});

test('error replies map by status and keep the provider’s code, param and status', async () => {
  upstream.enqueue({ kind: 'error', status: 400 }, { kind: 'error', status: 404 });
  await assert.rejects(openai().chat().generate(hello), {
    kind: 'invalid_request',
    blame: 'user',
    isRetryable: false,
    upstreamStatus: 400,
    code: 'empty_array',
    param: 'messages',
    message: /^Provider 'openai' rejected the request \(400\): Invalid 'messages': empty array/,
  });
  await assert.rejects(openai().chat().generate(hello), { kind: 'not_found', code: 'model_not_found', upstreamStatus: 404 });
});

test('a 401 says the key was rejected and never repeats the key', async () => {
  upstream.enqueue({ kind: 'error', status: 401, body: { error: { message: 'Incorrect API key provided: sk-test-key-123.', type: 'invalid_request_error', code: 'invalid_api_key' } } });
  const error = await openai().chat().generate(hello).then(
    () => assert.fail('expected a rejection'),
    (caught: unknown) => caught as Error & { code: string; kind: string },
  );
  assert.equal(error.kind, 'upstream');
  assert.equal(error.code, 'provider_auth_failed');
  assert.match(error.message, /^Provider 'openai' rejected the API key \(401\)\. Check providers\.openai\.apiKey \(or OPENAI_API_KEY\)/);
  assert.doesNotMatch(error.message, /sk-test-key-123/);
});

test('429 is retryable with retry-after; 500 is a retryable upstream error', async () => {
  upstream.enqueue({ kind: 'error', status: 429, retryAfter: '20' }, { kind: 'error', status: 500 });
  await assert.rejects(openai().chat().generate(hello), { kind: 'rate_limit', isRetryable: true, retryAfterSeconds: 20, upstreamStatus: 429 });
  await assert.rejects(openai().chat().generate(hello), { kind: 'upstream', isRetryable: true, code: 'provider_error', upstreamStatus: 500 });
});

test('a garbled 2xx body, or JSON without choices, is a bad response naming the provider', async () => {
  upstream.enqueue({ kind: 'garbled' }, { kind: 'json', body: { id: 'x' } }, { kind: 'garbled', body: '<html>Bad gateway</html>', contentType: 'text/html' });
  for (let index = 0; index < 3; index += 1) {
    await assert.rejects(openai().chat().generate(hello), { kind: 'upstream', code: 'provider_bad_response', isRetryable: false, message: /^Provider 'openai' sent a reply/ });
  }
});

test('an error body that is not JSON still becomes a mapped error with the text', async () => {
  upstream.enqueue({ kind: 'error', status: 503, body: 'upstream connect error' });
  await assert.rejects(openai().chat().generate(hello), { kind: 'upstream', isRetryable: true, message: /\(503\): upstream connect error/ });
});

test('a connection closed before the answer is a retryable unavailable error naming provider and host', async () => {
  upstream.enqueue({ kind: 'close' });
  await assert.rejects(openai().chat().generate(hello), {
    kind: 'unavailable',
    isRetryable: true,
    message: new RegExp(`^Provider 'openai': Could not reach ${new URL(upstream.url).host.replace(/\./g, '\\.')}: .*Check providers\\.openai\\.baseUrl`),
  });
});

test('an abort while waiting for the answer is a timeout error', async () => {
  let release!: () => void;
  upstream.enqueue({ kind: 'fixture', name: 'chat-completion.json', waitFor: new Promise<void>((resolve) => (release = resolve)) });
  const controller = new AbortController();
  const pending = openai().chat().generate(hello, { signal: controller.signal });
  await waitFor(() => upstream.requests.length > 0 && upstream.requests.at(-1)!.body !== undefined);
  controller.abort();
  await assert.rejects(pending, { kind: 'timeout', isRetryable: true });
  release();
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}
