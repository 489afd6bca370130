import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropicUpstream, startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import type { Trace } from '../../src/tracing/span.ts';
import { startOperon, type RunningOperon } from './harness.ts';

/**
 * The official Anthropic SDK against Operon's /v1/messages: one Operon serving an Anthropic upstream
 * (model `claude`) and an OpenAI-compatible upstream (model `gpt`), with the cache off so every call
 * reaches an upstream.
 */
interface Setup {
  operon: RunningOperon;
  anthropicUp: FakeUpstream;
  openaiUp: FakeUpstream;
  client: Anthropic;
}

async function setup(t: TestContext): Promise<Setup> {
  const anthropicUp = await startFakeAnthropicUpstream();
  const openaiUp = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: {
      ant: { type: 'anthropic', baseUrl: anthropicUp.origin, apiKey: 'sk-ant-up' },
      oai: { type: 'openai-compatible', baseUrl: openaiUp.url, apiKey: 'sk-oai-up' },
    },
    models: {
      claude: { targets: [{ provider: 'ant', model: 'claude-sonnet-4-5' }] },
      gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
    },
    cache: { enabled: false },
  });
  t.after(async () => {
    await operon.close();
    await anthropicUp.close();
    await openaiUp.close();
  });
  const client = new Anthropic({ baseURL: operon.url, apiKey: operon.adminKey, maxRetries: 0 });
  return { operon, anthropicUp, openaiUp, client };
}

async function traceOf(operon: RunningOperon, headers: Headers | null | undefined): Promise<Trace> {
  const traceId = headers?.get('x-operon-trace-id');
  assert.ok(traceId, 'the answer carries x-operon-trace-id');
  const trace = await operon.trace(operon.project.id, traceId);
  assert.ok(trace, `trace ${traceId} was stored`);
  return trace;
}

function assertMessagesTrace(trace: Trace, model: string, provider: string | null): void {
  assert.equal(trace.name, 'messages');
  assert.equal(trace.modelRequested, model);
  assert.equal(trace.provider, provider);
  assert.equal(trace.spans[0]?.attributes['operon.wire'], 'anthropic');
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a place',
  input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] },
};

test('anthropic upstream: a plain message with a system prompt reaches the upstream with the provider key', async (t) => {
  const { operon, anthropicUp, client } = await setup(t);
  const { data, response } = await client.messages
    .create({ model: 'claude', max_tokens: 256, system: 'You are terse.', messages: [{ role: 'user', content: 'Hi' }] })
    .withResponse();

  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  assert.equal(data.model, 'claude-sonnet-4-5', 'the model that answered');
  assert.equal(data.stop_reason, 'end_turn');
  assert.deepEqual(data.content, [{ type: 'text', text: 'Hi! My name is Claude.' }]);
  assert.ok(data.usage.output_tokens > 0);

  const received = anthropicUp.requests[0]!;
  assert.equal(received.path, '/v1/messages');
  assert.equal(received.headers['x-api-key'], 'sk-ant-up');
  assert.equal(received.headers.authorization, undefined);
  assert.ok(!JSON.stringify(received.headers).includes(operon.adminKey), 'the Operon key is not forwarded');
  const body = received.body as { model: string; max_tokens: number; system: unknown; messages: unknown[] };
  assert.equal(body.model, 'claude-sonnet-4-5');
  assert.equal(body.max_tokens, 256);
  assert.match(JSON.stringify(body.system), /You are terse\./);
  assert.equal(JSON.stringify(body.messages).includes('Hi'), true);

  const trace = await traceOf(operon, response.headers);
  assertMessagesTrace(trace, 'claude', 'ant');
  assert.equal(trace.status, 'ok');
});

test('anthropic upstream: messages.stream() yields the text and a final message', async (t) => {
  const { operon, anthropicUp, client } = await setup(t);
  const stream = client.messages.stream({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
  const deltas: string[] = [];
  stream.on('text', (text) => deltas.push(text));
  const final = await stream.finalMessage();

  assert.equal(deltas.join(''), 'Hello!');
  assert.deepEqual(final.content, [{ type: 'text', text: 'Hello!' }]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 15);
  assert.equal((anthropicUp.requests[0]?.body as { stream: boolean }).stream, true);
  assert.equal(anthropicUp.requests[0]?.headers['x-api-key'], 'sk-ant-up');

  const trace = await traceOf(operon, stream.response?.headers);
  assertMessagesTrace(trace, 'claude', 'ant');
  assert.equal(trace.spans[0]?.stream, true);
});

test('anthropic upstream: a tool_use answer, then the tool_result in a follow-up', async (t) => {
  const { operon, anthropicUp, client } = await setup(t);
  anthropicUp.enqueue({ kind: 'fixture', name: 'tool-use.json' });
  const first = await client.messages.create({
    model: 'claude',
    max_tokens: 256,
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'Weather in SF?' }],
  });
  assert.equal(first.stop_reason, 'tool_use');
  const toolUse = first.content.find((block) => block.type === 'tool_use');
  assert.ok(toolUse && toolUse.type === 'tool_use');
  assert.equal(toolUse.name, 'get_weather');
  assert.deepEqual(toolUse.input, { location: 'San Francisco, CA', unit: 'celsius' });

  const { data: second, response } = await client.messages
    .create({
      model: 'claude',
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in SF?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18°C, sunny' }] },
      ],
    })
    .withResponse();
  assert.equal(second.stop_reason, 'end_turn');

  const sent = anthropicUp.requests[1]?.body as { messages: Array<{ role: string; content: unknown }>; tools: Array<{ name: string }> };
  assert.equal(sent.tools[0]?.name, 'get_weather');
  const blocks = JSON.stringify(sent.messages);
  assert.match(blocks, /"type":"tool_use"/);
  assert.match(blocks, new RegExp(`"tool_use_id":"${toolUse.id}"`));
  assert.match(blocks, /18°C, sunny/);
  assertMessagesTrace(await traceOf(operon, response.headers), 'claude', 'ant');
});

test('openai upstream: the Anthropic client gets an Anthropic message', async (t) => {
  const { operon, openaiUp, client } = await setup(t);
  const { data, response } = await client.messages
    .create({ model: 'gpt', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] })
    .withResponse();

  assert.equal(data.type, 'message');
  assert.equal(data.model, 'gpt-4o-mini', 'the model that answered');
  assert.equal(data.content[0]?.type, 'text');
  assert.ok(data.content[0]?.type === 'text' && data.content[0].text.length > 0);
  assert.equal(data.stop_reason, 'end_turn');

  const received = openaiUp.requests[0]!;
  assert.equal(received.path, '/v1/chat/completions');
  assert.equal(received.headers.authorization, 'Bearer sk-oai-up');
  const body = received.body as { model: string; messages: Array<{ role: string; content: unknown }> };
  assert.equal(body.model, 'gpt-4o-mini');
  assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' });
  assertMessagesTrace(await traceOf(operon, response.headers), 'gpt', 'oai');
});

test('openai upstream: streaming comes back as Anthropic events', async (t) => {
  const { operon, client } = await setup(t);
  const stream = client.messages.stream({ model: 'gpt', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
  let text = '';
  stream.on('text', (delta) => (text += delta));
  const final = await stream.finalMessage();
  assert.ok(text.length > 0);
  assert.deepEqual(final.content, [{ type: 'text', text }]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0, 'usage from the OpenAI usage chunk');
  const trace = await traceOf(operon, stream.response?.headers);
  assertMessagesTrace(trace, 'gpt', 'oai');
  assert.equal(trace.spans[0]?.stream, true);
});

test('openai upstream: tool calls come back as tool_use blocks, plain and streamed', async (t) => {
  const { openaiUp, client } = await setup(t);
  openaiUp.enqueue({ kind: 'fixture', name: 'tool-call.json' }, { kind: 'fixture', name: 'stream-tool-call.sse' });
  const request = { model: 'gpt', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user' as const, content: 'Weather?' }] };

  const plain = await client.messages.create(request);
  assert.equal(plain.stop_reason, 'tool_use');
  const uses = plain.content.filter((block) => block.type === 'tool_use');
  assert.deepEqual(
    uses.map((block) => [block.id, block.name, block.input]),
    [
      ['call_Xv2Xm3ZKQdR4kBZw1YnK4sLk', 'get_weather', { location: 'Paris, France' }],
      ['call_Qw7Z1o7WkIa8nZ6h2mQe0d3N', 'get_weather', { location: 'Bogotá, Colombia' }],
    ],
  );
  const sentTools = (openaiUp.requests[0]?.body as { tools: Array<{ type: string; function: { name: string } }> }).tools;
  assert.deepEqual(sentTools.map((tool) => [tool.type, tool.function.name]), [['function', 'get_weather']]);

  const streamed = await client.messages.stream(request).finalMessage();
  assert.equal(streamed.stop_reason, 'tool_use');
  const streamedUse = streamed.content.find((block) => block.type === 'tool_use');
  assert.ok(streamedUse && streamedUse.type === 'tool_use');
  assert.equal(streamedUse.id, 'call_DdmO9pD3xa9XTPNJ32zg2hcA');
  assert.equal(streamedUse.name, 'get_weather');
  assert.equal(typeof (streamedUse.input as { location?: unknown }).location, 'string');
});

test('openai upstream: a tool_result follow-up becomes an OpenAI tool message', async (t) => {
  const { openaiUp, client } = await setup(t);
  await client.messages.create({
    model: 'gpt',
    max_tokens: 100,
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '21°C' }] },
    ],
  });
  const messages = (openaiUp.requests[0]?.body as { messages: Array<Record<string, unknown>> }).messages;
  const assistant = messages.find((message) => message.role === 'assistant') as { tool_calls: Array<{ id: string; function: { arguments: string } }> };
  assert.equal(assistant.tool_calls[0]?.id, 'call_1');
  assert.deepEqual(JSON.parse(assistant.tool_calls[0]!.function.arguments), { location: 'Paris' });
  const tool = messages.find((message) => message.role === 'tool');
  assert.equal(tool?.tool_call_id, 'call_1');
  assert.match(JSON.stringify(tool?.content), /21°C/);
});

async function expectApiError(call: Promise<unknown>, status: number, type: string): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await call.then(
    () => assert.fail(`expected an APIError ${status}`),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof Anthropic.APIError, `expected an APIError, got ${String(error)}`);
  assert.equal(error.status, status);
  const body = error.error as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, type);
  assert.ok(body.error.message.length > 0);
  return error;
}

test('errors arrive in the Anthropic shape with the right status, and are traced', async (t) => {
  const { operon, anthropicUp, client } = await setup(t);

  const missing = await expectApiError(
    client.messages.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    400,
    'invalid_request_error',
  );
  assert.ok(missing instanceof Anthropic.BadRequestError);
  assert.match(missing.message, /max_tokens/);

  const unknown = await expectApiError(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), 404, 'not_found_error');
  assert.ok(unknown instanceof Anthropic.NotFoundError);
  assert.match(unknown.message, /no-such-model/);

  anthropicUp.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
  const upstream = await expectApiError(client.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), 502, 'api_error');
  assert.ok(upstream instanceof Anthropic.InternalServerError);
  assert.equal(anthropicUp.requests.length, 2, 'retried once, then gave up');

  const trace = await traceOf(operon, upstream.headers);
  assertMessagesTrace(trace, 'claude', null);
  assert.equal(trace.status, 'error');
  assert.deepEqual(
    trace.spans[0]?.attempts.map((attempt) => [attempt.provider, attempt.upstreamStatus]),
    [
      ['ant', 500],
      ['ant', 500],
    ],
  );
});

test('the Operon key works as x-api-key and as Authorization: Bearer', async (t) => {
  const { operon } = await setup(t);
  const seen: Array<Record<string, string>> = [];
  const recordingFetch: typeof fetch = (input, init) => {
    seen.push(Object.fromEntries(new Headers(init?.headers).entries()));
    return fetch(input, init);
  };
  const request = { model: 'claude', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hi' }] };

  const viaApiKeyHeader = new Anthropic({ baseURL: operon.url, apiKey: 'not-sent', maxRetries: 0, fetch: recordingFetch });
  const first = await viaApiKeyHeader.messages.create(request, { headers: { 'x-api-key': operon.adminKey, authorization: null } });
  assert.equal(first.type, 'message');
  assert.equal(seen[0]?.['x-api-key'], operon.adminKey);
  assert.equal(seen[0]?.authorization, undefined);

  const viaBearer = new Anthropic({ baseURL: operon.url, authToken: operon.adminKey, maxRetries: 0, fetch: recordingFetch });
  const second = await viaBearer.messages.create(request);
  assert.equal(second.type, 'message');
  assert.equal(seen[1]?.authorization, `Bearer ${operon.adminKey}`);
  assert.equal(seen[1]?.['x-api-key'], undefined);

  const wrong = new Anthropic({ baseURL: operon.url, apiKey: 'opk_wrong', maxRetries: 0 });
  const denied = await expectApiError(wrong.messages.create(request), 401, 'authentication_error');
  assert.ok(denied instanceof Anthropic.AuthenticationError);
});
