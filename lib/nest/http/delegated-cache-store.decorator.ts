import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import { DelegatedStore } from '../../core/delegated-store.js';
import { describeValue } from '../../core/errors.js';
import type { StoreRef } from '../delegated-store.tokens.js';
import { DELEGATED_CACHE_STORE_METADATA } from './http-cache.constants.js';

/**
 * The store that caches a route's responses (or those of every route of a controller): a named store
 * (`DelegatedStoreModule.forRoot({ name, ... })`) or a class made with `DelegatedStoreClass()`. Without
 * it: the default store.
 */
export function DelegatedCacheStore(store: StoreRef): CustomDecorator<StoreRef> {
  const isName = typeof store === 'string' && store !== '';
  const isClass = typeof store === 'function' && store.prototype instanceof DelegatedStore;
  if (!isName && !isClass) {
    throw new TypeError(
      `@DelegatedCacheStore(store): store must be the non-empty name of a store registered with DelegatedStoreModule.forRoot({ name }), or a class made with DelegatedStoreClass(), got ${describeValue(store)}`,
    );
  }
  return SetMetadata(DELEGATED_CACHE_STORE_METADATA, store);
}
