export { BUILT_IN_PRICES } from './price-table.ts';
export { createPriceLookup, modelIdCandidates, type PriceLookup } from './price-lookup.ts';
export { computeCost, type TokenUsage } from './compute-cost.ts';
export {
  createTokenCounter,
  estimateByCharacters,
  type CountableMessage,
  type CountablePrompt,
  type CountTokens,
  type TokenCounter,
  type TokenCounterOptions,
} from './token-counter.ts';
export {
  createCostMiddleware,
  type CostedCall,
  type CostedHandler,
  type CostedPart,
  type CostedRequest,
  type CostedResult,
  type CostMiddleware,
  type CostMiddlewareOptions,
} from './cost-middleware.ts';
