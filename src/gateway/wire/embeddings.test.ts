import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OperonError } from '../../core/errors.ts';
import { parseEmbeddingsRequest, toBase64Float32, toOpenAIEmbeddingsResponse } from './embeddings.ts';

function rejects(body: unknown): OperonError {
  try {
    parseEmbeddingsRequest(body);
  } catch (error) {
    assert.ok(error instanceof OperonError);
    assert.equal(error.kind, 'invalid_request');
    return error;
  }
  assert.fail('expected an invalid_request error');
}

test('a string input becomes a one-item list; every field maps', () => {
  assert.deepEqual(parseEmbeddingsRequest({ model: 'text-embedding-3-small', input: 'hello' }), {
    request: { model: 'text-embedding-3-small', input: ['hello'] },
    encodingFormat: 'float',
  });
  assert.deepEqual(
    parseEmbeddingsRequest({ model: 'e', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64', user: 'u-1', extra_thing: true }),
    {
      request: { model: 'e', input: ['a', 'b'], dimensions: 256, user: 'u-1', providerOptions: { openai: { extra_thing: true } } },
      encodingFormat: 'base64',
    },
  );
  assert.equal(parseEmbeddingsRequest({ model: 'e', input: 'a', encoding_format: null, dimensions: null }).encodingFormat, 'float');
});

test('token-id inputs are refused with a message saying text only', () => {
  for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
    const error = rejects({ model: 'e', input });
    assert.equal(error.message, 'input must be text: a string or an array of strings. Token-id arrays are not supported by the gateway; send the text instead.');
    assert.equal(error.param, 'input');
  }
});

test('bad fields are named', () => {
  assert.equal(rejects({ model: 'e', input: [] }).message, 'input must contain at least 1 item.');
  assert.equal(rejects({ model: 'e' }).message, 'input is required; it must be a string or a non-empty array of strings.');
  assert.equal(rejects({ model: 'e', input: 'x', encoding_format: 'int8' }).message, "encoding_format must be one of float, base64; got 'int8'.");
  assert.equal(rejects({ model: 'e', input: 'x', dimensions: 0 }).param, 'dimensions');
  assert.equal(rejects({ input: 'x' }).param, 'model');
});

test('the response lists one embedding per input with usage', () => {
  const result = { model: 'text-embedding-3-small', embeddings: [[0.1, -0.2], [0.3, 0.4]], usage: { inputTokens: 5 } };
  assert.deepEqual(toOpenAIEmbeddingsResponse(result, 'float'), {
    object: 'list',
    data: [
      { object: 'embedding', index: 0, embedding: [0.1, -0.2] },
      { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
    ],
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 5, total_tokens: 5 },
  });
  assert.deepEqual(toOpenAIEmbeddingsResponse({ model: 'e', embeddings: [] }, 'float').usage, { prompt_tokens: 0, total_tokens: 0 });
});

test('base64 embeddings are float32 little-endian and decode back to the floats', () => {
  const vector = [0.5, -1.25, 3.1415927, 0, 1e-7];
  const encoded = toOpenAIEmbeddingsResponse({ model: 'e', embeddings: [vector] }, 'base64').data[0]!.embedding;
  assert.equal(typeof encoded, 'string');
  const bytes = Buffer.from(encoded as string, 'base64');
  assert.equal(bytes.length, vector.length * 4);
  const decoded = vector.map((_, i) => bytes.readFloatLE(i * 4));
  assert.deepEqual(decoded, Array.from(new Float32Array(vector)));
  assert.equal(toBase64Float32([1]), 'AACAPw==');
});

test('the OpenAI SDK decodes the base64 response to the same floats', async () => {
  const vector = [0.25, -0.5, 0.125];
  const body = toOpenAIEmbeddingsResponse({ model: 'e', embeddings: [vector], usage: { inputTokens: 1 } }, 'base64');
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://gateway.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }),
  });
  // The SDK asks for base64 by default and decodes it itself.
  const response = await client.embeddings.create({ model: 'e', input: 'x' });
  assert.deepEqual(response.data[0]?.embedding, vector);
});
