import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '../core/clock.ts';
import { OperonError, invalidRequest } from '../core/errors.ts';
import { sequentialIds } from '../core/ids.ts';
import type { MetricsStore, MetricsTotalsQuery } from '../metrics/metrics-store.ts';
import { createAlertService, MAX_RULES_PER_PROJECT } from './alert-service.ts';
import { createInMemoryAlertStore } from './in-memory-alert-store.ts';

const T0 = Date.UTC(2026, 0, 5, 10);
const rule = { name: 'errors', metric: 'errorRate', comparison: '>', threshold: 0.05, window: '1h', webhookUrl: 'https://hooks.example.com/operon' };

function setup(refuse?: (query: MetricsTotalsQuery) => OperonError | undefined) {
  const clock = createManualClock(T0);
  const queries: MetricsTotalsQuery[] = [];
  const metrics: MetricsStore = {
    series: () => Promise.reject(new Error('not used')),
    async totals(query) {
      queries.push(query);
      const refusal = refuse?.(query);
      if (refusal) throw refusal;
      return { from: query.from, to: query.to, groupBy: null, kinds: [], groups: [{ group: null, requests: 0 }] };
    },
  };
  const service = createAlertService({ store: createInMemoryAlertStore(), metrics, clock, ids: sequentialIds(), allowPrivateWebhooks: false });
  return { service, clock, queries };
}

const invalid = (param: string, message: RegExp) => (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param && message.test(error.message);

test('a new rule gets an id, defaults and timestamps, after its query was tried once', async () => {
  const { service, queries } = setup();
  const created = await service.createRule('proj_a', rule);
  assert.equal(created.id, 'alert_1');
  assert.deepEqual([created.for, created.minRequests, created.enabled, created.createdAt, created.state.state], ['0m', 1, true, T0, 'ok']);
  assert.deepEqual(queries, [{ projectId: 'proj_a', from: T0 - 3_600_000, to: T0, metrics: ['errors'], filters: {} }]);
});

test('a change is checked with the rule it changes, and keeps what it does not name', async () => {
  const { service, clock } = setup();
  const created = await service.createRule('proj_a', { ...rule, filters: { tag: ['beta'] } });
  clock.advance(1000);
  const updated = await service.updateRule('proj_a', created.id, { threshold: 0.1, name: undefined });
  assert.deepEqual([updated.threshold, updated.name, updated.filters, updated.updatedAt, updated.createdAt], [0.1, 'errors', { tag: ['beta'] }, T0 + 1000, T0]);
  await assert.rejects(service.updateRule('proj_a', created.id, { filters: { tag: ['beta'], model: ['gpt-4o'] } }), invalid('filters.tag', /one rule per dimension/));
  await assert.rejects(service.updateRule('proj_b', created.id, { threshold: 0.2 }), (error: unknown) => OperonError.is(error) && error.kind === 'not_found');
  await assert.rejects(service.deleteRule('proj_b', created.id), (error: unknown) => OperonError.is(error) && error.code === 'alert_rule_not_found');
  assert.equal((await service.getRule('proj_a', created.id)).threshold, 0.1);
});

test('a rule the metrics cannot answer is refused on the rule field behind it', async () => {
  const { service } = setup((query) => (query.filters?.route ? invalidRequest('Routes are not kept for this kind.', 'route') : query.metrics?.includes('cost') ? invalidRequest('No.', 'metrics') : undefined));
  await assert.rejects(service.createRule('proj_a', { ...rule, filters: { route: ['search'] } }), invalid('filters.route', /the metrics cannot answer this rule: Routes are not kept/));
  await assert.rejects(service.createRule('proj_a', { ...rule, metric: 'costUsd', threshold: 10 }), invalid('metric', /cannot answer/));
  assert.deepEqual(await service.listRules('proj_a'), []);
});

test(`a project has at most ${MAX_RULES_PER_PROJECT} rules`, async () => {
  const { service } = setup();
  for (let index = 0; index < MAX_RULES_PER_PROJECT; index++) await service.createRule('proj_a', rule);
  await assert.rejects(service.createRule('proj_a', rule), (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && /at most 200 alert rules/.test(error.message));
  await service.createRule('proj_b', rule);
});
