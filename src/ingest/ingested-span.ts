/**
 * The normalized span every ingestion path produces (OTLP protobuf, OTLP JSON, later native batches).
 * Whatever convention the sender used (OpenTelemetry GenAI, OpenInference, Vercel AI SDK, Operon's SDK),
 * the same facts land in the same fields; the raw attributes are kept beside them.
 *
 * @example
 * const { spans, rejected } = decodeOtlpTraces(body, 'protobuf', { clock: systemClock });
 * for (const span of spans) console.log(span.kind, span.modelUsed, span.inputTokens);
 */

import { SPAN_KINDS, type SpanType } from '../tracing/span.ts';

/** What a span represents, from Operon's point of view: the stored span's `type`. */
export type SpanKind = SpanType;

/** Every `SpanKind`, for validating `operon.span.kind`. */
export { SPAN_KINDS };

/** A span event as received: name, epoch ms and its attributes. */
export interface IngestedSpanEvent {
  name: string;
  /** Epoch ms (may have a fraction). */
  time: number;
  attributes: Record<string, unknown>;
}

export interface IngestedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  /** Epoch ms (may have a fraction). */
  startedAt: number;
  endedAt: number;
  status: 'ok' | 'error' | 'unset';
  statusMessage: string | null;
  /** `gen_ai.provider.name` (or `gen_ai.system`, `llm.provider`, `ai.model.provider`). */
  provider: string | null;
  /** `gen_ai.operation.name`. */
  operation: string | null;
  modelRequested: string | null;
  modelUsed: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Only when the span itself carries a cost attribute; Operon prices the rest later. */
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
  /** Messages, prompt or `input.value`, parsed from JSON when it is JSON. */
  input: unknown;
  output: unknown;
  /** `operon.session.id`, `session.id`, `gen_ai.conversation.id`. */
  sessionId: string | null;
  /** `operon.user.id`, `user.id`, `enduser.id`. */
  userId: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  /** `operon.release`, else the resource's `service.version`. */
  release: string | null;
  /** `operon.environment`, else the resource's `deployment.environment.name` / `deployment.environment`. */
  environment: string | null;
  /** The resource's `service.name`. */
  serviceName: string | null;
  scope: { name: string; version: string | null } | null;
  /** All span attributes under their dotted keys; int64 as a number when safe, else a decimal string. */
  attributes: Record<string, unknown>;
  resourceAttributes: Record<string, unknown>;
  events: IngestedSpanEvent[];
  /** True when any value was cut to the size limit, or attributes or events were dropped. */
  truncated: boolean;
}

/** A span that could not be ingested, and why (per span; never fails the batch). */
export interface IngestRejection {
  spanId: string | null;
  traceId: string | null;
  reason: string;
}

export interface IngestResult {
  spans: IngestedSpan[];
  rejected: IngestRejection[];
}
