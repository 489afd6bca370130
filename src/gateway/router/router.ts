import type { Clock } from '../../core/clock.ts';
import type { ModelAliasConfig, OperonConfig } from '../../core/config.ts';
import { OperonError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  EmbeddingModel,
  EmbeddingRequest,
  EmbeddingResult,
  Provider,
} from '../../providers/chat-model.ts';
import type { CallContext, ChatHandler, EmbeddingHandler } from '../pipeline.ts';
import { backoffDelayMs } from './backoff.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import {
  allTargetsUnavailableError,
  clientClosedError,
  embeddingsUnsupportedError,
  emptyStreamError,
  isRetryable,
  timeoutError,
  toRouteError,
} from './route-errors.ts';
import { createModelResolver, orderTargets, type RoutePlan, type RouteTarget } from './route-plan.ts';
import { RoutedStream, type OpenedStream } from './routed-stream.ts';
import { runAttempt } from './run-attempt.ts';

export type RoutingConfig = OperonConfig['routing'];

export interface RouterOptions {
  /** Config `models`: aliases and their targets. */
  models: Readonly<Record<string, ModelAliasConfig>>;
  /** Configured provider instances by name. */
  providers: ReadonlyMap<string, Provider>;
  routing: RoutingConfig;
  clock: Clock;
  /** Source of randomness for load balancing and jitter, in [0, 1); injected so tests can seed it. */
  random?: () => number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

export interface RouterModel {
  id: string;
  ownedBy: string;
}

export interface BreakerStatus {
  provider: string;
  model: string;
  state: 'closed' | 'open' | 'half-open';
  /** Epoch ms until which the target is skipped. */
  openUntil?: number;
}

/** The innermost chat handler: model resolution, retries, fallbacks, timeouts and circuit breakers. */
export interface Router extends ChatHandler, EmbeddingHandler {
  /** Aliases (owned by `operon`), then every `provider/model` named in a target. */
  listModels(): RouterModel[];
  /** Targets whose breaker has tripped at least once. */
  breakers(): BreakerStatus[];
}

/**
 * Sends each request to the targets of the requested model until one answers.
 *
 * - `request.model` is an alias under `models`, or `provider/model` for a configured provider.
 * - Per target, up to `retries.maxAttempts` attempts, waiting with exponential backoff and full jitter
 *   between them, and at least the provider's `Retry-After`; a `Retry-After` longer than `maxDelayMs`
 *   moves on to the next target instead of waiting.
 * - Only retryable errors (429, 5xx, timeouts, dropped connections, a stream that fails before its first
 *   part) are retried or fall back; any other error is returned at once.
 * - Each attempt is bounded by the target's `timeoutMs` (else `routing.timeoutMs`): the whole call for
 *   `generate`, the time to the first part for `stream`.
 * - A target whose breaker is open is skipped (and shows in `record.attempts` with `circuit_open`).
 * - Every attempt is recorded in `record.attempts`; a stream attempt lasts until its first part.
 * - `record.fallbackUsed` is set when the answer came from another target than the first in order
 *   (the configured first for `fallback`, the weighted pick for `loadbalance`), skipped ones included.
 *
 * @example
 * const router = createRouter({ models: config.models, providers, routing: config.routing, clock: systemClock });
 * const handler = composeChat([tracing, limits, cache, cost], router);
 */
export function createRouter(options: RouterOptions): Router {
  const { clock, routing, logger } = options;
  const random = options.random ?? Math.random;
  const providerNames = [...options.providers.keys()];
  for (const [alias, config] of Object.entries(options.models)) {
    for (const target of config.targets) {
      if (!options.providers.has(target.provider)) {
        throw new OperonError({
          code: 'unknown_provider',
          kind: 'config',
          blame: 'user',
          message: `Model '${alias}' names provider '${target.provider}', which is not configured. Configured providers: ${providerNames.join(', ') || 'none'}.`,
        });
      }
    }
  }
  const resolver = createModelResolver(options.models, providerNames, routing.retries);
  const breakers = new Map<string, CircuitBreaker>();
  const chatModels = new Map<string, ChatModel>();
  const embeddingModels = new Map<string, EmbeddingModel | null>();

  const chatModel = (provider: string): ChatModel => {
    let model = chatModels.get(provider);
    if (!model) {
      model = (options.providers.get(provider) as Provider).chat();
      chatModels.set(provider, model);
    }
    return model;
  };
  const embeddingModel = (provider: string): EmbeddingModel | undefined => {
    let model = embeddingModels.get(provider);
    if (model === undefined) {
      model = options.providers.get(provider)?.embeddings?.() ?? null;
      embeddingModels.set(provider, model);
    }
    return model ?? undefined;
  };
  const breakerFor = (key: string): CircuitBreaker => {
    let breaker = breakers.get(key);
    if (!breaker) {
      // Direct `provider/model` names come from clients: keep the map from growing without bound.
      if (breakers.size >= 10_000) for (const [name, old] of breakers) if (old.state(clock.now()) === 'closed') breakers.delete(name);
      breaker = new CircuitBreaker(routing.breaker);
      breakers.set(key, breaker);
    }
    return breaker;
  };

  /** Tries the plan's targets in order until one answers; see `createRouter`. */
  const route = async <T>(
    plan: RoutePlan,
    context: CallContext,
    stream: boolean,
    work: (target: RouteTarget, signal: AbortSignal) => Promise<T>,
    abandon?: (value: T) => void,
  ): Promise<{ value: T; unlink: () => void }> => {
    const record = context.record;
    const order = orderTargets(plan, random);
    const first = order[0];
    const retries = plan.retries;
    const skipped: Array<RouteTarget & { openUntil?: number }> = [];
    let lastError: OperonError | undefined;

    for (const target of order) {
      for (let attemptIndex = 0; attemptIndex < retries.maxAttempts; attemptIndex++) {
        if (context.signal.aborted) throw clientClosedError(context.signal.reason);
        const breaker = breakers.get(target.key);
        const admission = breaker ? breaker.admit(clock.now()) : 'closed';
        if (admission === 'open') {
          if (attemptIndex === 0) {
            skipped.push({ ...target, openUntil: breaker?.openUntil() });
            record.attempts.push({
              provider: target.provider,
              model: target.model,
              startedAt: clock.now(),
              durationMs: 0,
              status: 'error',
              errorCode: 'circuit_open',
            });
          }
          break;
        }
        const startedAt = clock.now();
        const startedMono = clock.monotonic();
        try {
          const outcome = await runAttempt(clock, target.timeoutMs ?? routing.timeoutMs, context.signal, {
            work: (signal) => work(target, signal),
            abandon,
            timeoutError: () => timeoutError(target, target.timeoutMs ?? routing.timeoutMs, stream),
          });
          record.attempts.push({
            provider: target.provider,
            model: target.model,
            startedAt,
            durationMs: elapsed(clock, startedMono),
            status: 'ok',
          });
          breaker?.succeeded();
          record.provider = target.provider;
          record.modelUsed = target.model;
          record.fallbackUsed = target !== first;
          return outcome;
        } catch (raw) {
          const aborted = context.signal.aborted;
          const error = aborted ? (OperonError.is(raw) && raw.code === 'client_closed' ? raw : clientClosedError(raw)) : toRouteError(raw, target);
          record.attempts.push({
            provider: target.provider,
            model: target.model,
            startedAt,
            durationMs: elapsed(clock, startedMono),
            status: 'error',
            errorCode: error.code,
            upstreamStatus: error.upstreamStatus,
          });
          if (aborted) {
            breaker?.released();
            throw error;
          }
          lastError = error;
          if (!isRetryable(error)) {
            breaker?.succeeded(); // the target answered; the request is at fault
            throw error;
          }
          if (breakerFor(target.key).failed(clock.now())) {
            logger?.warn(
              { provider: target.provider, model: target.model, cooldownMs: routing.breaker.cooldownMs, code: error.code },
              'Circuit breaker opened: target skipped until the cooldown ends',
            );
          } else {
            logger?.debug({ provider: target.provider, model: target.model, code: error.code }, 'Attempt failed');
          }
          if (attemptIndex + 1 >= retries.maxAttempts) break;
          let delay = backoffDelayMs(attemptIndex, retries, random);
          if (error.retryAfterSeconds !== undefined) {
            const retryAfterMs = error.retryAfterSeconds * 1000;
            if (retryAfterMs > retries.maxDelayMs) break; // next target rather than a long wait
            delay = Math.max(delay, retryAfterMs);
          }
          if (delay > 0) {
            try {
              await clock.sleep(delay, context.signal);
            } catch (reason) {
              throw clientClosedError(reason);
            }
          }
        }
      }
    }
    if (lastError) throw lastError;
    throw allTargetsUnavailableError(skipped, clock.now());
  };

  const listed: RouterModel[] = resolver.aliases().map((id) => ({ id, ownedBy: 'operon' }));
  const seen = new Set<string>();
  for (const config of Object.values(options.models)) {
    for (const target of config.targets) {
      const id = `${target.provider}/${target.model}`;
      if (seen.has(id)) continue;
      seen.add(id);
      listed.push({ id, ownedBy: target.provider });
    }
  }

  return {
    async generate(request, context) {
      const plan = resolver.resolve(request.model);
      const { value, unlink } = await route(plan, context, false, (target, signal) =>
        chatModel(target.provider).generate(withModel(request, target.model), { signal }),
      );
      unlink();
      return value;
    },

    async stream(request, context) {
      const plan = resolver.resolve(request.model);
      const { value, unlink } = await route(
        plan,
        context,
        true,
        async (target, signal): Promise<OpenedStream> => {
          const parts = await chatModel(target.provider).stream(withModel(request, target.model), { signal });
          const iterator = parts[Symbol.asyncIterator]();
          const first = await iterator.next();
          if (first.done) throw emptyStreamError(target);
          return { iterator, first: first.value, target };
        },
        (late) => void late.iterator.return?.()?.catch(() => {}),
      );
      return new RoutedStream(value, context.signal, unlink);
    },

    async embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult> {
      const plan = resolver.resolve(request.model);
      const targets = plan.targets.filter((target) => embeddingModel(target.provider) !== undefined);
      if (targets.length === 0) throw embeddingsUnsupportedError(request.model, [...new Set(plan.targets.map((target) => target.provider))]);
      const embedPlan: RoutePlan =
        targets.length === plan.targets.length
          ? plan
          : {
              ...plan,
              targets,
              byWeight: plan.byWeight.filter((target) => targets.includes(target)),
              totalWeight: targets.reduce((sum, target) => sum + target.weight, 0),
            };
      const { value, unlink } = await route(embedPlan, context, false, (target, signal) =>
        (embeddingModel(target.provider) as EmbeddingModel).embed({ ...request, model: target.model }, { signal }),
      );
      unlink();
      return value;
    },

    listModels: () => listed.map((model) => ({ ...model })),

    breakers() {
      const now = clock.now();
      return [...breakers].map(([key, breaker]) => {
        const slash = key.indexOf('/');
        const openUntil = breaker.openUntil();
        return {
          provider: key.slice(0, slash),
          model: key.slice(slash + 1),
          state: breaker.state(now),
          ...(openUntil === undefined ? {} : { openUntil }),
        };
      });
    },
  };
}

function withModel(request: ChatRequest, model: string): ChatRequest {
  return request.model === model ? request : { ...request, model };
}

function elapsed(clock: Clock, startedMono: number): number {
  return Math.round((clock.monotonic() - startedMono) * 100) / 100;
}
