import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Span } from '../tracing/span.ts';

/**
 * `GET /metrics` in Prometheus text format, on registries of its own (never prom-client's global one):
 *
 * - per project — the calls the gateway served, counted from their spans as they finish:
 *   `operon_gateway_requests_total{kind,model,provider,status}`, `operon_gateway_request_duration_seconds`
 *   and `operon_gateway_time_to_first_token_seconds` (histograms), `operon_gateway_tokens_total{direction}`,
 *   `operon_gateway_cost_usd_total`, `operon_gateway_cache_hits_total`. A scrape shows only the scraping
 *   key's project.
 * - for the server — read from the queues at scrape time: spans of the gateway's trace queue
 *   (`operon_trace_queue_spans_total{outcome}`, `operon_trace_queue_failed_writes_total`,
 *   `operon_trace_queue_depth`), of OTLP/native ingestion (`operon_ingest_spans_total{outcome}`,
 *   `operon_ingest_writes_total`, `operon_ingest_queue_depth`), and Node's process metrics. These are
 *   whole-server figures with no project breakdown.
 *
 * Labels stay bounded: no user, key or trace ids; at most `maxLabelValues` models and providers per
 * project, further ones counted as `other` (a model name is whatever a caller sent).
 *
 * @example
 * const prometheus = createPrometheusMetrics({ spanQueue: () => queue.stats(), ingest: () => ingest.stats() });
 * const observed = observeGatewaySpans(queue, prometheus); // hand `observed` to the gateway
 * const text = await prometheus.render(projectId);
 */
export interface PrometheusMetrics {
  /** Counts one finished gateway call (a `generation` or `embedding` span). */
  observeGatewaySpan(span: Span): void;
  /** The exposition for one project's admin: its gateway series and the server's. */
  render(projectId: string): Promise<string>;
  readonly contentType: string;
}

export interface PrometheusMetricsOptions {
  spanQueue: () => { enqueued: number; written: number; dropped: number; failedWrites: number; pending: number };
  ingest: () => { written: number; refused: number; failed: number; pending: number; writes: number };
  /** Node's process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Distinct models (and providers) per project before further ones become `other`. Default 100. */
  maxLabelValues?: number;
}

/** Seconds: from a cache hit to a long generation. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const server = serverRegistry(options);
  const projects = new Map<string, ProjectMetrics>();
  const maxLabelValues = options.maxLabelValues ?? 100;
  const forProject = (projectId: string): ProjectMetrics => {
    let metrics = projects.get(projectId);
    if (!metrics) projects.set(projectId, (metrics = projectMetrics(maxLabelValues)));
    return metrics;
  };
  return {
    contentType: server.contentType,
    observeGatewaySpan(span) {
      forProject(span.projectId).observe(span);
    },
    async render(projectId) {
      return (await forProject(projectId).registry.metrics()) + (await server.metrics());
    },
  };
}

interface ProjectMetrics {
  registry: Registry;
  observe(span: Span): void;
}

function projectMetrics(maxLabelValues: number): ProjectMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'operon_gateway_requests_total', help: 'Gateway calls finished, by outcome.', labelNames: ['kind', 'model', 'provider', 'status'] as const, registers });
  const duration = new Histogram({ name: 'operon_gateway_request_duration_seconds', help: 'Gateway call latency, from the request to the last byte.', labelNames: ['kind', 'model', 'provider'] as const, buckets: DURATION_BUCKETS, registers });
  const firstToken = new Histogram({ name: 'operon_gateway_time_to_first_token_seconds', help: 'Time to the first streamed token of gateway calls.', labelNames: ['model', 'provider'] as const, buckets: FIRST_TOKEN_BUCKETS, registers });
  const tokens = new Counter({ name: 'operon_gateway_tokens_total', help: 'Tokens of gateway calls.', labelNames: ['model', 'provider', 'direction'] as const, registers });
  const cost = new Counter({ name: 'operon_gateway_cost_usd_total', help: 'Cost of gateway calls in US dollars, from the price table.', labelNames: ['model', 'provider'] as const, registers });
  const cacheHits = new Counter({ name: 'operon_gateway_cache_hits_total', help: 'Gateway calls answered from the cache.', labelNames: ['model', 'provider'] as const, registers });
  const models = boundedLabel(maxLabelValues);
  const providers = boundedLabel(maxLabelValues);

  return {
    registry,
    observe(span) {
      const model = models(span.modelUsed ?? span.modelRequested ?? 'none');
      const provider = providers(span.provider ?? 'none');
      const kind = span.type;
      requests.inc({ kind, model, provider, status: span.status });
      duration.observe({ kind, model, provider }, span.latencyMs / 1000);
      if (span.timeToFirstTokenMs !== null) firstToken.observe({ model, provider }, span.timeToFirstTokenMs / 1000);
      if (span.inputTokens) tokens.inc({ model, provider, direction: 'input' }, span.inputTokens);
      if (span.outputTokens) tokens.inc({ model, provider, direction: 'output' }, span.outputTokens);
      if (span.costUsd) cost.inc({ model, provider }, span.costUsd);
      if (span.cacheHit) cacheHits.inc({ model, provider });
    },
  };
}

/** The value itself while fewer than `max` distinct values were seen; `other` after that. */
function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

function serverRegistry(options: PrometheusMetricsOptions): Registry {
  const registry = new Registry();
  const registers = [registry];
  // Totals kept by the queues themselves: each scrape copies them into the counters.
  new Counter({
    name: 'operon_trace_queue_spans_total',
    help: "Spans of the gateway's trace queue: enqueued, written to storage, dropped (queue full or writes failing).",
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const stats = options.spanQueue();
      this.reset();
      this.inc({ outcome: 'enqueued' }, stats.enqueued);
      this.inc({ outcome: 'written' }, stats.written);
      this.inc({ outcome: 'dropped' }, stats.dropped);
    },
  });
  new Counter({
    name: 'operon_trace_queue_failed_writes_total',
    help: 'Batch writes of the trace queue that failed (retried, then dropped).',
    registers,
    collect() {
      this.reset();
      this.inc(options.spanQueue().failedWrites);
    },
  });
  new Gauge({ name: 'operon_trace_queue_depth', help: 'Spans waiting in the trace queue.', registers, collect() { this.set(options.spanQueue().pending); } });
  new Counter({
    name: 'operon_ingest_spans_total',
    help: 'Ingested spans (OTLP and native): stored, refused for backpressure (429), failed to store (503).',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const stats = options.ingest();
      this.reset();
      this.inc({ outcome: 'stored' }, stats.written);
      this.inc({ outcome: 'refused' }, stats.refused);
      this.inc({ outcome: 'failed' }, stats.failed);
    },
  });
  new Counter({
    name: 'operon_ingest_writes_total',
    help: 'Transactions the ingest queue wrote (each groups several submissions).',
    registers,
    collect() {
      this.reset();
      this.inc(options.ingest().writes);
    },
  });
  new Gauge({ name: 'operon_ingest_queue_depth', help: 'Ingested spans accepted and not yet stored.', registers, collect() { this.set(options.ingest().pending); } });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
