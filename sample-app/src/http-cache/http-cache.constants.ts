/** The named DelegatedStore that caches HTTP responses (`@DelegatedCacheStore(HTTP_CACHE_STORE)`). */
export const HTTP_CACHE_STORE = 'http';
