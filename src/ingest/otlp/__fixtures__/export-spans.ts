import assert from 'node:assert/strict';
import { context, trace, type Attributes, type SpanStatus } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type IdGenerator,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { createManualClock } from '../../../core/clock.ts';
import type { IngestedSpan } from '../../ingested-span.ts';
import { decodeOtlpTraces } from '../decode-otlp.ts';

/**
 * For tests only: real OTLP wire bytes, made the way applications make them. Spans are recorded by
 * the OpenTelemetry SDK's own tracer and encoded by the official OTLP serializers (the ones the
 * OTLP/HTTP exporters use), so the decoder is tested against what it will actually receive.
 */

/** One span to record; times in epoch ms; children are started inside it. */
export interface SpanSpec {
  name: string;
  startTime: number;
  endTime: number;
  attributes?: Attributes;
  events?: Array<{ name: string; time: number; attributes?: Attributes }>;
  status?: SpanStatus;
  children?: SpanSpec[];
}

export interface RecordOptions {
  resource?: Attributes;
  scope?: { name: string; version?: string };
  idGenerator?: IdGenerator;
}

/** Records the spans with the SDK and returns them as the exporter would receive them. */
export function recordSpans(specs: SpanSpec[], options: RecordOptions = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(options.resource ?? { 'service.name': 'test-service' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    // The SDK's default keeps 128 attributes and events; the limit tests need more on the wire.
    spanLimits: { attributeCountLimit: 100_000, eventCountLimit: 100_000 },
    ...(options.idGenerator ? { idGenerator: options.idGenerator } : {}),
  });
  const scope = options.scope ?? { name: 'operon-ingest-test', version: '1.0.0' };
  const tracer = provider.getTracer(scope.name, scope.version);
  const record = (spec: SpanSpec, parent: ReturnType<typeof context.active>): void => {
    const span = tracer.startSpan(spec.name, { attributes: spec.attributes ?? {}, startTime: spec.startTime }, parent);
    for (const event of spec.events ?? []) span.addEvent(event.name, event.attributes ?? {}, event.time);
    if (spec.status) span.setStatus(spec.status);
    const inside = trace.setSpan(parent, span);
    for (const child of spec.children ?? []) record(child, inside);
    span.end(spec.endTime);
  };
  for (const spec of specs) record(spec, context.active());
  return exporter.getFinishedSpans();
}

/** The spans as an OTLP/HTTP binary protobuf body. */
export function toProtobuf(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('the protobuf serializer produced nothing');
  return bytes;
}

/** The spans as an OTLP/HTTP JSON body. */
export function toJson(spans: ReadableSpan[]): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('the JSON serializer produced nothing');
  return bytes;
}

/** Both encodings of the same spans, for tests that must hold for each. */
export function bothEncodings(spans: ReadableSpan[]): Array<{ encoding: 'protobuf' | 'json'; body: Uint8Array }> {
  return [
    { encoding: 'protobuf', body: toProtobuf(spans) },
    { encoding: 'json', body: toJson(spans) },
  ];
}

/** Parses an OTLP/JSON body so a test can break it on purpose, then `encodeJson` it again. */
export function parseJson(body: Uint8Array): any {
  return JSON.parse(new TextDecoder().decode(body));
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Records the spans, decodes them from both encodings (checking the two agree and nothing was
 * rejected), and returns the normalized spans with a lookup by (unique) name.
 */
export function ingestRecorded(
  specs: SpanSpec[],
  now: number,
  options: RecordOptions = {},
): { all: IngestedSpan[]; get(name: string): IngestedSpan } {
  const recorded = recordSpans(specs, options);
  const clock = createManualClock(now);
  const fromProtobuf = decodeOtlpTraces(toProtobuf(recorded), 'protobuf', { clock });
  const fromJson = decodeOtlpTraces(toJson(recorded), 'json', { clock });
  assert.deepEqual(fromProtobuf.rejected, []);
  assert.deepEqual(fromJson, fromProtobuf, 'protobuf and JSON decode alike');
  const all = fromProtobuf.spans;
  return {
    all,
    get(name) {
      const matching = all.filter((span) => span.name === name);
      assert.equal(matching.length, 1, `exactly one span named ${name}`);
      return matching[0]!;
    },
  };
}
