import type { Selectable } from 'kysely';
import { invalidRequest } from '../core/errors.ts';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor.ts';
import type { BodyCapture } from '../projects/project-store.ts';
import type { Attempt, Span, SpanEvent, SpanStatus, SpanType, TraceSummary } from '../tracing/span.ts';
import type { SpansTable, TracesTable } from './schema.ts';
import { cleanText, fromFlag, fromJson, fromJsonOrNull, toFlag, toJsonOrNull } from './sql-util.ts';

/** Conversions between `Span`/`TraceSummary` and their rows, and the trace list cursor. */

const roundOrNull = (value: number | null): number | null => (value === null ? null : Math.round(value));
const numberOrNull = (value: number | null): number | null => (value === null ? null : Number(value));

export function spanToRow(span: Span): SpansTable {
  return {
    project_id: span.projectId,
    id: span.id,
    trace_id: span.traceId,
    parent_span_id: span.parentSpanId ?? null,
    type: span.type,
    name: cleanText(span.name),
    // Epoch ms and token counts are integers (bigint on PostgreSQL); round so both backends agree.
    started_at: Math.round(span.startedAt),
    ended_at: Math.round(span.endedAt),
    status: span.status,
    key_id: span.keyId ?? null,
    model_requested: cleanText(span.modelRequested ?? null),
    model_used: cleanText(span.modelUsed ?? null),
    provider: span.provider ?? null,
    attempts: JSON.stringify(span.attempts ?? []),
    fallback_used: toFlag(span.fallbackUsed),
    cache_hit: toFlag(span.cacheHit),
    stream: toFlag(span.stream),
    latency_ms: span.latencyMs,
    time_to_first_token_ms: span.timeToFirstTokenMs ?? null,
    input_tokens: roundOrNull(span.inputTokens ?? null),
    output_tokens: roundOrNull(span.outputTokens ?? null),
    cost_usd: span.costUsd ?? null,
    error_code: cleanText(span.errorCode ?? null),
    error_message: cleanText(span.errorMessage ?? null),
    body_capture: span.bodyCapture,
    input: toJsonOrNull(span.input),
    output: toJsonOrNull(span.output),
    attributes: JSON.stringify(span.attributes ?? {}),
    session_id: cleanText(span.sessionId ?? null),
    user_id: cleanText(span.userId ?? null),
    tags: span.tags?.length ? JSON.stringify(span.tags) : '[]',
    metadata: isEmpty(span.metadata) ? '{}' : JSON.stringify(span.metadata),
    release: cleanText(span.release ?? null),
    environment: cleanText(span.environment ?? null),
    service_name: cleanText(span.serviceName ?? null),
    events: span.events?.length ? JSON.stringify(span.events) : '[]',
    truncated: toFlag(span.truncated),
  };
}

/** True for null, undefined and `{}`: most spans carry no metadata, and '{}' needs no stringify. */
function isEmpty(record: Record<string, unknown> | null | undefined): boolean {
  for (const _key in record) return false;
  return true;
}

export function rowToSpan(row: Selectable<SpansTable>): Span {
  return {
    id: row.id,
    traceId: row.trace_id,
    projectId: row.project_id,
    parentSpanId: row.parent_span_id,
    type: row.type as SpanType,
    name: row.name,
    startedAt: Number(row.started_at),
    endedAt: Number(row.ended_at),
    status: row.status as SpanStatus,
    keyId: row.key_id,
    modelRequested: row.model_requested,
    modelUsed: row.model_used,
    provider: row.provider,
    attempts: fromJson<Attempt[]>(row.attempts, []),
    fallbackUsed: fromFlag(row.fallback_used),
    cacheHit: fromFlag(row.cache_hit),
    stream: fromFlag(row.stream),
    latencyMs: Number(row.latency_ms),
    timeToFirstTokenMs: numberOrNull(row.time_to_first_token_ms),
    inputTokens: numberOrNull(row.input_tokens),
    outputTokens: numberOrNull(row.output_tokens),
    costUsd: numberOrNull(row.cost_usd),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    bodyCapture: row.body_capture as BodyCapture,
    input: fromJsonOrNull(row.input),
    output: fromJsonOrNull(row.output),
    attributes: fromJson<Record<string, unknown>>(row.attributes, {}),
    sessionId: row.session_id,
    userId: row.user_id,
    tags: fromJson<string[]>(row.tags, []),
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    release: row.release,
    environment: row.environment,
    serviceName: row.service_name,
    events: fromJson<SpanEvent[]>(row.events, []),
    truncated: fromFlag(row.truncated),
  };
}

/** What a group of newly written spans of one trace adds to it (see trace-batch.ts). */
export interface TraceGroupTotals {
  spanCount: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  sessionId: string | null;
  userId: string | null;
  release: string | null;
  environment: string | null;
}

/**
 * Spans whose tokens and cost add up to the trace's: the model calls themselves. Wrappers around them
 * (an agent span or the Vercel AI SDK's `ai.generateText`, which repeat their children's usage) would
 * count it twice.
 */
const COUNTED_TYPES: ReadonlySet<string> = new Set(['generation', 'embedding']);

/** The totals of one span alone. */
export function spanTotals(row: SpansTable): TraceGroupTotals {
  const counted = COUNTED_TYPES.has(row.type);
  return {
    spanCount: 1,
    inputTokens: counted ? row.input_tokens : null,
    outputTokens: counted ? row.output_tokens : null,
    costUsd: counted ? row.cost_usd : null,
    sessionId: row.session_id,
    userId: row.user_id,
    release: row.release,
    environment: row.environment,
  };
}

/**
 * The trace row a group of newly written spans contributes: its summary (name, times, status, model)
 * comes from `summary`; tokens and cost are the group's sums; session, user, release and environment
 * are the first the group names.
 */
export function traceRow(summary: SpansTable, totals: TraceGroupTotals, hasRoot: boolean): TracesTable {
  return {
    project_id: summary.project_id,
    id: summary.trace_id,
    name: summary.name,
    started_at: summary.started_at,
    ended_at: summary.ended_at,
    status: summary.status,
    key_id: summary.key_id,
    model_requested: summary.model_requested,
    model_used: summary.model_used,
    provider: summary.provider,
    latency_ms: summary.latency_ms,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    cost_usd: totals.costUsd,
    cache_hit: summary.cache_hit,
    span_count: totals.spanCount,
    has_root: hasRoot ? 1 : 0,
    session_id: totals.sessionId,
    user_id: totals.userId,
    tags: summary.tags,
    release: totals.release,
    environment: totals.environment,
  };
}

export function rowToSummary(row: Selectable<TracesTable>): TraceSummary {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    startedAt: Number(row.started_at),
    endedAt: Number(row.ended_at),
    status: row.status as SpanStatus,
    keyId: row.key_id,
    modelRequested: row.model_requested,
    modelUsed: row.model_used,
    provider: row.provider,
    latencyMs: Number(row.latency_ms),
    inputTokens: numberOrNull(row.input_tokens),
    outputTokens: numberOrNull(row.output_tokens),
    costUsd: numberOrNull(row.cost_usd),
    cacheHit: fromFlag(row.cache_hit),
    spanCount: Number(row.span_count),
    sessionId: row.session_id,
    userId: row.user_id,
    tags: fromJson<string[]>(row.tags, []),
    release: row.release,
    environment: row.environment,
  };
}

export interface TraceCursor {
  startedAt: number;
  id: string;
}

/** Opaque to clients: the shared page cursor (core/page-cursor.ts) of the last trace on the page. */
export function encodeCursor(cursor: TraceCursor): string {
  return encodePageCursor({ at: cursor.startedAt, id: cursor.id });
}

export function decodeCursor(text: string): TraceCursor {
  const { at, id } = decodePageCursor(text);
  return { startedAt: at, id };
}
