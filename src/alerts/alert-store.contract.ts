import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OperonError } from '../core/errors.ts';
import type { AlertRule } from './alert-rule.ts';
import { NEW_DELIVERY, OK_STATE, type AlertEvent, type AlertStore } from './alert-store.ts';

/**
 * The behaviour every `AlertStore` must have. `addProject` makes a project the store may hang rules on
 * (the database store references projects); `deleteProject`, where given, deletes one the way the
 * project store does, to check that its alerts go with it.
 *
 * @example
 * alertStoreContract('sqlite', async () => ({ store: stores.alerts, addProject, deleteProject, close }));
 */
export interface AlertStoreFixture {
  store: AlertStore;
  addProject(id: string): Promise<void>;
  deleteProject?(id: string): Promise<void>;
  close(): Promise<void>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
const T0 = 1_764_000_000_000;

export function makeRule(projectId: string, overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: uid('alert'), projectId, name: 'errors', metric: 'errorRate', comparison: '>', threshold: 0.25, window: '5m', for: '0m',
    filters: { model: ['gpt-4o'], kind: ['generation'] }, minRequests: 10, webhookUrl: 'https://hooks.example.com/a?token=s3cret',
    enabled: true, createdAt: T0, updatedAt: T0, ...overrides,
  };
}

export function makeEvent(rule: AlertRule, overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: uid('alertevt'), projectId: rule.projectId, ruleId: rule.id, ruleName: rule.name, metric: rule.metric, comparison: rule.comparison,
    threshold: rule.threshold, window: rule.window, status: 'firing', value: 0.5, requests: 40, startsAt: T0, endsAt: null, createdAt: T0,
    link: 'http://127.0.0.1:4100/api/traces?status=error', payload: '{"status":"firing"}', delivery: { ...NEW_DELIVERY }, ...overrides,
  };
}

const firing = (at: number) => ({ state: 'firing' as const, since: at, value: 0.5, requests: 40, evaluatedAt: at });

/** `projects: false` for a store that keeps no projects (in memory): the project-deletion test is left out. */
export function alertStoreContract(name: string, open: () => Promise<AlertStoreFixture>, options: { projects?: boolean } = {}): void {
  describe(`AlertStore contract: ${name}`, () => {
    let fixture: AlertStoreFixture;
    let store: AlertStore;
    const project = async () => {
      const id = uid('proj');
      await fixture.addProject(id);
      return id;
    };
    before(async () => {
      fixture = await open();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.close();
    });

    test('rules round-trip in state ok, oldest first, and no project sees another\'s', async () => {
      const mine = await project();
      const theirs = await project();
      const second = makeRule(mine, { createdAt: T0 + 1, updatedAt: T0 + 1, filters: {} });
      const first = makeRule(mine, { metric: 'latencyP95', comparison: '<=', threshold: 2000.5, window: '1h', for: '90s', enabled: false });
      assert.deepEqual(await store.createRule(second), { ...second, state: OK_STATE });
      await store.createRule(first);
      await store.createRule(makeRule(theirs));
      assert.deepEqual(await store.getRule(mine, first.id), { ...first, state: OK_STATE });
      assert.deepEqual((await store.listRules(mine)).map((rule) => rule.id), [first.id, second.id]);
      assert.equal(await store.getRule(theirs, first.id), undefined);
      assert.equal(await store.updateRule({ ...first, projectId: theirs, name: 'stolen' }), undefined);
      assert.equal(await store.deleteRule(theirs, first.id), false);
      assert.equal((await store.getRule(mine, first.id))?.name, first.name);
    });

    test('an update replaces the definition and keeps the state; a delete keeps the history', async () => {
      const projectId = await project();
      const rule = makeRule(projectId);
      await store.createRule(rule);
      const event = makeEvent(rule);
      assert.equal(await store.saveState(rule, 0, firing(T0), { event, leaseUntil: T0 + 1000 }), true);
      const changed = { ...rule, threshold: 0.5, filters: { tag: ['beta'] }, enabled: false, updatedAt: T0 + 5 };
      const updated = await store.updateRule(changed);
      assert.deepEqual(updated, { ...changed, state: { ...firing(T0), version: 1 } });
      assert.equal(await store.updateRule(makeRule(projectId)), undefined);
      assert.equal(await store.deleteRule(projectId, rule.id), true);
      assert.equal(await store.deleteRule(projectId, rule.id), false);
      assert.equal(await store.getRule(projectId, rule.id), undefined);
      assert.deepEqual((await store.listEvents({ projectId, limit: 10 })).events, [event]);
    });

    test('a state is saved only from the version read, with its event, once', async () => {
      const projectId = await project();
      const rule = makeRule(projectId);
      await store.createRule(rule);
      const pending = { state: 'pending' as const, since: T0, value: 0.3, requests: 12, evaluatedAt: T0 };
      assert.equal(await store.saveState(rule, 0, pending), true);
      const event = makeEvent(rule, { value: null, requests: null });
      const rival = makeEvent(rule);
      assert.equal(await store.saveState(rule, 1, firing(T0 + 60_000), { event, leaseUntil: T0 + 120_000 }), true);
      assert.equal(await store.saveState(rule, 1, firing(T0 + 60_001), { event: rival, leaseUntil: T0 + 120_000 }), false, 'a second writer from the same version loses');
      assert.deepEqual((await store.getRule(projectId, rule.id))?.state, { ...firing(T0 + 60_000), version: 2 });
      assert.deepEqual((await store.listEvents({ projectId, limit: 10 })).events, [event]);
      assert.equal(await store.saveState({ projectId, id: 'alert_missing' }, 0, pending), false);
    });

    test('the evaluator sees enabled rules and disabled ones still settling, of every project', async () => {
      const [a, b] = [await project(), await project()];
      const on = makeRule(a);
      const off = makeRule(b, { enabled: false });
      const offFiring = makeRule(b, { enabled: false });
      for (const rule of [on, off, offFiring]) await store.createRule(rule);
      await store.saveState(offFiring, 0, firing(T0));
      const ids = new Set((await store.listRulesToEvaluate()).map((rule) => rule.id));
      assert.ok(ids.has(on.id) && ids.has(offFiring.id));
      assert.ok(!ids.has(off.id));
    });

    test('an event is delivered by whoever holds its lease; a run-out lease is claimed once', async () => {
      const projectId = await project();
      const rule = makeRule(projectId);
      await store.createRule(rule);
      const event = makeEvent(rule, { createdAt: T0 + 7 });
      await store.saveState(rule, 0, firing(T0), { event, leaseUntil: T0 + 1000 });
      const undelivered = async (now: number) => (await store.listUndelivered(now, 1000)).filter((item) => item.projectId === projectId).map((item) => item.id);
      assert.deepEqual(await undelivered(T0 + 999), []);
      assert.equal(await store.claimDelivery(projectId, event.id, T0 + 999, T0 + 2000), false, 'the lease holds');
      assert.deepEqual(await undelivered(T0 + 1000), [event.id]);
      assert.equal(await store.claimDelivery(projectId, event.id, T0 + 1000, T0 + 5000), true);
      assert.equal(await store.claimDelivery(projectId, event.id, T0 + 1000, T0 + 5000), false, 'claimed already');
      const failedOnce = { status: 'pending' as const, attempts: 1, responseStatus: 503, lastError: 'answered 503', deliveredAt: null };
      await store.recordDelivery(projectId, event.id, failedOnce, null);
      assert.deepEqual(await undelivered(T0 + 1001), [event.id], 'a released lease is free at once');
      const delivered = { status: 'delivered' as const, attempts: 2, responseStatus: 200, lastError: null, deliveredAt: T0 + 3000 };
      await store.recordDelivery(projectId, event.id, delivered, null);
      assert.deepEqual(await undelivered(T0 + 10_000), []);
      assert.equal(await store.claimDelivery(projectId, event.id, T0 + 10_000, T0 + 20_000), false);
      assert.deepEqual((await store.listEvents({ projectId, limit: 1 })).events[0]?.delivery, delivered);
    });

    test('history is newest first, by rule, in pages, and never another project\'s', async () => {
      const projectId = await project();
      const other = await project();
      const [one, two] = [makeRule(projectId), makeRule(projectId)];
      const foreign = makeRule(other);
      for (const rule of [one, two, foreign]) await store.createRule(rule);
      const events = [0, 1, 2, 3, 4].map((index) => makeEvent(index % 2 ? two : one, { createdAt: T0 + index, status: index % 2 ? 'resolved' : 'firing', endsAt: index % 2 ? T0 + index : null }));
      let version = { [one.id]: 0, [two.id]: 0 };
      for (const event of events) {
        const rule = event.ruleId === one.id ? one : two;
        assert.equal(await store.saveState(rule, version[rule.id] as number, firing(event.createdAt), { event, leaseUntil: T0 }), true);
        version = { ...version, [rule.id]: (version[rule.id] as number) + 1 };
      }
      await store.saveState(foreign, 0, firing(T0), { event: makeEvent(foreign, { createdAt: T0 + 9 }), leaseUntil: T0 });
      const first = await store.listEvents({ projectId, limit: 2 });
      assert.deepEqual(first.events.map((event) => event.id), [events[4]?.id, events[3]?.id]);
      assert.ok(first.nextCursor);
      const rest = await store.listEvents({ projectId, limit: 10, cursor: first.nextCursor });
      assert.deepEqual(rest.events.map((event) => event.id), [events[2]?.id, events[1]?.id, events[0]?.id]);
      assert.equal(rest.nextCursor, null);
      assert.deepEqual((await store.listEvents({ projectId, ruleId: two.id, limit: 10 })).events, [events[3], events[1]]);
      assert.deepEqual((await store.listEvents({ projectId, ruleId: foreign.id, limit: 10 })).events, []);
      await assert.rejects(store.listEvents({ projectId, limit: 10, cursor: 'nonsense' }), (error: unknown) => OperonError.is(error) && error.param === 'cursor');
      await assert.rejects(store.listEvents({ projectId, limit: 0 }), (error: unknown) => OperonError.is(error) && error.param === 'limit');
    });

    if (options.projects !== false) test('deleting a project deletes its rules and history', async () => {
      assert.ok(fixture.deleteProject, 'a store with projects gives deleteProject to its contract');
      const projectId = await project();
      const rule = makeRule(projectId);
      await store.createRule(rule);
      await store.saveState(rule, 0, firing(T0), { event: makeEvent(rule), leaseUntil: T0 });
      await fixture.deleteProject(projectId);
      assert.deepEqual(await store.listRules(projectId), []);
      assert.deepEqual((await store.listEvents({ projectId, limit: 10 })).events, []);
      assert.ok(!(await store.listRulesToEvaluate()).some((item) => item.id === rule.id));
    });
  });
}
