import type { Kysely, Selectable } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor.ts';
import type { Score, ScoreDataType, ScoreSource } from '../tracing/score.ts';
import type { ScoreStore } from '../tracing/score-store.ts';
import type { DatabaseSchema, ScoresTable } from './schema.ts';
import { chunk, cleanText, rowsPerInsert } from './sql-util.ts';

/** `ScoreStore` over Kysely, the same code on SQLite and PostgreSQL. */
export function createScoreStore(db: Kysely<DatabaseSchema>): ScoreStore {
  const rowsPerChunk = rowsPerInsert(13);
  return {
    async addScores(scores) {
      if (scores.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const part of chunk(scores.map(scoreToRow), rowsPerChunk)) {
          await trx.insertInto('scores').values(part).onConflict((oc) => oc.columns(['project_id', 'id']).doNothing()).execute();
        }
      });
    },

    async listScores(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 500) {
        throw invalidRequest(`limit must be an integer from 1 to 500, got ${String(query.limit)}.`, 'limit');
      }
      const cursor = query.cursor ? decodePageCursor(query.cursor) : undefined;
      let select = db.selectFrom('scores').selectAll().where('project_id', '=', query.projectId);
      if (query.traceId !== undefined) select = select.where('trace_id', '=', query.traceId);
      if (query.name !== undefined) select = select.where('name', '=', query.name);
      if (query.source !== undefined) select = select.where('source', '=', query.source);
      if (cursor) select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.at, cursor.id)));
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
      const page = rows.slice(0, query.limit).map(rowToScore);
      const last = page[page.length - 1];
      return { scores: page, nextCursor: rows.length > query.limit && last ? encodePageCursor({ at: last.createdAt, id: last.id }) : null };
    },
  };
}

function scoreToRow(score: Score): ScoresTable {
  return {
    project_id: score.projectId,
    id: score.id,
    trace_id: score.traceId,
    span_id: score.spanId,
    name: cleanText(score.name),
    data_type: score.dataType,
    value: score.value,
    string_value: cleanText(score.stringValue),
    source: score.source,
    comment: cleanText(score.comment),
    key_id: score.keyId,
    created_at: Math.round(score.createdAt),
  };
}

function rowToScore(row: Selectable<ScoresTable>): Score {
  return {
    id: row.id,
    projectId: row.project_id,
    traceId: row.trace_id,
    spanId: row.span_id,
    name: row.name,
    dataType: row.data_type as ScoreDataType,
    value: row.value === null ? null : Number(row.value),
    stringValue: row.string_value,
    source: row.source as ScoreSource,
    comment: row.comment,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
  };
}
