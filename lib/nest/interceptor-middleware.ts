import { AsyncResource } from 'node:async_hooks';
import type { CallHandler, NestInterceptor } from '@nestjs/common';
import { defer, isObservable, lastValueFrom, type Observable } from 'rxjs';
import { ConfigurationError } from '../core/errors.js';
import type { Middleware } from '../core/operation.js';
import { DelegatedStoreExecutionContext } from './delegated-store-execution-context.js';

/**
 * Runs a Nest interceptor around every store operation. `next.handle()` is cold: each subscription runs
 * the rest of the chain again, so `retry()` retries it and `timeout()` bounds it. The operation resolves
 * the last value the interceptor's Observable emits (`undefined` if none); an error rejects it.
 */
export function interceptorMiddleware<K, V>(interceptor: NestInterceptor): Middleware<K, V> {
  if (
    interceptor === null ||
    typeof interceptor !== 'object' ||
    typeof interceptor.intercept !== 'function'
  ) {
    throw new ConfigurationError(
      `interceptorMiddleware needs a NestInterceptor instance (an object with intercept()), got ${describe(interceptor)}`,
    );
  }
  return (next) => async (ctx, key, value) => {
    // Bound to the caller's async context: a subscription made later (a retry timer, a shared
    // Observable) still runs the store inside the request's AsyncLocalStorage.
    const runRest = AsyncResource.bind(() => next(ctx, key, value));
    const handler: CallHandler<V | undefined> = { handle: () => defer(runRest) };
    const intercepted = await interceptor.intercept(
      new DelegatedStoreExecutionContext(ctx, key, value),
      handler,
    );
    if (!isObservable(intercepted)) {
      throw new TypeError(
        `${interceptor.constructor.name}.intercept() must return an Observable (or a Promise of one), got ${describe(intercepted)}`,
      );
    }
    return lastValueFrom(intercepted as Observable<V | undefined>, { defaultValue: undefined });
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `the class or function ${value.name || '(anonymous)'}`;
  return typeof value;
}
