import { CacheModule } from '@nestjs/cache-manager';
import type { DynamicModule } from '@nestjs/common';
import { Keyv } from 'keyv';
import { getDelegatedStoreToken, KeyvDelegatedStore, type DelegatedStore } from '../../../lib/index.js';
import { HTTP_CACHE_STORE } from './http-cache.constants.js';

/**
 * `@nestjs/cache-manager` over the HTTP cache store: `CACHE_MANAGER` and its `CacheInterceptor` read and
 * write that store's cache layers through the Keyv adapter (keys `keyv:<url>`), so a clear of the store
 * drops what they cached too.
 */
export function createNestCacheModule(): DynamicModule {
  return CacheModule.registerAsync({
    isGlobal: true,
    inject: [getDelegatedStoreToken(HTTP_CACHE_STORE)],
    useFactory: (store: DelegatedStore<string, unknown>) => ({
      stores: [new Keyv({ store: new KeyvDelegatedStore(store) })],
    }),
  });
}
