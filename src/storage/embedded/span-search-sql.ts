/**
 * The SQL that feeds the embedded store's full-text index (`span_search`, migration 0004), shared by the
 * span writer thread (span-write-worker.ts), which loads no query builder, and the in-thread path of
 * storage/search-index.ts. PostgreSQL's counterpart is in storage/search-index.ts.
 */

/**
 * Characters of a span's input and of its output that are indexed: bodies can be large, and the words
 * people search for are nearly always near the start (the prompt, the answer).
 */
export const INDEXED_BODY_CHARS = 8_192;

/**
 * The indexed body: the start of the input and of the output, as stored (JSON text). The JSON escapes of
 * line breaks and tabs become spaces, or `Hello\nWorld` would index as `hello` and `nworld`.
 */
const body = `replace(replace(replace(substr(coalesce(input, ''), 1, ${INDEXED_BODY_CHARS}) || ' ' || substr(coalesce(output, ''), 1, ${INDEXED_BODY_CHARS}), '\\n', ' '), '\\r', ' '), '\\t', ' ')`;

/**
 * Indexes up to `?` spans past the watermark — the largest rowid indexed — in rowid order, which is
 * insertion order. One statement, so one short write transaction. Returns the rows it indexed (`changes`).
 */
export const INDEX_SPANS_SQL = `insert into span_search (rowid, name, body) select rowid, name, ${body} from spans where rowid > (select coalesce(max(rowid), 0) from span_search) order by rowid limit ?`;

/** Spans not indexed yet. */
export const UNINDEXED_SPANS_SQL = `select count(*) as pending from spans where rowid > (select coalesce(max(rowid), 0) from span_search)`;
