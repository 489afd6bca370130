/**
 * `operon/sdk`: send traces and scores from your application to Operon. Built on OpenTelemetry JS;
 * see docs/sdk.md.
 *
 * Use the client `init()` returns, or the module-level functions below, which act on the client of
 * the last `init()` (and run your code untraced, logging once, before any `init()`).
 *
 * @example
 * import { init, trace, span, wrapOpenAI, withSession, score } from 'operon/sdk';
 * import OpenAI from 'openai';
 *
 * init({ baseUrl: 'http://127.0.0.1:4100', apiKey: process.env.OPERON_API_KEY!, serviceName: 'support-bot' });
 * const openai = wrapOpenAI(new OpenAI());
 *
 * await withSession(conversationId, () =>
 *   trace('answer', async () => {
 *     const docs = await span('retrieve', () => search(question), { kind: 'retrieval' });
 *     return openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: prompt(question, docs) });
 *   }),
 * );
 */
import { defaultLogger, emptyStats, SdkDiagnostics, type OperonStats } from './export-health.ts';
import { noopObservedSpan, type ObservedSpan } from './observed-span.ts';
import { createOperon, type ObserveOptions, type Operon, type OperonHandle } from './operon-client.ts';
import { wrapOpenAIClient } from './openai/wrap-openai.ts';
import type { ScoreInput } from './score-sender.ts';
import type { OperonOptions } from './sdk-options.ts';
import type { GenerationOptions, SpanOptions } from './span-runner.ts';
import type { TraceContextValues } from './trace-context.ts';

export type { Operon, ObserveOptions } from './operon-client.ts';
export type { OperonOptions } from './sdk-options.ts';
export type { OperonStats, SdkLogger } from './export-health.ts';
export type { GlobalRegistration } from './global-registration.ts';
export type { OtlpProtocol } from './otlp-exporter.ts';
export type { ObservedSpan, GenerationUpdate } from './observed-span.ts';
export type { SpanOptions, GenerationOptions } from './span-runner.ts';
export type { ScoreInput } from './score-sender.ts';
export type { TraceContextValues } from './trace-context.ts';
export type { OperonSpanKind } from './span-attributes.ts';
export { OPERON_SPAN_KINDS } from './span-attributes.ts';

let current: OperonHandle | undefined;
const uninitialized = new SdkDiagnostics(defaultLogger, 'Operon');

function client(): Operon | undefined {
  if (current === undefined) {
    uninitialized.warnOnce('not-initialized', 'operon init() has not been called; code runs untraced.');
  }
  return current?.operon;
}

/**
 * Starts the SDK and returns its client; the module-level functions act on the last one started.
 * Never throws: bad options are logged once and give a client that runs your code untraced.
 *
 * @example
 * const operon = init({ baseUrl: 'http://127.0.0.1:4100', apiKey: 'opk_...', release: '1.4.2', environment: 'production' });
 */
export function init(options: OperonOptions): Operon {
  if (current?.runtime() !== undefined) {
    uninitialized.warnOnce('init-again', 'init() was called again; the previous client keeps running until its shutdown().');
  }
  current = createOperon(options);
  return current.operon;
}

/** `operon.trace()` on the last `init()`'s client. */
export function trace<T>(name: string, fn: (span: ObservedSpan) => T, options?: SpanOptions): T {
  const operon = client();
  return operon === undefined ? fn(noopObservedSpan) : operon.trace(name, fn, options);
}

/** `operon.span()` on the last `init()`'s client. */
export function span<T>(name: string, fn: (span: ObservedSpan) => T, options?: SpanOptions): T {
  const operon = client();
  return operon === undefined ? fn(noopObservedSpan) : operon.span(name, fn, options);
}

/** `operon.generation()` on the last `init()`'s client. */
export function generation<T>(name: string, fn: (span: ObservedSpan) => T, options?: GenerationOptions): T {
  const operon = client();
  return operon === undefined ? fn(noopObservedSpan) : operon.generation(name, fn, options);
}

/** Wraps `fn` so each call is a span of the client current at call time. */
export function observe<A extends unknown[], R>(name: string, fn: (...args: A) => R, options?: ObserveOptions): (...args: A) => R {
  return function observed(this: unknown, ...args: A): R {
    const operon = client();
    if (operon === undefined) return fn.apply(this, args);
    return operon.observe(name, fn, options).apply(this, args);
  };
}

/** `operon.withContext()` on the last `init()`'s client. */
export function withContext<T>(values: TraceContextValues, fn: () => T): T {
  const operon = client();
  return operon === undefined ? fn() : operon.withContext(values, fn);
}

export function withSession<T>(sessionId: string, fn: () => T): T {
  return withContext({ sessionId }, fn);
}

export function withUser<T>(userId: string, fn: () => T): T {
  return withContext({ userId }, fn);
}

/**
 * Instruments an `openai` client; each call is traced by the client of the last `init()` at call
 * time, so wrapping at import time, before `init()`, works.
 *
 * @example
 * const openai = wrapOpenAI(new OpenAI());
 */
export function wrapOpenAI<C>(openaiClient: C): C {
  return wrapOpenAIClient(openaiClient, {
    resolve: () => current?.runtime(),
    now: () => (current === undefined ? performance.now() : current.now()),
  });
}

/** `operon.score()` on the last `init()`'s client. */
export function score(input: ScoreInput): Promise<void> {
  return client()?.score(input) ?? Promise.resolve();
}

export function currentTrace(): { traceId: string; spanId: string } | undefined {
  return current?.operon.currentTrace();
}

export function flush(): Promise<void> {
  return current?.operon.flush() ?? Promise.resolve();
}

export function shutdown(): Promise<void> {
  return current?.operon.shutdown() ?? Promise.resolve();
}

export function stats(): OperonStats {
  return current?.operon.stats() ?? emptyStats();
}
