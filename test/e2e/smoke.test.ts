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
