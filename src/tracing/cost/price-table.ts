import type { PriceConfig } from '../../core/config.ts';

/**
 * Built-in list prices, USD per one million tokens, keyed by the model id without provider prefix or
 * date suffix (see `price-lookup.ts` for how ids are matched). Config `pricing` overrides and extends it.
 *
 * Sources, read through the search index in November 2026:
 * - OpenAI: the pricing page and per-model pages at developers.openai.com/api/docs (e.g. the gpt-5-nano
 *   page: $0.05 in, $0.005 cached, $0.40 out), cross-checked with third-party tables of the same period.
 *   OpenAI bills cached input at a discount and has no cache-write charge.
 * - Anthropic: platform.claude.com/docs/en/about-claude/pricing ("Model pricing": base input, 5-minute
 *   cache writes, cache hits, output). `cacheWriteInput` is the 5-minute rate; 1-hour writes (2× input)
 *   and Sonnet's long-context (>200K input) surcharge are not modelled.
 * Batch, flex and priority tiers are not modelled either: these are standard, real-time prices.
 * Prices change: when they do, override them under `pricing:` in operon.yaml rather than waiting for a release.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, PriceConfig>> = {
  // OpenAI, GPT-5 family (cached input at 10% of input)
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-5-chat-latest': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.2': { input: 1.75, cachedInput: 0.175, output: 14 },
  // OpenAI, GPT-4.1 family (cached input at 25%)
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  // OpenAI, GPT-4o family (cached input at 50%)
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  // OpenAI, reasoning models
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  // OpenAI, embeddings (input only)
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },

  // Anthropic (cache hits at 10% of input, 5-minute cache writes at 125%)
  'claude-opus-4-7': { input: 5, cachedInput: 0.5, cacheWriteInput: 6.25, output: 25 },
  'claude-opus-4-6': { input: 5, cachedInput: 0.5, cacheWriteInput: 6.25, output: 25 },
  'claude-opus-4-5': { input: 5, cachedInput: 0.5, cacheWriteInput: 6.25, output: 25 },
  'claude-opus-4-1': { input: 15, cachedInput: 1.5, cacheWriteInput: 18.75, output: 75 },
  'claude-opus-4': { input: 15, cachedInput: 1.5, cacheWriteInput: 18.75, output: 75 },
  'claude-opus-4-0': { input: 15, cachedInput: 1.5, cacheWriteInput: 18.75, output: 75 },
  'claude-sonnet-4-6': { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
  'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
  'claude-sonnet-4': { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
  'claude-sonnet-4-0': { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
  'claude-3-7-sonnet': { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
  'claude-haiku-4-5': { input: 1, cachedInput: 0.1, cacheWriteInput: 1.25, output: 5 },
  'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, cacheWriteInput: 1, output: 4 },
  'claude-3-haiku': { input: 0.25, cachedInput: 0.03, cacheWriteInput: 0.3, output: 1.25 },
};
