import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { SpansTable, TracesTable } from '../schema.ts';
import { traceUpserts } from '../trace-batch.ts';
import { isUserRow, metricsRollups, type RollupRow } from '../metrics-rollups.ts';
import { bindable, openSqlite } from './open-sqlite.ts';
import { INDEX_SPANS_SQL } from './span-search-sql.ts';
import { MULTI_ROW_SPANS, type SpanWriteReply, type SpanWriteRequest, type SpanWriteSql, type SpanWriteWorkerData } from './span-write-protocol.ts';

/**
 * The embedded store's span writer thread: one SQLite connection of its own, one transaction per batch.
 * Writes (and the WAL checkpoints they trigger, several milliseconds each) happen here, so they never
 * hold up the main thread's event loop, which is serving requests. Loads no Kysely: the SQL comes
 * compiled from the main thread.
 */

interface Prepared {
  insertSpan: StatementSync;
  insertSpans: StatementSync;
  upsertRootTrace: StatementSync;
  upsertProvisionalTrace: StatementSync;
  /** Absent: no rollups (the metrics benchmark's baseline). */
  rollups: { rows: StatementSync; userRows: StatementSync } | undefined;
  sql: SpanWriteSql;
}

const port = parentPort;
if (!port) throw new Error('span-write-worker.ts runs as a worker thread only.');
const { path } = workerData as SpanWriteWorkerData;
const database: DatabaseSync = await openSqlite(path);
let prepared: Prepared | undefined;
let indexSpans: StatementSync | undefined;

port.on('message', (request: SpanWriteRequest) => {
  const reply: SpanWriteReply = { id: request.id };
  try {
    if (request.indexSearch !== undefined) {
      // Between batches, on this connection: indexing never waits for the write lock (see storage/search-index.ts).
      indexSpans ??= database.prepare(INDEX_SPANS_SQL);
      reply.indexed = Number(indexSpans.run(request.indexSearch).changes);
      port.postMessage(reply);
      return;
    }
    if (request.sql) prepared = prepare(request.sql);
    if (!prepared) throw new Error('the first batch must carry its SQL');
    write(prepared, request.rows);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    reply.error = { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
  }
  port.postMessage(reply);
});

function prepare(sql: SpanWriteSql): Prepared {
  return {
    insertSpan: database.prepare(sql.insertSpan),
    insertSpans: database.prepare(sql.insertSpans),
    upsertRootTrace: database.prepare(sql.upsertRootTrace),
    upsertProvisionalTrace: database.prepare(sql.upsertProvisionalTrace),
    rollups: sql.upsertRollup === undefined || sql.upsertUserRollup === undefined
      ? undefined
      : { rows: database.prepare(sql.upsertRollup), userRows: database.prepare(sql.upsertUserRollup) },
    sql,
  };
}

function write(statements: Prepared, rows: SpansTable[]): void {
  const { spanColumns, traceColumns } = statements.sql;
  database.exec('BEGIN IMMEDIATE');
  try {
    const inserted: SpansTable[] = [];
    let next = 0;
    for (; next + MULTI_ROW_SPANS <= rows.length; next += MULTI_ROW_SPANS) {
      const chunk = rows.slice(next, next + MULTI_ROW_SPANS);
      const written = statements.insertSpans.all(...bindable(chunk.flatMap((row) => values(row, spanColumns)))) as { id: string }[];
      if (written.length === chunk.length) inserted.push(...chunk);
      else {
        const ids = new Set(written.map((row) => row.id));
        inserted.push(...chunk.filter((row) => ids.has(row.id)));
      }
    }
    for (; next < rows.length; next++) {
      const row = rows[next] as SpansTable;
      if (statements.insertSpan.get(...bindable(values(row, spanColumns))) !== undefined) inserted.push(row);
    }
    const { withRoot, withoutRoot } = traceUpserts(inserted);
    for (const trace of withRoot) statements.upsertRootTrace.run(...bindable(values(trace, traceColumns)));
    for (const trace of withoutRoot) statements.upsertProvisionalTrace.run(...bindable(values(trace, traceColumns)));
    if (statements.rollups && inserted.length > 0) writeRollups(statements.rollups, statements.sql, metricsRollups(inserted));
    database.exec('COMMIT');
  } catch (error) {
    if (database.isTransaction) database.exec('ROLLBACK');
    throw error;
  }
}

function writeRollups(upserts: { rows: StatementSync; userRows: StatementSync }, sql: SpanWriteSql, rows: RollupRow[]): void {
  const { rollupColumns = [], userRollupColumns = [] } = sql;
  for (const row of rows) {
    if (isUserRow(row)) upserts.userRows.run(...bindable(values(row, userRollupColumns)));
    else upserts.rows.run(...bindable(values(row, rollupColumns)));
  }
}

function values(row: SpansTable | TracesTable | RollupRow, columns: readonly string[]): unknown[] {
  const record = row as unknown as Record<string, unknown>;
  const out = new Array<unknown>(columns.length);
  for (let index = 0; index < columns.length; index++) out[index] = record[columns[index] as string];
  return out;
}
