import type { OperationOptions } from '../../core/operation.js';
import type { StoreRef, TypedStoreClass } from '../delegated-store.tokens.js';
import { defaultKeyPrefix, keyBuilder } from './cache-key.js';
import { describeMethod, type DecoratedMethod } from './decorated-method.js';
import { checkCommonOptions, checkDefaultKeyPossible, checkKeyOption } from './decorator-options.js';
import { invalidOptionError } from './decorator.errors.js';
import { registerMethod } from './method-registry.js';
import type { DelegatedMethodDecorator } from './typed-method-decorator.js';
import { UncachedResults } from './uncached-results.js';
import { callOriginal, wrapMethod, type MethodCall } from './wrap-method.js';

/**
 * The options of `@DelegatedCached()`. `A` and `R` are the method's parameters and result, inferred from
 * the method, so that a `key` or `unless` function of the wrong shape does not compile.
 */
export interface DelegatedCachedOptions<A extends any[] = any[], R = any> {
  /**
   * Default: `${ClassName}.${methodName}:${stable JSON of the arguments}` (`namespace` replaces the class
   * name). A function gets the method's arguments (and `this`).
   */
  key?: string | NoInfer<(...args: A) => string>;
  /** Replaces the class name in default keys: stable under minification, unique across classes of one name. */
  namespace?: string;
  /** Milliseconds; replaces the layers' ttl for the entries of this method. */
  ttl?: number;
  /** A named store, or a class made with DelegatedStoreClass(); omitted: the default store. */
  store?: StoreRef;
  /** Called with the arguments (and `this`); false: the method is called and the store bypassed. */
  condition?: NoInfer<(...args: A) => boolean>;
  /** Called with the method's result; true: the result is returned but not cached. */
  unless?: NoInfer<(result: R) => boolean>;
}

const uncachedResults = new UncachedResults();

/**
 * Caches an async method of a Nest provider in the cache layers of a DelegatedStore: the call goes through
 * `store.getOrLoad(key, () => method(...args), { cachesOnly: true })`, so concurrent calls with equal
 * arguments run the method once and later calls are served by the cache layers. The method is the source
 * of its entries: the store's primary layer is never read or written. `undefined` is never cached;
 * `null`, `0`, `false` and `''` are. Typed from the method: a key function must take its parameters.
 */
export function DelegatedCached<A extends any[] = any[], R = any>(
  options?: Omit<DelegatedCachedOptions<A, R>, 'store'> & { store?: string },
): DelegatedMethodDecorator<A, R>;
/** With a store declared by DelegatedStoreClass<K, V>(): the method's result must be a `V` (or undefined). */
export function DelegatedCached<K, V, A extends any[] = any[], R extends V | undefined = V | undefined>(
  options: Omit<DelegatedCachedOptions<A, R>, 'store'> & { store: TypedStoreClass<K, V> },
): DelegatedMethodDecorator<A, R>;
export function DelegatedCached(options: DelegatedCachedOptions = {}): DelegatedMethodDecorator<any[], any> {
  return (target, propertyKey, descriptor) => {
    const method: DecoratedMethod = {
      decorator: 'DelegatedCached',
      ...describeMethod(target, propertyKey),
      store: options?.store,
    };
    if (options === null || typeof options !== 'object') {
      throw invalidOptionError(method, 'options', 'an object { key?, ttl?, store?, condition?, unless? }');
    }
    checkOptions(method, options);
    const buildKey = keyBuilder(method, options.key, options.namespace);
    const storeOptions: OperationOptions =
      options.ttl === undefined ? { cachesOnly: true } : { cachesOnly: true, ttl: options.ttl };
    const { condition, unless } = options;
    registerMethod(target, {
      method,
      defaultKeyPrefix: options.key === undefined ? defaultKeyPrefix(method, options.namespace) : undefined,
    });

    wrapMethod(target, descriptor, method, async (call) => {
      if (condition && !Reflect.apply(condition, call.thisArg, call.args)) return callOriginal(call);
      const key = buildKey(call.thisArg, call.args);
      if (unless === undefined) return call.store.getOrLoad(key, () => callOriginal(call), storeOptions);
      return loadUnlessExcluded(call, key, unless, storeOptions);
    });
  };
}

/** getOrLoad whose loader keeps the results that `unless` excludes out of the store, but not from the callers. */
async function loadUnlessExcluded(
  call: MethodCall,
  key: string,
  unless: (result: unknown) => boolean,
  storeOptions: OperationOptions,
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
  checkCommonOptions(method, options);
  checkKeyOption(method, options.key, false);
  checkDefaultKeyPossible(method, options.key, options.namespace);
  if (options.condition !== undefined && typeof options.condition !== 'function') {
    throw invalidOptionError(method, 'condition', 'a function of the arguments');
  }
  if (options.unless !== undefined && typeof options.unless !== 'function') {
    throw invalidOptionError(method, 'unless', 'a function of the result');
  }
}
