import type { StoreRef } from '../delegated-store.tokens.js';
import { keyBuilder } from './cache-key.js';
import { describeMethod, type DecoratedMethod } from './decorated-method.js';
import { checkCommonOptions, checkKeyOption } from './decorator-options.js';
import { invalidKeysError, invalidOptionError, keyFunctionError } from './decorator.errors.js';
import { registerMethod } from './method-registry.js';
import type { DelegatedMethodDecorator } from './typed-method-decorator.js';
import { callOriginal, wrapMethod } from './wrap-method.js';

/** The options of `@DelegatedEvict()`: give `key`, `keys` or `allEntries`; `A` is the method's parameters. */
export interface DelegatedEvictOptions<A extends any[] = any[]> {
  /** The key to evict: a string, or a function of the method's arguments (called with `this`). */
  key?: string | NoInfer<(...args: A) => string>;
  /** Several keys to evict, from the method's arguments; with `key`, both are evicted. */
  keys?: NoInfer<(...args: A) => readonly string[]>;
  /** Evicts every entry of the cache layers (`clear({ cachesOnly: true })`); overrides key and keys. */
  allEntries?: boolean;
  /** A named store, or a class made with DelegatedStoreClass(); omitted: the default store. */
  store?: StoreRef;
}

/**
 * Evicts keys from the cache layers of a DelegatedStore once the decorated async method resolved (not
 * when it rejected), then returns the method's result: `store.invalidate(keys)`, which never touches the
 * primary layer (evicting a cached method's entry never deletes a database row). The keys are computed
 * from the arguments before the method runs. A failed eviction rejects the call: the caller must know
 * that the caches may still serve the old value.
 */
export function DelegatedEvict<A extends any[] = any[]>(
  options: DelegatedEvictOptions<A>,
): DelegatedMethodDecorator<A, any> {
  return (target, propertyKey, descriptor) => {
    const method: DecoratedMethod = {
      decorator: 'DelegatedEvict',
      ...describeMethod(target, propertyKey),
      store: options?.store,
    };
    if (options === null || typeof options !== 'object') {
      throw invalidOptionError(method, 'options', 'an object { key?, keys?, allEntries?, store? }');
    }
    checkCommonOptions(method, options);
    const { key, keys, allEntries } = options;
    if (allEntries !== undefined && typeof allEntries !== 'boolean') {
      throw invalidOptionError(method, 'allEntries', 'a boolean');
    }
    if (keys !== undefined && typeof keys !== 'function') {
      throw invalidOptionError(method, 'keys', 'a function of the arguments that returns an array of keys');
    }
    checkKeyOption(method, key, allEntries !== true && keys === undefined);
    registerMethod(target, { method, defaultKeyPrefix: undefined });

    if (allEntries === true) {
      wrapMethod(target, descriptor, method, async (call) => {
        const result = await callOriginal(call);
        await call.store.clear({ cachesOnly: true });
        return result;
      });
      return;
    }
    const buildKey = key === undefined ? undefined : keyBuilder(method, key);
    const buildKeys = keys === undefined ? undefined : keysBuilder(method, keys);
    wrapMethod(target, descriptor, method, async (call) => {
      const evicted = [
        ...(buildKey ? [buildKey(call.thisArg, call.args)] : []),
        ...(buildKeys ? buildKeys(call.thisArg, call.args) : []),
      ];
      const result = await callOriginal(call);
      if (evicted.length > 0) await call.store.invalidate(evicted.length === 1 ? evicted[0] : evicted);
      return result;
    });
  };
}

function keysBuilder(
  method: DecoratedMethod,
  keys: (...args: any[]) => readonly string[],
): (thisArg: unknown, args: unknown[]) => string[] {
  return (thisArg, args) => {
    let value: unknown;
    try {
      value = Reflect.apply(keys, thisArg, args);
    } catch (error) {
      throw keyFunctionError(method, error);
    }
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw invalidKeysError(method, value);
    }
    return [...value];
  };
}
