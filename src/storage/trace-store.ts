import { sql, type ExpressionBuilder, type Kysely, type OnConflictDatabase, type OnConflictTables } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import type { Span } from '../tracing/span.ts';
import type { TracePage, TraceQuery, TraceStore } from '../tracing/trace-store.ts';
import type { DatabaseSchema, SpansTable, TracesTable } from './schema.ts';
import { decodeCursor, encodeCursor, rowToSpan, rowToSummary, spanTotals, traceRow } from './span-rows.ts';
import { MULTI_ROW_SPANS, type SpanWriteSql } from './embedded/span-write-protocol.ts';
import { traceUpserts, uniqueRows } from './trace-batch.ts';
import { cachedInsert, rowsSql, singleRowSql } from './insert-cache.ts';
import { chunk, rowsPerInsert } from './sql-util.ts';
import { addToRollups, compileRollupSql, createRollupUpserts } from './metrics-rollup-sql.ts';
import { searchWords, tracesMatching } from './search-index.ts';

/**
 * `TraceStore` over Kysely, the same code on SQLite and PostgreSQL.
 *
 * A batch is one transaction: inserts of the spans (multi-row on PostgreSQL, one cached statement per
 * row on SQLite; see insert-cache.ts; a span already stored is skipped, so a
 * batch retried after an unclear failure does not double-count), then one upsert of each touched
 * trace, then the metrics rollups of the spans written (metrics-rollups.ts). A trace's summary is its
 * root span's (the span with no parent); a trace whose root has not arrived yet shows its earliest span
 * until the root comes. `span_count` counts stored spans.
 *
 * @example
 * const traces = createTraceStore(database.db);
 * await traces.writeSpans(batch);
 * const page = await traces.listTraces({ projectId, limit: 50 });
 */
export interface TraceStoreOptions {
  /**
   * Writes the rows of each batch somewhere other than this thread: the embedded store's writer thread
   * (embedded/span-write-thread.ts), given the SQL from `compileSpanWriteSql`. Without it, batches are
   * written here, through Kysely.
   */
  writeRows?: (rows: SpansTable[]) => Promise<void>;
}

export function createTraceStore(db: Kysely<DatabaseSchema>, options: TraceStoreOptions = {}): TraceStore {
  const spanRowsPerInsert = rowsPerInsert(SPAN_COLUMNS);
  const traceRowsPerInsert = rowsPerInsert(TRACE_COLUMNS);
  // Per store, so per database: the cached SQL is in this database's dialect.
  const statements = createStatements();

  return {
    async writeSpans(spans) {
      if (spans.length === 0) return;
      const rows = uniqueRows(spans);
      if (options.writeRows) return options.writeRows(rows);
      await db.transaction().execute(async (trx) => {
        const inserted: SpansTable[] = [];
        for (const part of chunk(rows, spanRowsPerInsert)) {
          const written = (await statements.insertSpans(trx, part)).rows;
          if (written.length === part.length) inserted.push(...part);
          else {
            const ids = new Set(written.map((row) => row.id));
            inserted.push(...part.filter((row) => ids.has(row.id)));
          }
        }
        await upsertTraces(trx, statements, inserted, traceRowsPerInsert);
        // Last, so that the hot whole-project rows stay locked for as short a time as possible.
        await addToRollups(trx, statements.upsertRollups, inserted);
      });
    },

    async listTraces(query: TraceQuery): Promise<TracePage> {
      const limit = query.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        throw invalidRequest(`limit must be an integer from 1 to 200, got ${String(limit)}.`, 'limit');
      }
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      let select = db.selectFrom('traces').selectAll().where('project_id', '=', query.projectId);
      // Start times are whole milliseconds; rounding up keeps both bounds' meaning (and PostgreSQL's bigint happy).
      if (query.from !== undefined) select = select.where('started_at', '>=', Math.ceil(query.from));
      if (query.to !== undefined) select = select.where('started_at', '<', Math.ceil(query.to));
      if (query.status !== undefined) select = select.where('status', '=', query.status);
      if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
      if (query.sessionId !== undefined) select = select.where('session_id', '=', query.sessionId);
      if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
      if (query.search !== undefined) select = select.where(tracesMatching(db, query.projectId, searchWords(query.search)));
      const model = query.model;
      if (model !== undefined) {
        select = select.where((eb) => eb.or([eb('model_requested', '=', model), eb('model_used', '=', model)]));
      }
      if (cursor) {
        select = select.where((eb) => eb(eb.refTuple('started_at', 'id'), '<', eb.tuple(cursor.startedAt, cursor.id)));
      }
      const rows = await select
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit).map(rowToSummary);
      const last = page[page.length - 1];
      return {
        traces: page,
        nextCursor: rows.length > limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null,
      };
    },

    async getTrace(projectId, traceId) {
      const trace = await db
        .selectFrom('traces')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', traceId)
        .executeTakeFirst();
      if (!trace) return undefined;
      const spans = await db
        .selectFrom('spans')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('trace_id', '=', traceId)
        .orderBy('started_at')
        .orderBy('id')
        .execute();
      return { ...rowToSummary(trace), spans: spans.map(rowToSpan) };
    },
  };
}

const SPAN_COLUMNS = 37;
const TRACE_COLUMNS = 22;

/** Creates or updates the trace of every newly stored span; roots set the summary. */
async function upsertTraces(trx: Kysely<DatabaseSchema>, statements: Statements, inserted: SpansTable[], rowsPerChunk: number): Promise<void> {
  const { withRoot, withoutRoot } = traceUpserts(inserted);
  for (const part of chunk(withRoot, rowsPerChunk)) await statements.upsertRootTraces(trx, part);
  for (const part of chunk(withoutRoot, rowsPerChunk)) await statements.upsertProvisionalTraces(trx, part);
}

type Statements = ReturnType<typeof createStatements>;

/**
 * The single-row SQL of a span batch's three statements, for a writer that binds rows itself (the
 * embedded writer thread), compiled from real rows so that the bound values are exactly the rows' own,
 * in key order.
 */
export function compileSpanWriteSql(db: Kysely<DatabaseSchema>, rows: readonly SpansTable[]): SpanWriteSql {
  const span = rows[0];
  if (!span) throw new Error('compileSpanWriteSql needs a row to compile from.');
  const trace = traceRow(span, spanTotals(span), span.parent_span_id === null);
  return {
    insertSpan: singleRowSql(insertSpansQuery(db, [span]), span),
    insertSpans: rowsSql(insertSpansQuery(db, Array<SpansTable>(MULTI_ROW_SPANS).fill(span)), Array<SpansTable>(MULTI_ROW_SPANS).fill(span)),
    upsertRootTrace: singleRowSql(upsertRootTracesQuery(db, [trace]), trace),
    upsertProvisionalTrace: singleRowSql(upsertProvisionalTracesQuery(db, [trace]), trace),
    spanColumns: Object.keys(span),
    traceColumns: Object.keys(trace),
    ...compileRollupSql(db, span),
  };
}

/** The batch statements, compiled once per row count (see insert-cache.ts). */
const createStatements = () => ({
  insertSpans: cachedInsert<SpansTable, { id: string }>(insertSpansQuery),
  upsertRootTraces: cachedInsert<TracesTable>(upsertRootTracesQuery),
  upsertProvisionalTraces: cachedInsert<TracesTable>(upsertProvisionalTracesQuery),
  upsertRollups: createRollupUpserts(),
});

/** Spans already stored are skipped; the ids returned are those written now. */
function insertSpansQuery(db: Kysely<DatabaseSchema>, rows: SpansTable[]) {
  return db
    .insertInto('spans')
    .values(rows)
    .onConflict((oc) => oc.columns(['project_id', 'id']).doNothing())
    .returning('id');
}

/** A root span sets the trace's summary, whatever an earlier child had put there. */
function upsertRootTracesQuery(db: Kysely<DatabaseSchema>, rows: TracesTable[]) {
  return db
    .insertInto('traces')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['project_id', 'id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        started_at: eb.ref('excluded.started_at'),
        ended_at: eb.ref('excluded.ended_at'),
        status: eb.ref('excluded.status'),
        key_id: eb.ref('excluded.key_id'),
        model_requested: eb.ref('excluded.model_requested'),
        model_used: eb.ref('excluded.model_used'),
        provider: eb.ref('excluded.provider'),
        latency_ms: eb.ref('excluded.latency_ms'),
        cache_hit: eb.ref('excluded.cache_hit'),
        has_root: eb.ref('excluded.has_root'),
        // The root's tags, unless it has none.
        tags: sql<string>`case when excluded.tags = '[]' then traces.tags else excluded.tags end`,
        ...addedTotals(eb),
      })),
    );
}

/**
 * What every newly stored span adds to its trace, root or not: the count, tokens and cost (NULL until
 * some span has them), and the session, user, release and environment if the trace has none yet.
 */
function addedTotals(eb: ExpressionBuilder<OnConflictDatabase<DatabaseSchema, 'traces'>, OnConflictTables<'traces'>>) {
  const sum = (column: 'input_tokens' | 'output_tokens' | 'cost_usd') =>
    sql<number | null>`case when ${sql.ref(`traces.${column}`)} is null and ${sql.ref(`excluded.${column}`)} is null then null else coalesce(${sql.ref(`traces.${column}`)}, 0) + coalesce(${sql.ref(`excluded.${column}`)}, 0) end`;
  const first = (column: 'session_id' | 'user_id' | 'release' | 'environment') =>
    sql<string | null>`coalesce(${sql.ref(`traces.${column}`)}, ${sql.ref(`excluded.${column}`)})`;
  return {
    span_count: eb('traces.span_count', '+', eb.ref('excluded.span_count')),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    cost_usd: sum('cost_usd'),
    session_id: first('session_id'),
    user_id: first('user_id'),
    release: first('release'),
    environment: first('environment'),
  };
}

/** Spans without the root add to a trace; its summary waits for the root. */
function upsertProvisionalTracesQuery(db: Kysely<DatabaseSchema>, rows: TracesTable[]) {
  return db
    .insertInto('traces')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['project_id', 'id']).doUpdateSet((eb) => ({
        tags: sql<string>`case when traces.tags = '[]' then excluded.tags else traces.tags end`,
        ...addedTotals(eb),
      })),
    );
}
