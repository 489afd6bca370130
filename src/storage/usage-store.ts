import { sql, type Kysely } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import type { UsageIncrement, UsageStore, UsageTotals } from '../projects/usage-store.ts';
import type { DatabaseSchema, UsageDailyTable } from './schema.ts';
import { chunk, rowsPerInsert } from './sql-util.ts';

/**
 * `UsageStore` over Kysely: one upsert per batch (`insert … on conflict do update set x = x + excluded.x`),
 * which both SQLite and PostgreSQL apply atomically, so concurrent adds never lose an increment.
 *
 * @example
 * const usage = createUsageStore(database.db);
 * await usage.add([{ projectId, keyId, day: '2026-11-25', requests: 1, inputTokens: 10, outputTokens: 5, costUsd: 0.0001 }]);
 */
export function createUsageStore(db: Kysely<DatabaseSchema>): UsageStore {
  const rowsPerChunk = rowsPerInsert(7);

  return {
    async add(increments) {
      const rows = merge(increments);
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const part of chunk(rows, rowsPerChunk)) {
          await trx
            .insertInto('usage_daily')
            .values(part)
            .onConflict((oc) =>
              oc.columns(['project_id', 'key_id', 'day']).doUpdateSet((eb) => ({
                requests: eb('usage_daily.requests', '+', eb.ref('excluded.requests')),
                input_tokens: eb('usage_daily.input_tokens', '+', eb.ref('excluded.input_tokens')),
                output_tokens: eb('usage_daily.output_tokens', '+', eb.ref('excluded.output_tokens')),
                cost_usd: eb('usage_daily.cost_usd', '+', eb.ref('excluded.cost_usd')),
              })),
            )
            .execute();
        }
      });
    },

    async totals(query): Promise<UsageTotals> {
      checkDay(query.fromDay, 'fromDay');
      checkDay(query.toDay, 'toDay');
      let select = db
        .selectFrom('usage_daily')
        .select([
          sql<number>`coalesce(sum(requests), 0)`.as('requests'),
          sql<number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
          sql<number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
          sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
        ])
        .where('project_id', '=', query.projectId)
        .where('day', '>=', query.fromDay)
        .where('day', '<=', query.toDay);
      if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
      const row = await select.executeTakeFirst();
      return {
        requests: Number(row?.requests ?? 0),
        inputTokens: Number(row?.input_tokens ?? 0),
        outputTokens: Number(row?.output_tokens ?? 0),
        costUsd: Number(row?.cost_usd ?? 0),
      };
    },
  };
}

/**
 * One row per (project, key, day), in a fixed order: PostgreSQL rejects an upsert that touches a row
 * twice, and a fixed lock order keeps concurrent batches from deadlocking.
 */
function merge(increments: UsageIncrement[]): UsageDailyTable[] {
  const byKey = new Map<string, UsageDailyTable>();
  for (const increment of increments) {
    checkDay(increment.day, 'day');
    const id = JSON.stringify([increment.projectId, increment.keyId, increment.day]);
    const row = byKey.get(id);
    if (row) {
      row.requests += increment.requests;
      row.input_tokens += increment.inputTokens;
      row.output_tokens += increment.outputTokens;
      row.cost_usd += increment.costUsd;
    } else {
      byKey.set(id, {
        project_id: increment.projectId,
        key_id: increment.keyId,
        day: increment.day,
        requests: increment.requests,
        input_tokens: increment.inputTokens,
        output_tokens: increment.outputTokens,
        cost_usd: increment.costUsd,
      });
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

function checkDay(day: string, param: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw invalidRequest(`'${day}' is not a day; use YYYY-MM-DD (UTC).`, param);
}
