import type { SpanQueue } from '../tracing/span-queue.ts';
import type { Span } from '../tracing/span.ts';

/**
 * The span queue as the gateway's producers see it, with every span also shown to `observer` (the
 * Prometheus counters) as it is enqueued — so a call is counted even if its span is later dropped.
 *
 * @example
 * const tracing = createTracingLayer({ queue: observeGatewaySpans(queue, prometheus), clock, ids });
 */
export function observeGatewaySpans(queue: SpanQueue, observer: { observeGatewaySpan(span: Span): void }): SpanQueue {
  return {
    enqueue(span) {
      observer.observeGatewaySpan(span);
      return queue.enqueue(span);
    },
    flush: () => queue.flush(),
    start: () => queue.start(),
    close: () => queue.close(),
    stats: () => queue.stats(),
  };
}
