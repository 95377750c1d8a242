import type { ModuleMetadata, NestInterceptor, Type } from '@nestjs/common';
import type { BackFillCallback } from '../core/backfill-event.js';
import type { InvalidationBus } from '../core/invalidation-bus.js';
import type { Middleware } from '../core/operation.js';
import type { Layer } from '../core/store.js';

/** A Nest interceptor given to a store: a class (built by Nest's DI) or an instance (used as it is). */
export type DelegatedStoreInterceptor = Type<NestInterceptor> | NestInterceptor;

export interface DelegatedStoreModuleOptions<K, V> {
  /** Omitted: the default store, injected by its class. */
  name?: string;
  layers: Layer<K, V>[];
  backFillCallbacks?: BackFillCallback<K, V>[];
  /** The last listed runs first, inside the interceptors. */
  middlewares?: Middleware<K, V>[];
  /** Outermost; the first listed runs first, as with `@UseInterceptors`. */
  interceptors?: DelegatedStoreInterceptor[];
  isGlobal?: boolean;
  /** Carries writes to the other instances of the service (see `withInvalidationBus`). */
  bus?: InvalidationBus;
}

/** What the factory of `forRootAsync` returns: the options that may depend on other providers. */
export type DelegatedStoreFactoryOptions<K, V> = Omit<
  DelegatedStoreModuleOptions<K, V>,
  'name' | 'isGlobal' | 'interceptors'
>;

export interface DelegatedStoreModuleAsyncOptions<K, V> {
  name?: string;
  isGlobal?: boolean;
  /** Modules whose providers the factory (and the interceptor classes) inject. */
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  interceptors?: DelegatedStoreInterceptor[];
  useFactory: (
    ...deps: any[]
  ) => DelegatedStoreFactoryOptions<K, V> | Promise<DelegatedStoreFactoryOptions<K, V>>;
}
