import { Inject } from '@nestjs/common';
import type { DelegatedStore } from '../../core/delegated-store.js';
import { getDelegatedStoreToken } from '../delegated-store.tokens.js';
import type { DecoratedMethod } from './decorated-method.js';
import { storeInjectionDescription, storeNotInjectedError } from './decorator.errors.js';

/**
 * Asks Nest to inject the method's store into every instance of the class, as a property under a symbol of
 * its own: no collision with the user's fields, works for request-scoped and transient providers (each
 * instance is injected), keeps two applications in one process apart (each injects its own store), and a
 * missing store fails the bootstrap, with the symbol's description naming the method and the store.
 */
export function injectStore(target: object, method: DecoratedMethod): symbol {
  const property = Symbol(storeInjectionDescription(method));
  Inject(getDelegatedStoreToken(method.store as string))(target, property);
  return property;
}

/** The store that Nest injected into `instance`; throws, naming the method, when there is none. */
export function injectedStore(
  instance: unknown,
  property: symbol,
  method: DecoratedMethod,
): DelegatedStore<string, unknown> {
  const store =
    instance !== null && (typeof instance === 'object' || typeof instance === 'function')
      ? (instance as Record<symbol, unknown>)[property]
      : undefined;
  if (store === undefined || store === null) throw storeNotInjectedError(method);
  return store as DelegatedStore<string, unknown>;
}
