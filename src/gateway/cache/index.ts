export { CACHE_HEADER, createCacheMiddleware, type CacheMiddleware, type CacheMiddlewareOptions, type CacheStats } from './cache-middleware.ts';
export { cacheKey, canonicalJson } from './cache-key.ts';
