export { createRouter, type BreakerStatus, type Router, type RouterModel, type RouterOptions, type RoutingConfig } from './router.ts';
export { backoffDelayMs, type RetryConfig } from './backoff.ts';
export { CircuitBreaker, type BreakerAdmission, type BreakerConfig } from './circuit-breaker.ts';
export { isRetryable } from './route-errors.ts';
