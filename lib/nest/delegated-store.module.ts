import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError, describeValue } from '../core/errors.js';
import { DELEGATED_STORE_MODULE_OPTIONS } from './delegated-store.constants.js';
import type {
  DelegatedStoreFactoryOptions,
  DelegatedStoreInterceptor,
  DelegatedStoreModuleAsyncOptions,
  DelegatedStoreModuleOptions,
  DelegatedStoreOptionsFactory,
} from './delegated-store-module-options.interface.js';
import { createDelegatedStoreProviders, type StoreIdentity } from './delegated-store.providers.js';
import { getDelegatedStoreToken, type TypedStoreClass } from './delegated-store.tokens.js';

/**
 * Registers one DelegatedStore per call: the default store (no name, injected by its class), a named
 * one (`@InjectDelegatedStore(name)`), or one declared with `DelegatedStoreClass()` (injected by that
 * class). Call it once per store; a store registered twice in one application fails at bootstrap.
 */
@Module({})
export class DelegatedStoreModule {
  /** Registers a store built from `options` now; with `isGlobal` it is injectable in every module. */
  static forRoot<K, V>(options: DelegatedStoreModuleOptions<K, V>): DynamicModule {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        `DelegatedStoreModule.forRoot needs an options object { layers, ... }, got ${describeValue(options)}`,
      );
    }
    const identity = storeIdentity('forRoot', options.name, options.store);
    return define('forRoot', identity, options.isGlobal, options.interceptors, options.imports, [
      { provide: DELEGATED_STORE_MODULE_OPTIONS, useValue: options },
    ]);
  }

  /**
   * Registers a store whose options are built at bootstrap by `useFactory`, `useClass` or `useExisting`
   * (from `inject`ed providers, e.g. ConfigService). Name, interceptors and `isGlobal` stay static.
   */
  static forRootAsync<K, V>(options: DelegatedStoreModuleAsyncOptions<K, V>): DynamicModule {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        `DelegatedStoreModule.forRootAsync needs { useFactory, inject?, imports? } (or useClass / useExisting), got ${describeValue(options)}`,
      );
    }
    const identity = storeIdentity('forRootAsync', options.name, options.store);
    return define(
      'forRootAsync',
      identity,
      options.isGlobal,
      options.interceptors,
      options.imports,
      asyncOptionsProviders(options),
    );
  }
}

/** The providers that compute the options: a factory, or a class (of this module or an imported one). */
function asyncOptionsProviders<K, V>(options: DelegatedStoreModuleAsyncOptions<K, V>): Provider[] {
  const { useFactory, useClass, useExisting } = options;
  const given = [useFactory, useClass, useExisting].filter((option) => option !== undefined).length;
  if (given !== 1) {
    throw new ConfigurationError(
      `DelegatedStoreModule.forRootAsync needs exactly one of useFactory, useClass and useExisting, got ${given}`,
    );
  }
  if (useFactory !== undefined) {
    if (typeof useFactory !== 'function') {
      throw new ConfigurationError(
        `DelegatedStoreModule.forRootAsync: useFactory must be a function, got ${describeValue(useFactory)}`,
      );
    }
    return [{ provide: DELEGATED_STORE_MODULE_OPTIONS, useFactory, inject: options.inject ?? [] }];
  }
  const factoryClass = (useClass ?? useExisting)!;
  if (typeof factoryClass !== 'function') {
    throw new ConfigurationError(
      `DelegatedStoreModule.forRootAsync: ${useClass ? 'useClass' : 'useExisting'} must be a class with createDelegatedStoreOptions(), got ${describeValue(factoryClass)}`,
    );
  }
  const create = (
    factory: DelegatedStoreOptionsFactory<K, V>,
  ): Promise<DelegatedStoreFactoryOptions<K, V>> => {
    if (typeof factory?.createDelegatedStoreOptions !== 'function') {
      throw new ConfigurationError(
        `DelegatedStoreModule.forRootAsync: ${factoryClass.name} must have a createDelegatedStoreOptions() method`,
      );
    }
    return Promise.resolve(factory.createDelegatedStoreOptions());
  };
  return [
    ...(useClass ? [useClass] : []),
    { provide: DELEGATED_STORE_MODULE_OPTIONS, useFactory: create, inject: [factoryClass] },
  ];
}

function storeIdentity(
  method: string,
  name: string | undefined,
  store: TypedStoreClass<any, any> | undefined,
): StoreIdentity {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new ConfigurationError(
      `DelegatedStoreModule.${method}: name must be a non-empty string (omit it for the default store), got ${describeValue(name)}`,
    );
  }
  if (store !== undefined && !(typeof store === 'function' && store.prototype instanceof DelegatedStore)) {
    throw new ConfigurationError(
      `DelegatedStoreModule.${method}: store must be a class made with DelegatedStoreClass<K, V>(), got ${describeValue(store)}`,
    );
  }
  const label = name ?? (store ? store.name : undefined);
  const tokens: StoreIdentity['tokens'] = [];
  if (store !== undefined) tokens.push(store);
  if (name !== undefined) tokens.push(getDelegatedStoreToken(name));
  if (tokens.length === 0) tokens.push(getDelegatedStoreToken());
  return { label, name, storeClass: store, tokens };
}

function define(
  method: string,
  identity: StoreIdentity,
  isGlobal: boolean | undefined,
  interceptors: DelegatedStoreInterceptor[] | undefined,
  imports: DynamicModule['imports'] | undefined,
  optionsProviders: Provider[],
): DynamicModule {
  const list = checkInterceptors(method, interceptors ?? []);
  if (imports !== undefined && !Array.isArray(imports)) {
    throw new ConfigurationError(`DelegatedStoreModule.${method}: imports must be an array of modules`);
  }
  return {
    module: DelegatedStoreModule,
    global: isGlobal === true,
    imports: [DiscoveryModule, ...(imports ?? [])],
    providers: createDelegatedStoreProviders(identity, list, optionsProviders),
    exports: identity.tokens,
  };
}

function checkInterceptors(
  method: string,
  interceptors: DelegatedStoreInterceptor[],
): DelegatedStoreInterceptor[] {
  if (!Array.isArray(interceptors)) {
    throw new ConfigurationError(`DelegatedStoreModule.${method}: interceptors must be an array`);
  }
  interceptors.forEach((interceptor, index) => {
    const isClass = typeof interceptor === 'function';
    const isInstance =
      interceptor !== null && typeof interceptor === 'object' && typeof interceptor.intercept === 'function';
    if (!isClass && !isInstance) {
      throw new ConfigurationError(
        `DelegatedStoreModule.${method}: interceptors[${index}] must be a NestInterceptor class or instance, got ${describeValue(interceptor)}`,
      );
    }
  });
  return interceptors;
}
