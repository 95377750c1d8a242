import { Logger, type NestInterceptor, type Provider, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError, describeValue } from '../core/errors.js';
import type { Middleware } from '../core/operation.js';
import {
  withBackFillCallbacks,
  withErrorHandler,
  withInvalidationBus,
  withMiddlewares,
  type DelegatedStoreOption,
} from '../core/options.js';
import { DEFAULT_STORE_LOG_CONTEXT, DELEGATED_STORE_MODULE_OPTIONS } from './delegated-store.constants.js';
import { describeStore } from './delegated-store.messages.js';
import type {
  DelegatedStoreFactoryOptions,
  DelegatedStoreInterceptor,
} from './delegated-store-module-options.interface.js';
import { DelegatedStoreRegistration } from './delegated-store-registration.js';
import { DelegatedStoreShutdown } from './delegated-store-shutdown.js';
import { getDelegatedStoreToken } from './delegated-store.tokens.js';
import { interceptorMiddleware } from './interceptor-middleware.js';
import { logStoreErrors } from './store-error-logger.js';

/**
 * The providers of one store's module. `optionsProvider` provides DELEGATED_STORE_MODULE_OPTIONS
 * (a value for forRoot, a factory for forRootAsync); interceptor classes become providers of the
 * module, so Nest builds them with their dependencies.
 */
export function createDelegatedStoreProviders(
  name: string | undefined,
  interceptors: DelegatedStoreInterceptor[],
  optionsProvider: Provider,
): Provider[] {
  const token = getDelegatedStoreToken(name);
  const interceptorClasses = interceptors.filter(isClass);
  return [
    optionsProvider,
    { provide: DelegatedStoreRegistration, useValue: new DelegatedStoreRegistration(name) },
    ...interceptorClasses,
    {
      provide: token,
      useFactory: (
        options: DelegatedStoreFactoryOptions<unknown, unknown>,
        registration: DelegatedStoreRegistration,
        discovery: DiscoveryService,
        ...built: NestInterceptor[]
      ) => {
        registration.assertUnique(discovery);
        const instances = interceptors.map((interceptor) =>
          isClass(interceptor) ? built[interceptorClasses.indexOf(interceptor)] : interceptor,
        );
        return createDelegatedStore(name, options, instances, storeLogger(name));
      },
      inject: [
        DELEGATED_STORE_MODULE_OPTIONS,
        DelegatedStoreRegistration,
        DiscoveryService,
        ...interceptorClasses,
      ],
    },
    {
      provide: DelegatedStoreShutdown,
      useFactory: (store: DelegatedStore<unknown, unknown>) =>
        new DelegatedStoreShutdown(store, storeLogger(name)),
      inject: [token],
    },
  ];
}

/**
 * Builds the store. The chain, from the outside in: the interceptors (the first listed outermost, as
 * with @UseInterceptors), the middlewares (the last listed outermost, as in the core), the store.
 */
export function createDelegatedStore<K, V>(
  name: string | undefined,
  options: DelegatedStoreFactoryOptions<K, V>,
  interceptors: NestInterceptor[],
  logger: Logger,
): DelegatedStore<K, V> {
  const what = `DelegatedStoreModule (${describeStore(name)})`;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      `${what}: the options must be an object { layers, ... }, got ${describeValue(options)}`,
    );
  }
  const middlewares = optionalArray<Middleware<K, V>>(options.middlewares, 'middlewares', what);
  const callbacks = optionalArray(options.backFillCallbacks, 'backFillCallbacks', what);
  try {
    // withMiddlewares(a, b) runs b first: the interceptors go last, reversed, so the first one is outermost.
    const chain = [...middlewares, ...interceptors.map((i) => interceptorMiddleware<K, V>(i)).reverse()];
    const storeOptions: DelegatedStoreOption<K, V>[] = [
      withMiddlewares(...chain),
      withBackFillCallbacks(...callbacks),
      withErrorHandler(logStoreErrors(logger)),
    ];
    if (options.bus !== undefined) storeOptions.push(withInvalidationBus(options.bus));
    return new DelegatedStore<K, V>(options.layers, ...storeOptions);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError(`${what}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function storeLogger(name: string | undefined): Logger {
  return new Logger(name ?? DEFAULT_STORE_LOG_CONTEXT);
}

function optionalArray<T>(value: T[] | undefined, option: string, what: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigurationError(`${what}: ${option} must be an array, got ${describeValue(value)}`);
  }
  return value;
}

export function isClass(interceptor: DelegatedStoreInterceptor): interceptor is Type<NestInterceptor> {
  return typeof interceptor === 'function';
}
