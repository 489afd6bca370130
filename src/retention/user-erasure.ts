import type { Clock } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { AuditLog } from '../projects/audit-log.ts';
import { addCounts, NOTHING_DELETED, type DeletedCounts, type TraceDeletion } from './trace-deletion.ts';

export interface UserErasureDeps {
  deletion: TraceDeletion;
  audit: AuditLog;
  clock: Clock;
  ids: IdGenerator;
  /** Traces (then spans) per transaction. */
  batchSize?: number;
}

/**
 * Erases everything stored of one end user in a project (GDPR erasure): the traces attributed to them,
 * their spans in other traces, the scores on all of those, their search index entries and the metrics
 * kept per user. Deletes in bounded batches until a pass finds nothing, then records a `user.erase`
 * audit entry with the counts. Spans of the user that arrive afterwards are stored as usual: stop
 * sending them first.
 *
 * @example
 * const deleted = await eraseUser(deps, { projectId, userId: 'user-42', actorKeyId: principal.key.id });
 */
export async function eraseUser(deps: UserErasureDeps, request: { projectId: string; userId: string; actorKeyId: string | null }): Promise<DeletedCounts> {
  if (request.userId.trim() === '') throw invalidRequest('The user id to erase is empty.', 'userId');
  const batchSize = deps.batchSize ?? 500;
  let total: DeletedCounts = { ...NOTHING_DELETED };
  for (;;) {
    const deleted = await deps.deletion.eraseUser(request.projectId, request.userId, batchSize);
    if (deleted.traces === 0 && deleted.spans === 0 && deleted.scores === 0) break;
    total = addCounts(total, deleted);
  }
  await deps.audit.record({
    id: deps.ids.next('aud'),
    projectId: request.projectId,
    at: deps.clock.now(),
    actorKeyId: request.actorKeyId,
    action: 'user.erase',
    target: request.userId,
    details: { ...total },
  });
  return total;
}
