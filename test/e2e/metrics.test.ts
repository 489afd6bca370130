import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOperon, type RunningOperon } from './harness.ts';

let operon: RunningOperon;
let gatewayKey: string;
let otherAdminKey: string;

before(async () => {
  operon = await startOperon({ providers: { mock: { type: 'mock' } }, pricing: { 'mock-model': { input: 1, output: 2 } } });
  gatewayKey = (await operon.createKey({ scopes: ['gateway'] })).key;
  otherAdminKey = (await operon.createKey({ project: 'other', scopes: ['admin'] })).key;
});
after(() => operon.close());

const get = (path: string, key?: string) => fetch(`${operon.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

function chat(content: string, headers: Record<string, string> = {}) {
  return fetch(`${operon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json', 'x-operon-cache': 'no-store', ...headers },
    body: JSON.stringify({ model: 'mock/mock-model', messages: [{ role: 'user', content }] }),
  });
}

/** The samples of a Prometheus text exposition; every other line must be a HELP or TYPE comment. */
async function scrape(key: string): Promise<Map<string, number>> {
  const response = await get('/metrics', key);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    // Go's ParseFloat, which Prometheus uses, also reads NaN and ±Inf in any case (Node's event loop lag starts as NaN).
    assert.ok(!Number.isNaN(Number(match[2])) || /^[+-]?(nan|inf)$/i.test(match[2] as string), line);
    samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

const OK_CALLS = 'operon_gateway_requests_total{kind="generation",model="mock-model",provider="mock",status="ok"}';

test('/metrics needs an admin key', async () => {
  assert.equal((await get('/metrics')).status, 401);
  assert.equal((await get('/metrics', gatewayKey)).status, 403);
  assert.equal((await get('/api/metrics', gatewayKey)).status, 403);
});

test('a gateway call moves the Prometheus counters of its project only', async () => {
  const before = (await scrape(operon.adminKey)).get(OK_CALLS) ?? 0;
  const answer = await chat('one two three', { 'x-operon-user-id': 'ada' });
  assert.equal(answer.status, 200, await answer.text());
  const samples = await scrape(operon.adminKey);
  assert.equal(samples.get(OK_CALLS), before + 1);
  assert.ok((samples.get('operon_gateway_request_duration_seconds_count{kind="generation",model="mock-model",provider="mock"}') ?? 0) >= 1);
  assert.ok((samples.get('operon_gateway_tokens_total{model="mock-model",provider="mock",direction="input"}') ?? 0) > 0);
  assert.ok((samples.get('operon_gateway_cost_usd_total{model="mock-model",provider="mock"}') ?? 0) > 0);
  assert.ok(samples.has('operon_ingest_queue_depth'));
  assert.ok(samples.has('operon_trace_queue_spans_total{outcome="written"}'));
  assert.ok(samples.has('process_resident_memory_bytes'));
  assert.equal([...samples.keys()].some((name) => name.includes('ada')), false, 'no user ids in labels');
  const theirs = await scrape(otherAdminKey);
  assert.equal(theirs.get(OK_CALLS), undefined, "another project's admin does not see these calls");
});

test('GET /api/metrics and /api/metrics/totals answer from the rollups, per project', async () => {
  const from = Date.now() - 60_000;
  await chat('alpha beta');
  await chat('gamma');
  await operon.flush();
  const to = Date.now() + 60_000;

  const totals = await get(`/api/metrics/totals?from=${from}&to=${to}&group_by=model&metrics=requests,errors,latency,tokens,cost`, operon.adminKey);
  assert.equal(totals.status, 200);
  const body = (await totals.json()) as { kinds: string[]; groups: { group: string; requests: number; errors: number; errorRate: number; latencyMs: { p95: number }; inputTokens: number; costUsd: number }[] };
  assert.deepEqual(body.kinds, ['generation', 'embedding']);
  const mock = body.groups.find((group) => group.group === 'mock-model');
  assert.ok(mock && mock.requests >= 2, JSON.stringify(body));
  assert.equal(mock.errors, 0);
  assert.equal(mock.errorRate, 0);
  assert.ok(mock.latencyMs.p95 > 0);
  assert.ok(mock.inputTokens > 0 && mock.costUsd > 0);

  const series = await get(`/api/metrics?from=${new Date(from).toISOString()}&to=${to}&interval=1m&kind=generation&metrics=requests`, operon.adminKey);
  assert.equal(series.status, 200);
  const seriesBody = (await series.json()) as { interval: string; series: { group: null; points: { start: number; requests: number }[] }[] };
  assert.equal(seriesBody.interval, '1m');
  assert.equal(seriesBody.series.length, 1);
  assert.ok((seriesBody.series[0]?.points.length ?? 0) >= 2);
  assert.ok((seriesBody.series[0]?.points.reduce((sum, point) => sum + point.requests, 0) ?? 0) >= 2);

  const theirs = (await (await get(`/api/metrics/totals?from=${from}&to=${to}`, otherAdminKey)).json()) as { groups: { requests: number }[] };
  assert.deepEqual(theirs.groups.map((group) => group.requests), [0]);
});

test('/api/metrics names what it cannot answer', async () => {
  const combined = await get('/api/metrics/totals?group_by=key_id&model=a', operon.adminKey);
  assert.equal(combined.status, 400);
  const grouped = await get('/api/metrics/totals?group_by=key&model=a', operon.adminKey);
  assert.equal(grouped.status, 400);
  assert.equal(((await grouped.json()) as { error: { param: string } }).error.param, 'model');
  const badInterval = await get('/api/metrics?interval=2m', operon.adminKey);
  assert.equal(badInterval.status, 400);
  const badTime = await get('/api/metrics?from=yesterday', operon.adminKey);
  assert.equal(((await badTime.json()) as { error: { param: string } }).error.param, 'from');
  const openapi = (await (await get('/openapi.json', operon.adminKey)).json()) as { paths: Record<string, unknown> };
  assert.ok(openapi.paths['/api/metrics'] && openapi.paths['/api/metrics/totals'] && openapi.paths['/metrics']);
});
