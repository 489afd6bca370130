import type { Clock } from '../core/clock.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import { startPeriodicJob, type PeriodicJob } from '../core/periodic-job.ts';
import type { AuditLog } from '../projects/audit-log.ts';
import type { Project, ProjectStore } from '../projects/project-store.ts';
import { addCounts, NOTHING_DELETED, type DeletedCounts, type TraceDeletion } from './trace-deletion.ts';

const DAY_MS = 86_400_000;

export interface RetentionJobOptions {
  projects: ProjectStore;
  deletion: TraceDeletion;
  audit: AuditLog;
  clock: Clock;
  ids: IdGenerator;
  logger?: Logger;
  /** Days kept for projects that set none; undefined keeps their traces forever. */
  defaultDays?: number;
  /** Time between runs. */
  intervalMs: number;
  /** Wait before the first run (default: a minute, or the interval if shorter), so that a server restarted more often than the interval still expires traces. */
  initialDelayMs?: number;
  /** Traces per deletion: one short write transaction each. */
  batchSize: number;
  /** Pause between two deletions of a run, so that span writes waiting for the lock get it. */
  pauseMs: number;
}

export interface RetentionRun {
  /** Projects whose traces are kept a limited time. */
  projects: number;
  deleted: DeletedCounts;
}

/**
 * Deletes, per project, the traces that started more than the project's retention days ago (with their
 * spans and scores) in bounded batches; a project that deleted anything gets a `traces.expire` audit
 * entry per run. Metrics rollups are kept.
 *
 * @example
 * const retention = createRetentionJob({ projects, deletion, audit, clock, ids, intervalMs: 3_600_000, batchSize: 500, pauseMs: 20 });
 * retention.start();
 * await retention.stop();
 */
export function createRetentionJob(options: RetentionJobOptions) {
  let job: PeriodicJob | undefined;
  /** Set by `stop`: a run in progress ends after its current batch rather than deleting the whole backlog. */
  let stopping = false;

  const daysOf = (project: Project): number | undefined => project.retentionDays ?? options.defaultDays;

  async function expireProject(project: Project, days: number): Promise<DeletedCounts> {
    const before = options.clock.now() - days * DAY_MS;
    let total: DeletedCounts = { ...NOTHING_DELETED };
    for (;;) {
      const deleted = await options.deletion.deleteTracesStartedBefore(project.id, before, options.batchSize);
      total = addCounts(total, deleted);
      if (deleted.traces < options.batchSize || stopping) break;
      if (options.pauseMs > 0) await options.clock.sleep(options.pauseMs);
      if (stopping) break;
    }
    if (total.traces > 0) {
      await options.audit.record({
        id: options.ids.next('aud'),
        projectId: project.id,
        at: options.clock.now(),
        actorKeyId: null,
        action: 'traces.expire',
        target: null,
        details: { retentionDays: days, startedBefore: before, ...total },
      });
      options.logger?.info({ projectId: project.id, retentionDays: days, ...total }, 'expired traces deleted');
    }
    return total;
  }

  async function runOnce(): Promise<RetentionRun> {
    const run: RetentionRun = { projects: 0, deleted: { ...NOTHING_DELETED } };
    for (const project of await options.projects.listProjects()) {
      if (stopping) break;
      const days = daysOf(project);
      if (days === undefined) continue;
      run.projects += 1;
      run.deleted = addCounts(run.deleted, await expireProject(project, days));
    }
    return run;
  }

  return {
    /** One run now, over every project. */
    runOnce,
    start(): void {
      stopping = false;
      job ??= startPeriodicJob({
        clock: options.clock,
        intervalMs: options.intervalMs,
        initialDelayMs: options.initialDelayMs ?? Math.min(options.intervalMs, 60_000),
        run: runOnce,
        onError: (error) => options.logger?.warn({ err: error }, 'retention run failed; the next run retries'),
      });
    },
    /** Stops the job; a run in progress stops after its current batch. */
    async stop(): Promise<void> {
      stopping = true;
      await job?.stop();
      job = undefined;
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
