import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOperon, type RunningOperon } from './harness.ts';

let operon: RunningOperon;
let otherAdminKey: string;
let gatewayKey: string;

before(async () => {
  operon = await startOperon({ providers: { mock: { type: 'mock' } } });
  otherAdminKey = (await operon.createKey({ project: 'other', scopes: ['admin'] })).key;
  gatewayKey = (await operon.createKey({ scopes: ['gateway'] })).key;
});
after(() => operon.close());

function call(method: string, path: string, body?: unknown, key = operon.adminKey) {
  return fetch(`${operon.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const rule = {
  name: 'slow gpt-4o',
  metric: 'latencyP95',
  comparison: '>',
  threshold: 2000,
  window: '5m',
  for: '5m',
  minRequests: 20,
  filters: { model: ['gpt-4o'] },
  webhookUrl: 'https://hooks.example.com/operon?token=s3cret',
};

async function refused(response: Response, param: string, message: RegExp): Promise<void> {
  const body = (await response.json()) as { error: { param: string | null; message: string } };
  assert.equal(response.status, 400, JSON.stringify(body));
  assert.equal(body.error.param, param);
  assert.match(body.error.message, message);
}

test('rules are created, read, changed and deleted by an admin key of the project', async () => {
  const created = await call('POST', '/api/alerts/rules', rule);
  assert.equal(created.status, 201);
  const body = (await created.json()) as Record<string, unknown> & { id: string };
  assert.match(body.id, /^alert_/);
  assert.deepEqual({ ...body, id: undefined, createdAt: undefined, updatedAt: undefined }, {
    ...rule, id: undefined, createdAt: undefined, updatedAt: undefined, enabled: true,
    state: { state: 'ok', since: null, value: null, requests: null, evaluatedAt: null },
  });

  const listed = (await (await call('GET', '/api/alerts/rules')).json()) as { rules: Array<{ id: string }> };
  assert.ok(listed.rules.some((item) => item.id === body.id));
  assert.equal(((await (await call('GET', `/api/alerts/rules/${body.id}`)).json()) as { name: string }).name, 'slow gpt-4o');

  const patched = await call('PATCH', `/api/alerts/rules/${body.id}`, { threshold: 3000, enabled: false });
  assert.equal(patched.status, 200);
  const changed = (await patched.json()) as { threshold: number; enabled: boolean; window: string };
  assert.deepEqual([changed.threshold, changed.enabled, changed.window], [3000, false, '5m']);

  assert.equal((await call('DELETE', `/api/alerts/rules/${body.id}`)).status, 204);
  assert.equal((await call('GET', `/api/alerts/rules/${body.id}`)).status, 404);
  assert.equal((await call('DELETE', `/api/alerts/rules/${body.id}`)).status, 404);
});

test('a bad rule is a 400 naming the field and the fix', async () => {
  await refused(await call('POST', '/api/alerts/rules', { ...rule, window: '5 minutes' }), 'window', /like '5m'/);
  await refused(await call('POST', '/api/alerts/rules', { ...rule, metric: 'p95' }), 'metric', /latencyP95/);
  await refused(await call('POST', '/api/alerts/rules', { ...rule, metric: 'errorRate', threshold: 5 }), 'threshold', /0\.05/);
  await refused(await call('POST', '/api/alerts/rules', { ...rule, filters: { model: ['a'], provider: ['b'] } }), 'filters.provider', /one rule per dimension/);
  await refused(await call('POST', '/api/alerts/rules', { ...rule, webhookUrl: 'http://169.254.169.254/latest/meta-data' }), 'webhookUrl', /allowPrivateWebhooks/);
  await refused(await call('POST', '/api/alerts/rules', { ...rule, colour: 'red' }), 'colour', /not a field of an alert rule/);
  const { name: _name, ...nameless } = rule;
  await refused(await call('POST', '/api/alerts/rules', nameless), 'name', /string/i);

  const created = (await (await call('POST', '/api/alerts/rules', rule)).json()) as { id: string };
  // A patch is checked together with the rule it changes.
  await refused(await call('PATCH', `/api/alerts/rules/${created.id}`, { filters: { user: ['ada'] } }), 'window', /whole hours/);
  await refused(await call('PATCH', `/api/alerts/rules/${created.id}`, { window: 7 }), 'window', /string/i);
  await refused(await call('GET', '/api/alerts/history?cursor=nonsense'), 'cursor', /nextCursor/);
});

test('a project never sees or changes another project\'s rules; only admin keys may', async () => {
  const mine = (await (await call('POST', '/api/alerts/rules', rule)).json()) as { id: string };
  assert.equal((await call('GET', `/api/alerts/rules/${mine.id}`, undefined, otherAdminKey)).status, 404);
  assert.equal((await call('PATCH', `/api/alerts/rules/${mine.id}`, { enabled: false }, otherAdminKey)).status, 404);
  assert.equal((await call('DELETE', `/api/alerts/rules/${mine.id}`, undefined, otherAdminKey)).status, 404);
  const theirs = (await (await call('GET', '/api/alerts/rules', undefined, otherAdminKey)).json()) as { rules: unknown[] };
  assert.deepEqual(theirs.rules, []);
  assert.deepEqual(await (await call('GET', `/api/alerts/history?rule_id=${mine.id}`, undefined, otherAdminKey)).json(), { events: [], nextCursor: null });
  assert.equal((await call('GET', `/api/alerts/rules/${mine.id}`)).status, 200, 'still there');

  assert.equal((await call('GET', '/api/alerts/rules', undefined, gatewayKey)).status, 403);
  assert.equal((await fetch(`${operon.url}/api/alerts/history`)).status, 401);
});

test('the alert routes are in the OpenAPI document', async () => {
  const document = (await (await call('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.deepEqual(Object.keys(document.paths['/api/alerts/rules'] ?? {}).sort(), ['get', 'post']);
  assert.deepEqual(Object.keys(document.paths['/api/alerts/rules/{id}'] ?? {}).sort(), ['delete', 'get', 'patch']);
  assert.ok(document.paths['/api/alerts/history']?.get);
});
