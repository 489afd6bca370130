import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { invalidRequest } from '../core/errors.ts';
import { SCORE_SOURCES, type Score } from '../tracing/score.ts';
import { SPAN_KINDS } from '../tracing/span.ts';
import type { IngestedSpan, IngestRejection } from './ingested-span.ts';
import { checkSpanTimes } from './otlp/span-checks.ts';

/**
 * Operon's own batch format, for clients that do not speak OTLP: `POST /v1/ingest` with
 * `{ spans: [...], scores: [...] }` in camelCase JSON. Each item is checked alone, so one bad span is
 * refused (and reported by index) while the rest of the batch is kept.
 */
const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only');
const time = z.union([z.number().finite(), z.string().datetime({ offset: true })]);
const shortText = z.string().max(1_000);

export const nativeSpanSchema = z
  .object({
    traceId: id,
    id,
    parentId: id.nullish(),
    name: z.string().min(1).max(1_000),
    kind: z.enum(SPAN_KINDS).default('other'),
    startTime: time.describe('Epoch milliseconds or an ISO-8601 date-time'),
    endTime: time.optional().describe('Defaults to startTime'),
    status: z.enum(['ok', 'error']).default('ok'),
    statusMessage: shortText.nullish(),
    provider: shortText.nullish(),
    model: shortText.nullish().describe('The model that answered'),
    modelRequested: shortText.nullish(),
    inputTokens: z.number().int().min(0).nullish(),
    outputTokens: z.number().int().min(0).nullish(),
    costUsd: z.number().min(0).finite().nullish().describe('Priced from the price table when absent'),
    timeToFirstTokenMs: z.number().min(0).finite().nullish(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    sessionId: shortText.nullish(),
    userId: shortText.nullish(),
    tags: z.array(z.string().min(1).max(200)).max(50).default([]),
    metadata: z.record(z.string(), z.unknown()).default({}),
    release: shortText.nullish(),
    environment: shortText.nullish(),
    serviceName: shortText.nullish(),
    attributes: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const nativeScoreSchema = z
  .object({
    id: id.optional().describe('Makes a retried submission idempotent; generated when absent'),
    traceId: id,
    spanId: id.nullish(),
    name: z.string().min(1).max(200),
    value: z.union([z.number().finite(), z.boolean(), z.string().min(1).max(500)]),
    dataType: z.enum(['numeric', 'boolean', 'categorical']).optional().describe('Inferred from the value when absent'),
    comment: z.string().max(2_000).nullish(),
    source: z.enum(SCORE_SOURCES).default('api'),
  })
  .strict();

export type NativeSpan = z.infer<typeof nativeSpanSchema>;
export type NativeScore = z.infer<typeof nativeScoreSchema>;

export interface NativeBatchResult {
  spans: IngestedSpan[];
  scores: NativeScore[];
  rejected: (IngestRejection & { item: string })[];
}

const NATIVE_TIME_FIELDS = { start: 'startTime', end: 'endTime', valid: 'time', earlyHint: 'send epoch milliseconds (not seconds) or an ISO date-time' };

/** Checks each item of `{ spans, scores }` alone; the body itself must be an object with arrays. */
export function readNativeBatch(body: unknown, clock: Clock, maxItems: number): NativeBatchResult {
  const shape = z
    .object({ spans: z.array(z.unknown()).max(maxItems).default([]), scores: z.array(z.unknown()).max(maxItems).default([]) })
    .strict()
    .safeParse(body);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    throw invalidRequest(
      `The body must be { "spans": [...], "scores": [...] } with at most ${maxItems} items each (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}). See /openapi.json.`,
    );
  }
  const result: NativeBatchResult = { spans: [], scores: [], rejected: [] };
  shape.data.spans.forEach((item, index) => {
    const parsed = nativeSpanSchema.safeParse(item);
    if (!parsed.success) return result.rejected.push(rejection(`spans[${index}]`, item, describe(parsed.error)));
    const span = parsed.data;
    const startedAt = toMs(span.startTime);
    const endedAt = span.endTime === undefined ? startedAt : toMs(span.endTime);
    const problem = checkSpanTimes(startedAt, endedAt, clock.now(), NATIVE_TIME_FIELDS);
    if (problem) return result.rejected.push(rejection(`spans[${index}]`, item, problem));
    result.spans.push(toIngested(span, startedAt, endedAt));
  });
  shape.data.scores.forEach((item, index) => {
    const parsed = nativeScoreSchema.safeParse(item);
    if (!parsed.success) return result.rejected.push(rejection(`scores[${index}]`, item, describe(parsed.error)));
    const mismatch = dataTypeProblem(parsed.data);
    if (mismatch) return result.rejected.push(rejection(`scores[${index}]`, item, mismatch));
    result.scores.push(parsed.data);
  });
  return result;
}

/** A stored score from a checked one. */
export function toScore(input: NativeScore, context: { id: string; projectId: string; keyId: string; now: number }): Score {
  const dataType = input.dataType ?? (typeof input.value === 'boolean' ? 'boolean' : typeof input.value === 'number' ? 'numeric' : 'categorical');
  const value = typeof input.value === 'boolean' ? (input.value ? 1 : 0) : typeof input.value === 'number' ? input.value : null;
  return {
    id: input.id ?? context.id,
    projectId: context.projectId,
    traceId: input.traceId,
    spanId: input.spanId ?? null,
    name: input.name,
    dataType,
    value,
    stringValue: typeof input.value === 'string' ? input.value : null,
    source: input.source,
    comment: input.comment ?? null,
    keyId: context.keyId,
    createdAt: context.now,
  };
}

function dataTypeProblem(score: NativeScore): string | undefined {
  const actual = typeof score.value === 'boolean' ? 'boolean' : typeof score.value === 'number' ? 'numeric' : 'categorical';
  if (!score.dataType || score.dataType === actual) return undefined;
  if (score.dataType === 'boolean' && (score.value === 0 || score.value === 1)) return undefined;
  return `value ${JSON.stringify(score.value)} is not ${score.dataType}: send a number for numeric, true/false (or 1/0) for boolean, a string for categorical`;
}

function toIngested(span: NativeSpan, startedAt: number, endedAt: number): IngestedSpan {
  return {
    traceId: span.traceId,
    spanId: span.id,
    parentSpanId: span.parentId ?? null,
    name: span.name,
    kind: span.kind,
    startedAt,
    endedAt,
    status: span.status,
    statusMessage: span.statusMessage ?? null,
    provider: span.provider ?? null,
    operation: null,
    modelRequested: span.modelRequested ?? span.model ?? null,
    modelUsed: span.model ?? null,
    inputTokens: span.inputTokens ?? null,
    outputTokens: span.outputTokens ?? null,
    costUsd: span.costUsd ?? null,
    timeToFirstTokenMs: span.timeToFirstTokenMs ?? null,
    input: span.input ?? null,
    output: span.output ?? null,
    sessionId: span.sessionId ?? null,
    userId: span.userId ?? null,
    tags: span.tags,
    metadata: span.metadata,
    release: span.release ?? null,
    environment: span.environment ?? null,
    serviceName: span.serviceName ?? null,
    scope: null,
    attributes: span.attributes,
    resourceAttributes: {},
    events: [],
    truncated: false,
  };
}

function toMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'item'}: ${issue?.message ?? 'invalid'}`;
}

function rejection(item: string, raw: unknown, reason: string): IngestRejection & { item: string } {
  const record = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return {
    item,
    spanId: typeof record.id === 'string' ? record.id : null,
    traceId: typeof record.traceId === 'string' ? record.traceId : null,
    reason,
  };
}
