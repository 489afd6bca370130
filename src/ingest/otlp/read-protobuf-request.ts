import type { IngestedSpanEvent } from '../ingested-span.ts';
import type { RawResource, RawSpanSink } from '../raw-span.ts';
import { setOwn } from '../set-own.ts';
import { invalidExportRequest } from './invalid-export-request.ts';
import { OTLP_TAGS } from './otlp-proto-schema.ts';
import { checkSpanTimes, describeBadId } from './span-checks.ts';
import type { ValueLimiter } from './value-limiter.ts';
import { WireReader } from './wire-reader.ts';

/**
 * Reads an OTLP/HTTP binary protobuf body (`ExportTraceServiceRequest`) straight off the wire with
 * protobufjs's `Reader`, field tags from the official definitions (`otlp-proto-schema.ts`). Compared
 * with `Type.decode` this builds no message objects, and it never decodes what it will not keep: a
 * string over the size limit is cut before it is decoded, attributes past the count limit are skipped.
 */

type Scope = { name: string; version: string | null } | null;

/** Nesting deeper than this inside one attribute value is skipped (and flagged) rather than followed. */
const MAX_VALUE_DEPTH = 10;

const REQUEST_RESOURCE_SPANS = OTLP_TAGS.request.resourceSpans;
const { resource: RESOURCE_SPANS_RESOURCE, scopeSpans: RESOURCE_SPANS_SCOPE_SPANS } = OTLP_TAGS.resourceSpans;
const RESOURCE_ATTRIBUTES = OTLP_TAGS.resource.attributes;
const { scope: SCOPE_SPANS_SCOPE, spans: SCOPE_SPANS_SPANS } = OTLP_TAGS.scopeSpans;
const { name: SCOPE_NAME, version: SCOPE_VERSION } = OTLP_TAGS.scope;
const {
  traceId: SPAN_TRACE_ID,
  spanId: SPAN_SPAN_ID,
  parentSpanId: SPAN_PARENT_SPAN_ID,
  name: SPAN_NAME,
  startTimeUnixNano: SPAN_START,
  endTimeUnixNano: SPAN_END,
  attributes: SPAN_ATTRIBUTES,
  events: SPAN_EVENTS,
  status: SPAN_STATUS,
} = OTLP_TAGS.span;
const { timeUnixNano: EVENT_TIME, name: EVENT_NAME, attributes: EVENT_ATTRIBUTES } = OTLP_TAGS.event;
const { message: STATUS_MESSAGE, code: STATUS_CODE } = OTLP_TAGS.status;
const { key: KEY_VALUE_KEY, value: KEY_VALUE_VALUE } = OTLP_TAGS.keyValue;
const {
  stringValue: ANY_STRING,
  boolValue: ANY_BOOL,
  intValue: ANY_INT,
  doubleValue: ANY_DOUBLE,
  arrayValue: ANY_ARRAY,
  kvlistValue: ANY_KVLIST,
  bytesValue: ANY_BYTES,
} = OTLP_TAGS.anyValue;
const ARRAY_VALUES = OTLP_TAGS.arrayValue.values;
const KEY_VALUE_LIST_VALUES = OTLP_TAGS.keyValueList.values;

/**
 * Hands every span of the body to the sink. Throws an `invalid_request` OperonError when the body is
 * not an `ExportTraceServiceRequest` at all (not protobuf, truncated, or another message).
 */
export function readProtobufRequest(body: Uint8Array, limiter: ValueLimiter, now: number, sink: RawSpanSink): void {
  // Wrapping in a Buffer shares the memory.
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const wire = new WireReader(buffer, limiter);
  let resourceSpansSeen = false;
  try {
    while (wire.hasMore()) {
      const tag = wire.tag();
      if (tag === REQUEST_RESOURCE_SPANS) {
        resourceSpansSeen = true;
        readResourceSpans(wire, now, sink);
      } else {
        wire.skip(tag);
      }
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw invalidExportRequest(
      `The request body is not a valid OTLP ExportTraceServiceRequest in binary protobuf (${detail}).${hintFor(body)}`,
      error,
    );
  }
  // An empty request encodes to zero bytes; a non-empty body without a single resource_spans (field 1)
  // is another message, or not protobuf, that happened to parse as unknown fields.
  if (body.length > 0 && !resourceSpansSeen) {
    throw invalidExportRequest(
      `The request body parsed as protobuf but holds no resource_spans (field 1), so it is not an OTLP ExportTraceServiceRequest.${hintFor(body)}`,
    );
  }
}

/** A guess at what was sent instead, for the error message. */
function hintFor(body: Uint8Array): string {
  const first = body[0];
  if (first === 0x7b || first === 0x5b) return ' The body looks like JSON: send it with Content-Type: application/json.';
  if (first === 0x1f && body[1] === 0x8b) return ' The body looks gzip-compressed: send it with Content-Encoding: gzip.';
  return '';
}

function readResourceSpans(wire: WireReader, now: number, sink: RawSpanSink): void {
  const outer = wire.enter();
  wire.limiter.truncated = false;
  let attributes: Record<string, unknown> = {};
  // Fields may come in any order, and the spans need the resource: note where they are, read them after.
  const scopeSpans: number[] = [];
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag === RESOURCE_SPANS_RESOURCE) attributes = readAttributesMessage(wire, RESOURCE_ATTRIBUTES);
    else if (tag === RESOURCE_SPANS_SCOPE_SPANS) wire.remember(scopeSpans);
    else wire.skip(tag);
  }
  wire.leave(outer);
  const resource: RawResource = { attributes, truncated: wire.limiter.truncated };
  wire.forEachRemembered(scopeSpans, () => readScopeSpans(wire, resource, now, sink));
}

function readScopeSpans(wire: WireReader, resource: RawResource, now: number, sink: RawSpanSink): void {
  let scope: Scope = null;
  const spans: number[] = [];
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag === SCOPE_SPANS_SCOPE) scope = readScope(wire);
    else if (tag === SCOPE_SPANS_SPANS) wire.remember(spans);
    else wire.skip(tag);
  }
  wire.forEachRemembered(spans, () => readSpan(wire, resource, scope, now, sink));
}

function readScope(wire: WireReader): Scope {
  const outer = wire.enter();
  let name = '';
  let version: string | null = null;
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag === SCOPE_NAME) name = wire.text();
    else if (tag === SCOPE_VERSION) version = wire.text() || null;
    else wire.skip(tag);
  }
  wire.leave(outer);
  return { name, version };
}

function readSpan(wire: WireReader, resource: RawResource, scope: Scope, now: number, sink: RawSpanSink): void {
  const limiter = wire.limiter;
  limiter.truncated = resource.truncated;
  const { maxAttributes, maxEvents } = limiter.limits;
  // Ids stay (start, length) in the buffer until they are checked.
  let traceIdStart = 0;
  let traceIdLength = 0;
  let spanIdStart = 0;
  let spanIdLength = 0;
  let parentStart = 0;
  let parentLength = 0;
  let name = '';
  let startedAt = 0;
  let endedAt = 0;
  let statusCode = 0;
  let statusMessage = '';
  const attributes: Record<string, unknown> = {};
  let attributeCount = 0;
  const events: IngestedSpanEvent[] = [];
  while (wire.hasMore()) {
    const tag = wire.tag();
    switch (tag) {
      case SPAN_TRACE_ID:
        traceIdStart = wire.bytesAt();
        traceIdLength = wire.lastLength;
        break;
      case SPAN_SPAN_ID:
        spanIdStart = wire.bytesAt();
        spanIdLength = wire.lastLength;
        break;
      case SPAN_PARENT_SPAN_ID:
        parentStart = wire.bytesAt();
        parentLength = wire.lastLength;
        break;
      case SPAN_NAME:
        name = wire.text();
        break;
      case SPAN_START:
        startedAt = wire.nanosToMs();
        break;
      case SPAN_END:
        endedAt = wire.nanosToMs();
        break;
      case SPAN_ATTRIBUTES:
        if (attributeCount++ < maxAttributes) readKeyValueInto(wire, attributes, 0);
        else wire.skipCut();
        break;
      case SPAN_EVENTS:
        if (events.length < maxEvents) events.push(readEvent(wire));
        else wire.skipCut();
        break;
      case SPAN_STATUS: {
        const outer = wire.enter();
        while (wire.hasMore()) {
          const statusTag = wire.tag();
          if (statusTag === STATUS_MESSAGE) statusMessage = wire.text();
          else if (statusTag === STATUS_CODE) statusCode = wire.reader.int32();
          else wire.skip(statusTag);
        }
        wire.leave(outer);
        break;
      }
      default:
        wire.skip(tag);
    }
  }

  const buffer = wire.reader.buf;
  const traceId = validId(buffer, traceIdStart, traceIdLength, 16);
  const spanId = validId(buffer, spanIdStart, spanIdLength, 8);
  if (traceId === null || spanId === null) {
    const reason =
      traceId === null
        ? describeBadId('traceId', traceIdLength, 16, isZero(buffer, traceIdStart, traceIdLength))
        : describeBadId('spanId', spanIdLength, 8, isZero(buffer, spanIdStart, spanIdLength));
    sink.reject({ traceId, spanId, reason });
    return;
  }
  let parentSpanId: string | null = null;
  if (parentLength > 0) {
    parentSpanId = validId(buffer, parentStart, parentLength, 8);
    // Some SDKs send eight zero bytes for "no parent": a root, not an error.
    if (parentSpanId === null && !(parentLength === 8 && isZero(buffer, parentStart, 8))) {
      sink.reject({ traceId, spanId, reason: describeBadId('parentSpanId', parentLength, 8, false) });
      return;
    }
  }
  const timeProblem = checkSpanTimes(startedAt, endedAt, now);
  if (timeProblem !== null) {
    sink.reject({ traceId, spanId, reason: timeProblem });
    return;
  }
  sink.span({
    traceId,
    spanId,
    parentSpanId,
    name,
    startedAt,
    endedAt,
    statusCode,
    statusMessage,
    attributes,
    events,
    resource,
    scope,
    truncated: limiter.truncated,
  });
}

function readEvent(wire: WireReader): IngestedSpanEvent {
  const outer = wire.enter();
  let time = 0;
  let name = '';
  const attributes: Record<string, unknown> = {};
  let attributeCount = 0;
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag === EVENT_TIME) time = wire.nanosToMs();
    else if (tag === EVENT_NAME) name = wire.text();
    else if (tag !== EVENT_ATTRIBUTES) wire.skip(tag);
    else if (attributeCount++ < wire.limiter.limits.maxAttributes) readKeyValueInto(wire, attributes, 0);
    else wire.skipCut();
  }
  wire.leave(outer);
  return { name, time, attributes };
}

/** The attributes of a message whose only field of interest is a repeated KeyValue (Resource). */
function readAttributesMessage(wire: WireReader, attributesTag: number): Record<string, unknown> {
  const outer = wire.enter();
  const attributes: Record<string, unknown> = {};
  let count = 0;
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag !== attributesTag) wire.skip(tag);
    else if (count++ < wire.limiter.limits.maxAttributes) readKeyValueInto(wire, attributes, 0);
    else wire.skipCut();
  }
  wire.leave(outer);
  return attributes;
}

function readKeyValueInto(wire: WireReader, record: Record<string, unknown>, depth: number): void {
  const outer = wire.enter();
  let key = '';
  let value: unknown = null;
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag === KEY_VALUE_KEY) key = wire.key();
    else if (tag === KEY_VALUE_VALUE) value = readAnyValue(wire, depth);
    else wire.skip(tag);
  }
  wire.leave(outer);
  setOwn(record, key, value);
}

function readAnyValue(wire: WireReader, depth: number): unknown {
  const outer = wire.enter();
  let value: unknown = null;
  // A oneof: should a sender repeat members, the last one wins, as in every protobuf decoder.
  while (wire.hasMore()) {
    const tag = wire.tag();
    switch (tag) {
      case ANY_STRING:
        value = wire.text();
        break;
      case ANY_BOOL:
        value = wire.reader.bool();
        break;
      case ANY_INT:
        value = wire.int64();
        break;
      case ANY_DOUBLE: {
        const number = wire.reader.double();
        // NaN and the infinities have no JSON form; proto3 JSON spells them as these strings.
        value = Number.isFinite(number) ? number : String(number);
        break;
      }
      case ANY_BYTES:
        value = wire.base64();
        break;
      case ANY_ARRAY:
        value = depth < MAX_VALUE_DEPTH ? readArrayValue(wire, depth + 1) : wire.skipCut();
        break;
      case ANY_KVLIST:
        value = depth < MAX_VALUE_DEPTH ? readKeyValueList(wire, depth + 1) : wire.skipCut();
        break;
      default:
        wire.skip(tag);
    }
  }
  wire.leave(outer);
  return value;
}

function readArrayValue(wire: WireReader, depth: number): unknown[] {
  const outer = wire.enter();
  const items: unknown[] = [];
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag !== ARRAY_VALUES) wire.skip(tag);
    else if (items.length < wire.limiter.limits.maxAttributes) items.push(readAnyValue(wire, depth));
    else wire.skipCut();
  }
  wire.leave(outer);
  return items;
}

function readKeyValueList(wire: WireReader, depth: number): Record<string, unknown> {
  const outer = wire.enter();
  const record: Record<string, unknown> = {};
  let count = 0;
  while (wire.hasMore()) {
    const tag = wire.tag();
    if (tag !== KEY_VALUE_LIST_VALUES) wire.skip(tag);
    else if (count++ < wire.limiter.limits.maxAttributes) readKeyValueInto(wire, record, depth);
    else wire.skipCut();
  }
  wire.leave(outer);
  return record;
}

function validId(buffer: Uint8Array, start: number, length: number, size: number): string | null {
  if (length !== size || isZero(buffer, start, length)) return null;
  return (buffer as Buffer).toString('hex', start, start + length);
}

function isZero(buffer: Uint8Array, start: number, length: number): boolean {
  if (length === 0) return false;
  for (let index = start; index < start + length; index++) if (buffer[index] !== 0) return false;
  return true;
}
