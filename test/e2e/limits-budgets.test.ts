import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { createManualClock, type ManualClock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/core/config-loader.ts';
import type { OperonConfigInput } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { composeOperon } from '../../src/server/compose.ts';
import { startFakeOpenAIUpstream, type FakeUpstream } from '../../src/testing/index.ts';
import { startOperon, type RunningOperon } from './harness.ts';

/**
 * Rate limits and budgets through the HTTP gateway, on a manual clock that starts mid-month (UTC), so
 * "a day later" and "next month" are a matter of `clock.advance`. The fake OpenAI upstream reports 19
 * input and 10 output tokens per call; at $10,000 per million tokens a call costs about $0.29.
 */
const START = Date.UTC(2026, 4, 14, 12, 0, 0);
const DAY = 24 * 60 * 60 * 1000;

function configFor(upstream: FakeUpstream): OperonConfigInput {
  return {
    providers: { up: { type: 'openai-compatible', baseUrl: upstream.url } },
    models: { smart: { targets: [{ provider: 'up', model: 'priced-model' }] } },
    pricing: { 'priced-model': { input: 10_000, output: 10_000 } },
    // Every call must reach the upstream: a cache hit costs nothing.
    cache: { enabled: false },
  };
}

async function setup(t: TestContext, extra: OperonConfigInput = {}): Promise<{ operon: RunningOperon; clock: ManualClock; upstream: FakeUpstream }> {
  const upstream = await startFakeOpenAIUpstream();
  const clock = createManualClock(START);
  const operon = await startOperon({ ...configFor(upstream), ...extra }, { clock });
  t.after(async () => {
    await operon.close();
    await upstream.close();
  });
  return { operon, clock, upstream };
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** One chat call; a stream is read to its end. */
async function chat(url: string, key: string, options: { stream?: boolean; wire?: 'openai' | 'anthropic' } = {}): Promise<Answer> {
  const anthropic = options.wire === 'anthropic';
  const response = await fetch(`${url}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'smart',
      messages: [{ role: 'user', content: 'Hi' }],
      ...(anthropic ? { max_tokens: 50 } : {}),
      ...(options.stream ? { stream: true } : {}),
    }),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}

function assertLimited(answer: Answer, code: 'rate_limit_exceeded' | 'budget_exceeded', message?: RegExp): void {
  assert.equal(answer.status, 429, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, code);
  assert.equal(typeof answer.body.error.type, 'string');
  assert.ok('param' in answer.body.error, 'OpenAI error shape');
  if (message) assert.match(answer.body.error.message, message);
  const retryAfter = Number(answer.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `retry-after is whole seconds, got ${answer.headers.get('retry-after')}`);
}

test('requests per minute of a key: the third call is refused until the window moves on', async (t) => {
  const { operon, clock, upstream } = await setup(t);
  const { key } = await operon.createKey({ limits: { requestsPerMinute: 2 } });
  assert.equal((await chat(operon.url, key)).status, 200);
  clock.advance(10_000);
  assert.equal((await chat(operon.url, key)).status, 200);

  const refused = await chat(operon.url, key);
  assertLimited(refused, 'rate_limit_exceeded', /2 requests per minute/);
  assert.ok(Number(refused.headers.get('retry-after')) <= 60);
  assert.equal(upstream.requests.length, 2, 'a refused call does not reach the upstream');
  assert.equal((await chat(operon.url, operon.adminKey)).status, 200, 'other keys are not limited');

  clock.advance(51_000); // the first call left the window; the second is still in it
  assert.equal((await chat(operon.url, key)).status, 200);
  assertLimited(await chat(operon.url, key), 'rate_limit_exceeded');
  clock.advance(61_000);
  assert.equal((await chat(operon.url, key)).status, 200);
});

test('a project rate limit applies across its keys, and an Anthropic client gets its own error shape', async (t) => {
  const { operon } = await setup(t);
  const one = await operon.createKey({ name: 'one' });
  const two = await operon.createKey({ name: 'two' });
  const patched = await fetch(`${operon.url}/api/project`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limits: { requestsPerMinute: 3 } }),
  });
  assert.equal(patched.status, 200);

  assert.equal((await chat(operon.url, one.key)).status, 200);
  assert.equal((await chat(operon.url, one.key)).status, 200);
  assert.equal((await chat(operon.url, two.key)).status, 200);
  assertLimited(await chat(operon.url, two.key), 'rate_limit_exceeded', /project 'default'/);
  assertLimited(await chat(operon.url, one.key), 'rate_limit_exceeded');

  const anthropic = await chat(operon.url, one.key, { wire: 'anthropic' });
  assert.equal(anthropic.status, 429);
  assert.equal(anthropic.body.type, 'error');
  assert.equal(anthropic.body.error.type, 'rate_limit_error');
  assert.ok(anthropic.headers.get('retry-after'));
});

test('config defaults: limits.key applies to keys without their own limits', async (t) => {
  const { operon } = await setup(t, { limits: { key: { requestsPerMinute: 1 } } });
  const plain = await operon.createKey();
  const own = await operon.createKey({ limits: { requestsPerMinute: 5 } });
  assert.equal((await chat(operon.url, plain.key)).status, 200);
  assertLimited(await chat(operon.url, plain.key), 'rate_limit_exceeded', /limits\.key\.requestsPerMinute/);
  assert.equal((await chat(operon.url, own.key)).status, 200);
  assert.equal((await chat(operon.url, own.key)).status, 200, "a key's own limit wins over the default");
});

test('tokens per minute: once the last minute used the tokens, calls wait', async (t) => {
  const { operon, clock } = await setup(t);
  const { key } = await operon.createKey({ limits: { tokensPerMinute: 40 } });
  assert.equal((await chat(operon.url, key)).status, 200); // 29 tokens
  assert.equal((await chat(operon.url, key)).status, 200); // 58 tokens, admitted at 29
  assertLimited(await chat(operon.url, key), 'rate_limit_exceeded', /40 tokens per minute/);
  clock.advance(61_000);
  assert.equal((await chat(operon.url, key)).status, 200);
});

test('streaming calls count against requests, tokens and budgets', async (t) => {
  const { operon } = await setup(t);
  const rpm = await operon.createKey({ limits: { requestsPerMinute: 1 } });
  const streamed = await chat(operon.url, rpm.key, { stream: true });
  assert.equal(streamed.status, 200);
  assert.match(streamed.body, /data: \[DONE\]/);
  assertLimited(await chat(operon.url, rpm.key, { stream: true }), 'rate_limit_exceeded');

  const tpm = await operon.createKey({ limits: { tokensPerMinute: 20 } });
  assert.equal((await chat(operon.url, tpm.key, { stream: true })).status, 200);
  assertLimited(await chat(operon.url, tpm.key), 'rate_limit_exceeded', /tokens/);

  const budget = await operon.createKey({ limits: { dailyBudgetUsd: 0.1 } });
  assert.equal((await chat(operon.url, budget.key, { stream: true })).status, 200);
  assertLimited(await chat(operon.url, budget.key, { stream: true }), 'budget_exceeded');
});

test('daily budget of a key: once spent, 429 budget_exceeded until the next UTC day', async (t) => {
  const { operon, clock } = await setup(t);
  const { key } = await operon.createKey({ limits: { dailyBudgetUsd: 0.1 } });
  const first = await chat(operon.url, key);
  assert.equal(first.status, 200);
  const trace = await operon.trace(operon.project.id, first.headers.get('x-operon-trace-id')!);
  assert.ok(Math.abs((trace?.costUsd ?? 0) - 0.29) < 0.001, `priced from config, got ${trace?.costUsd}`);

  const refused = await chat(operon.url, key);
  assertLimited(refused, 'budget_exceeded', /daily budget of \$0\.10/);
  const resetsIn = Number(refused.headers.get('retry-after'));
  assert.equal(resetsIn, 12 * 60 * 60, 'retry-after is the time to 00:00 UTC');
  assert.equal((await chat(operon.url, operon.adminKey)).status, 200, 'the project has no budget');

  clock.advance(DAY);
  assert.equal((await chat(operon.url, key)).status, 200, 'a new day, a new budget');
  assertLimited(await chat(operon.url, key), 'budget_exceeded');
});

test('monthly budget of a project: refused for the rest of the month, open again on the 1st', async (t) => {
  const { operon, clock } = await setup(t);
  const { key } = await operon.createKey();
  const patched = await fetch(`${operon.url}/api/project`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${operon.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limits: { monthlyBudgetUsd: 0.5 } }),
  });
  assert.equal(patched.status, 200);

  assert.equal((await chat(operon.url, key)).status, 200); // $0.29
  assert.equal((await chat(operon.url, operon.adminKey)).status, 200); // $0.58, admitted at $0.29
  assertLimited(await chat(operon.url, key), 'budget_exceeded', /monthly budget of \$0\.50 for project 'default'/);

  clock.advance(DAY);
  assertLimited(await chat(operon.url, key), 'budget_exceeded', /monthly/);
  clock.advance(Date.UTC(2026, 5, 1, 0, 0, 1) - clock.now());
  assert.equal((await chat(operon.url, key)).status, 200, 'a new month');
});

test('budgets survive a restart: usage is persisted and read back', async (t) => {
  const upstream = await startFakeOpenAIUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'operon-e2e-restart-'));
  t.after(async () => {
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const clock = createManualClock(START);
  const config = parseConfig({ ...configFor(upstream), storage: { dataDir }, logging: { level: 'silent' } });

  const first = await serve(config, clock);
  const { project } = await first.operon.service.bootstrap();
  const created = await first.operon.service.createKey(project.id, { name: 'budgeted', scopes: ['gateway'], limits: { dailyBudgetUsd: 0.4, monthlyBudgetUsd: 0.7 } });
  assert.equal((await chat(first.url, created.plain)).status, 200); // $0.29
  assert.equal((await chat(first.url, created.plain)).status, 200); // $0.58
  assertLimited(await chat(first.url, created.plain), 'budget_exceeded', /daily/);
  await first.close();

  const second = await serve(config, clock);
  try {
    assertLimited(await chat(second.url, created.plain), 'budget_exceeded', /daily budget of \$0\.40 .* \$0\.58 used today/);
    clock.advance(DAY);
    assert.equal((await chat(second.url, created.plain)).status, 200, 'the next day: $0.58 of $0.70 this month');
    assertLimited(await chat(second.url, created.plain), 'budget_exceeded', /monthly budget of \$0\.70/);
  } finally {
    await second.close();
  }
  assert.equal(upstream.requests.length, 3);
});

/** composeOperon on a given config (and so a given data folder), served on a free port. */
async function serve(config: ReturnType<typeof parseConfig>, clock: ManualClock) {
  const operon = await composeOperon({ config, env: {}, logger: silentLogger(), clock });
  const server = createAdaptorServer({ fetch: operon.app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    operon,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await operon.close();
    },
  };
}
