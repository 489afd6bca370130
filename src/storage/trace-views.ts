import { sql, type Kysely } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import type { TraceGroupQuery, TraceGroupSummary, TraceViews, UserSummary } from '../tracing/trace-views.ts';
import type { DatabaseSchema } from './schema.ts';
import { decodeCursor, encodeCursor, rowToSummary } from './span-rows.ts';

/**
 * `TraceViews` over Kysely, the same code on SQLite and PostgreSQL. A page takes two queries: the page's
 * group ids by their latest trace, from the (project, session/user, started_at) index alone, then the
 * sums of those groups only.
 *
 * @example
 * const views = createTraceViews(database.db);
 * const page = await views.listUsers({ projectId, limit: 50 });
 */
export function createTraceViews(db: Kysely<DatabaseSchema>): TraceViews {
  const sessionSummaries = (projectId: string, ids: string[]) => groupSummaries(db, 'session_id', projectId, ids);
  return {
    async listSessions(query) {
      const { ids, nextCursor } = await pageOfGroups(db, 'session_id', query);
      return { sessions: await sessionSummaries(query.projectId, ids), nextCursor };
    },

    async getSession(query) {
      checkLimit(query.limit, 500);
      const [session] = await sessionSummaries(query.projectId, [query.sessionId]);
      if (!session) return undefined;
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      let select = db.selectFrom('traces').selectAll().where('project_id', '=', query.projectId).where('session_id', '=', query.sessionId);
      if (cursor) select = select.where((eb) => eb(eb.refTuple('started_at', 'id'), '>', eb.tuple(cursor.startedAt, cursor.id)));
      const rows = await select.orderBy('started_at').orderBy('id').limit(query.limit + 1).execute();
      const traces = rows.slice(0, query.limit).map(rowToSummary);
      const last = traces[traces.length - 1];
      return { session, traces, nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null };
    },

    async listUsers(query) {
      const { ids, nextCursor } = await pageOfGroups(db, 'user_id', query);
      return { users: (await groupSummaries(db, 'user_id', query.projectId, ids)) as UserSummary[], nextCursor };
    },
  };
}

type GroupColumn = 'session_id' | 'user_id';

function checkLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalidRequest(`limit must be an integer from 1 to ${max}, got ${String(limit)}.`, 'limit');
}

/** The ids of one page of groups, newest latest trace first, and the cursor after them. */
async function pageOfGroups(db: Kysely<DatabaseSchema>, column: GroupColumn, query: TraceGroupQuery): Promise<{ ids: string[]; nextCursor: string | null }> {
  checkLimit(query.limit, 200);
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const group = sql.ref<string>(column);
  const lastSeen = sql<number>`max(started_at)`;
  let select = db
    .selectFrom('traces')
    .select([group.as('id'), lastSeen.as('last_seen')])
    .where('project_id', '=', query.projectId)
    .where(column, 'is not', null)
    .groupBy(column);
  if (cursor) select = select.having(sql<boolean>`(max(started_at) < ${cursor.startedAt} or (max(started_at) = ${cursor.startedAt} and ${group} < ${cursor.id}))`);
  const rows = await select.orderBy(lastSeen, 'desc').orderBy(group, 'desc').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    ids: page.map((row) => row.id),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAt: Number(last.last_seen), id: last.id }) : null,
  };
}

/** The sums of the given groups, in the order of `ids` (absent groups left out). */
async function groupSummaries(db: Kysely<DatabaseSchema>, column: GroupColumn, projectId: string, ids: string[]): Promise<(TraceGroupSummary | UserSummary)[]> {
  if (ids.length === 0) return [];
  const group = sql.ref<string>(column);
  const rows = await db
    .selectFrom('traces')
    .select([
      group.as('id'),
      sql<number>`min(started_at)`.as('first_seen'),
      sql<number>`max(started_at)`.as('last_seen'),
      sql<number>`count(*)`.as('trace_count'),
      sql<number>`sum(case when status = 'error' then 1 else 0 end)`.as('error_count'),
      sql<number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
      sql<number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
      sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      sql<number>`count(distinct session_id)`.as('session_count'),
    ])
    .where('project_id', '=', projectId)
    .where(column, 'in', ids)
    .groupBy(column)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    const inputTokens = Number(row.input_tokens);
    const outputTokens = Number(row.output_tokens);
    const summary: TraceGroupSummary = {
      id,
      firstSeenAt: Number(row.first_seen),
      lastSeenAt: Number(row.last_seen),
      traceCount: Number(row.trace_count),
      errorCount: Number(row.error_count),
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      costUsd: Number(row.cost_usd),
    };
    return [column === 'user_id' ? { ...summary, sessionCount: Number(row.session_count) } : summary];
  });
}
