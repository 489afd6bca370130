import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSpan } from '../tracing/new-span.ts';
import type { Span } from '../tracing/span.ts';
import { createPrometheusMetrics } from './prometheus-metrics.ts';

const stats = { spanQueue: { enqueued: 7, written: 5, dropped: 2, failedWrites: 1, pending: 3 }, ingest: { written: 40, refused: 6, failed: 0, pending: 12, writes: 4 } };

function make(maxLabelValues?: number) {
  return createPrometheusMetrics({ spanQueue: () => stats.spanQueue, ingest: () => stats.ingest, processMetrics: false, ...(maxLabelValues ? { maxLabelValues } : {}) });
}

function span(projectId: string, recorded: Partial<Span> = {}): Span {
  return newSpan(
    { id: 's', traceId: 't', projectId, type: 'generation', name: 'chat.completions', startedAt: 0, endedAt: 300, status: 'ok', latencyMs: 300 },
    { modelUsed: 'gpt-4o', provider: 'openai', inputTokens: 12, outputTokens: 5, costUsd: 0.25, userId: 'ada', keyId: 'key_secret', ...recorded },
  );
}

/** `name{labels} value` lines, HELP/TYPE comments skipped. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    out.set(match[1] as string, Number(match[2]));
  }
  return out;
}

test('gateway calls are counted per project, with their latency, first token, tokens, cost and cache hits', async () => {
  const metrics = make();
  metrics.observeGatewaySpan(span('p1'));
  metrics.observeGatewaySpan(span('p1', { status: 'error', latencyMs: 20, timeToFirstTokenMs: 80, cacheHit: true, costUsd: null }));
  metrics.observeGatewaySpan(span('p2', { type: 'embedding', modelUsed: 'text-embedding-3-small' }));
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  const mine = samples(await metrics.render('p1'));
  assert.equal(mine.get('operon_gateway_requests_total{kind="generation",model="gpt-4o",provider="openai",status="ok"}'), 1);
  assert.equal(mine.get('operon_gateway_requests_total{kind="generation",model="gpt-4o",provider="openai",status="error"}'), 1);
  assert.equal(mine.get('operon_gateway_request_duration_seconds_bucket{le="0.025",kind="generation",model="gpt-4o",provider="openai"}'), 1);
  assert.equal(mine.get('operon_gateway_request_duration_seconds_bucket{le="0.5",kind="generation",model="gpt-4o",provider="openai"}'), 2);
  assert.equal(mine.get('operon_gateway_request_duration_seconds_sum{kind="generation",model="gpt-4o",provider="openai"}'), 0.32);
  assert.equal(mine.get('operon_gateway_time_to_first_token_seconds_count{model="gpt-4o",provider="openai"}'), 1);
  assert.equal(mine.get('operon_gateway_tokens_total{model="gpt-4o",provider="openai",direction="input"}'), 24);
  assert.equal(mine.get('operon_gateway_tokens_total{model="gpt-4o",provider="openai",direction="output"}'), 10);
  assert.equal(mine.get('operon_gateway_cost_usd_total{model="gpt-4o",provider="openai"}'), 0.25);
  assert.equal(mine.get('operon_gateway_cache_hits_total{model="gpt-4o",provider="openai"}'), 1);
  assert.equal([...mine.keys()].some((name) => name.includes('text-embedding')), false, "another project's calls are not shown");
  const text = await metrics.render('p1');
  assert.equal(/ada|key_secret/.test(text), false, 'no user or key ids in labels');
});

test('the server series come from the queues at scrape time', async () => {
  const metrics = make();
  const before = samples(await metrics.render('p1'));
  assert.equal(before.get('operon_trace_queue_spans_total{outcome="dropped"}'), 2);
  assert.equal(before.get('operon_trace_queue_failed_writes_total'), 1);
  assert.equal(before.get('operon_trace_queue_depth'), 3);
  assert.equal(before.get('operon_ingest_spans_total{outcome="stored"}'), 40);
  assert.equal(before.get('operon_ingest_spans_total{outcome="refused"}'), 6);
  assert.equal(before.get('operon_ingest_writes_total'), 4);
  assert.equal(before.get('operon_ingest_queue_depth'), 12);
  stats.ingest.written = 41;
  assert.equal(samples(await metrics.render('p1')).get('operon_ingest_spans_total{outcome="stored"}'), 41);
});

test('models beyond the label limit are counted as other', async () => {
  const metrics = make(2);
  for (const model of ['a', 'b', 'c', 'd']) metrics.observeGatewaySpan(span('p1', { modelUsed: model }));
  const lines = samples(await metrics.render('p1'));
  const requests = [...lines.entries()].filter(([name]) => name.startsWith('operon_gateway_requests_total'));
  assert.deepEqual(requests.map(([name, value]) => [/model="([^"]*)"/.exec(name)?.[1], value]), [['a', 1], ['b', 1], ['other', 2]]);
});
