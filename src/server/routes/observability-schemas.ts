import { z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../../projects/audit-log.ts';

/** Schemas of the sessions, users, erasure and audit routes (observability-routes.ts). */

const pageQuery = (max: number, fallback: number) => ({
  limit: z.coerce.number().int().min(1).max(max).default(fallback),
  cursor: z.string().optional().openapi({ description: 'nextCursor from the previous page' }),
});

export const groupQuerySchema = z.object(pageQuery(200, 50));
export const sessionTracesQuerySchema = z.object(pageQuery(500, 100));
export const auditQuerySchema = z.object({ ...pageQuery(500, 50), action: z.enum(AUDIT_ACTIONS).optional() });

const groupShape = {
  id: z.string(),
  firstSeenAt: z.number().openapi({ description: 'Start of the first trace, epoch ms' }),
  lastSeenAt: z.number().openapi({ description: 'Start of the latest trace, epoch ms' }),
  traceCount: z.number(),
  errorCount: z.number().openapi({ description: 'Traces whose status is error' }),
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  costUsd: z.number(),
};

export const sessionSummarySchema = z.object(groupShape).openapi('SessionSummary');
export const userSummarySchema = z.object({ ...groupShape, sessionCount: z.number() }).openapi('UserSummary');

export const sessionPageSchema = z.object({ sessions: z.array(sessionSummarySchema), nextCursor: z.string().nullable() }).openapi('SessionPage');
export const userPageSchema = z.object({ users: z.array(userSummarySchema), nextCursor: z.string().nullable() }).openapi('UserPage');

export const sessionDetailSchema = z
  .object({
    session: sessionSummarySchema,
    traces: z.array(z.record(z.string(), z.unknown()).openapi('SessionTrace')).openapi({ description: 'TraceSummary objects, oldest first' }),
    nextCursor: z.string().nullable(),
  })
  .openapi('SessionDetail');

export const idParamSchema = z.object({ id: z.string().min(1) });
export const userIdParamSchema = z.object({ userId: z.string().min(1) });

export const erasureSchema = z
  .object({
    userId: z.string(),
    deleted: z.object({ traces: z.number(), spans: z.number(), scores: z.number() }),
  })
  .openapi('UserErasure');

export const auditPageSchema = z
  .object({
    entries: z.array(
      z
        .object({
          id: z.string(),
          at: z.number().openapi({ description: 'Epoch ms' }),
          actorKeyId: z.string().nullable().openapi({ description: 'The key that did it; null for the CLI or Operon itself (retention)' }),
          action: z.enum(AUDIT_ACTIONS),
          target: z.string().nullable(),
          details: z.record(z.string(), z.unknown()),
        })
        .openapi('AuditEntry'),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('AuditPage');
