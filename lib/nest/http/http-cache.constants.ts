/** Reflect-metadata keys of the route caching decorators (handler first, then controller). */
export const DELEGATED_CACHE_KEY_METADATA = 'delegated-store:http-cache-key';
/** Set by `DelegatedCacheTtl`. */
export const DELEGATED_CACHE_TTL_METADATA = 'delegated-store:http-cache-ttl';
/** Set by `DelegatedCacheStore`. */
export const DELEGATED_CACHE_STORE_METADATA = 'delegated-store:http-cache-store';

/** Response headers of every cached route. */
export const X_CACHE_HEADER = 'x-cache';
/** The layer that served the response, or `loader` when the handler ran. */
export const X_CACHE_LAYER_HEADER = 'x-cache-layer';

/** What `x-cache` says: served by a cache layer, by the handler, or by a cache layer past its ttl (grace). */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE';
