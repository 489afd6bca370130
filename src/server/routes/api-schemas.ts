import { z } from '@hono/zod-openapi';

/** Schemas of the management API (`/api/*`): they validate requests and generate `/openapi.json`. */

export const errorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string().nullable(),
      param: z.string().nullable(),
    }),
  })
  .openapi('Error');

export const limitsSchema = z
  .object({
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerMinute: z.number().int().positive().optional(),
    dailyBudgetUsd: z.number().nonnegative().optional(),
    monthlyBudgetUsd: z.number().nonnegative().optional(),
  })
  .strict()
  .openapi('Limits');

export const projectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.number().int().openapi({ description: 'Epoch milliseconds' }),
    captureBodies: z.enum(['full', 'redacted', 'none']),
    limits: limitsSchema,
    cacheEnabled: z.boolean(),
    cacheTtlSeconds: z.number().int().nullable(),
    retentionDays: z.number().int().nullable().openapi({ description: 'Traces older than this many days are deleted; null: the server default (retention.defaultDays), else kept forever' }),
  })
  .openapi('Project');

export const projectUpdateSchema = z
  .object({
    captureBodies: z.enum(['full', 'redacted', 'none']).optional(),
    limits: limitsSchema.optional(),
    cacheEnabled: z.boolean().optional(),
    cacheTtlSeconds: z.number().int().positive().nullable().optional(),
    retentionDays: z.number().int().min(1).max(36_500).nullable().optional().openapi({ description: 'Days traces are kept (1–36500); null: the server default' }),
  })
  .strict()
  .openapi('ProjectUpdate');

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the key, safe to show' }),
    scopes: z.array(z.enum(['admin', 'gateway', 'ingest'])),
    limits: limitsSchema,
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi('ApiKey');

export const createKeySchema = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(['admin', 'gateway', 'ingest'])).min(1).default(['gateway']),
    limits: limitsSchema.optional(),
  })
  .strict()
  .openapi('CreateApiKey');

export const createdKeySchema = apiKeySchema
  .extend({ key: z.string().openapi({ description: 'The plain key. Shown only in this response; store it now.' }) })
  .openapi('CreatedApiKey');

const timeParam = z
  .string()
  .optional()
  .openapi({ description: 'Epoch milliseconds or an ISO-8601 date-time' });

export const traceQuerySchema = z.object({
  from: timeParam,
  to: timeParam,
  model: z.string().optional().openapi({ description: 'Matches the model asked for or the model used' }),
  status: z.enum(['ok', 'error']).optional(),
  key_id: z.string().optional(),
  session_id: z.string().optional().openapi({ description: 'Traces of one session (the sessions view)' }),
  user_id: z.string().optional().openapi({ description: 'Traces of one end user (the users view)' }),
  search: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: "Words one span of the trace contains in its name or the first 8,192 characters of its input or output (whole words, any case, all of them). Spans are searchable about a second after they are stored." }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: 'nextCursor from the previous page' }),
});

const traceSummaryShape = {
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  status: z.enum(['ok', 'error']),
  keyId: z.string().nullable(),
  modelRequested: z.string().nullable(),
  modelUsed: z.string().nullable(),
  provider: z.string().nullable(),
  latencyMs: z.number(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
  costUsd: z.number().nullable(),
  cacheHit: z.boolean(),
  spanCount: z.number(),
  sessionId: z.string().nullable(),
  userId: z.string().nullable(),
  tags: z.array(z.string()),
  release: z.string().nullable(),
  environment: z.string().nullable(),
};

export const tracePageSchema = z
  .object({ traces: z.array(z.object(traceSummaryShape).openapi('TraceSummary')), nextCursor: z.string().nullable() })
  .openapi('TracePage');

export const traceSchema = z
  .object({ ...traceSummaryShape, spans: z.array(z.record(z.string(), z.unknown()).openapi('Span')) })
  .openapi('Trace');

export const statusSchema = z
  .object({
    version: z.string(),
    tracing: z.object({ enqueued: z.number(), written: z.number(), dropped: z.number(), failedWrites: z.number(), pending: z.number() }),
    ingest: z
      .object({ written: z.number(), refused: z.number(), failed: z.number(), pending: z.number(), writes: z.number() })
      .describe('OTLP ingestion: spans stored, refused for backpressure (429), failed writes (503), waiting now.'),
    cache: z.record(z.string(), z.number()),
  })
  .openapi('Status');
