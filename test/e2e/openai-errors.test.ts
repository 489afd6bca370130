import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

// Bad input and bad upstream answers come back in OpenAI's error shape, which the SDK turns into the
// right APIError subclass, and the server keeps serving afterwards.

const MAX_BODY_BYTES = 4_096;

async function setup(t: TestContext): Promise<{ upstream: FakeUpstream; operon: RunningOperon; client: OpenAI }> {
  const upstream = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    server: { maxBodyBytes: MAX_BODY_BYTES },
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url, apiKey: 'sk-upstream-wrong' } },
    models: { smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }, fast: { targets: [{ provider: 'up', model: 'gpt-4.1-nano' }] } },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  return { upstream, operon, client: new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 }) };
}

async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const outcome = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(outcome instanceof OpenAI.APIError, `expected an APIError, got ${String(outcome)}`);
  return outcome;
}

function post(operon: RunningOperon, body: string | ReadableStream<Uint8Array>): Promise<Response> {
  return fetch(`${operon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
}

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function assertHealthy(operon: RunningOperon, client: OpenAI): Promise<void> {
  const health = await fetch(`${operon.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const completion = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'still there?' }] });
  assert.ok(completion.choices[0]?.message.content);
}

test('malformed JSON is a 400 in the OpenAI error shape', async (t) => {
  const { upstream, operon } = await setup(t);
  const response = await post(operon, '{"model": "smart", "messages": [');
  assert.equal(response.status, 400);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = (await response.json()) as ErrorBody;
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, /not valid JSON/);
  assert.equal(upstream.requests.length, 0);
});

test('an empty body is a 400', async (t) => {
  const { operon } = await setup(t);
  const response = await post(operon, '');
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as ErrorBody).error.message, /empty/);
});

test('missing messages is a BadRequestError naming the field', async (t) => {
  const { upstream, client } = await setup(t);
  const error = await failure(client.chat.completions.create({ model: 'smart' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming));
  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.status, 400);
  assert.equal(error.type, 'invalid_request_error');
  assert.equal(error.param, 'messages');
  assert.match(error.message, /messages/);
  assert.equal(upstream.requests.length, 0);
});

test('invalid parameters are 400s naming the parameter', async (t) => {
  const { client } = await setup(t);
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const hot = await failure(client.chat.completions.create({ model: 'smart', messages, temperature: 5 }));
  assert.ok(hot instanceof OpenAI.BadRequestError);
  assert.equal(hot.param, 'temperature');
  const empty = await failure(client.chat.completions.create({ model: 'smart', messages: [] }));
  assert.ok(empty instanceof OpenAI.BadRequestError);
  assert.equal(empty.param, 'messages');
  const logprobs = await failure(client.chat.completions.create({ model: 'smart', messages, top_logprobs: 2 }));
  assert.ok(logprobs instanceof OpenAI.BadRequestError);
  assert.equal(logprobs.param, 'top_logprobs');
  const role = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'robot', content: 'Hi' }] } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming));
  assert.ok(role instanceof OpenAI.BadRequestError);
});

test('an unknown model is a 404 model_not_found that names the configured models', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const error = await failure(client.chat.completions.create({ model: 'gpt-7', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.ok(error instanceof OpenAI.NotFoundError);
  assert.equal(error.status, 404);
  assert.equal(error.code, 'model_not_found');
  assert.equal(error.param, 'model');
  assert.match(error.message, /'smart'/);
  assert.match(error.message, /'fast'/);
  assert.equal(upstream.requests.length, 0);
  const trace = await operon.trace(operon.project.id, error.headers?.get('x-operon-trace-id') ?? '');
  assert.equal(trace?.status, 'error');
});

test('a body over server.maxBodyBytes is a 413', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY_BYTES) }] }));
  assert.equal(error.status, 413);
  assert.equal(error.code, 'request_too_large');
  assert.match(error.message, /maxBodyBytes/);
  assert.equal(upstream.requests.length, 0);
  await assertHealthy(operon, client);
});

test('a chunked body without content-length is cut off at server.maxBodyBytes with a 413', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const chunk = new TextEncoder().encode(`{"model":"smart","messages":[{"role":"user","content":"${'y'.repeat(1_000)}`);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += 1;
      if (sent > 10) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const response = await post(operon, body);
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as ErrorBody).error.code, 'request_too_large');
  assert.equal(upstream.requests.length, 0);
  await assertHealthy(operon, client);
});

test('a garbled upstream reply is a 502 that names the provider', async (t) => {
  const { upstream, operon, client } = await setup(t);
  upstream.enqueue({ kind: 'garbled' });
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.ok(error instanceof OpenAI.APIError);
  assert.equal(error.status, 502);
  assert.equal(error.code, 'provider_bad_response');
  assert.match(error.message, /Provider 'up'/);
  assert.equal(upstream.requests.length, 1, 'an unreadable reply is not retried');
  const trace = await operon.trace(operon.project.id, error.headers?.get('x-operon-trace-id') ?? '');
  assert.equal(trace?.spans[0]?.errorCode, 'provider_bad_response');
});

test('a 200 upstream reply that is not JSON at all is a 502', async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'garbled', body: '<html>Bad gateway</html>', contentType: 'text/html' });
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.equal(error.status, 502);
});

test("an upstream 401 is a 502 naming the provider's key setting, not a 401 for the client's key", async (t) => {
  const { upstream, client } = await setup(t);
  upstream.enqueue({ kind: 'error', status: 401 });
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.ok(!(error instanceof OpenAI.AuthenticationError));
  assert.equal(error.status, 502);
  assert.equal(error.code, 'provider_auth_failed');
  assert.match(error.message, /providers\.up\.apiKey/);
  assert.ok(!error.message.includes('sk-upstream-wrong'), 'the provider key is not echoed');
  assert.equal(upstream.requests.length, 1, 'a rejected key is not retried');
});

test('a missing or unknown Operon key is a 401 AuthenticationError and nothing goes upstream', async (t) => {
  const { upstream, operon } = await setup(t);
  for (const apiKey of ['opk_not-a-real-key', 'sk-openai-key-by-mistake']) {
    const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey, maxRetries: 0 });
    const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.code, 'invalid_api_key');
  }
  const anonymous = await fetch(`${operon.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as ErrorBody).error.code, 'missing_api_key');
  assert.equal(upstream.requests.length, 0);
});

test('a revoked key is refused', async (t) => {
  const { operon } = await setup(t);
  const { key, keyId } = await operon.createKey();
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: key, maxRetries: 0 });
  await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] });
  const revoked = await fetch(`${operon.url}/api/keys/${keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${operon.adminKey}` } });
  assert.equal(revoked.status, 204);
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.ok(error instanceof OpenAI.AuthenticationError);
  assert.equal(error.code, 'api_key_revoked');
});

test('after a run of bad requests and bad upstream answers the server still answers', async (t) => {
  const { upstream, operon, client } = await setup(t);
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  upstream.enqueue({ kind: 'garbled' }, { kind: 'error', status: 401 }, { kind: 'close' }, { kind: 'close' }, { kind: 'stream-error' }, { kind: 'stream-error' });
  const [malformed, outcomes] = await Promise.all([
    Promise.all([post(operon, '{"model":'), post(operon, '[]'), post(operon, 'null')]),
    Promise.allSettled([
      client.chat.completions.create({ model: 'smart', messages }),
      client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'again' }] }),
      client.chat.completions.create({ model: 'nope', messages }),
    ]),
  ]);
  assert.deepEqual(malformed.map((response) => response.status), [400, 400, 400]);
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.status === 'rejected' && outcome.reason instanceof OpenAI.APIError ? outcome.reason.status : outcome.status)).sort(),
    [404, 502, 502],
  );
  const closed = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'dropped' }] }));
  assert.equal(closed.status, 503);
  assert.equal(closed.code, 'provider_unreachable');
  const stream = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'broken stream' }], stream: true }));
  assert.equal(stream.status, 503);
  assert.equal(stream.code, 'provider_unreachable');
  await assertHealthy(operon, client);
});

test("a key over its requests-per-minute limit gets a RateLimitError with Retry-After and the upstream is spared", async (t) => {
  const { upstream, operon } = await setup(t);
  const { key } = await operon.createKey({ name: 'tight', limits: { requestsPerMinute: 1 } });
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: key, maxRetries: 0 });
  await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'one' }] });
  const error = await failure(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'two' }] }));
  assert.ok(error instanceof OpenAI.RateLimitError);
  assert.equal(error.code, 'rate_limit_exceeded');
  assert.match(error.message, /key 'tight'/);
  assert.ok(Number(error.headers?.get('retry-after')) >= 1);
  assert.equal(upstream.requests.length, 1);
});
