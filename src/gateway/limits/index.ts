export { createLimitsMiddleware, type LimitedCall, type LimitsMiddleware, type LimitsMiddlewareOptions } from './limits-middleware.ts';
export type { UsageBufferStats } from './usage-buffer.ts';
