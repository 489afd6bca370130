import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { context, trace, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { postgresTestUrl } from '../../src/storage/test-databases.ts';
import { startOperon, type RunningOperon } from './harness.ts';

let operon: RunningOperon;
let ingestKey: string;

// The whole suite on embedded SQLite, and on the PostgreSQL server when one is given (always in CI).
const backends = postgresTestUrl() || process.env.CI === 'true' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
for (const backend of backends) describe(`OTLP ingestion on ${backend}`, () => suite(backend));

function suite(backend: 'sqlite' | 'postgres'): void {
  before(async () => {
    operon = await startOperon({ pricing: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } }, { backend });
    ingestKey = (await operon.createKey({ scopes: ['ingest'], name: 'otel' })).key;
  });
  after(() => operon.close());

  /** A real OpenTelemetry JS tracer exporting to Operon with the given OTLP/HTTP exporter. */
  function tracerWith(exporter: SpanExporter): { tracer: Tracer; provider: TracerProvider } {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-bot', 'service.version': '2.3.1', 'deployment.environment.name': 'staging' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    return { tracer: provider.getTracer('e2e'), provider };
  }

  const exporterConfig = () => ({ url: `${operon.url}/v1/traces`, headers: { Authorization: `Bearer ${ingestKey}` } });

  async function getTrace(traceId: string) {
    const response = await fetch(`${operon.url}/api/traces/${traceId}`, { headers: { authorization: `Bearer ${operon.adminKey}` } });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as {
      id: string; name: string; spanCount: number; inputTokens: number | null; costUsd: number | null; sessionId: string | null;
      userId: string | null; release: string | null; environment: string | null;
      spans: { id: string; parentSpanId: string | null; type: string; name: string; modelUsed: string | null; inputTokens: number | null;
        outputTokens: number | null; costUsd: number | null; input: unknown; output: unknown; serviceName: string | null; status: string }[];
    };
  }

  /** Runs an agent-shaped trace: a root chain, a GenAI chat span and an OpenInference tool span. */
  function emitAgentTrace(tracer: Tracer): string {
    const root = tracer.startSpan('answer-question', { attributes: { 'openinference.span.kind': 'CHAIN', 'session.id': 'sess-42', 'user.id': 'ada' } });
    const inRoot = trace.setSpan(context.active(), root);
    const chat = tracer.startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 200,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is Operon?' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'A platform.' }], finish_reason: 'stop' }]),
      },
    }, inRoot);
    chat.end();
    const tool = tracer.startSpan('search_docs', {
      attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'search_docs', 'input.value': '{"query":"operon"}', 'input.mime_type': 'application/json' },
    }, inRoot);
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'index offline' });
    tool.end();
    root.end();
    return root.spanContext().traceId;
  }

  for (const [name, makeExporter] of [
    ['protobuf', () => new OtlpProtobufExporter(exporterConfig())],
    ['JSON', () => new OtlpJsonExporter(exporterConfig())],
  ] as const) {
    test(`the OpenTelemetry JS SDK's OTLP ${name} exporter lands GenAI and OpenInference spans with kinds, tokens, cost and nesting`, async () => {
      const { tracer, provider } = tracerWith(makeExporter());
      const traceId = emitAgentTrace(tracer);
      await provider.forceFlush();
      await provider.shutdown();
      // The export was answered only once stored: no flush is needed to read it.
      const stored = await getTrace(traceId);
      assert.equal(stored.spanCount, 3);
      assert.equal(stored.name, 'answer-question');
      assert.equal(stored.sessionId, 'sess-42');
      assert.equal(stored.userId, 'ada');
      assert.equal(stored.release, '2.3.1');
      assert.equal(stored.environment, 'staging');
      const byName = new Map(stored.spans.map((span) => [span.name, span]));
      const root = byName.get('answer-question');
      const chat = byName.get('chat gpt-4o-mini');
      const tool = byName.get('search_docs');
      assert.equal(root?.type, 'chain');
      assert.equal(root?.parentSpanId, null);
      assert.equal(chat?.type, 'generation');
      assert.equal(chat?.parentSpanId, root?.id);
      assert.equal(chat?.modelUsed, 'gpt-4o-mini-2024-07-18');
      assert.equal(chat?.inputTokens, 1000);
      assert.equal(chat?.outputTokens, 200);
      // Priced from the table: 1000 × 0.15 + 200 × 0.6 per million tokens.
      assert.ok(Math.abs((chat?.costUsd ?? 0) - 0.00027) < 1e-12, String(chat?.costUsd));
      assert.equal(stored.inputTokens, 1000);
      assert.ok(Math.abs((stored.costUsd ?? 0) - 0.00027) < 1e-12);
      assert.equal(tool?.type, 'tool');
      assert.equal(tool?.status, 'error');
      assert.deepEqual(tool?.input, { query: 'operon' });
      assert.equal(chat?.serviceName, 'support-bot');
    });
  }

  test('a retried export does not duplicate spans (idempotent on span id)', async () => {
    const { tracer, provider } = tracerWith(new OtlpJsonExporter(exporterConfig()));
    const span = tracer.startSpan('once');
    span.end();
    await provider.forceFlush();
    const traceId = span.spanContext().traceId;
    const body = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'retry' }, spans: [{
        traceId, spanId: span.spanContext().spanId, name: 'once', kind: 1,
        startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
      }] }] }],
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 200);
    }
    assert.equal((await getTrace(traceId)).spanCount, 1);
    await provider.shutdown();
  });

  test('gzip bodies are accepted; bad payloads get a 400 naming the problem, bad spans a partial success beside the good ones', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const good = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'good', startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) };
    const noIds = { traceId: '', spanId: '', name: 'no ids', startTimeUnixNano: String(now), endTimeUnixNano: String(now) };
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [good, noIds] }] }] });
    const headers = { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const accepted = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers, body: gzipSync(body) });
    assert.equal(accepted.status, 200);
    const answer = (await accepted.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    assert.equal(answer.partialSuccess?.rejectedSpans, '1');
    assert.match(answer.partialSuccess?.errorMessage ?? '', /id/i);
    assert.equal((await getTrace('a'.repeat(32))).spanCount, 1);

    const garbage = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff, 0xff, 0x01]) });
    assert.equal(garbage.status, 400);
    const wrongType = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(wrongType.status, 400);
    assert.match(((await wrongType.json()) as { message: string }).message, /application\/x-protobuf or application\/json/);
  });

  test('ingestion needs a key with the ingest scope, and spans land in that key\'s project only', async () => {
    const body = JSON.stringify({ resourceSpans: [] });
    const anonymous = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(anonymous.status, 401);
    const gatewayOnly = (await operon.createKey({ scopes: ['gateway'] })).key;
    const refused = await fetch(`${operon.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${gatewayOnly}`, 'content-type': 'application/json' }, body });
    assert.equal(refused.status, 403);

    const other = await operon.createKey({ project: 'other-team', scopes: ['ingest'] });
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), name: 'theirs', startTimeUnixNano: String(now), endTimeUnixNano: String(now) };
    const stored = await fetch(`${operon.url}/v1/traces`, {
      method: 'POST', headers: { authorization: `Bearer ${other.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }),
    });
    assert.equal(stored.status, 200);
    const fromDefault = await fetch(`${operon.url}/api/traces/${'c'.repeat(32)}`, { headers: { authorization: `Bearer ${operon.adminKey}` } });
    assert.equal(fromDefault.status, 404);
    assert.equal((await operon.trace(other.projectId, 'c'.repeat(32)))?.spanCount, 1);
  });
}
