import { Inject, type Type } from '@nestjs/common';
import { DelegatedStore } from '../core/delegated-store.js';

/**
 * The injection token of a store: the DelegatedStore class itself for the default store (so it is
 * injected by type, with no decorator), a name-scoped string for a named one.
 */
export function getDelegatedStoreToken(name?: string): string | Type<DelegatedStore<any, any>> {
  return name === undefined ? DelegatedStore : `DelegatedStore:${name}`;
}

/** Injects a store: `@InjectDelegatedStore('users') store: DelegatedStore<string, User>`. */
export function InjectDelegatedStore(name?: string): ParameterDecorator {
  return Inject(getDelegatedStoreToken(name)) as ParameterDecorator;
}
