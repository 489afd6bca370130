import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type ManualClock } from '../core/clock.ts';
import { sequentialIds } from '../core/ids.ts';
import type { AuditEntry, AuditLog } from '../projects/audit-log.ts';
import type { Project, ProjectStore } from '../projects/project-store.ts';
import { createRetentionJob, type RetentionJobOptions } from './retention-job.ts';
import type { TraceDeletion } from './trace-deletion.ts';

const DAY = 86_400_000;
const NOW = 1_000 * DAY;

function project(id: string, retentionDays: number | null): Project {
  return { id, name: id, createdAt: 0, captureBodies: 'none', limits: {}, cacheEnabled: true, cacheTtlSeconds: null, retentionDays };
}

/** Traces by project and start time; each deletion call is recorded with its batch size. */
function fakes(projects: Project[], traces: { projectId: string; startedAt: number }[]) {
  const calls: { projectId: string; before: number; max: number }[] = [];
  const audited: AuditEntry[] = [];
  let failNext = false;
  const deletion: TraceDeletion = {
    async deleteTracesStartedBefore(projectId, before, max) {
      calls.push({ projectId, before, max });
      if (failNext) {
        failNext = false;
        throw new Error('database is locked');
      }
      const doomed = traces.filter((trace) => trace.projectId === projectId && trace.startedAt < before).sort((a, b) => a.startedAt - b.startedAt).slice(0, max);
      for (const trace of doomed) traces.splice(traces.indexOf(trace), 1);
      return { traces: doomed.length, spans: doomed.length * 2, scores: 0 };
    },
    eraseUser: async () => assert.fail('retention never erases users'),
  };
  const audit: AuditLog = { record: async (entry) => void audited.push(entry), list: async () => ({ entries: [], nextCursor: null }) };
  const store = { listProjects: async () => projects } as Pick<ProjectStore, 'listProjects'> as ProjectStore;
  return { deletion, audit, store, calls, audited, traces, failOnce: () => (failNext = true) };
}

function job(clock: ManualClock, parts: ReturnType<typeof fakes>, options: Partial<RetentionJobOptions> = {}) {
  return createRetentionJob({
    projects: parts.store, deletion: parts.deletion, audit: parts.audit, clock, ids: sequentialIds(),
    intervalMs: 60_000, batchSize: 2, pauseMs: 0, ...options,
  });
}

/** Lets pending promise callbacks run (the job's awaits on the fakes). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a run deletes, per project, the traces older than its retention days in batches, and audits each project that lost some', async () => {
  const clock = createManualClock(NOW);
  const parts = fakes([project('a', 7), project('b', null), project('c', 30)], [
    ...[8, 9, 10, 11, 12].map((days) => ({ projectId: 'a', startedAt: NOW - days * DAY })),
    { projectId: 'a', startedAt: NOW - 6 * DAY },
    { projectId: 'b', startedAt: NOW - 500 * DAY },
    { projectId: 'c', startedAt: NOW - 10 * DAY },
  ]);
  const run = await job(clock, parts).runOnce();

  assert.deepEqual(run, { projects: 2, deleted: { traces: 5, spans: 10, scores: 0 } });
  assert.deepEqual(parts.calls.map((call) => [call.projectId, call.max]), [['a', 2], ['a', 2], ['a', 2], ['c', 2]], 'batches until one comes back short');
  assert.equal(parts.calls[0]?.before, NOW - 7 * DAY);
  assert.deepEqual(parts.traces.map((trace) => trace.projectId).sort(), ['a', 'b', 'c'], 'recent traces, and projects without retention, are kept');
  assert.deepEqual(parts.audited.map((entry) => [entry.projectId, entry.action, entry.actorKeyId, entry.details]), [
    ['a', 'traces.expire', null, { retentionDays: 7, startedBefore: NOW - 7 * DAY, traces: 5, spans: 10, scores: 0 }],
  ]);
});

test('projects that set no retention use the configured default', async () => {
  const clock = createManualClock(NOW);
  const parts = fakes([project('b', null)], [{ projectId: 'b', startedAt: NOW - 100 * DAY }, { projectId: 'b', startedAt: NOW - DAY }]);
  const run = await job(clock, parts, { defaultDays: 90 }).runOnce();
  assert.equal(run.deleted.traces, 1);
  assert.equal(parts.calls[0]?.before, NOW - 90 * DAY);
});

test('the job runs every interval on the clock, pauses between batches on it, survives a failed run, and stops', async () => {
  const clock = createManualClock(NOW);
  const parts = fakes([project('a', 1)], Array.from({ length: 3 }, (_, index) => ({ projectId: 'a', startedAt: NOW - (2 + index) * DAY })));
  const warnings: unknown[] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args), info: () => undefined } as unknown as RetentionJobOptions['logger'];
  const retention = job(clock, parts, { pauseMs: 50, logger });
  retention.start();
  await settle();
  assert.equal(parts.calls.length, 0, 'nothing before the first interval');

  parts.failOnce();
  clock.advance(60_000);
  await settle();
  assert.equal(parts.calls.length, 1);
  assert.equal(warnings.length, 1, 'the failure is logged');

  clock.advance(60_000);
  await settle();
  assert.equal(parts.calls.length, 2, 'the next interval runs again: one full batch, then a pause');
  assert.equal(parts.traces.length, 1);
  clock.advance(50);
  await settle();
  await settle();
  assert.equal(parts.calls.length, 3, 'after the pause, the next batch');
  assert.equal(parts.traces.length, 0);

  await retention.stop();
  clock.advance(10 * 60_000);
  await settle();
  assert.equal(parts.calls.length, 3, 'stopped: no more runs');
  assert.equal(clock.pending, 0);
});

test('the first run comes a minute after start, not a whole interval, so frequent restarts still expire traces', async () => {
  const clock = createManualClock(NOW);
  const parts = fakes([project('a', 1)], [{ projectId: 'a', startedAt: NOW - 2 * DAY }]);
  const retention = job(clock, parts, { intervalMs: 3_600_000 });
  retention.start();
  clock.advance(59_999);
  await settle();
  assert.equal(parts.calls.length, 0);
  clock.advance(1);
  await settle();
  assert.equal(parts.calls.length, 1);
  clock.advance(3_599_999);
  await settle();
  assert.equal(parts.calls.length, 1, 'then every interval');
  clock.advance(1);
  await settle();
  assert.equal(parts.calls.length, 2);
  await retention.stop();
});

test('stopping during a long run ends it after the current batch, and still audits what was deleted', async () => {
  const clock = createManualClock(NOW);
  const parts = fakes([project('a', 1)], Array.from({ length: 10 }, (_, index) => ({ projectId: 'a', startedAt: NOW - (2 + index) * DAY })));
  const retention = job(clock, parts, { pauseMs: 50 });
  const run = retention.runOnce();
  await settle();
  assert.equal(parts.calls.length, 1, 'first batch done, pausing');
  const stopped = retention.stop();
  clock.advance(50);
  const result = await run;
  await stopped;
  assert.equal(parts.calls.length, 1, 'no batch after the pause');
  assert.equal(result.deleted.traces, 2);
  assert.equal(parts.audited[0]?.details.traces, 2);
});
