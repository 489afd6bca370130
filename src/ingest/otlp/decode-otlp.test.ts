import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { createManualClock } from '../../core/clock.ts';
import { OperonError } from '../../core/errors.ts';
import type { IngestedSpan } from '../ingested-span.ts';
import { bothEncodings, encodeJson, parseJson, recordSpans, toJson, toProtobuf } from './__fixtures__/export-spans.ts';
import { decodeOtlpTraces } from './decode-otlp.ts';
import { exportTraceServiceRequestType } from './otlp-proto-schema.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const clock = createManualClock(NOW);
const T = NOW - 60_000;

function named(spans: IngestedSpan[], name: string): IngestedSpan {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `no span named ${name}`);
  return span;
}

/** A protobuf body written from a plain object by the official definitions (for what the SDK cannot produce). */
function protobufBody(spans: object[], resourceAttributes: object[] = []): Uint8Array {
  const message = exportTraceServiceRequestType.fromObject({
    resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'hand' }, spans }] }],
  });
  return exportTraceServiceRequestType.encode(message).finish();
}

const hex = (value: string) => Buffer.from(value, 'hex');
const GOOD_TRACE = '0af7651916cd43dd8448eb211c80319c';
const GOOD_SPAN = 'b7ad6b7169203331';

function assertInvalidBody(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof OperonError, 'an OperonError');
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.param, 'body');
    assert.match(error.message, pattern);
    // Every refusal says what to send instead.
    assert.match(error.message, /ExportTraceServiceRequest/);
    assert.match(error.message, /Content-Type: application\/x-protobuf/);
    return true;
  });
}

describe('decodeOtlpTraces: a trace from the OpenTelemetry SDK', () => {
  const recorded = recordSpans(
    [
      {
        name: 'handle request',
        startTime: T + 0.5,
        endTime: T + 900,
        attributes: { 'http.route': '/chat', retries: 2, ratio: 0.25, cached: false, labels: ['a', 'b'] },
        children: [
          {
            name: 'call model',
            startTime: T + 100,
            endTime: T + 800.25,
            status: { code: SpanStatusCode.ERROR, message: 'upstream 503' },
            events: [{ name: 'retry', time: T + 400, attributes: { attempt: 1 } }],
          },
        ],
      },
    ],
    {
      resource: { 'service.name': 'checkout', 'service.version': '4.2.0', 'deployment.environment.name': 'staging' },
      scope: { name: 'my-lib', version: '0.9.1' },
    },
  );
  const sdkRoot = recorded.find((span) => span.name === 'handle request')!;
  const sdkChild = recorded.find((span) => span.name === 'call model')!;

  for (const { encoding, body } of bothEncodings(recorded)) {
    it(`keeps ids, parent links, times, status, events and scope (${encoding})`, () => {
      const { spans, rejected } = decodeOtlpTraces(body, encoding, { clock });
      assert.deepEqual(rejected, []);
      assert.equal(spans.length, 2);
      const root = named(spans, 'handle request');
      const child = named(spans, 'call model');
      assert.equal(root.traceId, sdkRoot.spanContext().traceId);
      assert.match(root.traceId, /^[0-9a-f]{32}$/);
      assert.equal(root.spanId, sdkRoot.spanContext().spanId);
      assert.equal(root.parentSpanId, null);
      assert.equal(child.traceId, root.traceId);
      assert.equal(child.spanId, sdkChild.spanContext().spanId);
      assert.equal(child.parentSpanId, root.spanId);
      assert.equal(root.startedAt, T + 0.5);
      assert.equal(root.endedAt, T + 900);
      assert.equal(child.endedAt, T + 800.25);
      assert.equal(root.status, 'unset');
      assert.equal(root.statusMessage, null);
      assert.equal(child.status, 'error');
      assert.equal(child.statusMessage, 'upstream 503');
      assert.deepEqual(child.events, [{ name: 'retry', time: T + 400, attributes: { attempt: 1 } }]);
      assert.deepEqual(root.scope, { name: 'my-lib', version: '0.9.1' });
      assert.equal(root.kind, 'other');
      assert.equal(root.truncated, false);
    });

    it(`converts attribute values to JSON and reads the resource (${encoding})`, () => {
      const root = named(decodeOtlpTraces(body, encoding, { clock }).spans, 'handle request');
      assert.deepEqual(root.attributes, {
        'http.route': '/chat',
        retries: 2,
        ratio: 0.25,
        cached: false,
        labels: ['a', 'b'],
      });
      assert.equal(root.serviceName, 'checkout');
      assert.equal(root.release, '4.2.0');
      assert.equal(root.environment, 'staging');
      assert.equal(root.resourceAttributes['service.name'], 'checkout');
    });
  }

  it('decodes the protobuf and the JSON encoding of the same spans identically', () => {
    const fromProtobuf = decodeOtlpTraces(toProtobuf(recorded), 'protobuf', { clock });
    const fromJson = decodeOtlpTraces(toJson(recorded), 'json', { clock });
    assert.deepEqual(fromJson, fromProtobuf);
  });

  it('reads the older deployment.environment resource attribute', () => {
    const spans = recordSpans([{ name: 'x', startTime: T, endTime: T + 1 }], {
      resource: { 'service.name': 'api', 'deployment.environment': 'production' },
    });
    assert.equal(decodeOtlpTraces(toProtobuf(spans), 'protobuf', { clock }).spans[0]!.environment, 'production');
  });
});

describe('decodeOtlpTraces: wire details', () => {
  it('keeps an int64 beyond 2^53 exact, as a decimal string', () => {
    const protobuf = protobufBody([
      {
        traceId: hex(GOOD_TRACE),
        spanId: hex(GOOD_SPAN),
        name: 'big numbers',
        startTimeUnixNano: String(BigInt(T) * 1_000_000n),
        endTimeUnixNano: String(BigInt(T + 5) * 1_000_000n),
        attributes: [
          { key: 'big', value: { intValue: '9007199254740993' } },
          { key: 'small', value: { intValue: '-42' } },
          { key: 'nan', value: { doubleValue: Number.NaN } },
          { key: 'blob', value: { bytesValue: Buffer.from([1, 2, 3]) } },
          { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: true } }] } } },
          { key: 'empty', value: {} },
        ],
      },
    ]);
    const [span] = decodeOtlpTraces(protobuf, 'protobuf', { clock }).spans;
    assert.deepEqual(span!.attributes, {
      big: '9007199254740993',
      small: -42,
      nan: 'NaN',
      blob: 'AQID',
      map: { inner: true },
      empty: null,
    });
    assert.equal(span!.startedAt, T);
    assert.equal(span!.endedAt, T + 5);

    const json = parseJson(toJson(recordSpans([{ name: 'j', startTime: T, endTime: T + 1 }])));
    json.resourceSpans[0].scopeSpans[0].spans[0].attributes = [
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'stringly', value: { intValue: '12' } },
      { key: 'inf', value: { doubleValue: 'Infinity' } },
    ];
    const [jsonSpan] = decodeOtlpTraces(encodeJson(json), 'json', { clock }).spans;
    assert.deepEqual(jsonSpan!.attributes, { big: '9007199254740993', stringly: 12, inf: 'Infinity' });
  });

  it('accepts snake_case field names, enum names and nanoseconds as numbers in JSON', () => {
    const body = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'py-app' } }] },
          scope_spans: [
            {
              scope: { name: 'py' },
              spans: [
                {
                  trace_id: GOOD_TRACE.toUpperCase(),
                  span_id: GOOD_SPAN,
                  parent_span_id: '',
                  name: 'snake',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: T * 1e6,
                  end_time_unix_nano: String((T + 2) * 1e6),
                  attributes: [{ key: 'n', value: { int_value: '7' } }],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    };
    const { spans, rejected } = decodeOtlpTraces(encodeJson(body), 'json', { clock });
    assert.deepEqual(rejected, []);
    assert.equal(spans[0]!.traceId, GOOD_TRACE);
    assert.equal(spans[0]!.parentSpanId, null);
    assert.equal(spans[0]!.status, 'ok');
    assert.equal(spans[0]!.startedAt, T);
    assert.equal(spans[0]!.endedAt, T + 2);
    assert.deepEqual(spans[0]!.attributes, { n: 7 });
    assert.equal(spans[0]!.serviceName, 'py-app');
  });

  it('accepts base64 ids from exporters that use the generic protobuf JSON mapping', () => {
    const json = parseJson(toJson(recordSpans([{ name: 'b64', startTime: T, endTime: T + 1 }])));
    const span = json.resourceSpans[0].scopeSpans[0].spans[0];
    span.traceId = hex(GOOD_TRACE).toString('base64');
    span.spanId = hex(GOOD_SPAN).toString('base64');
    const [decoded] = decodeOtlpTraces(encodeJson(json), 'json', { clock }).spans;
    assert.equal(decoded!.traceId, GOOD_TRACE);
    assert.equal(decoded!.spanId, GOOD_SPAN);
  });

  it('accepts a JSON body that starts with a byte order mark', () => {
    const json = toJson(recordSpans([{ name: 'bom', startTime: T, endTime: T + 1 }]));
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...json]);
    assert.equal(decodeOtlpTraces(withBom, 'json', { clock }).spans[0]!.name, 'bom');
  });

  it('treats an empty protobuf body as an empty export', () => {
    assert.deepEqual(decodeOtlpTraces(new Uint8Array(0), 'protobuf', { clock }), { spans: [], rejected: [] });
  });
});

describe('decodeOtlpTraces: spans it refuses, one by one', () => {
  const good = { name: 'good', startTime: T, endTime: T + 10 };

  it('rejects spans with invalid ids made by the SDK, keeping the good ones', () => {
    const ids = [
      ['0'.repeat(32), GOOD_SPAN],
      ['abcd', GOOD_SPAN],
      [GOOD_TRACE, '0'.repeat(16)],
      [GOOD_TRACE, GOOD_SPAN],
    ];
    let traces = 0;
    let spanIds = 0;
    const idGenerator = { generateTraceId: () => ids[traces++]![0]!, generateSpanId: () => ids[spanIds++]![1]! };
    const recorded = recordSpans(
      [
        { ...good, name: 'zero trace' },
        { ...good, name: 'short trace' },
        { ...good, name: 'zero span' },
        good,
      ],
      { idGenerator },
    );
    for (const { encoding, body } of bothEncodings(recorded)) {
      const { spans, rejected } = decodeOtlpTraces(body, encoding, { clock });
      assert.deepEqual(
        spans.map((span) => span.name),
        ['good'],
        encoding,
      );
      assert.deepEqual(
        rejected.map((rejection) => rejection.reason),
        [
          'traceId is all zeros, which OTLP declares invalid',
          'traceId must be 16 bytes (32 hex digits), got 2 bytes',
          'spanId is all zeros, which OTLP declares invalid',
        ],
        encoding,
      );
      assert.equal(rejected[2]!.traceId, GOOD_TRACE);
      assert.equal(rejected[2]!.spanId, null);
    }
  });

  it('rejects absurd times: before 2000, ending before it starts, or a day in the future', () => {
    const recorded = recordSpans([
      { ...good, name: 'nineties', startTime: Date.UTC(1999, 11, 31), endTime: Date.UTC(1999, 11, 31) + 5 },
      { ...good, name: 'future', startTime: NOW + 2 * 86_400_000, endTime: NOW + 2 * 86_400_000 + 5 },
      { ...good, name: 'skewed but fine', startTime: NOW + 3_600_000, endTime: NOW + 3_600_001 },
      good,
    ]);
    // The SDK refuses to end a span before it started, so that one is broken on the wire.
    const json = parseJson(toJson(recorded));
    const backwards = json.resourceSpans[0].scopeSpans[0].spans.find((span: { name: string }) => span.name === 'good');
    json.resourceSpans[0].scopeSpans[0].spans.push({
      ...backwards,
      spanId: GOOD_SPAN,
      name: 'backwards',
      startTimeUnixNano: String(BigInt(T + 10) * 1_000_000n),
      endTimeUnixNano: String(BigInt(T) * 1_000_000n),
    });
    const { spans, rejected } = decodeOtlpTraces(encodeJson(json), 'json', { clock });
    assert.deepEqual(spans.map((span) => span.name).sort(), ['good', 'skewed but fine']);
    assert.equal(rejected.length, 3);
    assert.match(rejected[0]!.reason, /^startTimeUnixNano is before 2000-01-01 \(1999-12-31T00:00:00.000Z\)$/);
    assert.match(rejected[1]!.reason, /more than 1 day after the server's clock/);
    assert.equal(rejected[2]!.reason, 'endTimeUnixNano is before startTimeUnixNano');
    assert.equal(rejected[2]!.spanId, GOOD_SPAN);

    const fromProtobuf = decodeOtlpTraces(toProtobuf(recorded), 'protobuf', { clock });
    assert.deepEqual(fromProtobuf.spans.map((span) => span.name).sort(), ['good', 'skewed but fine']);
    assert.equal(fromProtobuf.rejected.length, 2);
  });

  it('rejects missing ids and times, and a parent id of the wrong length, in hand-made protobuf', () => {
    const time = { startTimeUnixNano: String(BigInt(T) * 1_000_000n), endTimeUnixNano: String(BigInt(T + 1) * 1_000_000n) };
    const body = protobufBody([
      { spanId: hex(GOOD_SPAN), name: 'no trace', ...time },
      { traceId: hex(GOOD_TRACE), spanId: hex(GOOD_SPAN), name: 'no times' },
      { traceId: hex(GOOD_TRACE), spanId: hex(GOOD_SPAN), parentSpanId: hex('0102'), name: 'odd parent', ...time },
      { traceId: hex(GOOD_TRACE), spanId: hex(GOOD_SPAN), parentSpanId: hex('0000000000000000'), name: 'zero parent', ...time },
    ]);
    const { spans, rejected } = decodeOtlpTraces(body, 'protobuf', { clock });
    assert.deepEqual(
      rejected.map((rejection) => rejection.reason),
      ['traceId is missing', 'startTimeUnixNano is missing (0)', 'parentSpanId must be 8 bytes (16 hex digits), got 2 bytes'],
    );
    assert.deepEqual(spans.map((span) => [span.name, span.parentSpanId]), [['zero parent', null]]);
  });
});

describe('decodeOtlpTraces: bodies that are not a trace export at all', () => {
  const valid = toProtobuf(recordSpans([{ name: 'x', startTime: T, endTime: T + 1, attributes: { a: 'b'.repeat(40) } }]));

  it('refuses garbage bytes', () => {
    assertInvalidBody(() => decodeOtlpTraces(new TextEncoder().encode('this is not protobuf'), 'protobuf', { clock }), /binary protobuf/);
    assertInvalidBody(() => decodeOtlpTraces(new Uint8Array(12).fill(0xff), 'protobuf', { clock }), /not a valid OTLP/);
  });

  it('refuses a truncated protobuf body', () => {
    assertInvalidBody(() => decodeOtlpTraces(valid.subarray(0, valid.length - 20), 'protobuf', { clock }), /index out of range/);
  });

  it('refuses protobuf that parses but has no resource_spans, and says what JSON looks like', () => {
    assertInvalidBody(() => decodeOtlpTraces(Uint8Array.of(0x10, 0x01), 'protobuf', { clock }), /holds no resource_spans/);
    assertInvalidBody(() => decodeOtlpTraces(toJson(recordSpans([{ name: 'x', startTime: T, endTime: T + 1 }])), 'protobuf', { clock }), /looks like JSON/);
  });

  it('refuses JSON that is not JSON, not an object, or has no resourceSpans array', () => {
    const json = (text: string) => new TextEncoder().encode(text);
    assertInvalidBody(() => decodeOtlpTraces(json('{"resourceSpans": ['), 'json', { clock }), /not valid JSON/);
    assertInvalidBody(() => decodeOtlpTraces(json('[]'), 'json', { clock }), /must be an object.*got an array/);
    assertInvalidBody(() => decodeOtlpTraces(json('42'), 'json', { clock }), /got a number/);
    assertInvalidBody(() => decodeOtlpTraces(json('null'), 'json', { clock }), /got null/);
    assertInvalidBody(() => decodeOtlpTraces(json('{}'), 'json', { clock }), /no "resourceSpans" field/);
    assertInvalidBody(() => decodeOtlpTraces(json('{"resourceSpans": {}}'), 'json', { clock }), /must be an array, got a object/);
    assertInvalidBody(() => decodeOtlpTraces(valid, 'json', { clock }), /not valid JSON/);
  });

  it('rejects malformed entries inside a JSON export without failing it', () => {
    const json = parseJson(toJson(recordSpans([{ name: 'fine', startTime: T, endTime: T + 1 }])));
    json.resourceSpans[0].scopeSpans[0].spans.push('not a span', { ...json.resourceSpans[0].scopeSpans[0].spans[0], spanId: GOOD_SPAN, attributes: 'oops' });
    json.resourceSpans.push(7);
    const { spans, rejected } = decodeOtlpTraces(encodeJson(json), 'json', { clock });
    assert.deepEqual(spans.map((span) => span.name), ['fine']);
    assert.deepEqual(
      rejected.map((rejection) => rejection.reason),
      ['a span is not a JSON object', 'attributes must be an array of {"key", "value"} objects', 'resourceSpans[1] is not an object'],
    );
  });
});
