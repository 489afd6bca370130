/**
 * The attribute names the SDK writes, in one place: OpenTelemetry GenAI semantic conventions
 * (docs/gen-ai/gen-ai-spans.md in open-telemetry/semantic-conventions), OpenInference's generic
 * input/output, and Operon's own `operon.*` keys that the server maps.
 */

export const OPERON_SPAN_KINDS = [
  'generation',
  'embedding',
  'retrieval',
  'tool',
  'agent',
  'chain',
  'workflow',
  'guardrail',
  'evaluator',
  'other',
] as const;

/** What a span represents in Operon's UI; written as `operon.span.kind`. */
export type OperonSpanKind = (typeof OPERON_SPAN_KINDS)[number];

export const ATTR = {
  spanKind: 'operon.span.kind',
  tags: 'operon.tags',
  metadataPrefix: 'operon.metadata.',
  release: 'operon.release',
  environment: 'operon.environment',
  timeToFirstToken: 'operon.time_to_first_token_ms',
  sessionId: 'session.id',
  userId: 'user.id',
  inputValue: 'input.value',
  inputMimeType: 'input.mime_type',
  outputValue: 'output.value',
  outputMimeType: 'output.mime_type',
  errorType: 'error.type',
  genAiOperationName: 'gen_ai.operation.name',
  genAiProviderName: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiResponseId: 'gen_ai.response.id',
  genAiFinishReasons: 'gen_ai.response.finish_reasons',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  genAiInputMessages: 'gen_ai.input.messages',
  genAiOutputMessages: 'gen_ai.output.messages',
  genAiSystemInstructions: 'gen_ai.system_instructions',
  genAiTemperature: 'gen_ai.request.temperature',
  genAiMaxTokens: 'gen_ai.request.max_tokens',
  genAiTopP: 'gen_ai.request.top_p',
  genAiStopSequences: 'gen_ai.request.stop_sequences',
  genAiSeed: 'gen_ai.request.seed',
  genAiEncodingFormats: 'gen_ai.request.encoding_formats',
  genAiEmbeddingDimensions: 'gen_ai.embeddings.dimension.count',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

export const RESOURCE_ATTR = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  deploymentEnvironment: 'deployment.environment.name',
} as const;

export const JSON_MIME_TYPE = 'application/json';

/** Past this many characters a captured value is replaced by a truncated preview (still valid JSON). */
export const MAX_CAPTURED_CHARS = 100_000;

export function isOperonSpanKind(value: unknown): value is OperonSpanKind {
  return typeof value === 'string' && (OPERON_SPAN_KINDS as readonly string[]).includes(value);
}

/**
 * Serializes any value captured from the host application to a JSON string without ever throwing:
 * cycles, BigInts, functions and oversized values are tamed rather than rejected.
 */
export function toJsonAttribute(value: unknown, maxChars = MAX_CAPTURED_CHARS): string {
  let text: string;
  try {
    text = JSON.stringify(value, jsonReplacer()) ?? 'null';
  } catch {
    text = JSON.stringify(String(safeDescribe(value)));
  }
  if (text.length <= maxChars) return text;
  return JSON.stringify({ 'operon.truncated': true, preview: text.slice(0, maxChars) });
}

function jsonReplacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (value instanceof Map) return Object.fromEntries(value);
    if (value instanceof Set) return [...value];
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

function safeDescribe(value: unknown): string {
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return '[unserializable]';
  }
}

/** `operon.metadata.<key>` attributes: strings, numbers and booleans as-is, anything else as JSON. */
export function metadataAttributes(metadata: Record<string, unknown>): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    attributes[`${ATTR.metadataPrefix}${key}`] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : toJsonAttribute(value);
  }
  return attributes;
}

/** The low-cardinality `error.type` the semantic conventions ask for: the error's class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return '_OTHER';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}
