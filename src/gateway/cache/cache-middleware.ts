import type { Clock } from '../../core/clock.ts';
import type { OperonConfig } from '../../core/config.ts';
import type { ChatResult, ChatStreamPart, Usage } from '../../providers/chat-model.ts';
import type { CallContext, ChatMiddleware } from '../pipeline.ts';
import { StreamAssembler } from '../stream-assembler.ts';
import { approximateBytes, copyResult, replayParts } from './cached-answer.ts';
import { cacheKey } from './cache-key.ts';
import { LruStore } from './lru-store.ts';

/** Request header that opts one call out of the cache. */
export const CACHE_HEADER = 'x-operon-cache';

export interface CacheMiddlewareOptions {
  /** Config `cache`: enabled, ttlSeconds, maxEntries (shared by all projects). */
  config: OperonConfig['cache'];
  clock: Clock;
  /** Approximate memory bound for all entries together. Default 256 MiB. */
  maxBytes?: number;
  /** Characters per `text-delta` when a stored answer is replayed as a stream. Default 64. */
  replayChunkSize?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
  /** Approximate memory held, in bytes. */
  bytes: number;
  evictions: number;
}

export interface CacheMiddleware extends ChatMiddleware {
  stats(): CacheStats;
  /** Drops the entries of one project (after it turned the cache off, say), or all entries. */
  clear(projectId?: string): void;
}

interface CachedAnswer {
  result: ChatResult;
  provider: string | undefined;
  modelUsed: string | undefined;
  usage: Usage | undefined;
  usageEstimated: boolean;
}

type CacheMode = 'off' | 'read-write' | 'write-only';

/**
 * An exact-match response cache, in memory. Every request is cached unless opted out, whatever its
 * temperature (like Portkey's simple cache): predictable beats clever. A call is looked up by its project,
 * its requested model and its whole request (canonical JSON, SHA-256); streaming and non-streaming calls
 * with the same request share an entry.
 *
 * Opting out: the project's `cacheEnabled: false`, config `cache.enabled: false`, or the request header
 * `x-operon-cache: no-store` (neither read nor write) or `no-cache` (do not read, but store the fresh
 * answer, to refresh an entry).
 *
 * Only answers whose every choice finished without error are stored; a stream is stored when it completes,
 * and its parts are passed on as they come. A hit is served without calling the provider (a stream hit is
 * replayed as parts) and marks the call: `cacheHit`, the provider and model of the stored answer, its
 * usage, and a cost of 0 (nothing was spent upstream).
 *
 * @example
 * const cache = createCacheMiddleware({ config: config.cache, clock: systemClock });
 * const handler = composeChat([tracing, limits, cache, cost], router);
 */
export function createCacheMiddleware(options: CacheMiddlewareOptions): CacheMiddleware {
  const { config, clock } = options;
  const store = new LruStore<CachedAnswer>({ maxEntries: config.maxEntries, maxBytes: options.maxBytes ?? 256 * 1024 * 1024 });
  const chunkSize = options.replayChunkSize ?? 64;
  let hits = 0;
  let misses = 0;

  const modeOf = (context: CallContext): CacheMode => {
    if (!config.enabled || !context.project.cacheEnabled) return 'off';
    const header = context.headers[CACHE_HEADER];
    if (header === undefined) return 'read-write';
    const value = header.toLowerCase();
    if (value.includes('no-store')) return 'off';
    if (value.includes('no-cache')) return 'write-only';
    return 'read-write';
  };

  const lookup = (mode: CacheMode, key: string, context: CallContext): CachedAnswer | undefined => {
    if (mode !== 'read-write') return undefined;
    const answer = store.get(key, clock.now());
    if (!answer) {
      misses += 1;
      return undefined;
    }
    hits += 1;
    const record = context.record;
    record.cacheHit = true;
    record.provider = answer.provider;
    record.modelUsed = answer.modelUsed;
    record.usage = answer.usage;
    record.usageEstimated = answer.usageEstimated;
    record.costUsd = 0;
    return answer;
  };

  const save = (key: string, result: ChatResult, context: CallContext): void => {
    const record = context.record;
    const ttlSeconds = context.project.cacheTtlSeconds ?? config.ttlSeconds;
    const stored = copyResult(result);
    const answer: CachedAnswer = {
      result: stored,
      provider: record.provider,
      modelUsed: record.modelUsed,
      usage: record.usage ?? result.usage,
      usageEstimated: record.usageEstimated,
    };
    store.set(key, answer, clock.now() + ttlSeconds * 1000, approximateBytes(stored));
  };

  const layer: ChatMiddleware = (next) => ({
    async generate(request, context) {
      const mode = modeOf(context);
      if (mode === 'off') return next.generate(request, context);
      const key = cacheKey(context.project.id, context.requestedModel, request);
      const cached = lookup(mode, key, context);
      if (cached) return copyResult(cached.result);
      const result = await next.generate(request, context);
      if (isStorable(result)) save(key, result, context);
      return result;
    },
    async stream(request, context) {
      const mode = modeOf(context);
      if (mode === 'off') return next.stream(request, context);
      const key = cacheKey(context.project.id, context.requestedModel, request);
      const cached = lookup(mode, key, context);
      if (cached) return replay(replayParts(cached.usage ? { ...cached.result, usage: cached.usage } : cached.result, chunkSize));
      const parts = await next.stream(request, context);
      return new RecordingStream(parts[Symbol.asyncIterator](), (result) => save(key, result, context));
    },
  });

  return Object.assign(layer, {
    stats: (): CacheStats => ({ hits, misses, entries: store.size, bytes: store.bytes, evictions: store.evictions }),
    clear: (projectId?: string) => store.clear(projectId === undefined ? undefined : `${projectId}\n`),
  });
}

function isStorable(result: ChatResult): boolean {
  return result.choices.length > 0 && result.choices.every((choice) => choice.finishReason !== 'error');
}

function replay(parts: ChatStreamPart[]): AsyncIterable<ChatStreamPart> {
  return {
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        next: async () => (index < parts.length ? { done: false, value: parts[index++] as ChatStreamPart } : { done: true, value: undefined }),
        return: async () => {
          index = parts.length;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** Passes parts on as they come and hands the assembled answer to `onComplete` if the stream completes. */
class RecordingStream implements AsyncIterableIterator<ChatStreamPart> {
  readonly #source: AsyncIterator<ChatStreamPart>;
  readonly #onComplete: (result: ChatResult) => void;
  readonly #assembler = new StreamAssembler();

  constructor(source: AsyncIterator<ChatStreamPart>, onComplete: (result: ChatResult) => void) {
    this.#source = source;
    this.#onComplete = onComplete;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChatStreamPart>> {
    const step = await this.#source.next();
    if (step.done) {
      const result = this.#assembler.complete();
      if (result) this.#onComplete(result);
    } else {
      this.#assembler.add(step.value);
    }
    return step;
  }

  async return(): Promise<IteratorResult<ChatStreamPart>> {
    await this.#source.return?.();
    return { done: true, value: undefined };
  }
}

