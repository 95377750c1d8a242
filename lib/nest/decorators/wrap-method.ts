import type { DelegatedStore } from '../../core/delegated-store.js';
import { copyMethodMetadata } from './copy-method-metadata.js';
import type { DecoratedMethod } from './decorated-method.js';
import { notAMethodError, staticMethodError } from './decorator.errors.js';
import { injectedStore, injectStore } from './store-injection.js';

/** One call of the decorated method, with the store that Nest injected into its instance. */
export interface MethodCall {
  readonly original: Function;
  readonly thisArg: unknown;
  readonly args: unknown[];
  readonly store: DelegatedStore<string, unknown>;
}

/**
 * Replaces the method, once, when the class is defined, by a Proxy of it that runs `around` on every
 * call. The Proxy keeps `this`, `name`, `length` and `toString`; the original's metadata is copied onto
 * it. Any error, even one thrown synchronously, becomes a rejection: the method stays async.
 */
export function wrapMethod(
  target: object,
  descriptor: PropertyDescriptor,
  method: DecoratedMethod,
  around: (call: MethodCall) => Promise<unknown>,
): void {
  const original: unknown = descriptor.value;
  if (typeof original !== 'function') throw notAMethodError(method);
  if (typeof target === 'function') throw staticMethodError(method);
  const storeProperty = injectStore(target, method);
  const wrapper = new Proxy(original, {
    apply: async (original: Function, thisArg: unknown, args: unknown[]) =>
      around({ original, thisArg, args, store: injectedStore(thisArg, storeProperty, method) }),
  });
  copyMethodMetadata(original, wrapper);
  descriptor.value = wrapper;
}

/** Runs the original method as it was called. */
export function callOriginal(call: MethodCall): Promise<unknown> {
  return Reflect.apply(call.original, call.thisArg, call.args);
}
