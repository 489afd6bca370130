import type { PriceConfig } from '../../core/config.ts';
import { BUILT_IN_PRICES } from './price-table.ts';

/** Finds the price of a model id, tolerating provider prefixes, dated snapshots and vendor spellings. */
export interface PriceLookup {
  /**
   * The price for `model`, or undefined when nothing matches (the cost is then unknown, not zero).
   * With `provider`, a config entry keyed `provider/model` (e.g. `my-vllm/llama3`) is tried first.
   */
  find(model: string, provider?: string): PriceConfig | undefined;
}

/**
 * @example
 * const prices = createPriceLookup({ 'my-vllm/llama3': { input: 0, output: 0 } });
 * prices.find('gpt-4o-2024-08-06'); // the gpt-4o price
 * prices.find('claude-sonnet-4-5-20250929'); // the claude-sonnet-4-5 price
 */
export function createPriceLookup(overrides: Readonly<Record<string, PriceConfig>> = {}): PriceLookup {
  const configured = new Map<string, PriceConfig>();
  for (const [model, price] of Object.entries(overrides)) configured.set(model.trim().toLowerCase(), price);
  const builtIn = new Map(Object.entries(BUILT_IN_PRICES));
  // Hot path: one map hit per call after the first lookup of a model id.
  const memo = new Map<string, PriceConfig | null>();

  const resolve = (model: string, provider: string | undefined): PriceConfig | undefined => {
    const lower = model.trim().toLowerCase();
    if (provider) {
      const qualified = configured.get(`${provider.toLowerCase()}/${lower}`);
      if (qualified) return qualified;
    }
    const candidates = modelIdCandidates(lower);
    for (const candidate of candidates) {
      const price = configured.get(candidate);
      if (price) return price;
    }
    for (const candidate of candidates) {
      const price = builtIn.get(candidate);
      if (price) return price;
    }
    return undefined;
  };

  return {
    find(model, provider) {
      const memoKey = provider ? `${provider}\u0000${model}` : model;
      const known = memo.get(memoKey);
      if (known !== undefined) return known ?? undefined;
      const price = resolve(model, provider);
      if (memo.size >= 2_000) memo.clear();
      memo.set(memoKey, price ?? null);
      return price;
    },
  };
}

const DATE_SUFFIX = /(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-latest)$/;
const BEDROCK_VERSION = /-v\d+(?::\d+)?$/;

/**
 * The ids a model id may be priced under, most specific first:
 * `openai/gpt-4o-2024-08-06` → `openai/gpt-4o-2024-08-06`, `gpt-4o-2024-08-06`, `gpt-4o`;
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0` → … `claude-sonnet-4-5`; `claude-sonnet-4.5` → `claude-sonnet-4-5`.
 */
export function modelIdCandidates(modelId: string): string[] {
  const candidates = [modelId];
  const add = (candidate: string) => {
    if (candidate && !candidates.includes(candidate)) candidates.push(candidate);
  };
  let base = modelId.slice(modelId.lastIndexOf('/') + 1);
  add(base);
  const anthropicAt = base.indexOf('anthropic.');
  if (anthropicAt !== -1) {
    base = base.slice(anthropicAt + 'anthropic.'.length).replace(BEDROCK_VERSION, '');
    add(base);
  }
  const undated = base.replace(DATE_SUFFIX, '');
  add(undated);
  // Anthropic ids use dashes between version digits; clients often write dots (claude-sonnet-4.5).
  if (undated.startsWith('claude')) add(undated.replaceAll('.', '-'));
  return candidates;
}
