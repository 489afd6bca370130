import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeAnthropicUpstream, startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// The OpenAI SDK calling a model served by Anthropic: the gateway translates the Chat Completions
// request into a Messages API request, and the Messages answer back into Chat Completions.

async function setup(t: TestContext): Promise<{ upstream: FakeUpstream; operon: RunningOperon; client: OpenAI }> {
  const upstream = await startFakeAnthropicUpstream();
  const operon = await startOperon({
    providers: { claude: { type: 'anthropic', baseUrl: upstream.url, apiKey: 'sk-ant', defaultMaxTokens: 1024 } },
    models: { sonnet: { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] } },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  return { upstream, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

function bodyOf(upstream: FakeUpstream): Record<string, unknown> {
  assert.equal(upstream.requests.length, 1);
  return upstream.requests[0]!.body as Record<string, unknown>;
}

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] },
  },
};

test('an OpenAI chat call to an Anthropic model sends a Messages API body and gets a chat.completion back', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { data, response } = await client.chat.completions
    .create({
      model: 'sonnet',
      messages: [
        { role: 'system', content: 'You are Claude.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'What is your name?' },
      ],
      temperature: 0.5,
      stop: ['END'],
    })
    .withResponse();

  const received = upstream.requests[0]!;
  assert.equal(received.path, '/v1/messages');
  assert.equal(received.headers['x-api-key'], 'sk-ant');
  assert.equal(received.headers['anthropic-version'], '2023-06-01');
  assert.equal(received.headers.authorization, undefined);
  assert.deepEqual(bodyOf(upstream), {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: 'You are Claude.',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is your name?' }] },
    ],
    stop_sequences: ['END'],
    temperature: 0.5,
  });

  assert.equal(data.object, 'chat.completion');
  assert.equal(data.model, 'claude-sonnet-4-5');
  assert.equal(data.choices[0]?.message.content, 'Hi! My name is Claude.');
  assert.equal(data.choices[0]?.finish_reason, 'stop');
  assert.equal(data.usage?.completion_tokens, 503);
  // Anthropic's input_tokens excludes cache reads and writes; OpenAI's prompt_tokens includes them.
  assert.equal(data.usage?.prompt_tokens, 2095 + 312 + 1024);
  assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, 1024);

  const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
  assert.equal(trace?.provider, 'claude');
  assert.equal(trace?.modelUsed, 'claude-sonnet-4-5');
  assert.equal(trace?.status, 'ok');
});

test('max_tokens from the client is passed to Anthropic instead of the default', async (t) => {
  const { upstream, client } = await setup(t);
  await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 77 });
  assert.equal(bodyOf(upstream).max_tokens, 77);
});

test('an OpenAI stream from an Anthropic model arrives as chat.completion.chunk events with usage', async (t) => {
  const { upstream, client } = await setup(t);
  const stream = await client.chat.completions.create({
    model: 'sonnet',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);

  const body = bodyOf(upstream);
  assert.equal(body.stream, true);
  assert.equal(body.system, 'Be brief.');
  assert.equal(body.max_tokens, 1024);
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'));
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.ok(text.length > 0);
  assert.ok(text.endsWith('!'), text);
  assert.equal(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'stop');
  const usage = chunks.at(-1)?.usage;
  assert.equal(usage?.completion_tokens, 15);
  assert.ok((usage?.prompt_tokens ?? 0) > 0);
});

test('the stream helper assembles an Anthropic answer', async (t) => {
  const { client } = await setup(t);
  const completion = await client.chat.completions.stream({ model: 'sonnet', messages: [{ role: 'user', content: 'Hi' }] }).finalChatCompletion();
  assert.ok(completion.choices[0]?.message.content);
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
});

test('OpenAI tools become Anthropic tools and a tool_use answer becomes tool_calls', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'tool-use.json' });
  const completion = await client.chat.completions.create({
    model: 'sonnet',
    messages: [{ role: 'user', content: 'Weather in San Francisco?' }],
    tools: [WEATHER_TOOL],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  });

  const body = bodyOf(upstream);
  assert.deepEqual(body.tools, [{ name: 'get_weather', description: 'Current weather in a city', input_schema: WEATHER_TOOL.function.parameters }]);
  assert.deepEqual(body.tool_choice, { type: 'tool', name: 'get_weather' });

  const choice = completion.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, "I'll check the current weather in San Francisco for you.");
  const call = choice.message.tool_calls?.[0];
  assert.ok(call?.type === 'function');
  assert.equal(call.id, 'toolu_01A09q90qw90lq917835lq9');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { location: 'San Francisco, CA', unit: 'celsius' });
});

test('a tool result in the OpenAI history becomes a tool_result block for Anthropic', async (t) => {
  const { upstream, client } = await setup(t);
  await client.chat.completions.create({
    model: 'sonnet',
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
    ],
    tools: [WEATHER_TOOL],
  });
  const messages = bodyOf(upstream).messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  assert.deepEqual(messages[1], { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] });
  assert.equal(messages[2]?.role, 'user');
  assert.equal(messages[2]?.content[0]?.type, 'tool_result');
  assert.equal(messages[2]?.content[0]?.tool_use_id, 'toolu_1');
});

test('streamed Anthropic tool input deltas reach the OpenAI client as argument deltas that parse', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'fixture', name: 'stream-tool-use.sse' });
  const stream = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER_TOOL], stream: true });
  let args = '';
  let name: string | undefined;
  let id: string | undefined;
  let text = '';
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? '';
    finish = choice.finish_reason ?? finish;
    for (const delta of choice.delta.tool_calls ?? []) {
      assert.equal(delta.index, 0);
      id = delta.id ?? id;
      name = delta.function?.name ?? name;
      args += delta.function?.arguments ?? '';
    }
  }
  assert.equal(text, "Okay, let's check the weather:");
  assert.equal(id, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6');
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { location: 'San Francisco, CA', unit: 'fahrenheit' });
  assert.equal(finish, 'tool_calls');
});

test('an overloaded Anthropic target falls back to an OpenAI-compatible one, and the client cannot tell', async (t) => {
  const anthropic = await startFakeAnthropicUpstream();
  const openai = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: {
      claude: { type: 'anthropic', baseUrl: anthropic.url, apiKey: 'sk-ant' },
      up: { type: 'openai-compatible', baseUrl: openai.url, apiKey: 'sk-upstream' },
    },
    models: {
      best: {
        targets: [
          { provider: 'claude', model: 'claude-sonnet-4-5' },
          { provider: 'up', model: 'gpt-4o-mini' },
        ],
        retries: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      },
    },
  });
  t.after(async () => {
    await operon.close();
    await anthropic.close();
    await openai.close();
  });
  anthropic.enqueue({ kind: 'error', status: 529 });
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: 'best', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }).withResponse();

  assert.equal(data.choices[0]?.message.content, 'Hello! How can I assist you today?');
  assert.equal((anthropic.requests[0]?.body as Record<string, unknown>).system, 'Be brief.');
  assert.deepEqual((openai.requests[0]?.body as Record<string, unknown>).messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ]);
  const span = (await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!))?.spans[0];
  assert.deepEqual(span?.attempts.map((attempt) => [attempt.provider, attempt.errorCode, attempt.upstreamStatus]), [
    ['claude', 'provider_overloaded', 529],
    ['up', undefined, undefined],
  ]);
  assert.equal(span?.fallbackUsed, true);
});

test('n > 1 for an Anthropic model is a 400 before anything is sent', async (t) => {
  const { upstream, client } = await setup(t);
  const error = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Hi' }], n: 2 }).catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.param, 'n');
  assert.equal(upstream.requests.length, 0);
});
