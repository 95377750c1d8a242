import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurationError, describeValue } from '../core/errors.js';
import { DELEGATED_STORE_MODULE_OPTIONS } from './delegated-store.constants.js';
import type {
  DelegatedStoreInterceptor,
  DelegatedStoreModuleAsyncOptions,
  DelegatedStoreModuleOptions,
} from './delegated-store-module-options.interface.js';
import { createDelegatedStoreProviders } from './delegated-store.providers.js';
import { getDelegatedStoreToken } from './delegated-store.tokens.js';

/**
 * Registers one DelegatedStore per call: the default store (no name, injected by its class) or a
 * named one (`@InjectDelegatedStore(name)`). Call it once per store; a name registered twice in one
 * application fails at bootstrap.
 */
@Module({})
export class DelegatedStoreModule {
  static forRoot<K, V>(options: DelegatedStoreModuleOptions<K, V>): DynamicModule {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        `DelegatedStoreModule.forRoot needs an options object { layers, ... }, got ${describeValue(options)}`,
      );
    }
    return define('forRoot', options.name, options.isGlobal, options.interceptors, [], {
      provide: DELEGATED_STORE_MODULE_OPTIONS,
      useValue: options,
    });
  }

  static forRootAsync<K, V>(options: DelegatedStoreModuleAsyncOptions<K, V>): DynamicModule {
    if (options === null || typeof options !== 'object' || typeof options.useFactory !== 'function') {
      throw new ConfigurationError(
        'DelegatedStoreModule.forRootAsync needs { useFactory: (...deps) => options, inject?, imports? }',
      );
    }
    return define(
      'forRootAsync',
      options.name,
      options.isGlobal,
      options.interceptors,
      options.imports ?? [],
      {
        provide: DELEGATED_STORE_MODULE_OPTIONS,
        useFactory: options.useFactory,
        inject: options.inject ?? [],
      },
    );
  }
}

function define(
  method: string,
  name: string | undefined,
  isGlobal: boolean | undefined,
  interceptors: DelegatedStoreInterceptor[] | undefined,
  imports: NonNullable<DynamicModule['imports']>,
  optionsProvider: Provider,
): DynamicModule {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new ConfigurationError(
      `DelegatedStoreModule.${method}: name must be a non-empty string (omit it for the default store), got ${JSON.stringify(name)}`,
    );
  }
  const list = checkInterceptors(method, interceptors ?? []);
  return {
    module: DelegatedStoreModule,
    global: isGlobal === true,
    imports: [DiscoveryModule, ...imports],
    providers: createDelegatedStoreProviders(name, list, optionsProvider),
    exports: [getDelegatedStoreToken(name)],
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
        `DelegatedStoreModule.${method}: interceptors[${index}] must be a NestInterceptor class or instance, got ${interceptor === null ? 'null' : typeof interceptor}`,
      );
    }
  });
  return interceptors;
}
