import type { DynamicModule } from '@nestjs/common';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError } from '../core/errors.js';
import type {
  DelegatedStoreModuleAsyncOptions,
  DelegatedStoreModuleOptions,
} from './delegated-store-module-options.interface.js';
import { DelegatedStoreModule } from './delegated-store.module.js';

/** What `forRoot` of a typed store class takes: the module options without the ones the class fixes. */
export type TypedStoreOptions<K, V> = Omit<DelegatedStoreModuleOptions<K, V>, 'name' | 'store'>;
/** What `forRootAsync` of a typed store class takes: the async options without the ones the class fixes. */
export type TypedStoreAsyncOptions<K, V> = Omit<DelegatedStoreModuleAsyncOptions<K, V>, 'name' | 'store'>;

/** The base class that `DelegatedStoreClass<K, V>()` returns. */
export interface DelegatedStoreClassType<K, V> {
  new (...args: ConstructorParameters<typeof DelegatedStore<K, V>>): DelegatedStore<K, V>;
  /** Instances are DelegatedStores of `<K, V>`. */
  readonly prototype: DelegatedStore<K, V>;
  /** The store's name in logs, errors and `@InjectDelegatedStore(name)`; the class name by default. */
  readonly storeName: string | undefined;
  /** Registers the store (see DelegatedStoreModule.forRoot); its layers, middlewares and callbacks are typed `<K, V>`. */
  forRoot(options: TypedStoreOptions<K, V>): DynamicModule;
  /** Registers the store with options that depend on other providers (see DelegatedStoreModule.forRootAsync). */
  forRootAsync(options: TypedStoreAsyncOptions<K, V>): DynamicModule;
}

/**
 * Declares a store once, with its types; the class is then its injection token and its type:
 *
 * ```ts
 * export class UsersStore extends DelegatedStoreClass<string, User>() {}
 *
 * @Module({ imports: [UsersStore.forRoot({ layers: [...] })] })   // layers typed Layer<string, User>
 * constructor(private readonly users: UsersStore) {}               // injected by its class
 * @DelegatedCached({ store: UsersStore, key: (id: string) => `user:${id}` })
 * ```
 *
 * A constructor parameter can then not receive a store of other types by mistake, as a parameter typed
 * `DelegatedStore<number, Product>` can (every DelegatedStore parameter is the default store's token).
 * `name` (optional) also registers the store under `@InjectDelegatedStore(name)`.
 */
export function DelegatedStoreClass<K, V>(name?: string): DelegatedStoreClassType<K, V> {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new ConfigurationError(
      `DelegatedStoreClass: name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
  class TypedDelegatedStore extends DelegatedStore<K, V> {
    static readonly storeName: string | undefined = name;

    static forRoot(options: TypedStoreOptions<K, V>): DynamicModule {
      return DelegatedStoreModule.forRoot<K, V>({ ...options, name, store: this });
    }

    static forRootAsync(options: TypedStoreAsyncOptions<K, V>): DynamicModule {
      return DelegatedStoreModule.forRootAsync<K, V>({ ...options, name, store: this });
    }
  }
  return TypedDelegatedStore;
}
