import { Logger, type NestInterceptor, type Provider, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError, describeValue } from '../core/errors.js';
import type { Middleware } from '../core/operation.js';
import {
  withBackFillCallbacks,
  withErrorHandler,
  withInvalidationBus,
  withMaxPendingBackFills,
  withMiddlewares,
  withOnChangeCallbacks,
  withOnDeleteCallbacks,
  withNegativeCaching,
  withStaleTimeout,
  withTtlJitter,
  type DelegatedStoreOption,
} from '../core/options.js';
import { DEFAULT_STORE_LOG_CONTEXT, DELEGATED_STORE_MODULE_OPTIONS } from './delegated-store.constants.js';
import { describeStore } from './delegated-store.messages.js';
import type {
  DelegatedStoreFactoryOptions,
  DelegatedStoreInterceptor,
} from './delegated-store-module-options.interface.js';
import { DelegatedStoreRegistration } from './delegated-store-registration.js';
import { assertNoDefaultKeyCollisions } from './decorators/method-registry.js';
import { DelegatedStoreShutdown } from './delegated-store-shutdown.js';
import type { TypedStoreClass } from './delegated-store.tokens.js';
import { interceptorMiddleware } from './interceptor-middleware.js';
import { logStoreErrors } from './store-error-logger.js';

/** Who a store is: what it is called in logs and messages, and the tokens it is injected by. */
export interface StoreIdentity {
  /** Its name, else its class's name; `undefined` for the default store. */
  label: string | undefined;
  name: string | undefined;
  /** A class made with DelegatedStoreClass(): the store is built as an instance of it. */
  storeClass: TypedStoreClass<any, any> | undefined;
  /** The first is where the store is built; the others are aliases of it. */
  tokens: Array<string | TypedStoreClass<any, any> | Type<DelegatedStore<any, any>>>;
}

/**
 * The providers of one store's module. `optionsProviders` provide DELEGATED_STORE_MODULE_OPTIONS
 * (a value for forRoot, a factory or an options class for forRootAsync); interceptor classes become
 * providers of the module, so Nest builds them with their dependencies.
 */
export function createDelegatedStoreProviders(
  identity: StoreIdentity,
  interceptors: DelegatedStoreInterceptor[],
  optionsProviders: Provider[],
): Provider[] {
  const [token, ...aliases] = identity.tokens;
  const interceptorClasses = interceptors.filter(isClass);
  return [
    ...optionsProviders,
    {
      provide: DelegatedStoreRegistration,
      useValue: new DelegatedStoreRegistration(identity.label, identity.tokens),
    },
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
        assertNoDefaultKeyCollisions(discovery, identity.tokens);
        const instances = interceptors.map((interceptor) =>
          isClass(interceptor) ? built[interceptorClasses.indexOf(interceptor)] : interceptor,
        );
        return createDelegatedStore(identity, options, instances, storeLogger(identity.label));
      },
      inject: [
        DELEGATED_STORE_MODULE_OPTIONS,
        DelegatedStoreRegistration,
        DiscoveryService,
        ...interceptorClasses,
      ],
    },
    ...aliases.map((alias) => ({ provide: alias, useExisting: token })),
    {
      provide: DelegatedStoreShutdown,
      useFactory: (store: DelegatedStore<unknown, unknown>) =>
        new DelegatedStoreShutdown(store, storeLogger(identity.label)),
      inject: [token],
    },
  ];
}

/**
 * Builds the store. The chain, from the outside in: the interceptors (the first listed outermost, as
 * with @UseInterceptors), the middlewares (the last listed outermost, as in the core), the store.
 */
export function createDelegatedStore<K, V>(
  identity: Pick<StoreIdentity, 'label' | 'storeClass'>,
  options: DelegatedStoreFactoryOptions<K, V>,
  interceptors: NestInterceptor[],
  logger: Logger,
): DelegatedStore<K, V> {
  const what = `DelegatedStoreModule (${describeStore(identity.label)})`;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      `${what}: the options must be an object { layers, ... }, got ${describeValue(options)}`,
    );
  }
  const middlewares = optionalArray<Middleware<K, V>>(options.middlewares, 'middlewares', what);
  const callbacks = optionalArray(options.backFillCallbacks, 'backFillCallbacks', what);
  const onChange = optionalArray(options.onChange, 'onChange', what);
  const onDelete = optionalArray(options.onDelete, 'onDelete', what);
  try {
    // withMiddlewares(a, b) runs b first: the interceptors go last, reversed, so the first one is outermost.
    const chain = [...middlewares, ...interceptors.map((i) => interceptorMiddleware<K, V>(i)).reverse()];
    const storeOptions: DelegatedStoreOption<K, V>[] = [
      withMiddlewares(...chain),
      withBackFillCallbacks(...callbacks),
      withOnChangeCallbacks(...onChange),
      withOnDeleteCallbacks(...onDelete),
      withErrorHandler(logStoreErrors(logger)),
    ];
    if (options.errorHandler !== undefined) storeOptions.push(withErrorHandler(options.errorHandler));
    if (options.maxPendingBackFills !== undefined) {
      storeOptions.push(withMaxPendingBackFills(options.maxPendingBackFills));
    }
    if (options.bus !== undefined) storeOptions.push(withInvalidationBus(options.bus));
    if (options.staleTimeout !== undefined) storeOptions.push(withStaleTimeout(options.staleTimeout));
    if (options.negativeTtl !== undefined) storeOptions.push(withNegativeCaching(options.negativeTtl));
    if (options.ttlJitter !== undefined) storeOptions.push(withTtlJitter(options.ttlJitter));
    const StoreClass = (identity.storeClass ?? DelegatedStore) as unknown as new (
      ...args: ConstructorParameters<typeof DelegatedStore<K, V>>
    ) => DelegatedStore<K, V>;
    return new StoreClass(options.layers, ...storeOptions);
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
