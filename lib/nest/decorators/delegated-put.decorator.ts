import type { OperationOptions } from '../../core/operation.js';
import type { StoreRef, TypedStoreClass } from '../delegated-store.tokens.js';
import { keyBuilder } from './cache-key.js';
import { describeMethod, type DecoratedMethod } from './decorated-method.js';
import { checkCommonOptions, checkKeyOption } from './decorator-options.js';
import { invalidOptionError } from './decorator.errors.js';
import { registerMethod } from './method-registry.js';
import type { DelegatedMethodDecorator } from './typed-method-decorator.js';
import { callOriginal, wrapMethod } from './wrap-method.js';

/** The options of `@DelegatedPut()`; `A` is the method's parameters. */
export interface DelegatedPutOptions<A extends any[] = any[]> {
  /** The key to write: a string, or a function of the method's arguments (called with `this`). */
  key: string | NoInfer<(...args: A) => string>;
  /** Milliseconds; replaces the layers' ttl for this entry. */
  ttl?: number;
  /** A named store, or a class made with DelegatedStoreClass(); omitted: the default store. */
  store?: StoreRef;
}

/**
 * Writes the decorated async method's resolved result into the cache layers of a DelegatedStore under
 * `key` (a fenced write of the caches only: `store.set(key, result, { cachesOnly: true })`), then returns
 * it; a result of `undefined` invalidates the key instead. The primary layer is never written. For
 * methods that produce the new value of a cached entry (an update that returns the updated object).
 */
export function DelegatedPut<A extends any[] = any[], R = any>(
  options: Omit<DelegatedPutOptions<A>, 'store'> & { store?: string },
): DelegatedMethodDecorator<A, R>;
export function DelegatedPut<K, V, A extends any[] = any[], R extends V | undefined = V | undefined>(
  options: Omit<DelegatedPutOptions<A>, 'store'> & { store: TypedStoreClass<K, V> },
): DelegatedMethodDecorator<A, R>;
export function DelegatedPut(options: DelegatedPutOptions): DelegatedMethodDecorator<any[], any> {
  return (target, propertyKey, descriptor) => {
    const method: DecoratedMethod = {
      decorator: 'DelegatedPut',
      ...describeMethod(target, propertyKey),
      store: options?.store,
    };
    if (options === null || typeof options !== 'object') {
      throw invalidOptionError(method, 'options', 'an object { key, ttl?, store? }');
    }
    checkCommonOptions(method, options);
    checkKeyOption(method, options.key, true);
    registerMethod(target, { method, defaultKeyPrefix: undefined });
    const buildKey = keyBuilder(method, options.key);
    const storeOptions: OperationOptions =
      options.ttl === undefined ? { cachesOnly: true } : { cachesOnly: true, ttl: options.ttl };

    wrapMethod(target, descriptor, method, async (call) => {
      const key = buildKey(call.thisArg, call.args);
      const result = await callOriginal(call);
      if (result === undefined) await call.store.invalidate(key);
      else await call.store.set(key, result, storeOptions);
      return result;
    });
  };
}
