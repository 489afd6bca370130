import { CompiledQuery, sql, SqliteAdapter, type Expression, type Kysely, type SqlBool } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import type { SearchIndex } from '../tracing/search-index.ts';
import { INDEX_SPANS_SQL, INDEXED_BODY_CHARS, UNINDEXED_SPANS_SQL } from './embedded/span-search-sql.ts';
import type { DatabaseSchema } from './schema.ts';

/**
 * `SearchIndex` over Kysely (see migration 0004 for the tables and the watermarks), and the search
 * condition of the trace list. SQLite: FTS5, fed in rowid order. PostgreSQL: a tsvector per span, fed in
 * (writing transaction, project, span) order, only from transactions older than every running one.
 *
 * @example
 * const search = createSearchIndex(database.db, { catchUpInWriter: (max) => writer.indexSearch(max) });
 * await search.catchUp(1_000);
 */
export interface SearchIndexOptions {
  /**
   * Runs the SQLite indexing statement on the embedded store's writer thread (embedded/span-write-*.ts):
   * on its connection, between span batches, it never waits for the write lock nor blocks this thread.
   */
  catchUpInWriter?: (maxSpans: number) => Promise<number>;
}

/** Words per search at most; more is refused. */
export const MAX_SEARCH_WORDS = 16;

export function createSearchIndex(db: Kysely<DatabaseSchema>, options: SearchIndexOptions = {}): SearchIndex {
  const sqlite = isSqlite(db);
  return {
    async catchUp(maxSpans) {
      if (!Number.isInteger(maxSpans) || maxSpans < 1) throw new RangeError(`maxSpans must be a positive integer, got ${maxSpans}.`);
      if (!sqlite) {
        const result = await db.executeQuery<{ indexed: number }>(CompiledQuery.raw(POSTGRES_INDEX_SPANS_SQL, [maxSpans]));
        return Number(result.rows[0]?.indexed ?? 0);
      }
      if (options.catchUpInWriter) return options.catchUpInWriter(maxSpans);
      const result = await db.executeQuery(CompiledQuery.raw(INDEX_SPANS_SQL, [maxSpans]));
      return Number(result.numAffectedRows ?? 0n);
    },
    async pending() {
      const result = await db.executeQuery<{ pending: number }>(CompiledQuery.raw(sqlite ? UNINDEXED_SPANS_SQL : POSTGRES_UNINDEXED_SPANS_SQL, []));
      return Number(result.rows[0]?.pending ?? 0);
    },
  };
}

/**
 * The words of a search: runs of letters and digits, lowercased, each once, in order. Punctuation
 * separates words on both backends, so `gpt-4o` searches for `gpt` and `4o`.
 */
export function searchWords(text: string): string[] {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  if (words.length === 0) throw invalidRequest(`search needs at least one word (letters or digits); got '${text}'.`, 'search');
  if (words.length > MAX_SEARCH_WORDS) throw invalidRequest(`search takes at most ${MAX_SEARCH_WORDS} words; got ${words.length}.`, 'search');
  return words;
}

/** `traces.id` is one of the project's traces having a span that contains every word. */
export function tracesMatching(db: Kysely<DatabaseSchema>, projectId: string, words: readonly string[]): Expression<SqlBool> {
  if (isSqlite(db)) {
    // Each word a quoted FTS5 string (words hold no quotes): all must occur, whole words.
    const match = words.map((word) => `"${word}"`).join(' ');
    return sql<SqlBool>`traces.id in (select spans.trace_id from span_search join spans on spans.rowid = span_search.rowid where span_search match ${match} and spans.project_id = ${projectId})`;
  }
  return sql<SqlBool>`traces.id in (select trace_id from span_search where project_id = ${projectId} and document @@ plainto_tsquery('simple', ${words.join(' ')}))`;
}

function isSqlite(db: Kysely<DatabaseSchema>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * The PostgreSQL document of a span: what SQLite indexes (name, the start of input and output), with
 * JSON escapes of line breaks and every run of non-alphanumerics made a space, so that both backends
 * split words alike (PostgreSQL's parser would keep `bob@example.com` whole; FTS5 splits it).
 */
const POSTGRES_DOCUMENT = `to_tsvector('simple'::regconfig, regexp_replace(name || ' ' || left(coalesce(input, ''), ${INDEXED_BODY_CHARS}) || ' ' || left(coalesce(output, ''), ${INDEXED_BODY_CHARS}), '\\\\[nrt]|[^[:alnum:]]+', ' ', 'g'))`;

/**
 * One batch: the spans past the watermark written by transactions that have all ended (older than the
 * snapshot's xmin: none of them can still commit a span behind the watermark), indexed, and the
 * watermark moved to the last. The watermark row is locked, so concurrent indexers (several Operon
 * processes) take turns. `$1` is the batch size.
 */
const POSTGRES_INDEX_SPANS_SQL = `
with watermark as (
  select xid, project_id, span_id from span_search_watermark where id = 1 for update
), batch as (
  select spans.project_id, spans.id, spans.trace_id, spans.search_xid, ${POSTGRES_DOCUMENT} as document
  from spans, watermark
  where (spans.search_xid, spans.project_id, spans.id) > (watermark.xid, watermark.project_id, watermark.span_id)
    and spans.search_xid < pg_snapshot_xmin(pg_current_snapshot())
  order by spans.search_xid, spans.project_id, spans.id
  limit $1
), stored as (
  insert into span_search (project_id, span_id, trace_id, document)
  select project_id, id, trace_id, document from batch
  on conflict (project_id, span_id) do nothing
), last as (
  select search_xid, project_id, id from batch order by search_xid desc, project_id desc, id desc limit 1
)
update span_search_watermark set xid = last.search_xid, project_id = last.project_id, span_id = last.id
from last where span_search_watermark.id = 1
returning (select count(*) from batch) as indexed`;

const POSTGRES_UNINDEXED_SPANS_SQL = `select count(*) as pending from spans, span_search_watermark as watermark where watermark.id = 1 and (spans.search_xid, spans.project_id, spans.id) > (watermark.xid, watermark.project_id, watermark.span_id)`;
