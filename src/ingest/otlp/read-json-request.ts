import type { IngestedSpanEvent } from '../ingested-span.ts';
import type { RawResource, RawSpanSink } from '../raw-span.ts';
import { setOwn } from '../set-own.ts';
import { invalidExportRequest } from './invalid-export-request.ts';
import { checkSpanTimes, describeBadId, isZeroId } from './span-checks.ts';
import type { ValueLimiter } from './value-limiter.ts';

/**
 * Reads an OTLP/JSON body (the OTLP/HTTP "JSON Protobuf Encoding"): trace and span ids are hex
 * strings, enums integers, 64-bit integers decimal strings or numbers, field names lowerCamelCase.
 * Like proto3 JSON parsers it also accepts the original snake_case field names and enum names.
 */

const MAX_VALUE_DEPTH = 10;
const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^\d{1,20}$/;
const INTEGER = /^-?\d+$/;
const STATUS_CODES = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

type JsonObject = Record<string, unknown>;

/** Parses the body and hands every span to the sink; throws when it is not an OTLP/JSON trace export. */
export function readJsonRequest(body: Uint8Array, limiter: ValueLimiter, now: number, sink: RawSpanSink): void {
  const request = parseRequest(body);
  const resourceSpansList = field(request, 'resourceSpans', 'resource_spans');
  if (resourceSpansList === undefined) {
    throw invalidExportRequest('The OTLP/JSON request has no "resourceSpans" field, so it is not an ExportTraceServiceRequest.');
  }
  if (!Array.isArray(resourceSpansList)) {
    throw invalidExportRequest(`"resourceSpans" must be an array, got ${describeJsonType(resourceSpansList)}.`);
  }
  resourceSpansList.forEach((resourceSpans: unknown, resourceIndex) => {
    if (!isObject(resourceSpans)) {
      sink.reject({ traceId: null, spanId: null, reason: `resourceSpans[${resourceIndex}] is not an object` });
      return;
    }
    limiter.truncated = false;
    const resourceObject = field(resourceSpans, 'resource');
    const resourceAttributes = convertAttributes(isObject(resourceObject) ? field(resourceObject, 'attributes') : undefined, limiter);
    const resource: RawResource = { attributes: resourceAttributes ?? {}, truncated: limiter.truncated };
    for (const scopeSpans of arrayField(resourceSpans, 'scopeSpans', 'scope_spans')) {
      if (!isObject(scopeSpans)) {
        sink.reject({ traceId: null, spanId: null, reason: `a scopeSpans entry of resourceSpans[${resourceIndex}] is not an object` });
        continue;
      }
      const scope = readScope(field(scopeSpans, 'scope'), limiter);
      for (const span of arrayField(scopeSpans, 'spans')) readSpan(span, resource, scope, limiter, now, sink);
    }
  });
}

function parseRequest(body: Uint8Array): JsonObject {
  let parsed: unknown;
  try {
    const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // Buffer's UTF-8 decoding is native end to end; unlike TextDecoder it keeps a byte order mark.
    const text = buffer.toString('utf8');
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const hint =
      body[0] === 0x1f && body[1] === 0x8b
        ? ' The body looks gzip-compressed: send it with Content-Encoding: gzip.'
        : body[0] === 0x0a
          ? ' The body looks like binary protobuf: send it with Content-Type: application/x-protobuf.'
          : '';
    throw invalidExportRequest(`The request body is not valid JSON (${detail}).${hint}`, error);
  }
  if (!isObject(parsed)) {
    throw invalidExportRequest(
      `The OTLP/JSON body must be an object with a "resourceSpans" array, got ${describeJsonType(parsed)}.`,
    );
  }
  return parsed;
}

function readScope(scope: unknown, limiter: ValueLimiter): { name: string; version: string | null } | null {
  if (!isObject(scope)) return null;
  const name = field(scope, 'name');
  const version = field(scope, 'version');
  return {
    name: typeof name === 'string' ? limiter.text(name) : '',
    version: typeof version === 'string' && version !== '' ? limiter.text(version) : null,
  };
}

function readSpan(
  span: unknown,
  resource: RawResource,
  scope: { name: string; version: string | null } | null,
  limiter: ValueLimiter,
  now: number,
  sink: RawSpanSink,
): void {
  if (!isObject(span)) {
    sink.reject({ traceId: null, spanId: null, reason: 'a span is not a JSON object' });
    return;
  }
  const traceIdValue = field(span, 'traceId', 'trace_id');
  const spanIdValue = field(span, 'spanId', 'span_id');
  const traceId = jsonId(traceIdValue, 16);
  const spanId = jsonId(spanIdValue, 8);
  if (traceId === null || spanId === null) {
    const reason =
      traceId === null ? describeJsonId('traceId', traceIdValue, 16) : describeJsonId('spanId', spanIdValue, 8);
    sink.reject({ traceId, spanId, reason });
    return;
  }
  const parentValue = field(span, 'parentSpanId', 'parent_span_id');
  let parentSpanId: string | null = null;
  if (parentValue !== undefined && parentValue !== null && parentValue !== '') {
    parentSpanId = jsonId(parentValue, 8);
    // Eight zero bytes mean "no parent" to some SDKs; a root, not an error.
    if (parentSpanId === null && !(typeof parentValue === 'string' && isZeroId(parentValue))) {
      sink.reject({ traceId, spanId, reason: describeJsonId('parentSpanId', parentValue, 8) });
      return;
    }
  }
  const startedAt = nanosToMs(field(span, 'startTimeUnixNano', 'start_time_unix_nano'));
  const endedAt = nanosToMs(field(span, 'endTimeUnixNano', 'end_time_unix_nano'));
  const timeProblem = checkSpanTimes(startedAt, endedAt, now);
  if (timeProblem !== null) {
    sink.reject({ traceId, spanId, reason: timeProblem });
    return;
  }
  limiter.truncated = resource.truncated;
  const attributes = convertAttributes(field(span, 'attributes'), limiter);
  if (attributes === null) {
    sink.reject({ traceId, spanId, reason: 'attributes must be an array of {"key", "value"} objects' });
    return;
  }
  const nameValue = field(span, 'name');
  const name = typeof nameValue === 'string' ? limiter.text(nameValue) : '';
  const events = convertEvents(field(span, 'events'), limiter);
  const status = field(span, 'status');
  const statusMessage = isObject(status) ? field(status, 'message') : undefined;
  sink.span({
    traceId,
    spanId,
    parentSpanId,
    name,
    startedAt,
    endedAt,
    statusCode: isObject(status) ? statusCode(field(status, 'code')) : 0,
    statusMessage: typeof statusMessage === 'string' ? limiter.text(statusMessage) : '',
    attributes,
    events,
    resource,
    scope,
    truncated: limiter.truncated,
  });
}

/** The lowercase hex of a valid id of `size` bytes, or null. */
function jsonId(value: unknown, size: number): string | null {
  if (typeof value !== 'string') return null;
  if (value.length === size * 2 && HEX.test(value)) {
    const hex = value.toLowerCase();
    return isZeroId(hex) ? null : hex;
  }
  // Exporters that use protobuf's generic JSON mapping send ids base64-encoded instead of hex; the
  // lengths cannot be confused (24 and 12 characters against 32 and 16).
  if (value.length === Math.ceil(size / 3) * 4 && BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length !== size) return null;
    const hex = bytes.toString('hex');
    return isZeroId(hex) ? null : hex;
  }
  return null;
}

function describeJsonId(name: string, value: unknown, size: number): string {
  if (value === undefined || value === null || value === '') return `${name} is missing`;
  if (typeof value !== 'string') return `${name} must be a hex string, got ${describeJsonType(value)}`;
  if (!HEX.test(value)) return `${name} must be ${size * 2} hex digits, got ${JSON.stringify(value.slice(0, 48))}`;
  return describeBadId(name, value.length / 2, size, /^0+$/.test(value));
}

/** Epoch ms from nanoseconds given as a decimal string or a number; NaN when unreadable, 0 when absent. */
function nanosToMs(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value >= 0 ? Math.round(value / 1e3) / 1e3 : Number.NaN;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return Number.NaN;
  // Split so the whole milliseconds stay exact (a 19-digit number is not).
  if (value.length <= 6) return Number(value) / 1e6;
  return Number(value.slice(0, -6)) + Number(value.slice(-6)) / 1e6;
}

/** Event times are not checked like span times; an unreadable one becomes 0 so the span stays JSON. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

function statusCode(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return STATUS_CODES.get(value) ?? 0;
  return 0;
}

function convertEvents(value: unknown, limiter: ValueLimiter): IngestedSpanEvent[] {
  if (!Array.isArray(value)) return [];
  const count = limiter.keep(value.length, limiter.limits.maxEvents);
  const events: IngestedSpanEvent[] = [];
  for (let index = 0; index < count; index++) {
    const event: unknown = value[index];
    if (!isObject(event)) continue;
    const name = field(event, 'name');
    events.push({
      name: typeof name === 'string' ? limiter.text(name) : '',
      time: finiteOrZero(nanosToMs(field(event, 'timeUnixNano', 'time_unix_nano'))),
      attributes: convertAttributes(field(event, 'attributes'), limiter) ?? {},
    });
  }
  return events;
}

/** The attributes as a record; null when the field is there but not an array. */
function convertAttributes(list: unknown, limiter: ValueLimiter): Record<string, unknown> | null {
  const record: Record<string, unknown> = {};
  if (list === undefined || list === null) return record;
  if (!Array.isArray(list)) return null;
  const count = limiter.keep(list.length, limiter.limits.maxAttributes);
  for (let index = 0; index < count; index++) {
    const pair: unknown = list[index];
    if (!isObject(pair) || typeof pair.key !== 'string') continue;
    setOwn(record, limiter.text(pair.key), convertValue(pair.value, limiter, 0));
  }
  return record;
}

function convertValue(value: unknown, limiter: ValueLimiter, depth: number): unknown {
  if (!isObject(value)) return null;
  // An AnyValue holds one member; reading the first known key costs one lookup per value.
  for (const key in value) {
    const inner = value[key];
    switch (key) {
      case 'stringValue':
      case 'string_value':
      case 'bytesValue': // base64 text already, as it stays
      case 'bytes_value':
        return typeof inner === 'string' ? limiter.text(inner) : null;
      case 'boolValue':
      case 'bool_value':
        return typeof inner === 'boolean' ? inner : inner === 'true';
      case 'intValue':
      case 'int_value':
        return int64ToJson(inner, limiter);
      case 'doubleValue':
      case 'double_value':
        return doubleToJson(inner, limiter);
      case 'arrayValue':
      case 'array_value': {
        if (depth >= MAX_VALUE_DEPTH) return cutTooDeep(limiter);
        const items = isObject(inner) && Array.isArray(inner.values) ? (inner.values as unknown[]) : [];
        const count = limiter.keep(items.length, limiter.limits.maxAttributes);
        const converted: unknown[] = new Array(count);
        for (let index = 0; index < count; index++) converted[index] = convertValue(items[index], limiter, depth + 1);
        return converted;
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        if (depth >= MAX_VALUE_DEPTH) return cutTooDeep(limiter);
        const pairs = isObject(inner) && Array.isArray(inner.values) ? (inner.values as unknown[]) : [];
        const record: Record<string, unknown> = {};
        const count = limiter.keep(pairs.length, limiter.limits.maxAttributes);
        for (let index = 0; index < count; index++) {
          const pair = pairs[index];
          if (!isObject(pair) || typeof pair.key !== 'string') continue;
          setOwn(record, limiter.text(pair.key), convertValue(pair.value, limiter, depth + 1));
        }
        return record;
      }
    }
  }
  return null;
}

function cutTooDeep(limiter: ValueLimiter): null {
  limiter.truncated = true;
  return null;
}

function int64ToJson(value: unknown, limiter: ValueLimiter): unknown {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  if (!INTEGER.test(value)) return limiter.text(value);
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

function doubleToJson(value: unknown, limiter: ValueLimiter): unknown {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  // proto3 JSON writes NaN and the infinities as strings; those stay strings (JSON has no form for them).
  const number = Number(value);
  return Number.isFinite(number) && value.trim() !== '' ? number : limiter.text(value);
}

function field(object: JsonObject, name: string, protoName?: string): unknown {
  const value = object[name];
  return value === undefined && protoName !== undefined ? object[protoName] : value;
}

function arrayField(object: JsonObject, name: string, protoName?: string): unknown[] {
  const value = field(object, name, protoName);
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
