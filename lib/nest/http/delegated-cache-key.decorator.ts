import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import { describeValue } from '../../core/errors.js';
import { DELEGATED_CACHE_KEY_METADATA } from './http-cache.constants.js';

/** A route's cache key: fixed, or computed from the request; a function answering `undefined` skips the cache. */
export type DelegatedCacheKeyOption = string | ((context: ExecutionContext) => string | undefined);

/**
 * The key under which `DelegatedCacheInterceptor` caches the responses of a route (or of every route of a
 * controller). Without it the key is the method and the URL with its query parameters sorted.
 */
export function DelegatedCacheKey(key: DelegatedCacheKeyOption): CustomDecorator<string> {
  if (!((typeof key === 'string' && key !== '') || typeof key === 'function')) {
    throw new TypeError(
      `@DelegatedCacheKey(key): key must be a non-empty string or a function (context) => string, got ${describeValue(key)}`,
    );
  }
  return SetMetadata(DELEGATED_CACHE_KEY_METADATA, key);
}
