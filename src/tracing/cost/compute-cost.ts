import type { PriceConfig } from '../../core/config.ts';

/**
 * Token counts of one call, as providers report them. The provider port's `Usage` has this shape;
 * tracing declares it itself so that it does not depend on providers.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache, part of `inputTokens`. */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache, part of `inputTokens`. */
  cacheWriteInputTokens?: number;
  /** Reasoning tokens, part of `outputTokens`. */
  reasoningTokens?: number;
}

/**
 * USD cost of one call. `cachedInputTokens` and `cacheWriteInputTokens` are part of `inputTokens` (see
 * `TokenUsage`): they are billed at `cachedInput` and `cacheWriteInput` when the price has them, the rest of
 * the input at `input`. Reasoning tokens are part of `outputTokens` and billed as output.
 *
 * @example
 * computeCost({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 500_000 }, { input: 2, cachedInput: 0.5, output: 8 }); // 1.25
 */
export function computeCost(usage: TokenUsage, price: PriceConfig): number {
  const cached = Math.max(0, usage.cachedInputTokens ?? 0);
  const written = Math.max(0, usage.cacheWriteInputTokens ?? 0);
  const plainInput = Math.max(0, usage.inputTokens - cached - written);
  const micro =
    plainInput * price.input +
    cached * (price.cachedInput ?? price.input) +
    written * (price.cacheWriteInput ?? price.input) +
    Math.max(0, usage.outputTokens) * price.output;
  return micro / 1_000_000;
}
