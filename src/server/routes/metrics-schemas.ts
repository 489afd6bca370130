import { z } from '@hono/zod-openapi';
import { MAX_BUCKETS, METRIC_NAMES, METRICS_DIMENSIONS, METRICS_INTERVALS } from '../../metrics/metrics-store.ts';
import { SPAN_KINDS } from '../../tracing/span.ts';

/** Schemas of `GET /api/metrics` and `GET /api/metrics/totals`: they validate requests and generate `/openapi.json`. */

const timeParam = (description: string) => z.string().optional().openapi({ description: `Epoch milliseconds or an ISO-8601 date-time. ${description}` });
/** One value, or several by repeating the parameter (`?model=a&model=b`). */
const values = (description: string) =>
  z.union([z.string(), z.array(z.string())]).optional().openapi({ description: `${description} Repeat the parameter for several values.` });

const totalsQueryShape = {
  from: timeParam('Default: 24 hours before `to`.'),
  to: timeParam('Default: now.'),
  group_by: z.enum(METRICS_DIMENSIONS).optional().openapi({
    description: 'Break the figures down by one dimension. `route` is the span name; `model` the model used, else the one asked for; `tag` counts a span under each of its tags.',
  }),
  metrics: z.string().optional().openapi({
    description: `Comma-separated figures to compute, from ${METRIC_NAMES.join(', ')}; default all. Latency and ttft (percentiles) cost the most.`,
    example: 'requests,errors,latency',
  }),
  model: values('Only these models.'),
  provider: values('Only these providers.'),
  key_id: values('Only these API keys.'),
  user_id: values('Only these end users (kept per hour and per day).'),
  tag: values('Only spans with this tag.'),
  route: values('Only these span names.'),
  release: values('Only these releases.'),
  kind: values(`Span kinds counted (${SPAN_KINDS.join(', ')}), comma-separated or repeated, or \`all\`. Default: generation and embedding (model calls). Combines with any other filter.`),
  limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'Groups at most, most requests first (default 100).' }),
};

export const metricsTotalsQuerySchema = z.object(totalsQueryShape);

export const metricsSeriesQuerySchema = z.object({
  ...totalsQueryShape,
  interval: z.enum(METRICS_INTERVALS).default('1h').openapi({ description: `Bucket width, aligned in UTC; at most ${MAX_BUCKETS} buckets per query.` }),
});

const percentilesSchema = z
  .object({ avg: z.number(), p50: z.number(), p95: z.number(), p99: z.number() })
  .nullable()
  .openapi('Percentiles', { description: 'Milliseconds; percentiles within 11.1 % (a log-spaced histogram; see docs/observability.md). Null without calls.' });

const valuesShape = {
  requests: z.number().int().openapi({ description: 'Spans of the kinds counted (calls).' }),
  errors: z.number().int().optional(),
  errorRate: z.number().nullable().optional().openapi({ description: 'errors / requests; null without requests.' }),
  latencyMs: percentilesSchema.optional(),
  ttftMs: percentilesSchema.optional().openapi({ description: 'Time to first token of streamed calls.' }),
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  costUsd: z.number().optional(),
  cacheHits: z.number().int().optional(),
};

const rangeShape = {
  from: z.number().openapi({ description: 'Start of the range covered, epoch ms (rounded down to a whole bucket).' }),
  to: z.number().openapi({ description: 'End of the range covered, epoch ms, exclusive (rounded up).' }),
  groupBy: z.enum(METRICS_DIMENSIONS).nullable(),
  kinds: z.array(z.enum(SPAN_KINDS)),
};

export const metricsSeriesSchema = z
  .object({
    ...rangeShape,
    interval: z.enum(METRICS_INTERVALS),
    series: z.array(
      z.object({
        group: z.string().nullable(),
        points: z.array(z.object({ start: z.number().openapi({ description: 'Bucket start, epoch ms.' }), ...valuesShape })).openapi({ description: 'Every bucket of the range, in order; empty ones have zero requests.' }),
      }),
    ),
  })
  .openapi('MetricsSeries');

export const metricsTotalsSchema = z
  .object({ ...rangeShape, groups: z.array(z.object({ group: z.string().nullable(), ...valuesShape })) })
  .openapi('MetricsTotals');
