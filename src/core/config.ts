import { z } from 'zod';

/**
 * The whole configuration of Operon: `operon.yaml` (optional) plus environment variables, parsed once
 * at start by `loadConfig` (`src/core/config-loader.ts`) and passed down. Nothing reads `process.env` later.
 *
 * @example operon.yaml
 * providers:
 *   openai: { type: openai, apiKey: ${OPENAI_API_KEY} }
 *   anthropic: { type: anthropic, apiKey: ${ANTHROPIC_API_KEY} }
 * models:
 *   smart:
 *     strategy: fallback
 *     targets:
 *       - { provider: openai, model: gpt-4o }
 *       - { provider: anthropic, model: claude-sonnet-4-5 }
 */

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

export const providerConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('openai'),
      apiKey: z.string().min(1).optional(),
      baseUrl: z.url().default('https://api.openai.com/v1'),
      organization: z.string().optional(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      type: z.literal('anthropic'),
      apiKey: z.string().min(1).optional(),
      baseUrl: z.url().default('https://api.anthropic.com'),
      /** Value of the `anthropic-version` header. */
      version: z.string().default('2023-06-01'),
      /** max_tokens sent when the caller gives none (Anthropic requires one). */
      defaultMaxTokens: positiveInt.default(4096),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      /** Any OpenAI-compatible server: Ollama, vLLM, llama.cpp server, Together, Groq, OpenRouter. */
      type: z.literal('openai-compatible'),
      baseUrl: z.url(),
      apiKey: z.string().min(1).optional(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      type: z.literal('azure-openai'),
      /** e.g. https://my-resource.openai.azure.com */
      baseUrl: z.url(),
      apiKey: z.string().min(1).optional(),
      apiVersion: z.string().default('2024-10-21'),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z
    .object({
      /** The deterministic mock provider (`operon/testing`). Never calls out. */
      type: z.literal('mock'),
      /** Scripted answers; see `src/testing/mock-provider.ts`. */
      script: z.array(z.record(z.string(), z.unknown())).default([]),
    })
    .strict(),
]);
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const targetSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Relative weight for `loadbalance`. */
    weight: nonNegative.default(1),
    /** Per-attempt timeout; for streams, the time to the first chunk. */
    timeoutMs: positiveInt.optional(),
  })
  .strict();
export type TargetConfig = z.infer<typeof targetSchema>;

export const retryConfigSchema = z
  .object({
    /** Attempts per target, the first included. */
    maxAttempts: positiveInt.max(10).default(2),
    baseDelayMs: nonNegative.default(250),
    maxDelayMs: nonNegative.default(8_000),
  })
  .strict();

export const modelAliasSchema = z
  .object({
    strategy: z.enum(['fallback', 'loadbalance']).default('fallback'),
    targets: z.array(targetSchema).min(1),
    retries: retryConfigSchema.optional(),
  })
  .strict();
export type ModelAliasConfig = z.infer<typeof modelAliasSchema>;

/** USD per one million tokens. */
export const priceSchema = z
  .object({
    input: nonNegative,
    output: nonNegative,
    cachedInput: nonNegative.optional(),
    cacheWriteInput: nonNegative.optional(),
  })
  .strict();
export type PriceConfig = z.infer<typeof priceSchema>;

export const limitsSchema = z
  .object({
    requestsPerMinute: positiveInt.optional(),
    tokensPerMinute: positiveInt.optional(),
    dailyBudgetUsd: nonNegative.optional(),
    monthlyBudgetUsd: nonNegative.optional(),
  })
  .strict();
export type LimitsConfig = z.infer<typeof limitsSchema>;

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(4100),
        /** Largest accepted request body. */
        maxBodyBytes: positiveInt.default(4 * 1024 * 1024),
        /** Where users reach this server (behind a proxy, its public URL); links in alert webhooks start with it. Default `http://<host>:<port>`. */
        publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, like https://operon.example.com' }).optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4100, maxBodyBytes: 4 * 1024 * 1024 }),
    storage: z
      .object({
        /** Folder for the embedded SQLite database and other local state. */
        dataDir: z.string().default('./.operon'),
        /** `postgres://…` to use a PostgreSQL server instead of embedded SQLite. */
        databaseUrl: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
          .optional(),
      })
      .strict()
      .default({ dataDir: './.operon' }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names are lowercase letters, digits, - and _'), providerConfigSchema).default({}),
    /** Model aliases: the name a client asks for → the targets that serve it. */
    models: z.record(z.string().min(1), modelAliasSchema).default({}),
    routing: z
      .object({
        retries: retryConfigSchema.default({ maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 8_000 }),
        /** Default per-attempt timeout. */
        timeoutMs: positiveInt.default(120_000),
        breaker: z
          .object({
            /** Consecutive failures that open the breaker for a target. */
            failureThreshold: positiveInt.default(5),
            cooldownMs: positiveInt.default(30_000),
          })
          .strict()
          .default({ failureThreshold: 5, cooldownMs: 30_000 }),
      })
      .strict()
      .default({
        retries: { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 8_000 },
        timeoutMs: 120_000,
        breaker: { failureThreshold: 5, cooldownMs: 30_000 },
      }),
    cache: z
      .object({
        enabled: z.boolean().default(true),
        ttlSeconds: positiveInt.default(3_600),
        /** Entries kept in memory across all projects (least recently used evicted first). */
        maxEntries: positiveInt.default(10_000),
      })
      .strict()
      .default({ enabled: true, ttlSeconds: 3_600, maxEntries: 10_000 }),
    /** Overrides and additions to the built-in price table, by model id. */
    pricing: z.record(z.string().min(1), priceSchema).default({}),
    /** Limits applied to every project (and, under `keys`, to every key) unless set on the project or key. */
    limits: z
      .object({ project: limitsSchema.default({}), key: limitsSchema.default({}) })
      .strict()
      .default({ project: {}, key: {} }),
    tracing: z
      .object({
        /** Spans buffered before new ones are dropped (and counted). */
        queueSize: positiveInt.default(10_000),
        batchSize: positiveInt.default(500),
        flushIntervalMs: positiveInt.default(1_000),
        /** Default body capture for new projects. */
        captureBodies: z.enum(['full', 'redacted', 'none']).default('full'),
      })
      .strict()
      .default({ queueSize: 10_000, batchSize: 500, flushIntervalMs: 1_000, captureBodies: 'full' }),
    /** Telemetry from applications: OTLP/HTTP at /v1/traces. */
    ingest: z
      .object({
        /** Largest request body accepted, as sent (gzip or not). Oversized values inside are truncated, not refused. */
        maxBodyBytes: positiveInt.default(64 * 1024 * 1024),
        /** Largest body once un-gzipped (a guard against zip bombs). */
        maxInflatedBytes: positiveInt.default(128 * 1024 * 1024),
        /** Spans accepted but not yet stored, at most; past that, exports get 429 with Retry-After. */
        maxPendingSpans: positiveInt.default(200_000),
        /** Spans per storage write at most. */
        batchSize: positiveInt.default(5_000),
        /** Seconds clients are told to wait when refused (Retry-After). */
        retryAfterSeconds: positiveInt.default(1),
        /** A string value longer than this (bytes) is cut, and its span flagged as truncated. */
        maxValueBytes: positiveInt.default(64 * 1024),
        /** Attributes kept per span; the rest are dropped and the span flagged as truncated. */
        maxAttributes: positiveInt.default(256),
      })
      .strict()
      .default({
        maxBodyBytes: 64 * 1024 * 1024,
        maxInflatedBytes: 128 * 1024 * 1024,
        maxPendingSpans: 200_000,
        batchSize: 5_000,
        retryAfterSeconds: 1,
        maxValueBytes: 64 * 1024,
        maxAttributes: 256,
      }),
    /** Deleting old traces in the background (per project: `retentionDays`; see docs/observability.md). */
    retention: z
      .object({
        /** Days traces are kept in projects that set no retention; absent: kept forever. */
        defaultDays: positiveInt.max(36_500).optional(),
        /** Minutes between retention runs. */
        intervalMinutes: positiveInt.default(60),
        /** Traces deleted per transaction (each holds the write lock briefly). */
        batchSize: positiveInt.max(10_000).default(200),
      })
      .strict()
      .default({ intervalMinutes: 60, batchSize: 200 }),
    /** The full-text index behind GET /api/traces?search=, fed in the background. */
    search: z
      .object({
        /** Milliseconds between indexer runs: about how long a new span takes to become searchable. */
        indexIntervalMs: positiveInt.default(1_000),
        /** Spans indexed per transaction. */
        indexBatchSize: positiveInt.max(50_000).default(1_000),
        /** Spans indexed per run at most, so that indexing yields to ingestion under heavy load. */
        maxSpansPerRun: positiveInt.default(20_000),
      })
      .strict()
      .default({ indexIntervalMs: 1_000, indexBatchSize: 1_000, maxSpansPerRun: 20_000 }),
    /** Alert rules (GET/POST /api/alerts/rules), evaluated in the background; see docs/observability.md. */
    alerts: z
      .object({
        /** Seconds between evaluations of every rule. */
        evaluationIntervalSeconds: positiveInt.max(86_400).default(60),
        /** Let webhooks go to loopback, private and link-local addresses (receivers on your own network, tests). */
        allowPrivateWebhooks: z.boolean().default(false),
        /** Deadline of one webhook POST. */
        webhookTimeoutMs: positiveInt.max(120_000).default(10_000),
        /** Attempts per webhook, the first included (waits of 5 s, 15 s, 45 s… between them). */
        deliveryAttempts: positiveInt.max(10).default(4),
      })
      .strict()
      .default({ evaluationIntervalSeconds: 60, allowPrivateWebhooks: false, webhookTimeoutMs: 10_000, deliveryAttempts: 4 }),
  })
  .strict();

export type OperonConfig = z.infer<typeof configSchema>;
export type OperonConfigInput = z.input<typeof configSchema>;
