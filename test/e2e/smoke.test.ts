import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAIUpstream } from '../../src/testing/index.ts';
import { startOperon } from './harness.ts';

test('an OpenAI SDK call goes through the gateway to the upstream and leaves a trace', async (t) => {
  const upstream = await startFakeOpenAIUpstream();
  const operon = await startOperon({
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url } },
    models: { smart: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] } },
  });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.ok(data.choices[0]?.message.content);
  assert.equal((upstream.requests[0]?.body as { model: string }).model, 'gpt-4o-mini');
  const traceId = response.headers.get('x-operon-trace-id');
  assert.ok(traceId);
  const trace = await operon.trace(operon.project.id, traceId);
  assert.equal(trace?.modelRequested, 'smart');
  assert.equal(trace?.provider, 'up');
  assert.equal(trace?.status, 'ok');
});

test('the chat routes answer the same through the direct path and through Hono (with a query string)', async (t) => {
  const operon = await startOperon({ providers: { mock: { type: 'mock' } } });
  t.after(() => operon.close());
  const call = (path: string) =>
    fetch(`${operon.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json', 'x-operon-cache': 'no-store' },
      body: JSON.stringify({ model: 'mock/m', messages: [{ role: 'user', content: 'same' }] }),
    });
  const direct = await call('/v1/chat/completions');
  const viaHono = await call('/v1/chat/completions?api-version=1');
  assert.equal(direct.status, 200);
  assert.equal(viaHono.status, 200);
  const [a, b] = [(await direct.json()) as { choices: unknown }, (await viaHono.json()) as { choices: unknown }];
  assert.deepEqual(a.choices, b.choices);
  const wrongMethod = await fetch(`${operon.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${operon.adminKey}` } });
  assert.equal(wrongMethod.status, 404);
});
