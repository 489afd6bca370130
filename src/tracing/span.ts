import type { BodyCapture } from '../projects/project-store.ts';

export type SpanStatus = 'ok' | 'error';

/**
 * What a span is. `generation` is an LLM call and `embedding` an embedding call; the rest follow the
 * kinds of OpenInference and the OpenTelemetry GenAI conventions (src/ingest/README.md maps them).
 */
export const SPAN_KINDS = ['generation', 'embedding', 'retrieval', 'tool', 'agent', 'chain', 'workflow', 'guardrail', 'evaluator', 'other'] as const;
export type SpanType = (typeof SPAN_KINDS)[number];

/** A timestamped event inside a span (an OpenTelemetry span event). */
export interface SpanEvent {
  name: string;
  /** Epoch ms. */
  time: number;
  attributes: Record<string, unknown>;
}

/** One attempt the router made on one target. */
export interface Attempt {
  provider: string;
  model: string;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  status: 'ok' | 'error';
  errorCode?: string;
  /** HTTP status from the provider, when it answered. */
  upstreamStatus?: number;
}

/**
 * A recorded span. The gateway writes one trace per request holding one `generation` span; later
 * issues add nested spans. Bodies are stored as captured under the project's `captureBodies`.
 */
export interface Span {
  id: string;
  traceId: string;
  projectId: string;
  parentSpanId: string | null;
  type: SpanType;
  name: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  status: SpanStatus;
  keyId: string | null;
  modelRequested: string | null;
  modelUsed: string | null;
  provider: string | null;
  attempts: Attempt[];
  fallbackUsed: boolean;
  cacheHit: boolean;
  stream: boolean;
  latencyMs: number;
  /** Time to first token (first content chunk) for streams, ms. */
  timeToFirstTokenMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  bodyCapture: BodyCapture;
  /** The request body as captured (null when capture is `none`). */
  input: unknown;
  /** The response as captured (null when capture is `none` or on error). */
  output: unknown;
  /** Free-form attributes (OpenTelemetry-style keys). */
  attributes: Record<string, unknown>;
  /** The application's session (conversation, thread) this span belongs to. */
  sessionId: string | null;
  /** The application's end user. */
  userId: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  /** The application's release or version. */
  release: string | null;
  /** `production`, `staging`, … */
  environment: string | null;
  /** The service that reported the span (OpenTelemetry `service.name`); `operon` for the gateway. */
  serviceName: string | null;
  events: SpanEvent[];
  /** True when a value was cut to the ingestion size limit. */
  truncated: boolean;
}

/** A trace as listed: its root span's summary. */
export interface TraceSummary {
  id: string;
  projectId: string;
  name: string;
  startedAt: number;
  endedAt: number;
  status: SpanStatus;
  keyId: string | null;
  modelRequested: string | null;
  modelUsed: string | null;
  provider: string | null;
  latencyMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  cacheHit: boolean;
  spanCount: number;
  sessionId: string | null;
  userId: string | null;
  tags: string[];
  release: string | null;
  environment: string | null;
}

export interface Trace extends TraceSummary {
  spans: Span[];
}
