import type { BodyCapture } from '../projects/project-store.ts';

export type SpanStatus = 'ok' | 'error';
export type SpanType = 'generation' | 'embedding' | 'span';

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
}

export interface Trace extends TraceSummary {
  spans: Span[];
}
