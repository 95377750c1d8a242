import { keyBuilder, type KeyOption } from './cache-key.js';
import { describeMethod, type DecoratedMethod } from './decorated-method.js';
import { invalidOptionError } from './decorator.errors.js';
import { callOriginal, wrapMethod } from './wrap-method.js';

export interface DelegatedEvictOptions {
  /** The key to delete: a string, or a function of the method's arguments (called with `this`). */
  key: KeyOption;
  /** A named store; omitted: the default store. */
  store?: string;
}

/**
 * Deletes a key from a DelegatedStore once the decorated async method resolved (not when it rejected),
 * then returns the method's result. The key is computed from the arguments before the method runs, so
 * a method that changes its arguments does not change the key. A failed delete rejects the call: the
 * caller must know that the store may still serve the old value.
 */
export function DelegatedEvict(options: DelegatedEvictOptions): MethodDecorator {
  return (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor) => {
    const method: DecoratedMethod = {
      decorator: 'DelegatedEvict',
      ...describeMethod(target, propertyKey),
      storeName: options?.store,
    };
    if (typeof options?.key !== 'string' && typeof options?.key !== 'function') {
      throw invalidOptionError(method, 'key', 'a string or a function of the arguments');
    }
    if (options.store !== undefined && typeof options.store !== 'string') {
      throw invalidOptionError(method, 'store', 'a string');
    }
    const buildKey = keyBuilder(method, options.key);

    wrapMethod(target, descriptor, method, async (call) => {
      const key = buildKey(call.thisArg, call.args);
      const result = await callOriginal(call);
      await call.store.delete(key);
      return result;
    });
    return descriptor;
  };
}
