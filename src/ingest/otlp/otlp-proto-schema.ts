import { join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * The OTLP trace messages, loaded once at module load from the official `.proto` files in `./proto/`
 * (copied from open-telemetry/opentelemetry-proto; see `src/ingest/README.md`); nothing is fetched.
 *
 * The reader in `read-protobuf-request.ts` walks the wire format itself with protobufjs's `Reader`
 * (no intermediate message objects, no `Long` per timestamp, and attributes past the limit skipped
 * unread), so it needs the field tags: they are taken from these definitions, and a definition that
 * no longer has the expected type fails here, at start-up, not on the first request.
 */
const protoRoot = join(import.meta.dirname, 'proto');

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // The files import each other by their path in the opentelemetry-proto repository.
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`, for tests that hand-craft bodies. */
export const exportTraceServiceRequestType: protobuf.Type = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);

const SCALAR_WIRE_TYPES: Record<string, number> = {
  string: 2,
  bytes: 2,
  bool: 0,
  int64: 0,
  uint32: 0,
  double: 1,
  fixed64: 1,
  fixed32: 5,
};

/**
 * The tag (field number << 3 | wire type) of `type.field`, after checking the field has the type
 * the reader decodes it as (a message name, `enum`, or a scalar type).
 */
function tag(typeName: string, fieldName: string, expected: string): number {
  const field = root.lookupType(`opentelemetry.proto.${typeName}`).fields[fieldName];
  if (field === undefined) throw new Error(`OTLP schema: ${typeName}.${fieldName} is missing from the .proto files`);
  const resolved = field.resolvedType;
  const actual =
    resolved instanceof protobuf.Type ? resolved.name : resolved instanceof protobuf.Enum ? 'enum' : field.type;
  if (actual !== expected) {
    throw new Error(`OTLP schema: ${typeName}.${fieldName} is ${actual}, the OTLP reader expects ${expected}`);
  }
  const wireType = resolved instanceof protobuf.Type ? 2 : resolved instanceof protobuf.Enum ? 0 : SCALAR_WIRE_TYPES[actual];
  if (wireType === undefined) throw new Error(`OTLP schema: no wire type known for ${actual}`);
  return (field.id << 3) | wireType;
}

/** The tags the OTLP reader switches on, by message. */
export const OTLP_TAGS = {
  request: {
    resourceSpans: tag('collector.trace.v1.ExportTraceServiceRequest', 'resourceSpans', 'ResourceSpans'),
  },
  resourceSpans: {
    resource: tag('trace.v1.ResourceSpans', 'resource', 'Resource'),
    scopeSpans: tag('trace.v1.ResourceSpans', 'scopeSpans', 'ScopeSpans'),
  },
  resource: { attributes: tag('resource.v1.Resource', 'attributes', 'KeyValue') },
  scopeSpans: {
    scope: tag('trace.v1.ScopeSpans', 'scope', 'InstrumentationScope'),
    spans: tag('trace.v1.ScopeSpans', 'spans', 'Span'),
  },
  scope: {
    name: tag('common.v1.InstrumentationScope', 'name', 'string'),
    version: tag('common.v1.InstrumentationScope', 'version', 'string'),
  },
  span: {
    traceId: tag('trace.v1.Span', 'traceId', 'bytes'),
    spanId: tag('trace.v1.Span', 'spanId', 'bytes'),
    parentSpanId: tag('trace.v1.Span', 'parentSpanId', 'bytes'),
    name: tag('trace.v1.Span', 'name', 'string'),
    startTimeUnixNano: tag('trace.v1.Span', 'startTimeUnixNano', 'fixed64'),
    endTimeUnixNano: tag('trace.v1.Span', 'endTimeUnixNano', 'fixed64'),
    attributes: tag('trace.v1.Span', 'attributes', 'KeyValue'),
    events: tag('trace.v1.Span', 'events', 'Event'),
    status: tag('trace.v1.Span', 'status', 'Status'),
  },
  event: {
    timeUnixNano: tag('trace.v1.Span.Event', 'timeUnixNano', 'fixed64'),
    name: tag('trace.v1.Span.Event', 'name', 'string'),
    attributes: tag('trace.v1.Span.Event', 'attributes', 'KeyValue'),
  },
  status: {
    message: tag('trace.v1.Status', 'message', 'string'),
    code: tag('trace.v1.Status', 'code', 'enum'),
  },
  keyValue: {
    key: tag('common.v1.KeyValue', 'key', 'string'),
    value: tag('common.v1.KeyValue', 'value', 'AnyValue'),
  },
  anyValue: {
    stringValue: tag('common.v1.AnyValue', 'stringValue', 'string'),
    boolValue: tag('common.v1.AnyValue', 'boolValue', 'bool'),
    intValue: tag('common.v1.AnyValue', 'intValue', 'int64'),
    doubleValue: tag('common.v1.AnyValue', 'doubleValue', 'double'),
    arrayValue: tag('common.v1.AnyValue', 'arrayValue', 'ArrayValue'),
    kvlistValue: tag('common.v1.AnyValue', 'kvlistValue', 'KeyValueList'),
    bytesValue: tag('common.v1.AnyValue', 'bytesValue', 'bytes'),
  },
  arrayValue: { values: tag('common.v1.ArrayValue', 'values', 'AnyValue') },
  keyValueList: { values: tag('common.v1.KeyValueList', 'values', 'KeyValue') },
} as const;
