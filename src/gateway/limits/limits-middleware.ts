import type { Clock } from '../../core/clock.ts';
import type { LimitsConfig, OperonConfig } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { ApiKey, Project } from '../../projects/project-store.ts';
import type { UsageStore } from '../../projects/usage-store.ts';
import type { ChatStreamPart, Usage } from '../../providers/chat-model.ts';
import type { CallContext, ChatMiddleware } from '../pipeline.ts';
import { budgetExceededError, rateLimitError, type LimitOwner } from './limit-errors.ts';
import { SlidingWindow } from './sliding-window.ts';
import { SpendLedger, type SpendScope } from './spend-ledger.ts';
import { UsageBuffer, type UsageBufferStats } from './usage-buffer.ts';
import { UtcCalendar } from './utc-calendar.ts';

export interface LimitsMiddlewareOptions {
  /** Config `limits`: defaults for every project and every key that set none of their own. */
  defaults: OperonConfig['limits'];
  usage: UsageStore;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  /** How long usage is summed in memory before it is written. Default 1000 ms. */
  flushIntervalMs?: number;
}

/** The call as the limits see it: who calls, and (after the call) what it used. */
export type LimitedCall = Pick<CallContext, 'project' | 'key' | 'record'>;

export interface LimitsMiddleware extends ChatMiddleware {
  /**
   * Rejects the call with `rate_limit_exceeded` or `budget_exceeded` if a limit of its key or project is
   * reached, else counts it against the request rates. The middleware calls it; routes that do not go
   * through the chat pipeline (embeddings) call it themselves, then `recordUsage`.
   */
  check(call: LimitedCall): Promise<void>;
  /** Counts a finished call: its tokens (against token rates), its cost (against budgets), and its usage (to the store, batched). */
  recordUsage(call: LimitedCall, usage: Usage | undefined, costUsd: number | undefined): void;
  /** Writes buffered usage now. */
  flush(): Promise<void>;
  /** Stops the flush timer and writes what is left; call on shutdown. */
  close(): Promise<void>;
  stats(): UsageBufferStats;
}

interface RateWindows {
  requests?: SlidingWindow;
  tokens?: SlidingWindow;
}

/**
 * Rate limits and spending budgets per API key and per project, in memory.
 *
 * - Requests per minute and tokens per minute, over a one-minute sliding window (sixty one-second slots).
 *   Requests are counted when admitted; tokens (input + output) when the call ends, so a call is refused
 *   once the last minute's tokens are at or over the limit. Cache hits use no upstream tokens: they count
 *   as requests but not against token rates, and are written to the usage store with 0 tokens and $0.
 * - Daily and monthly budgets in USD, per UTC day and month, against the spend of the key or project:
 *   read once per period from the usage store, then kept up to date in memory from each call's
 *   `record.costUsd` (set by the cost layer inside this one). A call of a model without a price adds nothing.
 *   Spend is only tracked for scopes with a budget; when a budget is first set on a running server,
 *   spend not yet written to the store (at most one flush interval of it) is not counted.
 * - The effective limit of a key is its own (`key.limits`), else `limits.key` from config; of a project,
 *   its own, else `limits.project`. No limit set means no check.
 * - Usage (requests, tokens, cost) is written to the usage store in batches; see `UsageBuffer`.
 *
 * Limits are checked before the rest of the pipeline runs; usage is recorded when the call ends (for
 * streams: when the stream ends, fails, or the client goes away), errors included.
 *
 * @example
 * const limits = createLimitsMiddleware({ defaults: config.limits, usage: stores.usage, clock: systemClock, logger });
 * const handler = composeChat([tracing, limits, cache, cost], router);
 * // on shutdown: await limits.close();
 */
export function createLimitsMiddleware(options: LimitsMiddlewareOptions): LimitsMiddleware {
  const { defaults, clock } = options;
  const calendar = new UtcCalendar();
  const ledger = new SpendLedger(options.usage, calendar, options.logger);
  const buffer = new UsageBuffer({ store: options.usage, clock, logger: options.logger, flushIntervalMs: options.flushIntervalMs ?? 1_000 });
  const keyWindows = new Map<string, RateWindows>();
  const projectWindows = new Map<string, RateWindows>();

  const owner = (call: LimitedCall, level: 'key' | 'project', field: keyof LimitsConfig): LimitOwner => ({
    level,
    keyName: call.key.name,
    projectName: call.project.name,
    fromDefaults: (level === 'key' ? call.key.limits[field] : call.project.limits[field]) === undefined,
  });

  const checkRate = (
    call: LimitedCall,
    level: 'key' | 'project',
    unit: 'requests' | 'tokens',
    limit: number,
    window: SlidingWindow,
    now: number,
  ): void => {
    if (window.total(now) < limit) return;
    const field = unit === 'requests' ? 'requestsPerMinute' : 'tokensPerMinute';
    throw rateLimitError(owner(call, level, field), limit, unit, window.secondsUntilBelow(now, limit));
  };

  const checkBudget = (call: LimitedCall, level: 'key' | 'project', scope: SpendScope, daily: number | undefined, monthly: number | undefined, now: number): void => {
    const spent = ledger.spent(scope, now);
    if (!spent) return;
    if (daily !== undefined && spent.day >= daily) {
      throw budgetExceededError(owner(call, level, 'dailyBudgetUsd'), 'daily', daily, spent.day, Math.ceil(calendar.msUntilNextDay(now) / 1000));
    }
    if (monthly !== undefined && spent.month >= monthly) {
      throw budgetExceededError(owner(call, level, 'monthlyBudgetUsd'), 'monthly', monthly, spent.month, Math.ceil(calendar.msUntilNextMonth(now) / 1000));
    }
  };

  /** All checks, synchronously; throws on the first limit reached, else counts the request. */
  const admitNow = (call: LimitedCall, budgets: Budgets): void => {
    const now = clock.now();
    const { project, key } = call;
    const keyRpm = key.limits.requestsPerMinute ?? defaults.key.requestsPerMinute;
    const projectRpm = project.limits.requestsPerMinute ?? defaults.project.requestsPerMinute;
    const keyTpm = key.limits.tokensPerMinute ?? defaults.key.tokensPerMinute;
    const projectTpm = project.limits.tokensPerMinute ?? defaults.project.tokensPerMinute;

    const keyRequests = keyRpm === undefined ? undefined : windowsOf(keyWindows, key.id).requests ?? newWindow(keyWindows, key.id, 'requests');
    const projectRequests =
      projectRpm === undefined ? undefined : windowsOf(projectWindows, project.id).requests ?? newWindow(projectWindows, project.id, 'requests');
    if (keyRequests) checkRate(call, 'key', 'requests', keyRpm as number, keyRequests, now);
    if (projectRequests) checkRate(call, 'project', 'requests', projectRpm as number, projectRequests, now);
    if (keyTpm !== undefined) {
      const tokens = windowsOf(keyWindows, key.id).tokens;
      if (tokens) checkRate(call, 'key', 'tokens', keyTpm, tokens, now);
    }
    if (projectTpm !== undefined) {
      const tokens = windowsOf(projectWindows, project.id).tokens;
      if (tokens) checkRate(call, 'project', 'tokens', projectTpm, tokens, now);
    }
    if (budgets.project) checkBudget(call, 'project', { projectId: project.id }, budgets.projectDaily, budgets.projectMonthly, now);
    if (budgets.key) checkBudget(call, 'key', { projectId: project.id, keyId: key.id }, budgets.keyDaily, budgets.keyMonthly, now);

    keyRequests?.add(now, 1);
    projectRequests?.add(now, 1);
  };

  /** Returns a promise only while budget totals still have to be read; throws (or rejects) on a limit. */
  const admit = (call: LimitedCall): Promise<void> | undefined => {
    const budgets = budgetsOf(call.project, call.key, defaults);
    let loading: Promise<void> | undefined;
    if (budgets.project || budgets.key) {
      const now = clock.now();
      const projectLoad = budgets.project ? ledger.prepare({ projectId: call.project.id }, now) : undefined;
      const keyLoad = budgets.key ? ledger.prepare({ projectId: call.project.id, keyId: call.key.id }, now) : undefined;
      loading = projectLoad && keyLoad ? Promise.all([projectLoad, keyLoad]).then(() => undefined) : (projectLoad ?? keyLoad);
    }
    if (loading) return loading.then(() => admitNow(call, budgets));
    admitNow(call, budgets);
    return undefined;
  };

  const recordUsage = (call: LimitedCall, usage: Usage | undefined, costUsd: number | undefined): void => {
    const now = clock.now();
    const { project, key } = call;
    const upstreamUsage = call.record.cacheHit ? undefined : usage;
    const tokens = upstreamUsage ? upstreamUsage.inputTokens + upstreamUsage.outputTokens : 0;
    if (tokens > 0) {
      if ((key.limits.tokensPerMinute ?? defaults.key.tokensPerMinute) !== undefined) {
        (windowsOf(keyWindows, key.id).tokens ?? newWindow(keyWindows, key.id, 'tokens')).add(now, tokens);
      }
      if ((project.limits.tokensPerMinute ?? defaults.project.tokensPerMinute) !== undefined) {
        (windowsOf(projectWindows, project.id).tokens ?? newWindow(projectWindows, project.id, 'tokens')).add(now, tokens);
      }
    }
    const cost = costUsd !== undefined && costUsd > 0 ? costUsd : 0;
    if (cost > 0) {
      ledger.add({ projectId: project.id }, now, cost);
      ledger.add({ projectId: project.id, keyId: key.id }, now, cost);
    }
    buffer.add({
      projectId: project.id,
      keyId: key.id,
      day: calendar.day(now),
      requests: 1,
      inputTokens: upstreamUsage?.inputTokens ?? 0,
      outputTokens: upstreamUsage?.outputTokens ?? 0,
      costUsd: cost,
    });
  };

  const recordCall = (context: CallContext): void => recordUsage(context, context.record.usage, context.record.costUsd);

  const layer: ChatMiddleware = (next) => ({
    async generate(request, context) {
      const admitting = admit(context);
      if (admitting) await admitting;
      try {
        return await next.generate(request, context);
      } finally {
        recordCall(context);
      }
    },
    async stream(request, context) {
      const admitting = admit(context);
      if (admitting) await admitting;
      let parts: AsyncIterable<ChatStreamPart>;
      try {
        parts = await next.stream(request, context);
      } catch (error) {
        recordCall(context);
        throw error;
      }
      return new EndObservedStream(parts[Symbol.asyncIterator](), () => recordCall(context));
    },
  });

  return Object.assign(layer, {
    async check(call: LimitedCall): Promise<void> {
      const admitting = admit(call);
      if (admitting) await admitting;
    },
    recordUsage,
    flush: () => buffer.flush(),
    close: () => buffer.close(),
    stats: () => buffer.stats(),
  });
}

interface Budgets {
  project: boolean;
  key: boolean;
  projectDaily: number | undefined;
  projectMonthly: number | undefined;
  keyDaily: number | undefined;
  keyMonthly: number | undefined;
}

function budgetsOf(project: Project, key: ApiKey, defaults: OperonConfig['limits']): Budgets {
  const projectDaily = project.limits.dailyBudgetUsd ?? defaults.project.dailyBudgetUsd;
  const projectMonthly = project.limits.monthlyBudgetUsd ?? defaults.project.monthlyBudgetUsd;
  const keyDaily = key.limits.dailyBudgetUsd ?? defaults.key.dailyBudgetUsd;
  const keyMonthly = key.limits.monthlyBudgetUsd ?? defaults.key.monthlyBudgetUsd;
  return {
    project: projectDaily !== undefined || projectMonthly !== undefined,
    key: keyDaily !== undefined || keyMonthly !== undefined,
    projectDaily,
    projectMonthly,
    keyDaily,
    keyMonthly,
  };
}

const NO_WINDOWS: RateWindows = Object.freeze({});

function windowsOf(map: Map<string, RateWindows>, id: string): RateWindows {
  return map.get(id) ?? NO_WINDOWS;
}

function newWindow(map: Map<string, RateWindows>, id: string, kind: keyof RateWindows): SlidingWindow {
  let windows = map.get(id);
  if (!windows) {
    windows = {};
    map.set(id, windows);
  }
  const window = new SlidingWindow();
  windows[kind] = window;
  return window;
}

/** Passes parts through and calls `onEnd` once when the stream ends, fails or is closed early. */
class EndObservedStream implements AsyncIterableIterator<ChatStreamPart> {
  readonly #source: AsyncIterator<ChatStreamPart>;
  #onEnd: (() => void) | undefined;

  constructor(source: AsyncIterator<ChatStreamPart>, onEnd: () => void) {
    this.#source = source;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChatStreamPart>> {
    let step: IteratorResult<ChatStreamPart>;
    try {
      step = await this.#source.next();
    } catch (error) {
      this.#end();
      throw error;
    }
    if (step.done) this.#end();
    return step;
  }

  async return(): Promise<IteratorResult<ChatStreamPart>> {
    try {
      await this.#source.return?.();
    } finally {
      this.#end();
    }
    return { done: true, value: undefined };
  }

  #end(): void {
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    onEnd?.();
  }
}
