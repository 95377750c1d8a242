import type { OperationOptions } from '../../core/operation.js';
import { keyBuilder, type KeyOption } from './cache-key.js';
import { describeMethod, type DecoratedMethod } from './decorated-method.js';
import { invalidOptionError, invalidTtlError } from './decorator.errors.js';
import { UncachedResults } from './uncached-results.js';
import { callOriginal, wrapMethod, type MethodCall } from './wrap-method.js';

export interface DelegatedCachedOptions {
  /** Default: `${ClassName}.${methodName}:${stable JSON of the arguments}`. A function is called with `this`. */
  key?: KeyOption;
  /** Milliseconds; replaces the layers' ttl for the entries of this method. */
  ttl?: number;
  /** A named store; omitted: the default store. */
  store?: string;
  /** Called with the arguments (and `this`); false: the method is called and the store bypassed. */
  condition?: (...args: any[]) => boolean;
  /** Called with the method's result; true: the result is returned but not cached. */
  unless?: (result: unknown) => boolean;
}

const uncachedResults = new UncachedResults();

/**
 * Caches an async method of a Nest provider in a DelegatedStore: the call goes through
 * `store.getOrLoad(key, () => method(...args))`, so concurrent calls with equal arguments run the method
 * once and later calls are served by the layers. `undefined` is never cached; `null`, `0`, `false` and
 * `''` are.
 */
export function DelegatedCached(options: DelegatedCachedOptions = {}): MethodDecorator {
  return (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor) => {
    const method: DecoratedMethod = {
      decorator: 'DelegatedCached',
      ...describeMethod(target, propertyKey),
      storeName: options.store,
    };
    checkOptions(method, options);
    const buildKey = keyBuilder(method, options.key);
    const storeOptions: OperationOptions | undefined =
      options.ttl === undefined ? undefined : { ttl: options.ttl };
    const { condition, unless } = options;

    wrapMethod(target, descriptor, method, async (call) => {
      if (condition && !Reflect.apply(condition, call.thisArg, call.args)) return callOriginal(call);
      const key = buildKey(call.thisArg, call.args);
      if (unless === undefined) return call.store.getOrLoad(key, () => callOriginal(call), storeOptions);
      return loadUnlessExcluded(call, key, unless, storeOptions);
    });
    return descriptor;
  };
}

/** getOrLoad whose loader keeps the results that `unless` excludes out of the store, but not from the callers. */
async function loadUnlessExcluded(
  call: MethodCall,
  key: string,
  unless: (result: unknown) => boolean,
  storeOptions: OperationOptions | undefined,
): Promise<unknown> {
  const waiting = uncachedResults.enter(call.store, key);
  try {
    const value = await call.store.getOrLoad(
      key,
      async () => {
        const result = await callOriginal(call);
        waiting.lastResult = { value: result };
        return result !== undefined && unless(result) ? undefined : result;
      },
      storeOptions,
    );
    // undefined: the load this call shared returned nothing to the store; its caller left the real result.
    return value === undefined ? waiting.lastResult?.value : value;
  } finally {
    uncachedResults.leave(call.store, key, waiting);
  }
}

function checkOptions(method: DecoratedMethod, options: DelegatedCachedOptions): void {
  const { ttl, key, store, condition, unless } = options;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    throw invalidTtlError(method, ttl);
  }
  if (key !== undefined && typeof key !== 'string' && typeof key !== 'function') {
    throw invalidOptionError(method, 'key', 'a string or a function of the arguments');
  }
  if (store !== undefined && typeof store !== 'string') throw invalidOptionError(method, 'store', 'a string');
  if (condition !== undefined && typeof condition !== 'function') {
    throw invalidOptionError(method, 'condition', 'a function of the arguments');
  }
  if (unless !== undefined && typeof unless !== 'function') {
    throw invalidOptionError(method, 'unless', 'a function of the result');
  }
}
