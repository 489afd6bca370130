import type { Kysely, Selectable } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import type { AuditAction, AuditEntry, AuditLog } from '../projects/audit-log.ts';
import type { AuditLogTable, DatabaseSchema } from './schema.ts';
import { decodeCursor, encodeCursor } from './span-rows.ts';
import { cleanText, fromJson } from './sql-util.ts';

/**
 * `AuditLog` over Kysely, the same code on SQLite and PostgreSQL: newest first by (at, id), the cursor
 * the trace list's.
 *
 * @example
 * const audit = createAuditLog(database.db);
 * const page = await audit.list({ projectId, limit: 50 });
 */
export function createAuditLog(db: Kysely<DatabaseSchema>): AuditLog {
  return {
    async record(entry) {
      await db
        .insertInto('audit_log')
        .values({
          id: entry.id,
          project_id: entry.projectId,
          at: Math.round(entry.at),
          actor_key_id: entry.actorKeyId,
          action: entry.action,
          target: entry.target === null ? null : cleanText(entry.target),
          details: JSON.stringify(entry.details),
        })
        .execute();
    },

    async list(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 500) {
        throw invalidRequest(`limit must be an integer from 1 to 500, got ${String(query.limit)}.`, 'limit');
      }
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      let select = db.selectFrom('audit_log').selectAll().where('project_id', '=', query.projectId);
      if (query.action !== undefined) select = select.where('action', '=', query.action);
      if (cursor) select = select.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(cursor.startedAt, cursor.id)));
      const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
      const entries = rows.slice(0, query.limit).map(toEntry);
      const last = entries[entries.length - 1];
      return { entries, nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAt: last.at, id: last.id }) : null };
    },
  };
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    projectId: row.project_id,
    at: Number(row.at),
    actorKeyId: row.actor_key_id,
    action: row.action as AuditAction,
    target: row.target,
    details: fromJson<Record<string, unknown>>(row.details, {}),
  };
}
