import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCost } from './compute-cost.ts';
import { createPriceLookup, modelIdCandidates } from './price-lookup.ts';
import { BUILT_IN_PRICES } from './price-table.ts';

test('finds built-in prices by exact id', () => {
  const prices = createPriceLookup();
  assert.deepEqual(prices.find('gpt-4o-mini'), BUILT_IN_PRICES['gpt-4o-mini']);
  assert.deepEqual(prices.find('claude-haiku-4-5'), BUILT_IN_PRICES['claude-haiku-4-5']);
});

test('tolerates dated snapshots, provider prefixes, vendor spellings and case', () => {
  const prices = createPriceLookup();
  assert.equal(prices.find('gpt-4o-2024-08-06'), BUILT_IN_PRICES['gpt-4o']);
  assert.equal(prices.find('openai/gpt-4.1-mini'), BUILT_IN_PRICES['gpt-4.1-mini']);
  assert.equal(prices.find('claude-sonnet-4-5-20250929'), BUILT_IN_PRICES['claude-sonnet-4-5']);
  assert.equal(prices.find('claude-3-5-haiku-latest'), BUILT_IN_PRICES['claude-3-5-haiku']);
  assert.equal(prices.find('claude-sonnet-4.5'), BUILT_IN_PRICES['claude-sonnet-4-5']);
  assert.equal(prices.find('us.anthropic.claude-haiku-4-5-20251001-v1:0'), BUILT_IN_PRICES['claude-haiku-4-5']);
  assert.equal(prices.find('claude-opus-4@20250514'), BUILT_IN_PRICES['claude-opus-4']);
  assert.equal(prices.find('GPT-4o'), BUILT_IN_PRICES['gpt-4o']);
});

test('does not confuse a model with a longer id that shares its prefix', () => {
  const prices = createPriceLookup();
  assert.equal(prices.find('gpt-4o-mini-2024-07-18'), BUILT_IN_PRICES['gpt-4o-mini']);
  assert.equal(prices.find('gpt-5-mini'), BUILT_IN_PRICES['gpt-5-mini']);
});

test('an unknown model has no price rather than a zero price', () => {
  const prices = createPriceLookup();
  assert.equal(prices.find('llama3.1:8b'), undefined);
  assert.equal(prices.find('my-vllm/qwen2.5-7b'), undefined);
});

test('config pricing overrides built-in prices and adds new models', () => {
  const prices = createPriceLookup({
    'gpt-4o': { input: 1, output: 2 },
    'llama3.1:8b': { input: 0, output: 0 },
    'my-vllm/qwen2.5-7b': { input: 0.1, output: 0.2 },
  });
  assert.deepEqual(prices.find('gpt-4o-2024-11-20'), { input: 1, output: 2 });
  assert.deepEqual(prices.find('llama3.1:8b'), { input: 0, output: 0 });
  assert.deepEqual(prices.find('qwen2.5-7b', 'my-vllm'), { input: 0.1, output: 0.2 });
  assert.deepEqual(prices.find('my-vllm/qwen2.5-7b'), { input: 0.1, output: 0.2 });
  assert.equal(prices.find('qwen2.5-7b', 'other-provider'), undefined);
});

test('candidate ids go from most to least specific', () => {
  assert.deepEqual(modelIdCandidates('openai/gpt-4o-2024-08-06'), ['openai/gpt-4o-2024-08-06', 'gpt-4o-2024-08-06', 'gpt-4o']);
});

test('computeCost bills plain, cached and cache-write input at their own prices', () => {
  const price = { input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 };
  const cost = computeCost(
    { inputTokens: 1_000_000, cachedInputTokens: 200_000, cacheWriteInputTokens: 100_000, outputTokens: 100_000 },
    price,
  );
  // 700k plain × $3 + 200k cached × $0.30 + 100k written × $3.75 + 100k out × $15
  assert.ok(Math.abs(cost - (2.1 + 0.06 + 0.375 + 1.5)) < 1e-12);
});

test('computeCost bills cached input at the input price when no cached price is given', () => {
  const cost = computeCost({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }, { input: 2, output: 8 });
  assert.equal(cost, 0.002);
});

test('every built-in price is a sane positive number', () => {
  for (const [model, price] of Object.entries(BUILT_IN_PRICES)) {
    assert.ok(price.input > 0, model);
    assert.ok(price.output >= 0, model);
    if (price.cachedInput !== undefined) assert.ok(price.cachedInput < price.input, model);
  }
});
