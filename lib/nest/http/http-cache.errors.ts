import type { ExecutionContext } from '@nestjs/common';
import { ConfigurationError, DelegatedStoreError, describeValue } from '../../core/errors.js';
import { describeStoreRef, type StoreRef } from '../delegated-store.tokens.js';

/**
 * A route handler's own failure, as it travels through the store's `getOrLoad` (so that it is told apart
 * from a failure of the store, which is a miss). The interceptor rethrows the handler's error itself.
 * A store with `retryMiddleware` would run the handler again on it: skip it with
 * `retryMiddleware(n, (error) => !(error instanceof RouteHandlerError))`.
 */
export class RouteHandlerError extends DelegatedStoreError {
  constructor(cause: unknown) {
    super(
      'ROUTE_HANDLER',
      `the route handler failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** `UsersController.list`, for messages. */
export function describeRoute(context: ExecutionContext): string {
  return `${context.getClass()?.name ?? 'anonymous'}.${context.getHandler()?.name ?? 'anonymous'}`;
}

export function missingStoreError(
  store: StoreRef | undefined,
  route: string,
  cause: unknown,
): ConfigurationError {
  const name = typeof store === 'function' ? store.name : store;
  const registration =
    store === undefined
      ? 'DelegatedStoreModule.forRoot({ layers: [...] })'
      : typeof store === 'function'
        ? `${name}.forRoot({ layers: [...] })`
        : `DelegatedStoreModule.forRoot({ name: '${name}', layers: [...] })`;
  const choice =
    store === undefined
      ? ', or name a registered store with @DelegatedCacheStore(name)'
      : typeof store === 'function'
        ? ''
        : `, or fix the name in @DelegatedCacheStore('${name}')`;
  return new ConfigurationError(
    `DelegatedCacheInterceptor: ${describeStoreRef(store)} is not registered in this application (route ${route}). ` +
      `Register it with ${registration}${choice}.`,
    { cause },
  );
}

export function invalidKeyError(route: string, key: unknown): TypeError {
  return new TypeError(
    `DelegatedCacheInterceptor: the cache key of route ${route} must be a non-empty string (or undefined to skip the cache), got ${describeValue(key)}`,
  );
}

export function invalidTtlError(route: string, ttl: unknown): TypeError {
  return new TypeError(
    `DelegatedCacheInterceptor: the ttl of route ${route} must be a finite number of milliseconds > 0 (or undefined for the layers' ttl), got ${describeValue(ttl)}`,
  );
}
