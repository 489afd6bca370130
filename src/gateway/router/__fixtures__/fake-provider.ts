// Test-only helpers for the router tests: a scripted in-memory provider and a clock that records sleeps.
import { createManualClock, type Clock } from '../../../core/clock.ts';
import { OperonError } from '../../../core/errors.ts';
import type { ApiKey, Project } from '../../../projects/project-store.ts';
import type {
  CallOptions,
  ChatModel,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  EmbeddingModel,
  EmbeddingRequest,
  EmbeddingResult,
  Provider,
} from '../../../providers/chat-model.ts';
import { newCallRecord, type CallContext } from '../../pipeline.ts';

/** What the fake does on one call. The last step of a model's script repeats. */
export type Step =
  | { answer: string }
  | { error: unknown }
  /** Never answers; rejects with the abort reason when the signal aborts. */
  | { hang: true }
  /** For streams: the parts, optionally failing before the first or after `failAfter` parts. */
  | { parts: ChatStreamPart[]; failFirst?: unknown; failAfter?: { count: number; error: unknown }; slowAfterFirst?: number };

export interface FakeCall {
  model: string;
  kind: 'generate' | 'stream' | 'embed';
  signal: AbortSignal | undefined;
}

export interface FakeProvider extends Provider {
  calls: FakeCall[];
}

export function fakeProvider(
  name: string,
  script: Record<string, Step[]>,
  options: { embeddings?: boolean; clock?: Clock } = {},
): FakeProvider {
  const calls: FakeCall[] = [];
  const positions = new Map<string, number>();
  const nextStep = (model: string): Step => {
    const steps = script[model];
    if (!steps || steps.length === 0) return { answer: `${name}:${model}` };
    const position = positions.get(model) ?? 0;
    positions.set(model, position + 1);
    return steps[Math.min(position, steps.length - 1)] as Step;
  };

  const chat: ChatModel = {
    provider: name,
    providerType: 'mock',
    async generate(request: ChatRequest, callOptions?: CallOptions): Promise<ChatResult> {
      calls.push({ model: request.model, kind: 'generate', signal: callOptions?.signal });
      const step = nextStep(request.model);
      if ('error' in step) throw step.error;
      if ('hang' in step) return hang(callOptions?.signal);
      const text = 'answer' in step ? step.answer : 'streamed';
      return {
        id: `${name}-1`,
        model: request.model,
        created: 0,
        choices: [{ index: 0, message: { content: text }, finishReason: 'stop' }],
        usage: { inputTokens: 1, outputTokens: 1 },
      };
    },
    async stream(request: ChatRequest, callOptions?: CallOptions): Promise<AsyncIterable<ChatStreamPart>> {
      calls.push({ model: request.model, kind: 'stream', signal: callOptions?.signal });
      const step = nextStep(request.model);
      if ('error' in step) throw step.error;
      const signal = callOptions?.signal;
      const clock = options.clock;
      return (async function* () {
        if ('hang' in step) await hang(signal);
        if ('answer' in step) {
          yield { type: 'start', id: `${name}-1`, model: request.model, created: 0 };
          yield { type: 'text-delta', index: 0, text: step.answer };
          yield { type: 'finish', index: 0, finishReason: 'stop' };
          return;
        }
        if (!('parts' in step)) return;
        if (step.failFirst !== undefined) throw step.failFirst;
        let count = 0;
        for (const part of step.parts) {
          if (step.failAfter && count === step.failAfter.count) throw step.failAfter.error;
          if (count === 1 && step.slowAfterFirst && clock) await clock.sleep(step.slowAfterFirst, signal);
          count += 1;
          yield part;
        }
      })();
    },
  };

  const embeddings: EmbeddingModel = {
    provider: name,
    providerType: 'mock',
    async embed(request: EmbeddingRequest, callOptions?: CallOptions): Promise<EmbeddingResult> {
      calls.push({ model: request.model, kind: 'embed', signal: callOptions?.signal });
      const step = nextStep(request.model);
      if ('error' in step) throw step.error;
      if ('hang' in step) return hang(callOptions?.signal);
      return { model: request.model, embeddings: request.input.map(() => [1, 0]), usage: { inputTokens: 1 } };
    },
  };

  return {
    name,
    type: 'mock',
    calls,
    chat: () => chat,
    ...(options.embeddings === false ? {} : { embeddings: () => embeddings }),
  };
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function providerError(status: number, options: { retryAfterSeconds?: number; provider?: string } = {}): OperonError {
  const retryable = status === 429 || status >= 500;
  return new OperonError({
    code: status === 429 ? 'provider_rate_limited' : status >= 500 ? 'provider_error' : 'invalid_request',
    kind: status === 429 ? 'rate_limit' : status >= 500 ? 'upstream' : 'invalid_request',
    blame: status >= 500 || status === 429 ? 'provider' : 'user',
    isRetryable: retryable,
    upstreamStatus: status,
    retryAfterSeconds: options.retryAfterSeconds,
    message: `Provider '${options.provider ?? 'fake'}' answered ${status}`,
  });
}

export function connectionError(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

export interface TestClock extends Clock {
  advance(ms: number): void;
  /** Every sleep asked for, with the signal it was given. */
  readonly sleeps: Array<{ ms: number; signal: AbortSignal | undefined }>;
  /** Moves time to the earliest pending sleep, if any. Returns false when nothing is waiting. */
  advanceToNext(): boolean;
}

export function testClock(start = 1_700_000_000_000): TestClock {
  const inner = createManualClock(start);
  const sleeps: TestClock['sleeps'] = [];
  const pending = new Set<{ at: number }>();
  return {
    now: inner.now,
    monotonic: inner.monotonic,
    sleeps,
    advance: inner.advance,
    sleep(ms, signal) {
      sleeps.push({ ms, signal });
      const entry = { at: inner.now() + ms };
      pending.add(entry);
      const done = inner.sleep(ms, signal);
      done.then(
        () => pending.delete(entry),
        () => pending.delete(entry),
      );
      return done;
    },
    advanceToNext() {
      if (pending.size === 0) return false;
      const at = Math.min(...[...pending].map((entry) => entry.at));
      inner.advance(Math.max(0, at - inner.now()));
      return true;
    },
  };
}

/** Lets every pending promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Advances the clock sleep by sleep until `promise` settles. */
export async function runWithClock<T>(clock: TestClock, promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let step = 0; step < 1_000; step++) {
    await settle();
    if (done) return promise;
    if (!clock.advanceToNext()) break;
  }
  await settle();
  if (done) return promise;
  throw new Error('promise never settled and nothing is sleeping');
}

export function callContext(signal: AbortSignal = new AbortController().signal): CallContext {
  const project: Project = {
    id: 'proj_1',
    name: 'default',
    createdAt: 0,
    captureBodies: 'none',
    limits: {},
    cacheEnabled: true,
    cacheTtlSeconds: null,
    retentionDays: null,
  };
  const key: ApiKey = {
    id: 'key_1',
    projectId: 'proj_1',
    name: 'ci-bot',
    prefix: 'opk_test',
    hash: 'x',
    scopes: ['gateway'],
    limits: {},
    createdAt: 0,
    revokedAt: null,
  };
  return { project, key, requestedModel: 'smart', stream: false, wire: 'openai', headers: {}, signal, record: newCallRecord() };
}

export function chatRequest(model: string): ChatRequest {
  return { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] };
}

/** A small deterministic PRNG (mulberry32), for seeded load balancing and jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const seen: ChatStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}
