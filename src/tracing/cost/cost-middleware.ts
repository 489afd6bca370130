import type { PriceConfig } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { computeCost, type TokenUsage } from './compute-cost.ts';
import { createPriceLookup } from './price-lookup.ts';
import { createTokenCounter, type CountablePrompt, type TokenCounter } from './token-counter.ts';

// Tracing sits below providers and the gateway, so this layer declares the shapes it works on itself.
// The gateway's `CallContext`, `ChatRequest`, `ChatResult` and `ChatStreamPart` fit them, which makes
// a `CostMiddleware` a `ChatMiddleware`.

/** The part of the gateway's call record this layer reads and writes. */
export interface CostedCall {
  record: {
    usage?: TokenUsage;
    usageEstimated: boolean;
    costUsd?: number;
    cacheHit: boolean;
    modelUsed?: string;
    provider?: string;
  };
}

/** A request as far as pricing goes: the requested model, and the prompt (counted when usage is missing). */
export interface CostedRequest extends CountablePrompt {
  model: string;
}

/** A result as far as pricing goes. */
export interface CostedResult {
  usage?: TokenUsage;
  choices: ReadonlyArray<{
    message: { content: string | null; refusal?: string | null; toolCalls?: ReadonlyArray<{ name: string; arguments: string }> };
  }>;
}

/** A stream part; only these members are read (see `ChatStreamPart`). */
export interface CostedPart {
  type: string;
}

/** The handler shape the cost layer wraps: the gateway's `ChatHandler`. */
export interface CostedHandler<Context extends CostedCall, Request extends CostedRequest, Result extends CostedResult, Part extends CostedPart> {
  generate(request: Request, context: Context): Promise<Result>;
  stream(request: Request, context: Context): Promise<AsyncIterable<Part>>;
}

export interface CostMiddlewareOptions {
  /** Config `pricing`: overrides and additions to the built-in table. */
  pricing?: Readonly<Record<string, PriceConfig>>;
  logger?: Pick<Logger, 'warn'>;
  /** Injected in tests; defaults to the lazily loaded o200k_base counter. */
  tokenCounter?: TokenCounter;
}

/** A `ChatMiddleware` (assignable to it), plus the models seen without a price. */
export interface CostMiddleware {
  <Context extends CostedCall, Request extends CostedRequest, Result extends CostedResult, Part extends CostedPart>(
    next: CostedHandler<Context, Request, Result, Part>,
  ): CostedHandler<Context, Request, Result, Part>;
  /** Model ids that had no price (their calls have `costUsd` unset, not 0). */
  unpricedModels(): string[];
}

/**
 * Sets `record.usage` and `record.costUsd` for every call that passes through. Usage comes from the
 * provider (the result's `usage`, or a stream's `usage` part); when the provider sends none it is counted
 * with the tokenizer from the request and the streamed text, and `record.usageEstimated` is set. The cost
 * is priced for `record.modelUsed` (the target the router chose) and stays unset for models without a price,
 * which are logged once each. A cache hit costs nothing: `costUsd` is 0.
 *
 * Sits inside the limits layer (which reads `costUsd` when the call ends) and outside the router.
 *
 * @example
 * const cost = createCostMiddleware({ pricing: config.pricing, logger });
 * const handler = composeChat([tracing, limits, cache, cost], router);
 */
export function createCostMiddleware(options: CostMiddlewareOptions = {}): CostMiddleware {
  const prices = createPriceLookup(options.pricing);
  const counter = options.tokenCounter ?? createTokenCounter({
    onLoadError: (error) => options.logger?.warn({ err: error }, 'Tokenizer failed to load; estimating usage as characters / 4'),
  });
  const unpriced = new Set<string>();

  const price = (request: CostedRequest, record: CostedCall['record']): void => {
    if (record.cacheHit) {
      record.costUsd = 0;
      return;
    }
    if (!record.usage) return;
    const model = record.modelUsed ?? request.model;
    const found = prices.find(model, record.provider);
    if (found) {
      record.costUsd = computeCost(record.usage, found);
      return;
    }
    record.costUsd = undefined;
    if (!unpriced.has(model)) {
      if (unpriced.size < 1_000) unpriced.add(model);
      options.logger?.warn(
        { model, provider: record.provider },
        `No price known for model '${model}'; its calls are traced with no cost and do not count against budgets. Add it under \`pricing:\` in operon.yaml.`,
      );
    }
  };

  const estimate = async (request: CostedRequest, completion: string): Promise<TokenUsage> => {
    const [inputTokens, outputTokens] = await Promise.all([counter.countPrompt(request), counter.countText(completion)]);
    return { inputTokens, outputTokens };
  };

  const layer = <Context extends CostedCall, Request extends CostedRequest, Result extends CostedResult, Part extends CostedPart>(
    next: CostedHandler<Context, Request, Result, Part>,
  ): CostedHandler<Context, Request, Result, Part> => ({
    async generate(request, context) {
      const result = await next.generate(request, context);
      const record = context.record;
      if (!record.cacheHit) {
        if (result.usage) {
          record.usage = result.usage;
        } else {
          record.usage = await estimate(request, completionText(result));
          record.usageEstimated = true;
        }
      }
      price(request, record);
      return result;
    },
    async stream(request, context) {
      const parts = await next.stream(request, context);
      const record = context.record;
      if (record.cacheHit) {
        price(request, record);
        return parts;
      }
      return new MeteredStream<Part>(parts[Symbol.asyncIterator](), async (meter) => {
        if (meter.usage) {
          record.usage = meter.usage;
        } else {
          record.usage = await estimate(request, meter.text.join(''));
          record.usageEstimated = true;
        }
        price(request, record);
      });
    },
  });
  return Object.assign(layer, { unpricedModels: () => [...unpriced] });
}

function completionText(result: CostedResult): string {
  let text = '';
  for (const choice of result.choices) {
    text += choice.message.content ?? '';
    text += choice.message.refusal ?? '';
    for (const call of choice.message.toolCalls ?? []) text += call.name + call.arguments;
  }
  return text;
}

interface StreamMeter {
  usage: TokenUsage | undefined;
  /** Generated text pieces (content, refusals, tool names and arguments), for counting when usage is missing. */
  text: string[];
}

/** The stream parts this layer reads (members of `ChatStreamPart`). */
type KnownPart =
  | { type: 'text-delta' | 'refusal-delta'; text: string }
  | { type: 'tool-call-start'; name: string }
  | { type: 'tool-call-delta'; argumentsDelta: string }
  | { type: 'usage'; usage: TokenUsage }
  | { type: 'start' | 'logprobs' | 'finish' };

/**
 * Passes parts through unchanged and runs `onEnd` once when the stream ends, fails or is closed early,
 * before the consumer sees the end. A plain iterator object rather than an async generator: it costs
 * less per part, and every part of every stream goes through it.
 */
class MeteredStream<Part extends CostedPart> implements AsyncIterableIterator<Part> {
  readonly #source: AsyncIterator<Part>;
  readonly #onEnd: (meter: StreamMeter) => Promise<void>;
  readonly #meter: StreamMeter = { usage: undefined, text: [] };
  #ended = false;

  constructor(source: AsyncIterator<Part>, onEnd: (meter: StreamMeter) => Promise<void>) {
    this.#source = source;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Part>> {
    if (this.#ended) return { done: true, value: undefined };
    let step: IteratorResult<Part>;
    try {
      step = await this.#source.next();
    } catch (error) {
      await this.#end();
      throw error;
    }
    if (step.done) {
      await this.#end();
      return step;
    }
    const part = step.value as unknown as KnownPart;
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta':
        this.#meter.text.push(part.text);
        break;
      case 'tool-call-start':
        this.#meter.text.push(part.name);
        break;
      case 'tool-call-delta':
        this.#meter.text.push(part.argumentsDelta);
        break;
      case 'usage':
        this.#meter.usage = part.usage;
        break;
    }
    return step;
  }

  async return(): Promise<IteratorResult<Part>> {
    if (!this.#ended) {
      try {
        await this.#source.return?.();
      } finally {
        await this.#end();
      }
    }
    return { done: true, value: undefined };
  }

  async #end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#onEnd(this.#meter);
  }
}
