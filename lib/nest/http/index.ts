export { DelegatedCacheInterceptor } from './delegated-cache.interceptor.js';
export { DelegatedCacheKey, type DelegatedCacheKeyOption } from './delegated-cache-key.decorator.js';
export { DelegatedCacheTtl, type DelegatedCacheTtlOption } from './delegated-cache-ttl.decorator.js';
export { DelegatedCacheStore } from './delegated-cache-store.decorator.js';
export { RouteHandlerError } from './http-cache.errors.js';
export { requestCacheKey } from './request-cache-key.js';
export {
  DELEGATED_CACHE_KEY_METADATA,
  DELEGATED_CACHE_TTL_METADATA,
  DELEGATED_CACHE_STORE_METADATA,
  X_CACHE_HEADER,
  X_CACHE_LAYER_HEADER,
  type CacheStatus,
} from './http-cache.constants.js';
