import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { alertRuleInputSchema, alertRulePatchSchema, invalidRule } from '../../alerts/alert-rule.ts';
import type { AlertService } from '../../alerts/alert-service.ts';
import { invalidRequest } from '../../core/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { errorSchema } from './api-schemas.ts';
import { alertHistoryQuerySchema, alertHistorySchema, alertRuleSchema, publicEvent, publicRule } from './alert-schemas.ts';
import { json, security } from './route-docs.ts';

export interface AlertRouteDeps {
  alerts: AlertService;
}

const errors = {
  400: json(errorSchema, 'Invalid request: the message names the field and the fix'),
  401: json(errorSchema, 'Missing or invalid API key'),
  403: json(errorSchema, 'The key lacks the admin scope'),
};
const notFound = { 404: json(errorSchema, 'No such rule in this project') };
const ruleId = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
/** Rule bodies are refused with the alerts module's own messages, the same as any other caller gets. */
const ruleHook = (result: { success: boolean; error?: unknown }): undefined => {
  if (result.success) return undefined;
  throw result.error instanceof z.ZodError ? invalidRule(result.error) : invalidRequest('The request does not match the alert rule schema; see /openapi.json.');
};

/**
 * Alert rules and their history, scoped to the calling key's project; admin keys only (the `/api/*`
 * middleware of api-routes.ts authenticates, so register these after it).
 */
export function registerAlertRoutes(app: OpenAPIHono<AppEnv>, deps: AlertRouteDeps): void {
  const { alerts } = deps;
  const project = (c: { get(key: 'principal'): { project: { id: string } } }) => c.get('principal').project.id;
  app.openAPIRegistry.register('AlertRuleInput', alertRuleInputSchema);

  app.openapi(
    createRoute({ method: 'get', path: '/api/alerts/rules', tags: ['alerts'], security, summary: 'Alert rules of the project, with their state', responses: { 200: json(z.object({ rules: z.array(alertRuleSchema) }), 'Rules, oldest first'), ...errors } }),
    async (c) => c.json({ rules: (await alerts.listRules(project(c))).map(publicRule) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/alerts/rules',
      tags: ['alerts'],
      security,
      summary: 'Create an alert rule: a metric, a comparison, a threshold over a window, and the webhook to tell',
      request: { body: { content: { 'application/json': { schema: alertRuleInputSchema } }, required: true } },
      responses: { 201: json(alertRuleSchema, 'The new rule, in state ok'), ...errors },
    }),
    async (c) => c.json(publicRule(await alerts.createRule(project(c), c.req.valid('json'))), 201),
    ruleHook,
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/alerts/rules/{id}', tags: ['alerts'], security, summary: 'One alert rule with its state', request: { params: ruleId }, responses: { 200: json(alertRuleSchema, 'The rule'), ...notFound, ...errors } }),
    async (c) => c.json(publicRule(await alerts.getRule(project(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/alerts/rules/{id}',
      tags: ['alerts'],
      security,
      summary: 'Change an alert rule (any of its fields); its state is kept, and a firing rule that is disabled resolves',
      request: { params: ruleId, body: { content: { 'application/json': { schema: alertRulePatchSchema } }, required: true } },
      responses: { 200: json(alertRuleSchema, 'The changed rule'), ...notFound, ...errors },
    }),
    async (c) => c.json(publicRule(await alerts.updateRule(project(c), c.req.valid('param').id, c.req.valid('json'))), 200),
    ruleHook,
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/alerts/rules/{id}', tags: ['alerts'], security, summary: 'Delete an alert rule (its history stays; nothing more is sent)', request: { params: ruleId }, responses: { 204: { description: 'Deleted' }, ...notFound, ...errors } }),
    async (c) => {
      await alerts.deleteRule(project(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/alerts/history',
      tags: ['alerts'],
      security,
      summary: 'Fired and resolved alerts, newest first, with their webhook delivery',
      request: { query: alertHistoryQuerySchema },
      responses: { 200: json(alertHistorySchema, 'A page of events'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await alerts.listHistory({ projectId: project(c), limit: query.limit, ...(query.rule_id ? { ruleId: query.rule_id } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
      return c.json({ events: page.events.map(publicEvent), nextCursor: page.nextCursor }, 200);
    },
  );
}
