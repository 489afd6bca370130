import type { Clock } from '../core/clock.ts';
import type { OperonError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { ApiKey, Project } from '../projects/project-store.ts';
import { newSpan } from '../tracing/new-span.ts';
import type { SpanQueue } from '../tracing/span-queue.ts';

/**
 * Records a trace for an authenticated call refused before it reached the pipeline (unreadable or
 * invalid body, too large), so every call a project makes leaves a trace. Bodies are not stored: they
 * were not valid requests.
 */
export function recordRejectedCall(
  deps: { queue: SpanQueue; clock: Clock; ids: IdGenerator },
  call: { traceId: string; project: Project; key: ApiKey; name: string; wire: string; startedAt: number; error: OperonError },
): void {
  const now = deps.clock.now();
  deps.queue.enqueue(
    newSpan(
      {
        id: deps.ids.next('span'),
        traceId: call.traceId,
        projectId: call.project.id,
        type: 'generation',
        name: call.name,
        startedAt: call.startedAt,
        endedAt: now,
        status: 'error',
        latencyMs: Math.max(0, now - call.startedAt),
      },
      {
        keyId: call.key.id,
        errorCode: call.error.code,
        errorMessage: call.error.message,
        attributes: { 'operon.wire': call.wire, 'operon.rejected': true },
      },
    ),
  );
}
