import { SpanKind, type Attributes } from '@opentelemetry/api';
import { ATTR } from '../span-attributes.ts';
import type { SpanRecorder } from '../observed-span.ts';
import { startObservedSpan, type SpanRuntime, type StartedSpan } from '../span-runner.ts';
import {
  chatCompletionsOperation,
  embeddingsOperation,
  isRecord,
  responsesOperation,
  serverAttributes,
  type OpenAIOperation,
  type UnknownRecord,
} from './openai-attributes.ts';
import { chatStreamAccumulator, responsesStreamAccumulator, type StreamAccumulator } from './openai-streams.ts';

/** Marks a patched method so wrapping the same client twice does not trace every call twice. */
const WRAPPED = Symbol.for('operon.sdk.openai-wrapped');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

export interface OpenAIWrapRuntime {
  /** the SDK runtime at call time; undefined when not initialized (the call then runs untraced) */
  resolve(): SpanRuntime | undefined;
  /** milliseconds, for time to first token */
  now(): number;
}

interface MethodSpec {
  operation: OpenAIOperation;
  accumulator?: () => StreamAccumulator;
  server: Attributes;
  runtime: OpenAIWrapRuntime;
}

/**
 * Instruments an `openai` client in place and returns it: `chat.completions.create`,
 * `responses.create` and `embeddings.create` (those present) each produce a generation or embedding
 * span. The methods return exactly what the originals return (the same APIPromise, the same Stream
 * object) and receive exactly the caller's arguments. See `docs/sdk.md`.
 */
export function wrapOpenAIClient<C>(client: C, runtime: OpenAIWrapRuntime): C {
  if (client === null || typeof client !== 'object') {
    runtime.resolve()?.diagnostics.warnOnce('wrap-openai', 'wrapOpenAI() needs an OpenAI client instance; returned it unchanged.');
    return client;
  }
  const target = client as UnknownRecord;
  const server = serverAttributes(target.baseURL);
  const chat = isRecord(target.chat) ? target.chat.completions : undefined;
  patchCreate(chat, { operation: chatCompletionsOperation, accumulator: chatStreamAccumulator, server, runtime });
  patchCreate(target.responses, { operation: responsesOperation, accumulator: responsesStreamAccumulator, server, runtime });
  patchCreate(target.embeddings, { operation: embeddingsOperation, server, runtime });
  return client;
}

function patchCreate(resource: unknown, spec: MethodSpec): void {
  if (resource === null || typeof resource !== 'object') return;
  const holder = resource as { create?: unknown };
  const original = holder.create;
  if (typeof original !== 'function' || (original as { [WRAPPED]?: boolean })[WRAPPED] === true) return;
  const create = function (this: unknown, ...args: unknown[]): unknown {
    return callInstrumented(this, original as AnyFunction, args, spec);
  };
  Object.defineProperty(create, WRAPPED, { value: true });
  try {
    holder.create = create;
  } catch {
    spec.runtime.resolve()?.diagnostics.warnOnce('wrap-openai-frozen', 'an OpenAI resource is frozen; its calls stay untraced.');
  }
}

/** `error.type` for an OpenAI error: its API error code, else its HTTP status, else its class. */
function openAIErrorType(error: unknown): string | undefined {
  if (!isRecord(error) && !(error instanceof Error)) return undefined;
  const record = error as unknown as UnknownRecord;
  if (typeof record.code === 'string' && record.code !== '') return record.code;
  if (typeof record.status === 'number') return String(record.status);
  return undefined;
}

function callInstrumented(thisArg: unknown, original: AnyFunction, args: unknown[], spec: MethodSpec): unknown {
  const runtime = spec.runtime.resolve();
  if (runtime === undefined) return original.apply(thisArg, args);
  const params = isRecord(args[0]) ? args[0] : {};
  let started: StartedSpan;
  try {
    const { operation } = spec;
    const model = typeof params.model === 'string' ? params.model : undefined;
    started = startObservedSpan(runtime, model === undefined ? operation.operationName : `${operation.operationName} ${model}`, {}, {
      kind: operation.spanKind,
      otelKind: SpanKind.CLIENT,
      attributes: { ...spec.server, ...operation.requestAttributes(params) },
    });
  } catch {
    return original.apply(thisArg, args);
  }
  const { recorder, context } = started;
  const startedAt = spec.runtime.now();
  let result: unknown;
  try {
    result = runtime.contextAccess.with(context, () => original.apply(thisArg, args));
  } catch (error) {
    recorder.fail(error, openAIErrorType(error));
    throw error;
  }
  const onValue = (value: unknown): void => {
    try {
      const accumulator = params.stream === true ? spec.accumulator?.() : undefined;
      if (accumulator !== undefined && value !== null && typeof value === 'object') {
        instrumentStream(value, accumulator, recorder, () => spec.runtime.now() - startedAt);
        return;
      }
      if (isRecord(value)) finishWithReply(recorder, spec.operation.responseAttributes(value), value);
      else recorder.end();
    } catch {
      recorder.end();
    }
  };
  const onError = (error: unknown): void => recorder.fail(error, openAIErrorType(error));
  try {
    observeResult(result, onValue, onError);
  } catch {
    recorder.end();
  }
  return result;
}

/** A Responses reply can come back with `status: 'failed'` and an `error` instead of throwing. */
function finishWithReply(recorder: SpanRecorder, attributes: Attributes, reply: UnknownRecord): void {
  recorder.setAttributes(attributes);
  if (reply.status === 'failed' && isRecord(reply.error)) {
    const code = typeof reply.error.code === 'string' ? reply.error.code : undefined;
    recorder.fail(new Error(String(reply.error.message ?? 'response failed')), code);
    return;
  }
  recorder.end();
}

interface ApiPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: AnyFunction;
}

function isApiPromiseLike(value: unknown): value is ApiPromiseLike {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Partial<ApiPromiseLike>;
  return typeof candidate.parseResponse === 'function' && typeof candidate.responsePromise?.then === 'function';
}

/**
 * Watches a call's result without consuming it. For the openai client's APIPromise this hooks the
 * two steps it already has: its `responsePromise` (HTTP errors, seen through a chained promise so
 * that a rejection the caller never handles stays unhandled) and its `parseResponse` (the parsed
 * reply or stream, run only when the caller awaits). `.asResponse()` skips parsing, so a call used
 * that way is not recorded. Other thenables are observed on the side; plain values directly.
 */
function observeResult(result: unknown, onValue: (value: unknown) => void, onError: (error: unknown) => void): void {
  if (isApiPromiseLike(result)) {
    const { responsePromise, parseResponse } = result;
    result.responsePromise = responsePromise.then(undefined, (error: unknown) => {
      onError(error);
      throw error;
    });
    result.parseResponse = function (this: unknown, ...args: unknown[]): unknown {
      return Promise.resolve(parseResponse.apply(this, args)).then(
        (value: unknown) => {
          onValue(value);
          return value;
        },
        (error: unknown) => {
          onError(error);
          throw error;
        },
      );
    };
    return;
  }
  if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
    (result as PromiseLike<unknown>).then(onValue, onError);
    return;
  }
  onValue(result);
}

type IteratorFactory = (this: unknown, ...args: unknown[]) => AsyncIterator<unknown>;

/**
 * Observes a stream in place: the openai Stream's `iterator` (behind `for await`, `tee()` and
 * `toReadableStream()`), or `[Symbol.asyncIterator]` on other async iterables. Only the first
 * iteration is observed; the span ends when it finishes, fails or is abandoned (`break`, abort).
 */
function instrumentStream(
  stream: object,
  accumulator: StreamAccumulator,
  recorder: SpanRecorder,
  elapsedMs: () => number,
): void {
  const holder = stream as Record<PropertyKey, unknown>;
  const key: PropertyKey = typeof holder.iterator === 'function' ? 'iterator' : Symbol.asyncIterator;
  const original = holder[key];
  if (typeof original !== 'function') {
    recorder.end();
    return;
  }
  let observed = false;
  holder[key] = function (this: unknown, ...args: unknown[]): AsyncIterator<unknown> {
    const inner = (original as IteratorFactory).apply(this, args);
    if (observed) return inner;
    observed = true;
    return observeIterator(inner, accumulator, recorder, elapsedMs);
  };
}

function observeIterator(
  inner: AsyncIterator<unknown>,
  accumulator: StreamAccumulator,
  recorder: SpanRecorder,
  elapsedMs: () => number,
): AsyncIterableIterator<unknown> {
  let finished = false;
  const finish = (error?: { value: unknown }): void => {
    if (finished) return;
    finished = true;
    try {
      recorder.setAttributes(accumulator.attributes());
    } catch {
      // what was accumulated is best effort
    }
    if (error === undefined) recorder.end();
    else recorder.fail(error.value, openAIErrorType(error.value));
  };
  const iterator: AsyncIterableIterator<unknown> = {
    async next(...args: [] | [unknown]) {
      let step: IteratorResult<unknown>;
      try {
        step = await inner.next(...args);
      } catch (error) {
        finish({ value: error });
        throw error;
      }
      if (step.done === true) finish();
      else {
        try {
          if (accumulator.add(step.value)) recorder.setAttributes({ [ATTR.timeToFirstToken]: elapsedMs() });
        } catch {
          // a chunk we cannot read is still the caller's chunk
        }
      }
      return step;
    },
    async return(value?: unknown) {
      try {
        return inner.return === undefined ? { done: true, value } : await inner.return(value);
      } finally {
        finish();
      }
    },
    async throw(error?: unknown) {
      finish({ value: error });
      if (inner.throw === undefined) throw error;
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
