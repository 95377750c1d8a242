import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import { describeValue } from '../../core/errors.js';
import { DELEGATED_CACHE_STORE_METADATA } from './http-cache.constants.js';

/**
 * The named store (`DelegatedStoreModule.forRoot({ name, ... })`) that caches a route's responses (or
 * those of every route of a controller). Without it: the default store.
 */
export function DelegatedCacheStore(name: string): CustomDecorator<string> {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `@DelegatedCacheStore(name): name must be the non-empty name of a store registered with DelegatedStoreModule.forRoot({ name }), got ${describeValue(name)}`,
    );
  }
  return SetMetadata(DELEGATED_CACHE_STORE_METADATA, name);
}
