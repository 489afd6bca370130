import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.ts';
import type { OperonConfig } from '../core/config.ts';
import { randomIds, type IdGenerator } from '../core/ids.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { composeChat, type CallContext } from '../gateway/pipeline.ts';
import { createTracingLayer } from '../gateway/tracing-layer.ts';
import { traceEmbedding } from '../gateway/embedding-tracing.ts';
import { recordRejectedCall } from '../gateway/rejected-call.ts';
import { createRouter } from '../gateway/router/index.ts';
import { createCacheMiddleware } from '../gateway/cache/index.ts';
import { createLimitsMiddleware } from '../gateway/limits/index.ts';
import { computeCost, createCostMiddleware, createPriceLookup } from '../tracing/cost/index.ts';
import type { HttpTransport } from '../providers/http-transport.ts';
import { createProviders } from '../providers/registry.ts';
import { createProjectService } from '../projects/project-service.ts';
import { openDatabase, createStores, type Database } from '../storage/index.ts';
import { createSpanQueue } from '../tracing/span-queue.ts';
import { createApp } from './app.ts';
import { createNodeListener } from './node-listener.ts';
import { chatHandlers } from './routes/gateway-routes.ts';
import { createAuthenticator } from './authenticator.ts';
import { createIngestQueue } from '../ingest/ingest-queue.ts';
import { serveOtlpTraces } from './routes/otlp-exchange.ts';
import { createSearchIndexer } from '../tracing/search-indexer.ts';
import { createRetentionJob } from '../retention/retention-job.ts';
import { createPrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { observeGatewaySpans } from '../metrics/observed-span-queue.ts';
import { createAlertDelivery } from '../alerts/alert-delivery.ts';
import { createAlertEvaluator } from '../alerts/alert-evaluator.ts';
import { createAlertService } from '../alerts/alert-service.ts';
import { createWebhookSender } from '../alerts/webhook-sender.ts';

/** Spans ingested between two search-indexer runs above which ingestion counts as heavy. */
const HEAVY_INGESTION_SPANS = 10_000;

export interface ComposeOptions {
  config: OperonConfig;
  /** Environment for provider keys (OPENAI_API_KEY, …); never read elsewhere. */
  env: Record<string, string | undefined>;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Outbound HTTP for providers (tests inject one). */
  transport?: HttpTransport;
  /** Random source for load balancing and jitter. */
  random?: () => number;
  /** For tests: an existing database instead of opening one from config. */
  database?: Database;
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The only composition root: builds every service once from the config and wires the pipeline,
 * outermost first: tracing → limits → cache → cost → router → provider.
 *
 * @example
 * const operon = await composeOperon({ config, env: process.env });
 * const server = serve({ fetch: operon.app.fetch, port: 4100 });
 * await operon.close();
 */
export async function composeOperon(options: ComposeOptions) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const logger = options.logger ?? createLogger({ level: config.logging.level });

  const database = options.database ?? (await openDatabase(databaseOptions(config), { logger }));
  const stores = createStores(database);
  const service = createProjectService({ store: stores.projects, clock, ids, defaultCapture: config.tracing.captureBodies, audit: stores.audit });
  const authenticator = createAuthenticator({ store: stores.projects, clock });
  // Background work on stored telemetry: retention deletes old traces (the search indexer follows ingestion below).
  const retention = createRetentionJob({
    projects: stores.projects,
    deletion: stores.deletion,
    audit: stores.audit,
    clock,
    ids,
    logger,
    defaultDays: config.retention.defaultDays,
    intervalMs: config.retention.intervalMinutes * 60_000,
    batchSize: config.retention.batchSize,
    pauseMs: RETENTION_PAUSE_MS,
  });
  retention.start();
  // Alerts: rules over the metrics rollups, evaluated in the background; webhooks from the history outbox.
  const alerts = createAlertService({ store: stores.alerts, metrics: stores.metrics, clock, ids, allowPrivateWebhooks: config.alerts.allowPrivateWebhooks });
  const alertEvaluator = createAlertEvaluator({
    store: stores.alerts,
    metrics: stores.metrics,
    delivery: createAlertDelivery({
      store: stores.alerts,
      sender: createWebhookSender({ allowPrivate: config.alerts.allowPrivateWebhooks, timeoutMs: config.alerts.webhookTimeoutMs, userAgent: `Operon/${VERSION}` }),
      clock,
      logger,
      maxAttempts: config.alerts.deliveryAttempts,
      timeoutMs: config.alerts.webhookTimeoutMs,
    }),
    clock,
    ids,
    logger,
    intervalMs: config.alerts.evaluationIntervalSeconds * 1000,
    publicUrl: publicUrlOf(config),
    projectName: async (id) => (await stores.projects.getProject(id))?.name,
  });
  alertEvaluator.start();

  const queue = createSpanQueue({
    store: stores.traces,
    clock,
    logger,
    queueSize: config.tracing.queueSize,
    batchSize: config.tracing.batchSize,
    flushIntervalMs: config.tracing.flushIntervalMs,
  });
  queue.start();
  // GET /metrics: gateway calls are counted as their spans are enqueued; the queues are read at scrape time.
  const prometheus = createPrometheusMetrics({ spanQueue: () => queue.stats(), ingest: () => ingest.stats() });
  const gatewayQueue = observeGatewaySpans(queue, prometheus);

  const providers = createProviders(config.providers, { transport: options.transport, env: options.env });
  const router = createRouter({ models: config.models, providers, routing: config.routing, clock, random: options.random, logger });
  const cache = createCacheMiddleware({ config: config.cache, clock });
  const limits = createLimitsMiddleware({ defaults: config.limits, usage: stores.usage, clock, logger });
  const cost = createCostMiddleware({ pricing: config.pricing, logger });
  const tracing = createTracingLayer({ queue: gatewayQueue, clock, ids });
  const pipeline = composeChat([tracing, limits, cache, cost], router);

  // Embeddings skip the chat pipeline but not its policies: limits are checked first, and the call's
  // cost is priced and counted like a chat call's.
  const prices = createPriceLookup(config.pricing);
  const embed = traceEmbedding({
    queue: gatewayQueue,
    clock,
    ids,
    async embed(request, context: CallContext) {
      await limits.check(context);
      const result = await router.embed(request, context);
      const usage = { inputTokens: result.usage?.inputTokens ?? 0, outputTokens: 0 };
      const price = prices.find(context.record.modelUsed ?? result.model, context.record.provider);
      context.record.usage = usage;
      context.record.costUsd = price ? computeCost(usage, price) : undefined;
      limits.recordUsage(context, usage, context.record.costUsd);
      return result;
    },
  });

  const gateway = {
    authenticator,
    pipeline,
    ids,
    clock,
    logger,
    maxBodyBytes: config.server.maxBodyBytes,
    rejected: (call: Parameters<typeof recordRejectedCall>[1]) => recordRejectedCall({ queue: gatewayQueue, clock, ids }, call),
    embed,
    listModels: () => router.listModels(),
  };
  const ingest = createIngestQueue({
    store: stores.traces,
    logger,
    maxPendingSpans: config.ingest.maxPendingSpans,
    batchSize: config.ingest.batchSize,
    retryAfterSeconds: config.ingest.retryAfterSeconds,
  });
  // The search index follows the stored spans, and yields to heavy ingestion (it catches up afterwards).
  let ingestedAtLastRun = 0;
  const searchIndexer = createSearchIndexer({
    index: stores.search,
    clock,
    logger,
    intervalMs: config.search.indexIntervalMs,
    batchSize: config.search.indexBatchSize,
    maxSpansPerRun: config.search.maxSpansPerRun,
    busy: () => {
      const written = ingest.stats().written;
      const busy = written - ingestedAtLastRun > HEAVY_INGESTION_SPANS;
      ingestedAtLastRun = written;
      return busy;
    },
  });
  searchIndexer.start();
  const app = createApp({
    logger,
    version: VERSION,
    checkReady: () => stores.ping(),
    gateway,
    api: {
      store: stores.projects,
      traces: stores.traces,
      service,
      authenticator,
      status: () => ({ version: VERSION, tracing: { ...queue.stats() }, ingest: { ...ingest.stats() }, cache: { ...cache.stats() } }),
    },
    ingest: { authenticator, queue: ingest, scores: stores.scores, prices, clock, ids, maxBodyBytes: config.ingest.maxBodyBytes },
    metrics: { metrics: stores.metrics, prometheus, authenticator, clock },
    alerts: { alerts },
    observability: { views: stores.views, audit: stores.audit, erasure: { deletion: stores.deletion, audit: stores.audit, clock, ids, batchSize: config.retention.batchSize } },
  });
  const otlp = { authenticator, queue: ingest, clock, logger, prices, limits: config.ingest };
  /** Node's request listener: the chat routes and OTLP ingestion directly, the rest through Hono. */
  const listener = createNodeListener(
    app.fetch,
    { ...chatHandlers(gateway), '/v1/traces': (incoming, outgoing) => serveOtlpTraces(otlp, incoming, outgoing) },
    logger,
  );

  let closed = false;
  return {
    app,
    listener,
    config,
    logger,
    service,
    stores,
    queue,
    ingest,
    searchIndexer,
    retention,
    alertEvaluator,
    /** Flushes traces and usage, then closes storage. Safe to call twice. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await searchIndexer.stop();
      await retention.stop();
      await alertEvaluator.close();
      await queue.close();
      await ingest.close();
      await limits.close();
      await database.close();
    },
  };
}

export type Operon = Awaited<ReturnType<typeof composeOperon>>;

/** Pause between two retention deletions, so that span writes waiting for the lock get it in between. */
const RETENTION_PAUSE_MS = 20;

/** `server.publicUrl`, else this server's own address (a wildcard host named as localhost). */
function publicUrlOf(config: OperonConfig): string {
  if (config.server.publicUrl) return config.server.publicUrl;
  const { host, port } = config.server;
  const named = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${named}:${port}`;
}

function databaseOptions(config: OperonConfig) {
  return config.storage.databaseUrl ? { databaseUrl: config.storage.databaseUrl } : { dataDir: config.storage.dataDir };
}

/**
 * The slice of Operon the CLI's `keys` and `projects` commands need: storage and the project service,
 * without the gateway or the tracing queue.
 */
export async function composeAdmin(options: { config: OperonConfig; clock?: Clock; ids?: IdGenerator; logger?: Logger }) {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const logger = options.logger ?? createLogger({ level: 'warn' });
  const database = await openDatabase(databaseOptions(options.config), { logger });
  const stores = createStores(database);
  const service = createProjectService({ store: stores.projects, clock, ids, defaultCapture: options.config.tracing.captureBodies, audit: stores.audit });
  return { stores, service, close: () => database.close() };
}
