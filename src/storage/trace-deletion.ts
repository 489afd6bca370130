import { sql, type Kysely } from 'kysely';
import { addCounts, NOTHING_DELETED, type DeletedCounts, type TraceDeletion } from '../retention/trace-deletion.ts';
import { MAX_VALUE_LENGTH, USER_RESOLUTIONS } from './metrics-rollups.ts';
import type { DatabaseSchema } from './schema.ts';
import { chunk } from './sql-util.ts';
import { writeTransaction } from './write-transaction.ts';

/**
 * `TraceDeletion` over Kysely, the same code on SQLite and PostgreSQL. Search index entries go with
 * their spans by themselves (a trigger on SQLite, the foreign key's cascade on PostgreSQL). Metrics
 * rollups stay on retention (they are aggregates, and their own resolutions age out); on erasure the
 * rows keyed by the user are deleted.
 *
 * @example
 * const deletion = createTraceDeletion(database.db);
 * await deletion.eraseUser(projectId, 'user-42', 500);
 */
export function createTraceDeletion(db: Kysely<DatabaseSchema>): TraceDeletion {
  return {
    async deleteTracesStartedBefore(projectId, before, maxTraces) {
      checkBatch(maxTraces);
      return writeTransaction(db, async (trx) => {
        const rows = await trx
          .selectFrom('traces')
          .select('id')
          .where('project_id', '=', projectId)
          .where('started_at', '<', Math.ceil(before))
          .orderBy('started_at')
          .orderBy('id')
          .limit(maxTraces)
          .execute();
        return deleteTraces(trx, projectId, rows.map((row) => row.id));
      });
    },

    async eraseUser(projectId, userId, maxTraces) {
      checkBatch(maxTraces);
      return writeTransaction(db, async (trx) => {
        const traces = await trx.selectFrom('traces').select('id').where('project_id', '=', projectId).where('user_id', '=', userId).limit(maxTraces).execute();
        if (traces.length > 0) return deleteTraces(trx, projectId, traces.map((row) => row.id));
        const spans = await trx
          .selectFrom('spans')
          .select(['id', 'trace_id'])
          .where('project_id', '=', projectId)
          .where('user_id', '=', userId)
          .limit(maxTraces)
          .execute();
        if (spans.length > 0) return deleteSpansOfOthersTraces(trx, projectId, spans);
        // Last, once nothing else of the user is left: the metrics kept per user.
        await trx
          .deleteFrom('metrics_user_rollups')
          .where('project_id', '=', projectId)
          .where('resolution', 'in', [...USER_RESOLUTIONS])
          .where('dimension', '=', 'user')
          .where('value', '=', userId.slice(0, MAX_VALUE_LENGTH))
          .execute();
        return { ...NOTHING_DELETED };
      });
    },
  };
}

function checkBatch(maxTraces: number): void {
  if (!Number.isInteger(maxTraces) || maxTraces < 1) throw new RangeError(`maxTraces must be a positive integer, got ${maxTraces}.`);
}

/** IN lists stay far under both backends' parameter limits. */
const IDS_PER_STATEMENT = 500;

async function deleteTraces(trx: Kysely<DatabaseSchema>, projectId: string, traceIds: string[]): Promise<DeletedCounts> {
  let counts: DeletedCounts = { ...NOTHING_DELETED };
  for (const ids of chunk(traceIds, IDS_PER_STATEMENT)) {
    const scores = await trx.deleteFrom('scores').where('project_id', '=', projectId).where('trace_id', 'in', ids).executeTakeFirst();
    const spans = await trx.deleteFrom('spans').where('project_id', '=', projectId).where('trace_id', 'in', ids).executeTakeFirst();
    const traces = await trx.deleteFrom('traces').where('project_id', '=', projectId).where('id', 'in', ids).executeTakeFirst();
    counts = addCounts(counts, { traces: Number(traces.numDeletedRows), spans: Number(spans.numDeletedRows), scores: Number(scores.numDeletedRows) });
  }
  return counts;
}

/**
 * Spans of the user in traces attributed to someone else: the spans and their scores go, and each trace
 * they were in gets its span count, tokens and cost summed again over the spans left (model calls only,
 * as when written: see span-rows.ts); a trace left with no span goes too.
 */
async function deleteSpansOfOthersTraces(trx: Kysely<DatabaseSchema>, projectId: string, spans: { id: string; trace_id: string }[]): Promise<DeletedCounts> {
  let counts: DeletedCounts = { ...NOTHING_DELETED };
  for (const part of chunk(spans, IDS_PER_STATEMENT)) {
    const spanIds = part.map((span) => span.id);
    const traceIds = [...new Set(part.map((span) => span.trace_id))];
    const scores = await trx
      .deleteFrom('scores')
      .where('project_id', '=', projectId)
      .where('trace_id', 'in', traceIds)
      .where('span_id', 'in', spanIds)
      .executeTakeFirst();
    const deleted = await trx.deleteFrom('spans').where('project_id', '=', projectId).where('id', 'in', spanIds).executeTakeFirst();
    counts = addCounts(counts, { traces: 0, spans: Number(deleted.numDeletedRows), scores: Number(scores.numDeletedRows) });
    const left = (column: 'input_tokens' | 'output_tokens' | 'cost_usd') =>
      sql<number | null>`(select sum(${sql.ref(`spans.${column}`)}) from spans where spans.project_id = traces.project_id and spans.trace_id = traces.id and spans.type in ('generation', 'embedding'))`;
    await trx
      .updateTable('traces')
      .set({
        span_count: sql<number>`(select count(*) from spans where spans.project_id = traces.project_id and spans.trace_id = traces.id)`,
        input_tokens: left('input_tokens'),
        output_tokens: left('output_tokens'),
        cost_usd: left('cost_usd'),
      })
      .where('project_id', '=', projectId)
      .where('id', 'in', traceIds)
      .execute();
    const empty = await trx.selectFrom('traces').select('id').where('project_id', '=', projectId).where('id', 'in', traceIds).where('span_count', '=', 0).execute();
    if (empty.length > 0) counts = addCounts(counts, await deleteTraces(trx, projectId, empty.map((row) => row.id)));
  }
  return counts;
}
