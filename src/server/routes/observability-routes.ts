import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { OperonError } from '../../core/errors.ts';
import type { AuditLog } from '../../projects/audit-log.ts';
import { eraseUser, type UserErasureDeps } from '../../retention/user-erasure.ts';
import type { TraceViews } from '../../tracing/trace-views.ts';
import type { AppEnv } from '../app-env.ts';
import { errorSchema } from './api-schemas.ts';
import {
  auditPageSchema,
  auditQuerySchema,
  erasureSchema,
  groupQuerySchema,
  idParamSchema,
  sessionDetailSchema,
  sessionPageSchema,
  sessionTracesQuerySchema,
  userIdParamSchema,
  userPageSchema,
} from './observability-schemas.ts';
import { json, security, adminErrors } from './route-docs.ts';

export interface ObservabilityRouteDeps {
  views: TraceViews;
  audit: AuditLog;
  erasure: UserErasureDeps;
}

const errors = adminErrors;

/**
 * Sessions and users views, GDPR erasure and the audit log: `/api/*`, so admin keys only (the API
 * routes' middleware), always the calling key's project. Registered after the API routes.
 */
export function registerObservabilityRoutes(app: OpenAPIHono<AppEnv>, deps: ObservabilityRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/sessions',
      tags: ['traces'],
      security,
      summary: 'Sessions of the project, latest activity first: first/last seen, traces, errors, tokens, cost',
      request: { query: groupQuerySchema },
      responses: { 200: json(sessionPageSchema, 'A page of sessions'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await deps.views.listSessions({ projectId: c.get('principal').project.id, limit: query.limit, cursor: query.cursor }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/sessions/{id}',
      tags: ['traces'],
      security,
      summary: "One session: its summary and its traces, oldest first",
      request: { params: idParamSchema, query: sessionTracesQuerySchema },
      responses: { 200: json(sessionDetailSchema, 'The session'), 404: json(errorSchema, 'No trace of this session in the project'), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const detail = await deps.views.getSession({ projectId: c.get('principal').project.id, sessionId: id, limit: query.limit, cursor: query.cursor });
      if (!detail) {
        throw new OperonError({ code: 'session_not_found', kind: 'not_found', blame: 'user', message: `No trace of session '${id}' in this project. List sessions with GET /api/sessions.` });
      }
      return c.json(detail as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/users',
      tags: ['traces'],
      security,
      summary: 'End users of the project, latest activity first: first/last seen, traces, sessions, errors, tokens, cost',
      request: { query: groupQuerySchema },
      responses: { 200: json(userPageSchema, 'A page of users'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(await deps.views.listUsers({ projectId: c.get('principal').project.id, limit: query.limit, cursor: query.cursor }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/users/{userId}',
      tags: ['traces'],
      security,
      summary: "Erase an end user's data (GDPR): their traces, their spans in other traces, scores, search entries and per-user metrics",
      request: { params: userIdParamSchema },
      responses: { 200: json(erasureSchema, 'What was deleted (all zeros when nothing was stored); recorded in the audit log'), ...errors },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const { project, key } = c.get('principal');
      const deleted = await eraseUser(deps.erasure, { projectId: project.id, userId, actorKeyId: key.id });
      return c.json({ userId, deleted }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/audit',
      tags: ['projects'],
      security,
      summary: 'The audit log of the project, newest first: key creation and revocation, settings changes, erasures, retention',
      request: { query: auditQuerySchema },
      responses: { 200: json(auditPageSchema, 'A page of audit entries'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await deps.audit.list({ projectId: c.get('principal').project.id, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.action ? { action: query.action } : {}) });
      return c.json({ entries: page.entries.map(({ projectId: _projectId, ...entry }) => entry), nextCursor: page.nextCursor }, 200);
    },
  );
}
