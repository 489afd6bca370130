import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { FakeOpenAIServer, REJECTED_MODEL } from '../test-support/fake-openai-server.ts';
import { startSdk } from '../test-support/sdk-under-test.ts';

const STATUS_ERROR = 2;
const SPAN_KIND_CLIENT = 3;

async function setUp(t: TestContext) {
  const upstream = await FakeOpenAIServer.start();
  t.after(() => upstream.close());
  let clock = 1_000;
  const sdk = await startSdk(t, { now: () => (clock += 25) });
  const openai = sdk.operon.wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: upstream.baseURL, maxRetries: 0 }));
  return { ...sdk, openai, upstream };
}

function json(value: unknown): unknown {
  return JSON.parse(value as string);
}

describe('wrapOpenAI', () => {
  it('traces a chat completion inside the active span, with tokens and messages', async (t) => {
    const { operon, openai, receiver, upstream } = await setUp(t);
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hello' },
    ];
    const params = { model: 'gpt-4.1', messages, temperature: 0.3, max_tokens: 50 };
    const completion = await operon.trace('chat-turn', () => openai.chat.completions.create(params));
    assert.equal(completion.choices[0]?.message.content, 'Hello! How can I assist you today?');
    assert.deepEqual(upstream.requests[0]?.body, params, 'the request goes out unchanged');
    await operon.flush();

    const span = receiver.span('chat gpt-4.1');
    assert.equal(span.parentSpanId, receiver.span('chat-turn').spanId);
    assert.equal(span.kind, SPAN_KIND_CLIENT);
    const { attributes } = span;
    assert.equal(attributes['operon.span.kind'], 'generation');
    assert.equal(attributes['gen_ai.operation.name'], 'chat');
    assert.equal(attributes['gen_ai.provider.name'], 'openai');
    assert.equal(attributes['gen_ai.request.model'], 'gpt-4.1');
    assert.equal(attributes['gen_ai.response.model'], 'gpt-4.1-2025-04-14');
    assert.equal(attributes['gen_ai.response.id'], 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    assert.equal(attributes['gen_ai.request.temperature'], 0.3);
    assert.equal(attributes['gen_ai.request.max_tokens'], 50);
    assert.equal(attributes['gen_ai.usage.input_tokens'], 19);
    assert.equal(attributes['gen_ai.usage.output_tokens'], 10);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(attributes['server.address'], '127.0.0.1');
    assert.deepEqual(json(attributes['gen_ai.input.messages']), [
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
    ]);
    assert.deepEqual(json(attributes['gen_ai.output.messages']), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello! How can I assist you today?' }], finish_reason: 'stop' },
    ]);
  });

  it('returns the client\'s own APIPromise, so withResponse() still works', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const { data, response, request_id } = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(data.id, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    assert.equal(response.status, 200);
    assert.equal(request_id, 'req_fake');
    await operon.flush();
    assert.equal(receiver.span('chat gpt-4.1').attributes['gen_ai.usage.output_tokens'], 10);
  });

  it('traces the client\'s helpers that call create() underneath (parse)', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const parsed = await openai.chat.completions.parse({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(parsed.choices[0]?.message.content, 'Hello! How can I assist you today?');
    await operon.flush();
    assert.equal(receiver.spans().length, 1);
    assert.equal(receiver.span('chat gpt-4.1').attributes['gen_ai.usage.input_tokens'], 19);
  });

  it('traces a streamed chat completion when the stream is consumed', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    await operon.flush();
    assert.equal(receiver.spans().length, 0, 'the span stays open until the stream is consumed');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello! How can I help you today?');
    await operon.flush();

    const { attributes } = receiver.span('chat gpt-4.1-nano');
    assert.equal(attributes['gen_ai.response.model'], 'gpt-4.1-nano-2025-04-14');
    assert.equal(attributes['gen_ai.response.id'], 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0');
    assert.equal(attributes['gen_ai.usage.input_tokens'], 19);
    assert.equal(attributes['gen_ai.usage.output_tokens'], 10);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.deepEqual(json(attributes['gen_ai.output.messages']), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello! How can I help you today?' }], finish_reason: 'stop' },
    ]);
    // the injected clock advances 25 ms per reading: call start, then the first chunk carrying text
    assert.equal(attributes['operon.time_to_first_token_ms'], 25);
  });

  it('ends a streamed span when the caller stops early', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let chunks = 0;
    for await (const _chunk of stream) {
      if (++chunks === 3) break;
    }
    await operon.flush();
    const { attributes, status } = receiver.span('chat gpt-4.1-nano');
    assert.notEqual(status.code, STATUS_ERROR);
    assert.deepEqual(json(attributes['gen_ai.output.messages']), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello!' }], finish_reason: 'error' },
    ]);
  });

  it('keeps tee() working on a traced stream', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const [left, right] = stream.tee();
    const read = async (branch: typeof left): Promise<string> => {
      let text = '';
      for await (const chunk of branch) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    assert.deepEqual(await Promise.all([read(left), read(right)]), ['Hello! How can I help you today?', 'Hello! How can I help you today?']);
    await operon.flush();
    assert.equal(receiver.spans().length, 1);
    assert.equal(receiver.span('chat gpt-4.1-nano').attributes['gen_ai.usage.output_tokens'], 10);
  });

  it('records an API error on the span and rethrows the client\'s error', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const failure = await operon
      .trace('turn', () => openai.chat.completions.create({ model: REJECTED_MODEL, messages: [] }))
      .catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.BadRequestError);
    assert.equal(failure.status, 400);
    await operon.flush();
    const span = receiver.span(`chat ${REJECTED_MODEL}`);
    assert.equal(span.status.code, STATUS_ERROR);
    assert.equal(span.attributes['error.type'], 'empty_array');
    assert.ok(span.events.some((event) => event.name === 'exception'));
    assert.equal(receiver.span('turn').status.code, STATUS_ERROR);
  });

  it('traces the Responses API, plain and streamed', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    const reply = await openai.responses.create({ model: 'gpt-4.1', input: 'Tell me a story.', instructions: 'Answer in one sentence.' });
    assert.equal(reply.output_text, 'A unicorn found a lost star and carried it home to the sky.');
    const stream = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Tell me a story.', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types.at(-1), 'response.completed');
    await operon.flush();

    for (const name of ['chat gpt-4.1', 'chat gpt-4.1-mini']) {
      const { attributes } = receiver.span(name);
      assert.equal(attributes['gen_ai.response.model'], 'gpt-4.1-2025-04-14');
      assert.equal(attributes['gen_ai.usage.input_tokens'], 36);
      assert.equal(attributes['gen_ai.usage.output_tokens'], 16);
      assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
      assert.deepEqual(json(attributes['gen_ai.input.messages']), [
        { role: 'user', parts: [{ type: 'text', content: 'Tell me a story.' }] },
      ]);
      assert.deepEqual(json(attributes['gen_ai.output.messages']), [
        { role: 'assistant', parts: [{ type: 'text', content: reply.output_text }], finish_reason: 'stop' },
      ]);
    }
    assert.deepEqual(json(receiver.span('chat gpt-4.1').attributes['gen_ai.system_instructions']), [
      { type: 'text', content: 'Answer in one sentence.' },
    ]);
    assert.equal(receiver.span('chat gpt-4.1-mini').attributes['operon.time_to_first_token_ms'], 25);
  });

  it('traces embeddings as embedding spans and leaves the decoded vectors alone', async (t) => {
    const { operon, openai, receiver, upstream } = await setUp(t);
    const result = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    assert.equal(result.data.length, 2);
    assert.ok(Math.abs((result.data[0]?.embedding[0] ?? 0) - 0.0023064255) < 1e-6);
    assert.equal(upstream.requests[0]?.body.encoding_format, 'base64', 'the client still picks its own default');
    await operon.flush();
    const { attributes } = receiver.span('embeddings text-embedding-3-small');
    assert.equal(attributes['operon.span.kind'], 'embedding');
    assert.equal(attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(attributes['gen_ai.usage.input_tokens'], 8);
    assert.equal(attributes['gen_ai.embeddings.dimension.count'], 4);
    assert.equal(attributes['input.value'], '["a","b"]');
  });

  it('wraps a client once, and calls run untraced after shutdown', async (t) => {
    const { operon, openai, receiver } = await setUp(t);
    assert.equal(operon.wrapOpenAI(openai), openai);
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    await operon.flush();
    assert.equal(receiver.spans().length, 1, 'wrapping twice does not double the spans');
    await operon.shutdown();
    const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(completion.object, 'chat.completion');
  });
});
