import { SpanKind, trace as traceApi, type Attributes } from '@opentelemetry/api';
import { defaultResource, defaultServiceName, resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { BoundedSpanProcessor } from './bounded-span-processor.ts';
import { defaultLogger, SdkDiagnostics, type OperonStats, type SdkLogger } from './export-health.ts';
import { installExitHooks } from './exit-hooks.ts';
import {
  registerTracerProvider,
  setUpContextAccess,
  unregisterTracerProvider,
} from './global-registration.ts';
import type { ObservedSpan } from './observed-span.ts';
import { wrapOpenAIClient } from './openai/wrap-openai.ts';
import { createOtlpExporter } from './otlp-exporter.ts';
import { ScoreSender, validateScore, type ScoreInput } from './score-sender.ts';
import { resolveOptions, type ResolvedOptions } from './sdk-options.ts';
import { ATTR, RESOURCE_ATTR } from './span-attributes.ts';
import {
  generationDefaults,
  runInSpan,
  type GenerationOptions,
  type SpanOptions,
  type SpanRuntime,
} from './span-runner.ts';
import { TraceContextProcessor, writeTraceContext, type TraceContextValues } from './trace-context.ts';

/** `observe()` options: those of `span()`, plus whether the arguments become the input. */
export interface ObserveOptions extends SpanOptions {
  /** record the call's arguments as `input.value` (one argument as itself, several as an array); default true */
  captureInput?: boolean;
}

/**
 * A client of one Operon: what `init()` returns. Its methods never throw on their own account and
 * can be used detached (`const { span } = operon`).
 *
 * @example
 * const operon = init({ baseUrl: 'http://127.0.0.1:4100', apiKey: 'opk_...' });
 * const answer = await operon.trace('answer-question', async () => {
 *   const docs = await operon.span('retrieve', () => search(question), { kind: 'retrieval' });
 *   return openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: prompt(docs) });
 * });
 */
export interface Operon {
  /** A unit of work (kind `workflow` by default); nests under an active span unless `newTrace`. */
  trace<T>(name: string, fn: (span: ObservedSpan) => T, options?: SpanOptions): T;
  /** A step inside a trace (kind `other` by default). */
  span<T>(name: string, fn: (span: ObservedSpan) => T, options?: SpanOptions): T;
  /** A manual LLM call: GenAI attributes from the options, the answer via `span.setGeneration()`. */
  generation<T>(name: string, fn: (span: ObservedSpan) => T, options?: GenerationOptions): T;
  /** Wraps a function so that every call runs in its own span. */
  observe<A extends unknown[], R>(name: string, fn: (...args: A) => R, options?: ObserveOptions): (...args: A) => R;
  /** Runs `fn` with session, user, tags and metadata stamped on every span started inside. */
  withContext<T>(values: TraceContextValues, fn: () => T): T;
  withSession<T>(sessionId: string, fn: () => T): T;
  withUser<T>(userId: string, fn: () => T): T;
  /** Instruments an `openai` client instance in place and returns it. */
  wrapOpenAI<C>(client: C): C;
  /** Sends a score for a trace (default: the active one). Resolves when delivered or dropped; never rejects. */
  score(score: ScoreInput): Promise<void>;
  /** The active span's ids, to score a trace later or show it to a user. */
  currentTrace(): { traceId: string; spanId: string } | undefined;
  /** Sends everything buffered now. Never rejects. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and removes the exit hooks. Idempotent; never rejects. */
  shutdown(): Promise<void>;
  stats(): OperonStats;
}

/** What `index.ts` needs beyond the public client: the runtime, for module-level `wrapOpenAI`. */
export interface OperonHandle {
  operon: Operon;
  runtime(): SpanRuntime | undefined;
  now(): number;
}

const TRACER_NAME = 'operon-sdk';
/** How long a SIGTERM/SIGINT may wait for the final delivery before the signal is re-raised. */
const MAX_SIGNAL_WAIT_MS = 5_000;

function resourceAttributes(options: ResolvedOptions): Attributes {
  const attributes: Attributes = {
    [RESOURCE_ATTR.serviceName]: options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? defaultServiceName(),
  };
  if (options.release !== undefined) attributes[RESOURCE_ATTR.serviceVersion] = options.release;
  if (options.environment !== undefined) attributes[RESOURCE_ATTR.deploymentEnvironment] = options.environment;
  return attributes;
}

function spanStampAttributes(options: ResolvedOptions): Attributes {
  const attributes: Attributes = {};
  if (options.release !== undefined) attributes[ATTR.release] = options.release;
  if (options.environment !== undefined) attributes[ATTR.environment] = options.environment;
  return attributes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Builds the client; see `init()` in `index.ts` for the public entry point. Never throws: options it
 * cannot use, or a failure while setting up, give a disabled client that runs code untraced.
 */
export function createOperon(input: unknown): OperonHandle {
  const logger = isRecord(input) && isRecord(input.logger) && typeof input.logger.warn === 'function'
    ? (input.logger as unknown as SdkLogger)
    : defaultLogger;
  const resolved = resolveOptions(input);
  const disabled = (reason: string): OperonHandle => {
    const diagnostics = new SdkDiagnostics(logger, 'Operon');
    diagnostics.warn(`${reason}; the SDK is disabled and your code runs untraced.`);
    return disabledHandle(diagnostics);
  };
  if (!resolved.ok) return disabled(resolved.reason);
  try {
    return startOperon(resolved.options, resolved.warnings, logger);
  } catch (error) {
    return disabled(`the SDK could not start (${String(error)})`);
  }
}

function startOperon(options: ResolvedOptions, warnings: string[], logger: SdkLogger): OperonHandle {
  const diagnostics = new SdkDiagnostics(logger, options.baseUrl);
  for (const warning of warnings) diagnostics.warn(warning);

  const processor = new BoundedSpanProcessor({
    exporter: createOtlpExporter(options),
    diagnostics,
    maxQueueSize: options.maxQueueSize,
    flushIntervalMs: options.flushIntervalMs,
    exportTimeoutMs: options.exportTimeoutMs,
  });
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(resourceAttributes(options))),
    spanProcessors: [new TraceContextProcessor(spanStampAttributes(options)), processor],
  });
  const contextAccess = setUpContextAccess(options.registerGlobal);
  const registeredGlobally = registerTracerProvider(provider, options.registerGlobal);
  const runtime: SpanRuntime = { tracer: provider.getTracer(TRACER_NAME), contextAccess, diagnostics };
  const scores = new ScoreSender({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: options.fetch,
    timeoutMs: options.exportTimeoutMs,
    maxInFlight: options.maxQueueSize,
    diagnostics,
  });

  let active = true;
  let shutdownPromise: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    await Promise.all([
      provider.forceFlush({ timeoutMillis: options.exportTimeoutMs + 2_000 }).catch(() => undefined),
      scores.flush(),
    ]);
  };
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      active = false;
      removeExitHooks();
      await scores.close();
      await provider.shutdown().catch(() => undefined);
      if (registeredGlobally) unregisterTracerProvider(provider);
    })();
    return shutdownPromise;
  };
  // At exit, a known outage is not waited for again; a signal waits at most a few seconds.
  const removeExitHooks = options.flushOnExit
    ? installExitHooks(
        { hasPending: () => !diagnostics.failing && (processor.queued > 0 || scores.pending > 0), flush, shutdown },
        Math.min(options.exportTimeoutMs + 2_000, MAX_SIGNAL_WAIT_MS),
      )
    : () => {};

  const currentRuntime = (): SpanRuntime | undefined => (active ? runtime : undefined);
  return { operon: buildClient(currentRuntime, options.now, diagnostics, { scores, flush, shutdown }), runtime: currentRuntime, now: options.now };
}

interface Delivery {
  scores: ScoreSender | undefined;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

function disabledHandle(diagnostics: SdkDiagnostics): OperonHandle {
  const noop = (): Promise<void> => Promise.resolve();
  return {
    operon: buildClient(() => undefined, () => performance.now(), diagnostics, { scores: undefined, flush: noop, shutdown: noop }),
    runtime: () => undefined,
    now: () => performance.now(),
  };
}

function buildClient(
  runtime: () => SpanRuntime | undefined,
  now: () => number,
  diagnostics: SdkDiagnostics,
  delivery: Delivery,
): Operon {
  const withValues = <T>(values: TraceContextValues, fn: () => T): T => {
    if (typeof fn !== 'function') {
      diagnostics.warnOnce('context-fn', 'withContext() needs a function to run; nothing was run.');
      return undefined as T;
    }
    const current = runtime();
    if (current === undefined || !isRecord(values)) return fn();
    let context;
    try {
      context = writeTraceContext(current.contextAccess.active(), values);
    } catch {
      return fn();
    }
    return current.contextAccess.with(context, fn);
  };
  const currentTrace = (): { traceId: string; spanId: string } | undefined => {
    const current = runtime();
    const span = current === undefined ? undefined : traceApi.getSpan(current.contextAccess.active());
    if (span === undefined) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  };

  const operon: Operon = {
    trace: (name, fn, options) => runInSpan(runtime(), name, fn, options, { kind: 'workflow', otelKind: SpanKind.INTERNAL }),
    span: (name, fn, options) => runInSpan(runtime(), name, fn, options, { kind: 'other', otelKind: SpanKind.INTERNAL }),
    generation: (name, fn, options) => runInSpan(runtime(), name, fn, options, generationDefaults(options)),
    observe: (name, fn, options) => {
      if (typeof fn !== 'function') {
        diagnostics.warnOnce('observe-fn', 'observe() needs a function; returned a function that does nothing.');
        return (() => undefined) as never;
      }
      return function observed(this: unknown, ...args) {
        const input = options?.captureInput === false ? undefined : args.length === 1 ? args[0] : args;
        const spanOptions = input === undefined ? options : { ...options, input };
        return runInSpan(runtime(), name, () => fn.apply(this, args), spanOptions, { kind: 'other', otelKind: SpanKind.INTERNAL });
      };
    },
    withContext: withValues,
    withSession: (sessionId, fn) => withValues({ sessionId }, fn),
    withUser: (userId, fn) => withValues({ userId }, fn),
    wrapOpenAI: (client) => wrapOpenAIClient(client, { resolve: runtime, now }),
    score: (score) => {
      const { scores } = delivery;
      if (scores === undefined) return Promise.resolve();
      try {
        if (!isRecord(score)) throw new TypeError('score() needs { name, value }');
        const active = currentTrace();
        const traceId = typeof score.traceId === 'string' ? score.traceId : active?.traceId;
        const spanId = score.spanId ?? (score.traceId === undefined ? active?.spanId : undefined);
        if (traceId === undefined) {
          diagnostics.stats.scoresDropped++;
          diagnostics.warnOnce('score-no-trace', 'score() was called outside any span and without a traceId; dropped.');
          return Promise.resolve();
        }
        const body = validateScore({ ...score, traceId, spanId });
        if (typeof body === 'string') {
          diagnostics.stats.scoresDropped++;
          diagnostics.warnOnce(`score-invalid-${body}`, `score() dropped: ${body}.`);
          return Promise.resolve();
        }
        return scores.send(body);
      } catch (error) {
        diagnostics.stats.scoresDropped++;
        diagnostics.warnOnce('score-error', `score() dropped: ${String(error)}.`);
        return Promise.resolve();
      }
    },
    currentTrace,
    flush: () => delivery.flush().catch(() => undefined),
    shutdown: () => delivery.shutdown().catch(() => undefined),
    stats: () => ({ ...diagnostics.stats }),
  };
  return operon;
}
