import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Clock } from '../../core/clock.ts';
import { invalidRequest } from '../../core/errors.ts';
import type { MetricName, MetricsFilters, MetricsStore, MetricsTotalsQuery } from '../../metrics/metrics-store.ts';
import type { PrometheusMetrics } from '../../metrics/prometheus-metrics.ts';
import { SPAN_KINDS, type SpanType } from '../../tracing/span.ts';
import type { AppEnv } from '../app-env.ts';
import type { Authenticator, Principal } from '../authenticator.ts';
import { metricsSeriesQuerySchema, metricsSeriesSchema, metricsTotalsQuerySchema, metricsTotalsSchema } from './metrics-schemas.ts';
import { json, security, adminErrors } from './route-docs.ts';

export interface MetricsRouteDeps {
  metrics: MetricsStore;
  prometheus: PrometheusMetrics;
  authenticator: Authenticator;
  clock: Clock;
}

const errors = adminErrors;
const DAY_MS = 86_400_000;

/**
 * Metrics of the calling key's project, for dashboards (`/api/metrics`, `/api/metrics/totals`, from the
 * rollups) and for Prometheus (`/metrics`). All need an admin key. Register after the `/api` routes.
 */
export function registerMetricsRoutes(app: OpenAPIHono<AppEnv>, deps: MetricsRouteDeps): void {
  // The /api/* middleware has authenticated already when these are registered after it; /metrics has none.
  const principal = async (c: Context<AppEnv>): Promise<Principal> =>
    c.get('principal') ?? (await deps.authenticator.authenticate(c.req.header(), 'admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics',
      tags: ['metrics'],
      security,
      summary: 'Requests, errors, latency and time-to-first-token percentiles, tokens and cost over time buckets',
      request: { query: metricsSeriesQuerySchema },
      responses: { 200: json(metricsSeriesSchema, 'One series per group, every bucket of the range'), ...errors },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const result = await deps.metrics.series({ ...totalsQuery(query, (await principal(c)).project.id, deps.clock), interval: query.interval });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics/totals',
      tags: ['metrics'],
      security,
      summary: 'The same figures over the whole range, per group (top groups by requests)',
      request: { query: metricsTotalsQuerySchema },
      responses: { 200: json(metricsTotalsSchema, 'One entry per group'), ...errors },
    }),
    async (c) => {
      const result = await deps.metrics.totals(totalsQuery(c.req.valid('query'), (await principal(c)).project.id, deps.clock));
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['metrics'],
      security,
      summary: "Prometheus exposition: the key's project's gateway calls, and the server's ingestion and queues",
      responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format 0.0.4' }, ...errors },
    }),
    async (c) => {
      const text = await deps.prometheus.render((await principal(c)).project.id);
      return c.body(text, 200, { 'content-type': deps.prometheus.contentType }) as never;
    },
  );
}

type TotalsParams = z.infer<typeof metricsTotalsQuerySchema>;

function totalsQuery(params: TotalsParams, projectId: string, clock: Clock): MetricsTotalsQuery {
  const to = parseTime(params.to, 'to') ?? clock.now();
  const from = parseTime(params.from, 'from') ?? to - DAY_MS;
  const filters: MetricsFilters = {};
  const set = (name: Exclude<keyof MetricsFilters, 'kind'>, value: string | string[] | undefined) => {
    if (value !== undefined) filters[name] = list(value);
  };
  set('model', params.model);
  set('provider', params.provider);
  set('key', params.key_id);
  set('user', params.user_id);
  set('tag', params.tag);
  set('route', params.route);
  set('release', params.release);
  if (params.kind !== undefined) filters.kind = kinds(params.kind);
  return {
    projectId,
    from,
    to,
    ...(params.group_by ? { groupBy: params.group_by } : {}),
    ...(params.metrics ? { metrics: params.metrics.split(',').map((name) => name.trim()).filter(Boolean) as MetricName[] } : {}),
    filters,
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
  };
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function kinds(value: string | string[]): SpanType[] {
  const named = list(value).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
  if (named.includes('all')) return [...SPAN_KINDS];
  return named as SpanType[];
}

function parseTime(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const asNumber = Number(value);
  if (Number.isFinite(asNumber)) return asNumber;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalidRequest(`${param} must be epoch milliseconds or an ISO-8601 date-time, like 2026-11-25T10:00:00Z; got '${value}'.`, param);
  return parsed;
}
