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
  const service = createProjectService({ store: stores.projects, clock, ids, defaultCapture: config.tracing.captureBodies });
  const authenticator = createAuthenticator({ store: stores.projects, clock });

  const queue = createSpanQueue({
    store: stores.traces,
    clock,
    logger,
    queueSize: config.tracing.queueSize,
    batchSize: config.tracing.batchSize,
    flushIntervalMs: config.tracing.flushIntervalMs,
  });
  queue.start();

  const providers = createProviders(config.providers, { transport: options.transport, env: options.env });
  const router = createRouter({ models: config.models, providers, routing: config.routing, clock, random: options.random, logger });
  const cache = createCacheMiddleware({ config: config.cache, clock });
  const limits = createLimitsMiddleware({ defaults: config.limits, usage: stores.usage, clock, logger });
  const cost = createCostMiddleware({ pricing: config.pricing, logger });
  const tracing = createTracingLayer({ queue, clock, ids });
  const pipeline = composeChat([tracing, limits, cache, cost], router);

  // Embeddings skip the chat pipeline but not its policies: limits are checked first, and the call's
  // cost is priced and counted like a chat call's.
  const prices = createPriceLookup(config.pricing);
  const embed = traceEmbedding({
    queue,
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
    rejected: (call: Parameters<typeof recordRejectedCall>[1]) => recordRejectedCall({ queue, clock, ids }, call),
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
    /** Flushes traces and usage, then closes storage. Safe to call twice. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await queue.close();
      await ingest.close();
      await limits.close();
      await database.close();
    },
  };
}

export type Operon = Awaited<ReturnType<typeof composeOperon>>;

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
  const service = createProjectService({ store: stores.projects, clock, ids, defaultCapture: options.config.tracing.captureBodies });
  return { stores, service, close: () => database.close() };
}
