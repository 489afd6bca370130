import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeAnthropicUpstream, startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// Embeddings and the model list through the OpenAI SDK.

async function setup(t: TestContext): Promise<{ upstream: FakeUpstream; operon: RunningOperon; client: OpenAI }> {
  const upstream = await startFakeOpenAIUpstream();
  const anthropic = await startFakeAnthropicUpstream();
  const operon = await startOperon({
    providers: {
      up: { type: 'openai-compatible', baseUrl: upstream.url, apiKey: 'sk-upstream' },
      claude: { type: 'anthropic', baseUrl: anthropic.url, apiKey: 'sk-ant' },
    },
    models: {
      smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }, { provider: 'claude', model: 'claude-sonnet-4-5' }] },
      embed: { targets: [{ provider: 'up', model: 'text-embedding-3-small' }] },
      sonnet: { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
    },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
    await anthropic.close();
  });
  return { upstream, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

test('embeddings with explicit float encoding return the upstream vectors, one per input, in order', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const { data, response } = await client.embeddings.create({ model: 'embed', input: ['alpha', 'beta', 'gamma'], encoding_format: 'float' }).withResponse();

  assert.equal(upstream.requests.length, 1);
  const received = upstream.requests[0]!;
  assert.equal(received.path, '/v1/embeddings');
  assert.equal(received.headers.authorization, 'Bearer sk-upstream');
  const sent = received.body as Record<string, unknown>;
  assert.equal(sent.model, 'text-embedding-3-small');
  assert.deepEqual(sent.input, ['alpha', 'beta', 'gamma']);

  assert.equal(data.object, 'list');
  assert.equal(data.model, 'text-embedding-3-small');
  assert.deepEqual(data.data.map((item) => item.index), [0, 1, 2]);
  for (const item of data.data) {
    assert.equal(item.object, 'embedding');
    assert.equal(item.embedding.length, 4);
    assert.ok(item.embedding.every((value) => typeof value === 'number' && Number.isFinite(value)));
  }
  assert.notDeepEqual(data.data[0]?.embedding, data.data[1]?.embedding);
  assert.equal(data.usage.prompt_tokens, 6);

  const trace = await operon.trace(operon.project.id, response.headers.get('x-operon-trace-id')!);
  assert.equal(trace?.spans[0]?.type, 'embedding');
  assert.equal(trace?.status, 'ok');
  assert.equal(trace?.inputTokens, 6);
});

test("embeddings in the SDK's default base64 encoding decode to the same vectors as float", async (t) => {
  const { upstream, client } = await setup(t);
  // Without encoding_format the SDK asks for base64 and decodes float32 little-endian itself.
  const decoded = await client.embeddings.create({ model: 'embed', input: 'hello world' });
  const asFloat = await client.embeddings.create({ model: 'embed', input: 'hello world', encoding_format: 'float' });

  // The gateway asks the upstream for floats in both cases and encodes base64 itself.
  assert.equal((upstream.requests[0]?.body as Record<string, unknown>).encoding_format, 'float');
  const vector = decoded.data[0]?.embedding ?? [];
  const expected = asFloat.data[0]?.embedding ?? [];
  assert.equal(vector.length, 4);
  assert.equal(vector.length, expected.length);
  // base64 carries float32: equal to the float answer rounded to float32.
  assert.deepEqual(vector, [...new Float32Array(expected)]);
});

test('embeddings asked for in base64 come back as base64 float32 strings on the wire', async (t) => {
  const { operon } = await setup(t);
  const response = await fetch(`${operon.url}/v1/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'embed', input: 'hello world', encoding_format: 'base64' }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: Array<{ embedding: unknown }> };
  const encoded = body.data[0]?.embedding;
  assert.equal(typeof encoded, 'string');
  assert.equal(Buffer.from(encoded as string, 'base64').length, 4 * 4);
});

test('embeddings of a model whose provider has no embeddings endpoint fail with a 400', async (t) => {
  const { client } = await setup(t);
  const error = await client.embeddings.create({ model: 'sonnet', input: 'hi', encoding_format: 'float' }).then(
    () => assert.fail('expected an error'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.code, 'embeddings_not_supported');
  assert.match(error.message, /claude/);
});

test('embeddings of an unknown model fail with a 404 model_not_found', async (t) => {
  const { upstream, client } = await setup(t);
  const error = await client.embeddings.create({ model: 'nope', input: 'hi' }).catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.NotFoundError);
  assert.equal(error.code, 'model_not_found');
  assert.equal(upstream.requests.length, 0);
});

test('the model list shows the aliases first, then each provider/model a target names', async (t) => {
  const { upstream, client } = await setup(t);
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  assert.deepEqual(
    models.map((model) => [model.id, model.owned_by, model.object]),
    [
      ['smart', 'operon', 'model'],
      ['embed', 'operon', 'model'],
      ['sonnet', 'operon', 'model'],
      ['up/gpt-4o-mini', 'up', 'model'],
      ['claude/claude-sonnet-4-5', 'claude', 'model'],
      ['up/text-embedding-3-small', 'up', 'model'],
    ],
  );
  assert.equal(upstream.requests.length, 0, 'listing models does not call the providers');
});

test('a listed provider/model name can be called directly', async (t) => {
  const { upstream, client } = await setup(t);
  const completion = await client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  assert.ok(completion.choices[0]?.message.content);
  assert.equal((upstream.requests[0]?.body as Record<string, unknown>).model, 'gpt-4o-mini');
});

test('the model list needs a valid key', async (t) => {
  const { operon } = await setup(t);
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: 'op-wrong', maxRetries: 0 });
  const error = await client.models.list().catch((thrown: unknown) => thrown);
  assert.ok(error instanceof OpenAI.AuthenticationError);
  assert.equal(error.status, 401);
});
