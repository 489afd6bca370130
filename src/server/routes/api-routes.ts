import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { OperonError, invalidRequest } from '../../core/errors.ts';
import type { ApiKey, ProjectStore } from '../../projects/project-store.ts';
import type { ProjectService } from '../../projects/project-service.ts';
import type { TraceStore } from '../../tracing/trace-store.ts';
import type { Authenticator } from '../authenticator.ts';
import type { AppEnv } from '../app-env.ts';
import {
  apiKeySchema,
  createKeySchema,
  createdKeySchema,
  errorSchema,
  projectSchema,
  projectUpdateSchema,
  statusSchema,
  traceQuerySchema,
  tracePageSchema,
  traceSchema,
} from './api-schemas.ts';
import { json, security, adminErrors } from './route-docs.ts';

export interface ApiRouteDeps {
  store: ProjectStore;
  traces: TraceStore;
  service: ProjectService;
  authenticator: Authenticator;
  status: () => { version: string; tracing: Record<string, number>; cache: Record<string, number> };
}

const errors = adminErrors;

/** The management API, scoped to the calling key's project. Every route needs an admin key. */
export function registerApiRoutes(app: OpenAPIHono<AppEnv>, deps: ApiRouteDeps): void {
  app.use('/api/*', async (c, next) => {
    c.set('principal', await deps.authenticator.authenticate(c.req.header(), 'admin'));
    await next();
  });

  app.openapi(
    createRoute({ method: 'get', path: '/api/project', tags: ['projects'], security, summary: "The calling key's project", responses: { 200: json(projectSchema, 'The project'), ...errors } }),
    (c) => c.json(c.get('principal').project, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/project',
      tags: ['projects'],
      security,
      summary: 'Change body capture, limits and cache settings of the project',
      request: { body: { content: { 'application/json': { schema: projectUpdateSchema } }, required: true } },
      responses: { 200: json(projectSchema, 'The updated project'), ...errors },
    }),
    async (c) => {
      const { project, key } = c.get('principal');
      const updated = await deps.service.updateProject(project.id, c.req.valid('json'), key.id);
      if (!updated) throw new OperonError({ code: 'project_not_found', kind: 'not_found', blame: 'user', message: 'The project was deleted.' });
      deps.authenticator.forget({ projectId: project.id });
      return c.json(updated, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/keys', tags: ['keys'], security, summary: 'List API keys of the project', responses: { 200: json(apiKeySchema.array(), 'Keys'), ...errors } }),
    async (c) => c.json((await deps.store.listKeys(c.get('principal').project.id)).map(publicKey), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/keys',
      tags: ['keys'],
      security,
      summary: 'Create an API key (the plain key is returned once)',
      request: { body: { content: { 'application/json': { schema: createKeySchema } }, required: true } },
      responses: { 201: json(createdKeySchema, 'The new key'), ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { project, key } = c.get('principal');
      const created = await deps.service.createKey(project.id, { ...body, actorKeyId: key.id });
      return c.json({ ...publicKey(created.key), key: created.plain }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/keys/{id}',
      tags: ['keys'],
      security,
      summary: 'Revoke an API key',
      request: { params: apiKeySchema.pick({ id: true }) },
      responses: { 204: { description: 'Revoked' }, 404: json(errorSchema, 'No such key in this project'), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { project, key } = c.get('principal');
      await deps.service.revokeKey(project.id, id, key.id);
      deps.authenticator.forget({ keyId: id });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/traces',
      tags: ['traces'],
      security,
      summary: 'List traces, newest first, filtered and paginated by cursor',
      request: { query: traceQuerySchema },
      responses: { 200: json(tracePageSchema, 'A page of traces'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await deps.traces.listTraces({
        projectId: c.get('principal').project.id,
        from: parseTime(query.from, 'from'),
        to: parseTime(query.to, 'to'),
        model: query.model,
        status: query.status,
        keyId: query.key_id,
        sessionId: query.session_id,
        userId: query.user_id,
        search: query.search,
        limit: query.limit,
        cursor: query.cursor,
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/traces/{id}',
      tags: ['traces'],
      security,
      summary: 'One trace with its spans',
      request: { params: traceSchema.pick({ id: true }) },
      responses: { 200: json(traceSchema, 'The trace'), 404: json(errorSchema, 'No such trace in this project'), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const trace = await deps.traces.getTrace(c.get('principal').project.id, id);
      if (!trace) {
        throw new OperonError({ code: 'trace_not_found', kind: 'not_found', blame: 'user', message: `No trace '${id}' in this project. Traces are written within about a second of the call; list them with GET /api/traces.` });
      }
      return c.json(trace as never, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/status', tags: ['system'], security, summary: 'Tracing queue and cache counters', responses: { 200: json(statusSchema, 'Counters'), ...errors } }),
    (c) => c.json(deps.status() as never, 200),
  );
}

function publicKey(key: ApiKey) {
  const { hash: _hash, projectId: _projectId, ...rest } = key;
  return rest;
}

function parseTime(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const asNumber = Number(value);
  if (Number.isFinite(asNumber)) return asNumber;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalidRequest(`${param} must be epoch milliseconds or an ISO-8601 date-time, like 2026-11-25T10:00:00Z; got '${value}'.`, param);
  return parsed;
}
