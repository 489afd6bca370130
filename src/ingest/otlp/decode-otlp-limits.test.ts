import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../core/clock.ts';
import type { IngestedSpan } from '../ingested-span.ts';
import { bothEncodings, encodeJson, parseJson, recordSpans, toJson } from './__fixtures__/export-spans.ts';
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

describe('decodeOtlpTraces: size limits', () => {
  it('cuts a 50 MB attribute to 64 KiB, flags its span, and keeps the good spans, in bounded time', (context) => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const recorded = recordSpans([
      { name: 'before', startTime: T, endTime: T + 1, attributes: { note: 'small' } },
      { name: 'huge', startTime: T, endTime: T + 2, attributes: { 'input.value': huge, kept: 'yes' } },
      { name: 'after', startTime: T, endTime: T + 3, attributes: { note: 'small too' } },
    ]);
    for (const { encoding, body } of bothEncodings(recorded)) {
      assert.ok(body.length > 50 * 1024 * 1024);
      const started = performance.now();
      const { spans, rejected } = decodeOtlpTraces(body, encoding, { clock });
      const elapsed = performance.now() - started;
      context.diagnostic(`${encoding}: ${(body.length / 1024 / 1024).toFixed(1)} MB decoded in ${elapsed.toFixed(0)} ms`);
      assert.deepEqual(rejected, []);
      assert.deepEqual(spans.map((span) => span.name).sort(), ['after', 'before', 'huge']);
      const cut = named(spans, 'huge');
      assert.equal(cut.truncated, true);
      assert.equal((cut.attributes['input.value'] as string).length, 64 * 1024);
      assert.equal(cut.attributes['kept'], 'yes');
      // The cut value is what the conventions see, too.
      assert.equal((cut.input as string).length, 64 * 1024);
      assert.equal(named(spans, 'before').truncated, false);
      assert.equal(named(spans, 'after').attributes['note'], 'small too');
      // Generous (CI machines are shared): the protobuf reader never decodes the 50 MB, JSON.parse must.
      assert.ok(elapsed < 5_000, `${encoding} took ${elapsed} ms`);
    }
  });

  it('cuts at a character boundary, never inside a UTF-8 sequence', () => {
    // 'ab' 2 bytes, 'é' 2, '€' 3, '😀' 4: the first 10 bytes end inside the emoji.
    const recorded = recordSpans([{ name: 'utf8', startTime: T, endTime: T + 1, attributes: { text: 'abé€😀tail', short: 'abé' } }]);
    for (const { encoding, body } of bothEncodings(recorded)) {
      const [span] = decodeOtlpTraces(body, encoding, { clock, limits: { maxValueBytes: 10 } }).spans;
      assert.equal(span!.attributes['text'], 'abé€', encoding);
      assert.equal(span!.attributes['short'], 'abé', encoding);
      assert.equal(span!.truncated, true, encoding);
    }
  });

  it('keeps the first 256 attributes of a span by default and flags the rest as cut', () => {
    const attributes: Record<string, number> = {};
    for (let index = 0; index < 300; index++) attributes[`attribute.${index}`] = index;
    const recorded = recordSpans([{ name: 'wide', startTime: T, endTime: T + 1, attributes }]);
    for (const { encoding, body } of bothEncodings(recorded)) {
      const [span] = decodeOtlpTraces(body, encoding, { clock }).spans;
      const keys = Object.keys(span!.attributes);
      assert.equal(keys.length, 256, encoding);
      assert.equal(keys[255], 'attribute.255');
      assert.equal(span!.truncated, true);
    }
  });

  it('applies custom limits to attributes, array items, events and event attributes', () => {
    const recorded = recordSpans([
      {
        name: 'limited',
        startTime: T,
        endTime: T + 10,
        attributes: { a: 1, b: 2, c: 3, list: [1, 2, 3, 4, 5, 6] },
        events: [1, 2, 3, 4, 5].map((index) => ({ name: `event ${index}`, time: T + index, attributes: { x: 1, y: 2, z: 3, w: 4, v: 5 } })),
      },
      { name: 'within', startTime: T, endTime: T + 1, attributes: { a: 1 } },
    ]);
    for (const { encoding, body } of bothEncodings(recorded)) {
      const { spans } = decodeOtlpTraces(body, encoding, { clock, limits: { maxAttributes: 4, maxEvents: 2 } });
      const span = named(spans, 'limited');
      assert.deepEqual(span.attributes, { a: 1, b: 2, c: 3, list: [1, 2, 3, 4] }, encoding);
      assert.deepEqual(span.events.map((event) => event.name), ['event 1', 'event 2']);
      assert.deepEqual(span.events[0]!.attributes, { x: 1, y: 2, z: 3, w: 4 });
      assert.equal(span.truncated, true);
      assert.equal(named(spans, 'within').truncated, false);
    }
  });

  it('cuts values nested deeper than ten levels', () => {
    let value: unknown = { stringValue: 'bottom' };
    for (let depth = 0; depth < 12; depth++) value = { arrayValue: { values: [value] } };
    const json = parseJson(toJson(recordSpans([{ name: 'deep', startTime: T, endTime: T + 1 }])));
    const wireSpan = json.resourceSpans[0].scopeSpans[0].spans[0];
    wireSpan.attributes = [{ key: 'deep', value }];
    const protobuf = exportTraceServiceRequestType
      .encode(
        exportTraceServiceRequestType.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: Buffer.from(wireSpan.traceId, 'hex'),
                      spanId: Buffer.from(wireSpan.spanId, 'hex'),
                      name: 'deep',
                      startTimeUnixNano: wireSpan.startTimeUnixNano,
                      endTimeUnixNano: wireSpan.endTimeUnixNano,
                      attributes: [{ key: 'deep', value }],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    for (const [encoding, body] of [['json', encodeJson(json)], ['protobuf', protobuf]] as const) {
      const [span] = decodeOtlpTraces(body, encoding, { clock }).spans;
      let level: unknown = span!.attributes['deep'];
      let depth = 0;
      while (Array.isArray(level)) {
        level = level[0];
        depth++;
      }
      assert.equal(depth, 10, encoding);
      assert.equal(level, null);
      assert.equal(span!.truncated, true);
    }
  });

  it('marks every span of a resource whose attributes were cut', () => {
    const recorded = recordSpans([{ name: 'x', startTime: T, endTime: T + 1 }], {
      resource: { 'service.name': 'svc', 'host.description': 'h'.repeat(100) },
    });
    for (const { encoding, body } of bothEncodings(recorded)) {
      const [span] = decodeOtlpTraces(body, encoding, { clock, limits: { maxValueBytes: 50 } }).spans;
      assert.equal((span!.resourceAttributes['host.description'] as string).length, 50);
      assert.equal(span!.truncated, true, encoding);
    }
  });
});
