import type {
  InjectionToken,
  ModuleMetadata,
  NestInterceptor,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type { BackFillCallback } from '../core/backfill-event.js';
import type { ChangeCallback, DeleteCallback } from '../core/change-callbacks.js';
import type { InvalidationBus } from '../core/invalidation-bus.js';
import type { Middleware } from '../core/operation.js';
import type { StoreErrorHandler } from '../core/options.js';
import type { Layer, Store } from '../core/store.js';
import type { TypedStoreClass } from './delegated-store.tokens.js';

/** A Nest interceptor given to a store: a class (built by Nest's DI) or an instance (used as it is). */
export type DelegatedStoreInterceptor = Type<NestInterceptor> | NestInterceptor;

/**
 * What an untyped store in the module's layers is typed as: `new MemoryStore()` / `new RedisStore()` in
 * `forRoot({ layers })` called without type arguments becomes a store of `never`. It holds no value and
 * takes any key, so it is a `Store<K, V>` for every K and V; next to a typed layer or middleware its
 * `never` drops out of the inference of K and V (where an untyped store of `unknown` would widen them).
 * An interface of its own, so that a compiler message about a wrong layer compares it with `Store<K, V>`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the name is the point (see above)
export interface UntypedStore extends Store<never, never> {}

/**
 * A layer as the module takes it: a `Layer<K, V>`, or one whose store is untyped (see UntypedStore), so
 * that `forRoot` infers K and V from what is typed (the primary table, a middleware). With nothing typed
 * at all (only untyped cache layers, no type arguments), K and V are inferred `never`.
 */
export interface DelegatedStoreModuleLayer<K, V> extends Omit<Layer<K, V>, 'store'> {
  /** The layer's store: typed (`Store<K, V>`), or untyped (`new MemoryStore()` without type arguments). */
  store: Store<K, V> | UntypedStore;
}

/** Everything a store is built from; the options that `forRootAsync`'s factory may compute. */
export interface DelegatedStoreFactoryOptions<K, V> {
  /** The store's layers, index 0 read first (see `Layer`; an untyped store is allowed, see UntypedStore). */
  layers: DelegatedStoreModuleLayer<K, V>[];
  /** Called after each successful backfill or load write (see `withBackFillCallbacks`). */
  backFillCallbacks?: BackFillCallback<K, V>[];
  /** The last listed runs first, inside the interceptors. */
  middlewares?: Middleware<K, V>[];
  /** Carries writes to the other instances of the service (see `withInvalidationBus`). */
  bus?: InvalidationBus;
  /** Called after each set/getSet that replaced a value (see `withOnChange`). */
  onChange?: ChangeCallback<K, V>[];
  /** Called after each delete that removed a value (see `withOnDelete`). */
  onDelete?: DeleteCallback<K, V>[];
  /**
   * Gets what the store contained (a failed cache layer, a throwing callback or subscriber, a bus error).
   * The module always logs them through Nest's Logger under the store's name; this handler is called too.
   */
  errorHandler?: StoreErrorHandler;
  /** At most this many backfills in flight (default 10 000); past it a backfill is dropped (see withMaxPendingBackFills). */
  maxPendingBackFills?: number;
  /** Ms a read that found a stale entry waits for its refresh (see withStaleTimeout); default 0. */
  staleTimeout?: number;
  /** Ms a known miss is kept in the cache layers (see withNegativeCaching); omitted: none. */
  negativeTtl?: number;
  /** 0 < fraction < 1: writes of cache layers shorten their ttl at random by up to it (see withTtlJitter). */
  ttlJitter?: number;
}

/** The options of `DelegatedStoreModule.forRoot`. */
export interface DelegatedStoreModuleOptions<K, V> extends DelegatedStoreFactoryOptions<K, V> {
  /** Omitted: the default store, injected by its class (or the typed class given as `store`). */
  name?: string;
  /**
   * A class made with `DelegatedStoreClass<K, V>()`: the store is an instance of it and is injected by it.
   * Usually set by `UsersStore.forRoot(...)` rather than by hand.
   */
  store?: TypedStoreClass<K, V>;
  /** Outermost; the first listed runs first, as with `@UseInterceptors`. */
  interceptors?: DelegatedStoreInterceptor[];
  /** Modules whose providers the interceptor classes inject. */
  imports?: ModuleMetadata['imports'];
  /** Makes the store injectable in every module, without importing this one. */
  isGlobal?: boolean;
}

/** A class that builds the options of a store, for `forRootAsync({ useClass })` / `useExisting`. */
export interface DelegatedStoreOptionsFactory<K, V> {
  /** Builds the options; may be async. */
  createDelegatedStoreOptions():
    DelegatedStoreFactoryOptions<K, V> | Promise<DelegatedStoreFactoryOptions<K, V>>;
}

/** The options of `DelegatedStoreModule.forRootAsync`: the static part here, the rest from the factory. */
export interface DelegatedStoreModuleAsyncOptions<K, V> {
  /** Omitted: the default store, injected by its class (or the typed class given as `store`). */
  name?: string;
  /** See DelegatedStoreModuleOptions.store. */
  store?: TypedStoreClass<K, V>;
  /** Makes the store injectable in every module, without importing this one. */
  isGlobal?: boolean;
  /** Modules whose providers the factory, the options class and the interceptor classes inject. */
  imports?: ModuleMetadata['imports'];
  /** The providers handed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Outermost, the first listed runs first; classes are built by Nest's DI (they may inject `imports`). */
  interceptors?: DelegatedStoreInterceptor[];
  /** Builds the options; give exactly one of useFactory, useClass and useExisting. */
  useFactory?: (
    ...deps: any[]
  ) => DelegatedStoreFactoryOptions<K, V> | Promise<DelegatedStoreFactoryOptions<K, V>>;
  /** A class of this module that builds the options (it may inject what `imports` provide). */
  useClass?: Type<DelegatedStoreOptionsFactory<K, V>>;
  /** An existing provider (from `imports`) that builds the options. */
  useExisting?: Type<DelegatedStoreOptionsFactory<K, V>>;
}
