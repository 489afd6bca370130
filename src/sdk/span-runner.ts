import { SpanKind, trace as traceApi, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import type { SdkDiagnostics } from './export-health.ts';
import type { ContextAccess } from './global-registration.ts';
import {
  generationInputAttributes,
  inputAttributes,
  noopObservedSpan,
  SpanRecorder,
  type ObservedSpan,
} from './observed-span.ts';
import { ATTR, isOperonSpanKind, metadataAttributes, type OperonSpanKind } from './span-attributes.ts';
import { readTraceContext, unionTags } from './trace-context.ts';

/** Options shared by `trace`, `span`, `generation` and `observe`. */
export interface SpanOptions {
  /** `operon.span.kind`; `trace` defaults to `workflow`, `span` to `other` */
  kind?: OperonSpanKind;
  /** recorded as `input.value` (JSON) */
  input?: unknown;
  /** capture the callback's return (or resolved) value as `output.value`; default true */
  captureOutput?: boolean;
  attributes?: Attributes;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** start a new trace even inside an active span */
  newTrace?: boolean;
}

/** `generation()` options: the request side of a manual LLM call. */
export interface GenerationOptions extends SpanOptions {
  /** `gen_ai.request.model` */
  model?: string;
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic` */
  provider?: string;
  /** `gen_ai.operation.name`; default `chat` */
  operation?: string;
  temperature?: number;
  maxTokens?: number;
}

/** What the helpers need from an initialized client. */
export interface SpanRuntime {
  tracer: Tracer;
  contextAccess: ContextAccess;
  diagnostics: SdkDiagnostics;
}

export interface SpanDefaults {
  kind: OperonSpanKind;
  otelKind: SpanKind;
  attributes?: Attributes;
}

export interface StartedSpan {
  recorder: SpanRecorder;
  context: Context;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Starts a span under the active context, with the helpers' attributes; throws only on SDK bugs. */
export function startObservedSpan(
  runtime: SpanRuntime,
  name: unknown,
  options: SpanOptions,
  defaults: SpanDefaults,
): StartedSpan {
  const { diagnostics } = runtime;
  let spanName = name;
  if (typeof spanName !== 'string' || spanName === '') {
    diagnostics.warnOnce('span-name', 'a span name must be a non-empty string; using "unnamed".');
    spanName = 'unnamed';
  }
  let kind = defaults.kind;
  if (options.kind !== undefined) {
    if (isOperonSpanKind(options.kind)) kind = options.kind;
    else diagnostics.warnOnce(`span-kind-${String(options.kind)}`, `unknown span kind "${String(options.kind)}"; using "${kind}".`);
  }
  const parent = runtime.contextAccess.active();
  const attributes: Attributes = { ...defaults.attributes, [ATTR.spanKind]: kind };
  if (options.input !== undefined) Object.assign(attributes, inputAttributes(options.input));
  if (isRecord(options.attributes)) Object.assign(attributes, options.attributes);
  if (isRecord(options.metadata)) Object.assign(attributes, metadataAttributes(options.metadata));
  const optionTags = Array.isArray(options.tags) ? options.tags.filter((tag) => typeof tag === 'string') : [];
  const tags = unionTags(readTraceContext(parent)?.tags, optionTags);
  if (tags.length > 0) attributes[ATTR.tags] = tags;

  const span = runtime.tracer.startSpan(
    spanName as string,
    { kind: defaults.otelKind, attributes, root: options.newTrace === true },
    parent,
  );
  return { recorder: new SpanRecorder(span, tags), context: traceApi.setSpan(parent, span) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Ends the span when the callback's result settles. A native promise is chained, so the caller gets
 * a promise that settles the same way and an unhandled rejection stays unhandled; any other thenable
 * (a client's own promise subclass with extra methods) is returned as is and observed on the side.
 */
function settle<T>(result: T, recorder: SpanRecorder, captureOutput: boolean): T {
  if (!isThenable(result)) {
    recorder.succeed(result, captureOutput);
    return result;
  }
  if (result instanceof Promise && result.constructor === Promise) {
    return result.then(
      (value: unknown) => {
        recorder.succeed(value, captureOutput);
        return value;
      },
      (error: unknown) => {
        recorder.fail(error);
        throw error;
      },
    ) as T;
  }
  try {
    result.then(
      (value) => recorder.succeed(value, captureOutput),
      (error: unknown) => recorder.fail(error),
    );
  } catch {
    recorder.end();
  }
  return result;
}

/**
 * Runs `fn` inside a new active span and returns exactly what `fn` returns (or throws). Never throws
 * on its own account: if the span cannot be started, `fn` runs untraced.
 */
export function runInSpan<T>(
  runtime: SpanRuntime | undefined,
  name: unknown,
  fn: (span: ObservedSpan) => T,
  options: SpanOptions | undefined,
  defaults: SpanDefaults,
): T {
  if (typeof fn !== 'function') {
    runtime?.diagnostics.warnOnce('span-fn', 'trace()/span() need a function to run; nothing was run.');
    return undefined as T;
  }
  if (runtime === undefined) return fn(noopObservedSpan);
  let started: StartedSpan;
  try {
    started = startObservedSpan(runtime, name, isRecord(options) ? options : {}, defaults);
  } catch (error) {
    runtime.diagnostics.warnOnce('span-start', `could not start a span (${String(error)}); running untraced.`);
    return fn(noopObservedSpan);
  }
  const { recorder, context } = started;
  let result: T;
  try {
    result = runtime.contextAccess.with(context, () => fn(recorder));
  } catch (error) {
    recorder.fail(error);
    throw error;
  }
  return settle(result, recorder, options?.captureOutput !== false);
}

/** The span defaults of `generation()`: GenAI request attributes from its options. */
export function generationDefaults(options: GenerationOptions | undefined): SpanDefaults {
  const attributes: Attributes = { [ATTR.genAiOperationName]: options?.operation ?? 'chat' };
  if (typeof options?.model === 'string') attributes[ATTR.genAiRequestModel] = options.model;
  if (typeof options?.provider === 'string') attributes[ATTR.genAiProviderName] = options.provider;
  if (typeof options?.temperature === 'number') attributes[ATTR.genAiTemperature] = options.temperature;
  if (typeof options?.maxTokens === 'number') attributes[ATTR.genAiMaxTokens] = options.maxTokens;
  if (options?.input !== undefined) Object.assign(attributes, generationInputAttributes(options.input));
  return { kind: 'generation', otelKind: SpanKind.CLIENT, attributes };
}
