import type { Kysely } from 'kysely';
import { HISTOGRAM_BUCKETS } from '../../metrics/latency-histogram.ts';
import { addToRollups, createRollupUpserts } from '../metrics-rollup-sql.ts';
import type { RollupSource } from '../metrics-rollups.ts';
import type { DatabaseSchema } from '../schema.ts';

/**
 * Metrics rollups (storage/metrics-rollups.ts): per project, resolution (bucket width in minutes),
 * dimension, bucket start, dimension value and span kind, what the spans add up to — counts, errors,
 * cache hits, latency and time-to-first-token sums and 60-bucket histograms, tokens and cost; users in a
 * table of their own without histograms. Written in each span batch's transaction from then on; the
 * spans already stored are rolled up here, so the metrics cover them too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await rollupTable(db, 'metrics_rollups', true);
  // End users are many: their rows (per hour and day, over model calls) have no histograms, and a
  // narrow table writes at half the cost of a wide one.
  await rollupTable(db, 'metrics_user_rollups', false);
  await rollUpStoredSpans(db as Kysely<DatabaseSchema>);
}

async function rollupTable(db: Kysely<any>, name: string, histograms: boolean): Promise<void> {
  let table = db.schema
    .createTable(name)
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('resolution', 'integer', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('span_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_hits', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('latency_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('ttft_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('ttft_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0));
  for (const prefix of histograms ? ['latency', 'ttft'] : []) {
    for (let index = 0; index < HISTOGRAM_BUCKETS; index++) {
      table = table.addColumn(`${prefix}_${String(index).padStart(2, '0')}`, 'bigint', (c) => c.notNull().defaultTo(0));
    }
  }
  // Queries read one resolution and dimension over a time range, every value at once: the key's order.
  await table.addPrimaryKeyConstraint(`${name}_pk`, ['project_id', 'resolution', 'dimension', 'bucket_start', 'value', 'kind']).execute();
}

const PAGE = 5_000;

/** Rolls up the spans stored before this migration, a page at a time (keyset on the primary key). */
async function rollUpStoredSpans(db: Kysely<DatabaseSchema>): Promise<void> {
  const upserts = createRollupUpserts();
  let after: { projectId: string; id: string } | undefined;
  for (;;) {
    let select = db
      .selectFrom('spans')
      .select([
        'project_id', 'id', 'type', 'name', 'started_at', 'status', 'key_id', 'model_requested', 'model_used', 'provider', 'cache_hit',
        'latency_ms', 'time_to_first_token_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'user_id', 'tags', 'release',
      ])
      .orderBy('project_id')
      .orderBy('id')
      .limit(PAGE);
    const last = after;
    if (last) select = select.where((eb) => eb(eb.refTuple('project_id', 'id'), '>', eb.tuple(last.projectId, last.id)));
    const spans = await select.execute();
    const tail = spans[spans.length - 1];
    if (!tail) return;
    const write = (trx: Kysely<DatabaseSchema>) => addToRollups(trx, upserts, spans as RollupSource[]);
    // PostgreSQL runs the migration in a transaction already; SQLite does not, and one per page is far faster.
    if (db.isTransaction) await write(db);
    else await db.transaction().execute(write);
    after = { projectId: tail.project_id, id: tail.id };
    if (spans.length < PAGE) return;
  }
}
