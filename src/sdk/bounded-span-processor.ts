import { TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SdkDiagnostics } from './export-health.ts';

export interface BoundedBatchOptions {
  exporter: SpanExporter;
  diagnostics: SdkDiagnostics;
  /** spans waiting for export; past it new spans are dropped and counted */
  maxQueueSize: number;
  flushIntervalMs: number;
  /** one export request, retries included */
  exportTimeoutMs: number;
}

/** The OTel SDK's default batch size; never larger than the queue. */
const MAX_EXPORT_BATCH_SIZE = 512;

/**
 * OTel's BatchSpanProcessor with the accounting `operon.stats()` needs. The BatchSpanProcessor drops
 * spans past `maxQueueSize` without telling anyone, so this wrapper keeps the same count itself (a
 * span is queued from `onEnd` until the exporter takes its batch) and refuses the span before the
 * inner processor would, counting it as dropped.
 */
export class BoundedSpanProcessor implements SpanProcessor {
  readonly #inner: BatchSpanProcessor;
  readonly #diagnostics: SdkDiagnostics;
  readonly #maxQueueSize: number;
  #queued = 0;
  #shutDown = false;

  constructor(options: BoundedBatchOptions) {
    this.#diagnostics = options.diagnostics;
    this.#maxQueueSize = options.maxQueueSize;
    const exporter = new AccountingExporter(options.exporter, options.diagnostics, (count) => {
      this.#queued = Math.max(0, this.#queued - count);
    });
    this.#inner = new BatchSpanProcessor({
      exporter,
      maxQueueSize: options.maxQueueSize,
      maxExportBatchSize: Math.min(MAX_EXPORT_BATCH_SIZE, options.maxQueueSize),
      scheduledDelayMillis: options.flushIntervalMs,
      // the exporter bounds its own request; this outer bound only catches a wedged exporter
      exportTimeoutMillis: options.exportTimeoutMs + 1_000,
    });
  }

  /** Spans ended but not yet handed to the exporter. */
  get queued(): number {
    return this.#queued;
  }

  onStart(span: Span, parentContext: Context): void {
    this.#inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#shutDown) {
      this.#diagnostics.stats.spansDropped++;
      this.#diagnostics.warnOnce('span-after-shutdown', 'a span ended after operon.shutdown(); it is dropped.');
      return;
    }
    if (this.#queued >= this.#maxQueueSize) {
      this.#diagnostics.stats.spansDropped++;
      this.#diagnostics.warnOnce(
        'queue-full',
        `the span buffer is full (maxQueueSize ${this.#maxQueueSize}); new spans are dropped and counted until it drains.`,
      );
      return;
    }
    this.#queued++;
    this.#inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush().catch(() => undefined);
  }

  shutdown(): Promise<void> {
    this.#shutDown = true;
    return this.#inner.shutdown().catch(() => undefined);
  }
}

/**
 * Counts exported and dropped spans and reports delivery health. It always answers SUCCESS to the
 * BatchSpanProcessor: the failure is already counted and logged once here, and a FAILED result
 * would only make the processor report it again through OTel's global error handler, per batch.
 */
export class AccountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #diagnostics: SdkDiagnostics;
  readonly #onDequeued: (count: number) => void;

  constructor(inner: SpanExporter, diagnostics: SdkDiagnostics, onDequeued: (count: number) => void) {
    this.#inner = inner;
    this.#diagnostics = diagnostics;
    this.#onDequeued = onDequeued;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#onDequeued(spans.length);
    let settled = false;
    const settle = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      const { stats } = this.#diagnostics;
      if (result.code === ExportResultCode.SUCCESS) {
        stats.spansExported += spans.length;
        this.#diagnostics.deliverySucceeded();
      } else {
        stats.exportErrors++;
        stats.spansDropped += spans.length;
        this.#diagnostics.deliveryFailed(result.error);
      }
      resultCallback({ code: ExportResultCode.SUCCESS });
    };
    try {
      this.#inner.export(spans, settle);
    } catch (error) {
      settle({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.().catch(() => undefined) ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown().catch(() => undefined);
  }
}
