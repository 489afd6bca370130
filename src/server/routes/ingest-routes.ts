import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Clock } from '../../core/clock.ts';
import { OperonError, invalidRequest } from '../../core/errors.ts';
import type { IdGenerator } from '../../core/ids.ts';
import type { IngestQueue } from '../../ingest/ingest-queue.ts';
import { nativeScoreSchema, nativeSpanSchema, readNativeBatch, toScore } from '../../ingest/native-batch.ts';
import { toSpan } from '../../ingest/to-span.ts';
import type { PriceLookup } from '../../tracing/cost/index.ts';
import { SCORE_SOURCES } from '../../tracing/score.ts';
import type { ScoreStore } from '../../tracing/score-store.ts';
import type { AppEnv } from '../app-env.ts';
import type { Authenticator } from '../authenticator.ts';
import { errorSchema } from './api-schemas.ts';
import { parseRequestJson } from '../request-body.ts';
import { json, security } from './route-docs.ts';

export interface IngestRouteDeps {
  authenticator: Authenticator;
  queue: IngestQueue;
  scores: ScoreStore;
  prices: PriceLookup;
  clock: Clock;
  ids: IdGenerator;
  maxBodyBytes: number;
}

/** Items per native batch, spans and scores each. */
const MAX_ITEMS = 10_000;

const errors = {
  400: json(errorSchema, 'Invalid request'),
  401: json(errorSchema, 'Missing or invalid API key'),
  403: json(errorSchema, 'The key lacks the ingest scope'),
  413: json(errorSchema, 'Body over ingest.maxBodyBytes'),
  429: json(errorSchema, 'Operon is busy storing earlier spans; retry after Retry-After'),
  503: json(errorSchema, 'The spans could not be stored; retry after Retry-After'),
};

const scoreSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    traceId: z.string(),
    spanId: z.string().nullable(),
    name: z.string(),
    dataType: z.enum(['numeric', 'boolean', 'categorical']),
    value: z.number().nullable(),
    stringValue: z.string().nullable(),
    source: z.enum(SCORE_SOURCES),
    comment: z.string().nullable(),
    keyId: z.string().nullable(),
    createdAt: z.number(),
  })
  .openapi('Score');

const batchResultSchema = z
  .object({
    accepted: z.object({ spans: z.number(), scores: z.number() }),
    rejected: z.array(z.object({ item: z.string(), traceId: z.string().nullable(), spanId: z.string().nullable(), reason: z.string() })),
  })
  .openapi('IngestResult');

/**
 * Operon's native ingestion (for clients without OpenTelemetry) and scores: `POST /v1/ingest` takes a
 * batch of spans and scores, `POST /v1/scores` one score (the SDK's `score()`); both need an ingest
 * key and answer once stored. `GET /api/scores` lists scores (admin).
 */
export function registerIngestRoutes(app: OpenAPIHono<AppEnv>, deps: IngestRouteDeps): void {
  const limit = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw new OperonError({ code: 'request_too_large', kind: 'payload_too_large', blame: 'user', message: `The request body is larger than the limit of ${deps.maxBodyBytes} bytes. Send smaller batches, or raise ingest.maxBodyBytes in operon.yaml.` });
    },
  });
  app.use('/v1/ingest', limit);
  app.use('/v1/scores', limit);
  app.openAPIRegistry.register('NativeSpan', nativeSpanSchema);
  app.openAPIRegistry.register('NativeScore', nativeScoreSchema);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ingest',
      tags: ['ingestion'],
      security,
      summary: 'Store a batch of spans and scores in Operon\'s native JSON format (each item checked alone)',
      request: {
        body: {
          content: {
            'application/json': {
              // Items are checked one by one in the handler (a bad one is reported, not fatal); their shapes are
              // the NativeSpan and NativeScore components.
              schema: z
                .object({
                  spans: z.array(z.unknown()).optional().openapi({ description: 'NativeSpan items' }),
                  scores: z.array(z.unknown()).optional().openapi({ description: 'NativeScore items' }),
                })
                .openapi('NativeBatch'),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(batchResultSchema, 'Stored; items that were refused are listed with the reason'), ...errors },
    }),
    // Validated item by item below, not by the route, so that one bad item does not refuse the batch.
    async (c) => {
      const principal = await deps.authenticator.authenticate(c.req.header(), 'ingest');
      const batch = readNativeBatch(parseRequestJson(await c.req.text()), deps.clock, MAX_ITEMS);
      const context = { projectId: principal.project.id, keyId: principal.key.id, captureBodies: principal.project.captureBodies, prices: deps.prices };
      await deps.queue.submit(batch.spans.map((span) => toSpan(span, context)));
      const now = deps.clock.now();
      await deps.scores.addScores(batch.scores.map((score) => toScore(score, { id: deps.ids.next('score'), projectId: principal.project.id, keyId: principal.key.id, now })));
      return c.json({ accepted: { spans: batch.spans.length, scores: batch.scores.length }, rejected: batch.rejected }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/scores',
      tags: ['ingestion'],
      security,
      summary: 'Store one score on a trace or span (what the SDK\'s score() sends)',
      request: { body: { content: { 'application/json': { schema: nativeScoreSchema } }, required: true } },
      responses: { 201: json(scoreSchema, 'The stored score'), ...errors },
    }),
    async (c) => {
      const principal = await deps.authenticator.authenticate(c.req.header(), 'ingest');
      const batch = readNativeBatch({ scores: [c.req.valid('json')] }, deps.clock, 1);
      const rejected = batch.rejected[0];
      if (rejected || !batch.scores[0]) throw invalidRequest(`The score was refused: ${rejected?.reason ?? 'no score'}.`);
      const score = toScore(batch.scores[0], { id: deps.ids.next('score'), projectId: principal.project.id, keyId: principal.key.id, now: deps.clock.now() });
      await deps.scores.addScores([score]);
      return c.json(score, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/scores',
      tags: ['traces'],
      security,
      summary: 'List scores, newest first, by trace, name or source',
      request: {
        query: z.object({
          trace_id: z.string().optional(),
          name: z.string().optional(),
          source: z.enum(SCORE_SOURCES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().optional(),
        }),
      },
      responses: { 200: json(z.object({ scores: z.array(scoreSchema), nextCursor: z.string().nullable() }).openapi('ScorePage'), 'A page of scores'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await deps.scores.listScores({
        projectId: c.get('principal').project.id,
        limit: query.limit,
        ...(query.trace_id ? { traceId: query.trace_id } : {}),
        ...(query.name ? { name: query.name } : {}),
        ...(query.source ? { source: query.source } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );
}
