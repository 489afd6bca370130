import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { readFixtureText, startFakeOpenAIUpstream, OPENAI_FIXTURES, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// The OpenAI SDK against the gateway, with an OpenAI-compatible fake behind it: what the client gets
// back, and what the upstream receives.

interface Setup {
  upstream: FakeUpstream;
  operon: RunningOperon;
  client: OpenAI;
}

async function setup(t: TestContext): Promise<Setup> {
  const upstream = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url, apiKey: 'sk-upstream' } },
    models: { smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] } },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 });
  return { upstream, operon, client };
}

function bodyOf(upstream: FakeUpstream, index = 0): Record<string, unknown> {
  const request = upstream.requests[index];
  assert.ok(request, `upstream request ${index} was not received`);
  return request.body as Record<string, unknown>;
}

/** The text of the recorded stream (stream-usage.sse, stream-text.sse). */
const STREAMED_TEXT = 'Hello! How can I help you today?';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

test('a chat completion returns the answer and usage, resolves the alias and uses the provider key upstream', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { data, response } = await client.chat.completions
    .create({ model: 'smart', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], temperature: 0.2, max_tokens: 50 })
    .withResponse();

  assert.equal(response.status, 200);
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
  assert.equal(data.model, 'gpt-4o-mini');
  assert.equal(data.choices.length, 1);
  assert.equal(data.choices[0]?.message.role, 'assistant');
  assert.equal(data.choices[0]?.message.content, 'Hello! How can I assist you today?');
  assert.equal(data.choices[0]?.finish_reason, 'stop');
  assert.equal(data.system_fingerprint, 'fp_2d3e1a6b1c');
  assert.deepEqual(
    { prompt: data.usage?.prompt_tokens, completion: data.usage?.completion_tokens, total: data.usage?.total_tokens, cached: data.usage?.prompt_tokens_details?.cached_tokens },
    { prompt: 19, completion: 10, total: 29, cached: 6 },
  );

  assert.equal(upstream.requests.length, 1);
  const received = upstream.requests[0]!;
  assert.equal(received.method, 'POST');
  assert.equal(received.path, '/v1/chat/completions');
  assert.equal(received.headers.authorization, 'Bearer sk-upstream');
  for (const [name, value] of Object.entries(received.headers)) assert.ok(!value.includes(operon.adminKey), `header ${name} leaks the Operon key`);
  const body = bodyOf(upstream);
  assert.equal(body.model, 'gpt-4o-mini');
  assert.deepEqual(body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
  assert.equal(body.temperature, 0.2);
  assert.equal(body.max_tokens, 50);
  assert.equal(body.stream, undefined);

  const traceId = response.headers.get('x-operon-trace-id');
  assert.ok(traceId);
  const trace = await operon.trace(operon.project.id, traceId);
  assert.equal(trace?.status, 'ok');
  assert.equal(trace?.modelRequested, 'smart');
  assert.equal(trace?.modelUsed, 'gpt-4o-mini');
  assert.equal(trace?.inputTokens, 19);
  assert.equal(trace?.outputTokens, 10);
});

test('a stream with include_usage arrives as chunks the SDK assembles, with a final usage chunk', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);

  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 3);
  for (const chunk of chunks) assert.equal(chunk.object, 'chat.completion.chunk');
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, STREAMED_TEXT);
  assert.equal(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'stop');
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage?.prompt_tokens, 19);
  assert.equal(last.usage?.completion_tokens, 10);
  assert.equal(last.usage?.total_tokens, 29);
  for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage ?? null, null);

  const body = bodyOf(upstream);
  assert.equal(body.stream, true);
  assert.equal(body.model, 'gpt-4o-mini');
  assert.equal(upstream.requests[0]?.headers.authorization, 'Bearer sk-upstream');

  const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
  assert.equal(trace?.status, 'ok');
  assert.equal(trace?.spans[0]?.stream, true);
  assert.equal(trace?.outputTokens, 10);
});

test('a stream without include_usage sends no usage chunk', async (t) => {
  const { client } = await setup(t);
  const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stream: true });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.every((chunk) => chunk.usage == null));
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), STREAMED_TEXT);
});

test("the SDK's stream helper emits content events and assembles the final completion", async (t) => {
  const { client } = await setup(t);
  const runner = client.chat.completions.stream({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } });
  const deltas: string[] = [];
  runner.on('content', (delta) => deltas.push(delta));
  const completion = await runner.finalChatCompletion();
  assert.equal(completion.choices[0]?.message.content, STREAMED_TEXT);
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.equal(completion.usage?.total_tokens, 29);
  assert.equal(deltas.join(''), STREAMED_TEXT);
  assert.ok(deltas.length > 1);
});

test('tools and tool_choice go upstream in OpenAI format and tool calls come back', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'tool-call.json' });
  const completion = await client.chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: 'Weather in Paris and Bogotá?' }],
    tools: [WEATHER_TOOL],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: true,
  });

  const body = bodyOf(upstream);
  assert.deepEqual(body.tools, [WEATHER_TOOL]);
  assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'get_weather' } });
  assert.equal(body.parallel_tool_calls, true);

  const choice = completion.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const calls = (choice.message.tool_calls ?? []).map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) as unknown } : undefined));
  assert.deepEqual(calls, [
    { id: 'call_Xv2Xm3ZKQdR4kBZw1YnK4sLk', name: 'get_weather', args: { location: 'Paris, France' } },
    { id: 'call_Qw7Z1o7WkIa8nZ6h2mQe0d3N', name: 'get_weather', args: { location: 'Bogotá, Colombia' } },
  ]);
});

test('a tool result sent back in the history reaches the upstream as a tool message', async (t) => {
  const { upstream, client } = await setup(t);
  await client.chat.completions.create({
    model: 'smart',
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
    ],
    tools: [WEATHER_TOOL],
  });
  const messages = bodyOf(upstream).messages as Array<Record<string, unknown>>;
  assert.deepEqual(messages[1], {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
  });
  assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' });
});

test('streamed tool-call argument deltas assemble into valid JSON', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-call.sse' });
  const stream = await client.chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
    tools: [WEATHER_TOOL],
    tool_choice: 'auto',
    stream: true,
    stream_options: { include_usage: true },
  });
  const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    for (const delta of choice.delta.tool_calls ?? []) {
      const call = calls.get(delta.index) ?? { arguments: '' };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      call.arguments += delta.function?.arguments ?? '';
      calls.set(delta.index, call);
    }
  }
  assert.equal(bodyOf(upstream).tool_choice, 'auto');
  assert.equal(finish, 'tool_calls');
  assert.equal(usage?.prompt_tokens, 82);
  assert.deepEqual(
    [...calls.values()].map((call) => ({ id: call.id, name: call.name, args: JSON.parse(call.arguments) as unknown })),
    [
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', args: { location: 'Paris, France' } },
      { id: 'call_ABTbHrxRBu95WQDSvgl8aqsF', name: 'get_time', args: { tz: 'CET' } },
    ],
  );
});

test('the stream helper assembles streamed tool calls', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-call.sse' });
  const completion = await client.chat.completions.stream({ model: 'smart', messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER_TOOL] }).finalChatCompletion();
  const calls = completion.choices[0]?.message.tool_calls ?? [];
  assert.deepEqual(
    calls.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments) as unknown] : undefined)),
    [
      ['get_weather', { location: 'Paris, France' }],
      ['get_time', { tz: 'CET' }],
    ],
  );
});

test('response_format json_schema is forwarded and the JSON answer comes back', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'json-schema.json' });
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' }, date: { type: 'string' }, participants: { type: 'array', items: { type: 'string' } } },
    required: ['name', 'date', 'participants'],
    additionalProperties: false,
  };
  const completion = await client.chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: 'Alice and Bob go to a science fair on Friday.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'event', schema, strict: true } },
  });
  assert.deepEqual(bodyOf(upstream).response_format, { type: 'json_schema', json_schema: { name: 'event', schema, strict: true } });
  assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { name: 'Science Fair', date: 'Friday', participants: ['Alice', 'Bob'] });
});

test('stop, n, seed and logprobs are forwarded, and logprobs come back', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'logprobs.json' });
  const completion = await client.chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: 'Say hello' }],
    stop: ['\n\n', 'END'],
    n: 2,
    seed: 42,
    logprobs: true,
    top_logprobs: 2,
  });
  const body = bodyOf(upstream);
  assert.deepEqual(body.stop, ['\n\n', 'END']);
  assert.equal(body.n, 2);
  assert.equal(body.seed, 42);
  assert.equal(body.logprobs, true);
  assert.equal(body.top_logprobs, 2);

  const expected = JSON.parse(readFixtureText(OPENAI_FIXTURES, 'logprobs.json')) as { choices: Array<{ logprobs: { content: unknown } }> };
  const logprobs = completion.choices[0]?.logprobs?.content;
  assert.deepEqual(logprobs, expected.choices[0]?.logprobs.content);
  assert.equal(logprobs?.[0]?.top_logprobs[1]?.token, 'Hi');
});

test('a single stop string is forwarded as a list', async (t) => {
  const { upstream, client } = await setup(t);
  await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }], stop: 'END' });
  assert.deepEqual(bodyOf(upstream).stop, ['END']);
});
