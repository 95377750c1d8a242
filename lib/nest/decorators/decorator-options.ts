import type { StoreRef } from '../delegated-store.tokens.js';
import { DelegatedStore } from '../../core/delegated-store.js';
import type { DecoratedMethod } from './decorated-method.js';
import { invalidOptionError, invalidTtlError, noStableNameError } from './decorator.errors.js';

/** Checks the options every decorator shares; throws a ConfigurationError naming the method. */
export function checkCommonOptions(
  method: DecoratedMethod,
  options: { ttl?: unknown; store?: unknown; namespace?: unknown },
): void {
  const { ttl, store, namespace } = options;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    throw invalidTtlError(method, ttl);
  }
  if (store !== undefined && !isStoreRef(store)) {
    throw invalidOptionError(
      method,
      'store',
      'a store name (string) or a class made with DelegatedStoreClass()',
    );
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    throw invalidOptionError(method, 'namespace', 'a non-empty string');
  }
}

export function checkKeyOption(method: DecoratedMethod, key: unknown, required: boolean): void {
  if (key === undefined && !required) return;
  if (typeof key !== 'string' && typeof key !== 'function') {
    throw invalidOptionError(method, 'key', 'a string or a function of the arguments');
  }
}

/** A default key needs a stable class name (or a namespace). */
export function checkDefaultKeyPossible(method: DecoratedMethod, key: unknown, namespace: unknown): void {
  if (key === undefined && namespace === undefined && method.className === '')
    throw noStableNameError(method);
}

function isStoreRef(value: unknown): value is StoreRef {
  return (
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'function' && value.prototype instanceof DelegatedStore)
  );
}
