import { HTTPException } from 'hono/http-exception';
import { OpenAPIHono } from '@hono/zod-openapi';
import { OperonError, toOperonError } from '../core/errors.ts';
import { formatPath } from '../core/config-loader.ts';
import type { Logger } from '../core/logger.ts';
import { toOpenAIErrorBody } from '../gateway/wire/index.ts';
import type { AppEnv } from './app-env.ts';
import { errorHeaders, httpStatusOf } from './error-response.ts';
import { registerApiRoutes, type ApiRouteDeps } from './routes/api-routes.ts';
import { registerObservabilityRoutes, type ObservabilityRouteDeps } from './routes/observability-routes.ts';
import { registerIngestRoutes, type IngestRouteDeps } from './routes/ingest-routes.ts';
import { registerGatewayRoutes, type GatewayRouteDeps } from './routes/gateway-routes.ts';
import { registerMetricsRoutes, type MetricsRouteDeps } from './routes/metrics-routes.ts';
import { registerAlertRoutes, type AlertRouteDeps } from './routes/alert-routes.ts';

export interface AppDeps {
  logger: Logger;
  version: string;
  /** Resolves when storage answers; throws otherwise. */
  checkReady(): Promise<void>;
  gateway: GatewayRouteDeps;
  api: ApiRouteDeps;
  /** Sessions and users views, erasure and the audit log; absent in apps built without them. */
  observability?: ObservabilityRouteDeps;
  /** Native ingestion and scores; absent in apps built without ingestion. */
  ingest?: IngestRouteDeps;
  /** The metrics API and Prometheus' /metrics; absent in apps built without them. */
  metrics?: MetricsRouteDeps;
  /** Alert rules and history; absent in apps built without alerts. */
  alerts?: AlertRouteDeps;
}

/**
 * The HTTP surface: health checks (the only unauthenticated routes), the gateway, the management API and
 * the OpenAPI document. Errors become the OpenAI error shape here and in the gateway exchange, through
 * `httpStatusOf` alone.
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue ? formatPath(issue.path) : '';
        throw new OperonError({
          code: 'invalid_request',
          kind: 'invalid_request',
          blame: 'user',
          param: path || undefined,
          message: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}. See /openapi.json for the expected shape.`,
        });
      }
      return undefined;
    },
  });

  app.onError((thrown, c) => {
    const error = fromHono(thrown) ?? toOperonError(thrown);
    if (error.kind === 'internal') deps.logger.error({ err: thrown, path: c.req.path }, 'request failed');
    return c.newResponse(JSON.stringify(toOpenAIErrorBody(error)), httpStatusOf(error) as 400, errorHeaders(error));
  });
  app.notFound((c) => {
    const error = new OperonError({
      code: 'route_not_found',
      kind: 'not_found',
      blame: 'user',
      message: `No route ${c.req.method} ${c.req.path}. The gateway serves /v1/chat/completions, /v1/messages, /v1/embeddings and /v1/models; see /openapi.json for everything.`,
    });
    return c.newResponse(JSON.stringify(toOpenAIErrorBody(error)), 404, errorHeaders(error));
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.checkReady();
      return c.json({ status: 'ready' });
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check failed');
      return c.json({ status: 'unavailable', reason: 'storage is not answering' }, 503);
    }
  });

  registerGatewayRoutes(app, deps.gateway);
  registerApiRoutes(app, deps.api);
  if (deps.observability) registerObservabilityRoutes(app, deps.observability);
  if (deps.metrics) registerMetricsRoutes(app, deps.metrics);
  if (deps.alerts) registerAlertRoutes(app, deps.alerts);
  if (deps.ingest) registerIngestRoutes(app, deps.ingest);

  // The API description is not public either: any valid key may read it.
  app.use('/openapi.json', async (c, next) => {
    await deps.api.authenticator.authenticate(c.req.header(), 'any');
    await next();
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: "An Operon API key (opk_…). Anthropic clients may send it as 'x-api-key'.",
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Operon', version: deps.version, description: 'LLM gateway and management API of Operon.' },
  });
  return app;
}

/**
 * Hono's own refusals (a malformed JSON body, for one) are the caller's fault, not Operon's: they keep
 * their 4xx meaning, with a message that says what to send.
 */
function fromHono(thrown: unknown): OperonError | undefined {
  if (!(thrown instanceof HTTPException) || thrown.status >= 500) return undefined;
  const malformed = /malformed json/i.test(thrown.message);
  return new OperonError({
    code: malformed ? 'invalid_json' : 'invalid_request',
    kind: thrown.status === 413 ? 'payload_too_large' : 'invalid_request',
    blame: 'user',
    message: malformed
      ? 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json (see /openapi.json).'
      : `${thrown.message || 'Invalid request'}. See /openapi.json for the expected request.`,
    cause: thrown,
  });
}
