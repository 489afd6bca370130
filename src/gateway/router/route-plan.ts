import type { ModelAliasConfig } from '../../core/config.ts';
import type { RetryConfig } from './backoff.ts';
import { modelNotFoundError } from './route-errors.ts';

/** One provider model a request may be sent to. */
export interface RouteTarget {
  provider: string;
  model: string;
  weight: number;
  timeoutMs: number | undefined;
  /** `provider/model`: the circuit breaker's key. */
  key: string;
}

/** How a requested model name is served: which targets, in which order, with how many retries. */
export interface RoutePlan {
  strategy: 'fallback' | 'loadbalance';
  targets: RouteTarget[];
  retries: RetryConfig;
  /** For `loadbalance`: the targets by descending weight (stable), and their total weight. */
  byWeight: RouteTarget[];
  totalWeight: number;
}

export interface ModelResolver {
  /** The plan for a requested model name; throws `model_not_found`. */
  resolve(model: string): RoutePlan;
  aliases(): string[];
}

/**
 * Resolves a requested model name: a configured alias first, then `provider/model` for a configured
 * provider (the model part may itself contain slashes, as in `openrouter/meta-llama/llama-3-8b`).
 * Alias plans are built once; a direct plan is a few small objects per call.
 */
export function createModelResolver(
  models: Readonly<Record<string, ModelAliasConfig>>,
  providerNames: readonly string[],
  defaultRetries: RetryConfig,
): ModelResolver {
  const providers = new Set(providerNames);
  const plans = new Map<string, RoutePlan>();
  for (const [alias, config] of Object.entries(models)) {
    const targets = config.targets.map((target) => makeTarget(target.provider, target.model, target.weight, target.timeoutMs));
    plans.set(alias, makePlan(config.strategy, targets, config.retries ?? defaultRetries));
  }
  const aliasNames = [...plans.keys()];

  return {
    resolve(model) {
      const plan = plans.get(model);
      if (plan) return plan;
      const slash = model.indexOf('/');
      if (slash > 0 && slash < model.length - 1) {
        const provider = model.slice(0, slash);
        if (providers.has(provider)) {
          return makePlan('fallback', [makeTarget(provider, model.slice(slash + 1), 1, undefined)], defaultRetries);
        }
      }
      throw modelNotFoundError(model, aliasNames, providerNames as string[]);
    },
    aliases: () => aliasNames,
  };
}

function makeTarget(provider: string, model: string, weight: number, timeoutMs: number | undefined): RouteTarget {
  return { provider, model, weight, timeoutMs, key: `${provider}/${model}` };
}

function makePlan(strategy: RoutePlan['strategy'], targets: RouteTarget[], retries: RetryConfig): RoutePlan {
  const byWeight = strategy === 'loadbalance' ? [...targets].sort((a, b) => b.weight - a.weight) : targets;
  const totalWeight = targets.reduce((sum, target) => sum + target.weight, 0);
  return { strategy, targets, retries, byWeight, totalWeight };
}

/**
 * The order in which targets are tried. `fallback`: as configured. `loadbalance`: one target picked at
 * random in proportion to its weight, then the others by descending weight as fallbacks. When every
 * weight is 0, the configured order is used.
 */
export function orderTargets(plan: RoutePlan, random: () => number): RouteTarget[] {
  if (plan.strategy === 'fallback' || plan.targets.length === 1 || plan.totalWeight <= 0) return plan.targets;
  let point = random() * plan.totalWeight;
  let picked: RouteTarget | undefined;
  for (const target of plan.targets) {
    if (target.weight <= 0) continue;
    picked = target; // the last weighted target, should rounding carry the point past the end
    if (point < target.weight) break;
    point -= target.weight;
  }
  if (!picked) return plan.targets;
  const order = [picked];
  for (const target of plan.byWeight) if (target !== picked) order.push(target);
  return order;
}
