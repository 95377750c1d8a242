import { Inject, type Type } from '@nestjs/common';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError, describeValue } from '../core/errors.js';

/**
 * A class whose instances are a `DelegatedStore<K, V>`: a store declared once with its types (see
 * `DelegatedStoreClass()`). The class is the store's injection token and its type.
 */
export type TypedStoreClass<K, V> = abstract new (...args: any[]) => DelegatedStore<K, V>;

/** How a decorator or an injection names a store: its name, its typed class, or nothing (the default store). */
export type StoreRef = string | TypedStoreClass<any, any>;

/**
 * The injection token of a store: the DelegatedStore class itself for the default store (so it is
 * injected by type, with no decorator), a name-scoped string for a named one, and the class itself for a
 * store declared with `DelegatedStoreClass()`.
 */
export function getDelegatedStoreToken(): Type<DelegatedStore<any, any>>;
export function getDelegatedStoreToken(name: string): string;
export function getDelegatedStoreToken(name?: string): string | Type<DelegatedStore<any, any>>;
export function getDelegatedStoreToken<S extends TypedStoreClass<any, any>>(store: S): S;
export function getDelegatedStoreToken(
  ref?: StoreRef,
): string | Type<DelegatedStore<any, any>> | TypedStoreClass<any, any> {
  if (ref === undefined) return DelegatedStore;
  if (typeof ref === 'string') return `DelegatedStore:${ref}`;
  if (typeof ref === 'function' && ref.prototype instanceof DelegatedStore) return ref;
  throw new ConfigurationError(
    `getDelegatedStoreToken: expected a store name (string) or a class made with DelegatedStoreClass(), got ${describeValue(ref)}`,
  );
}

/**
 * Injects a store: `@InjectDelegatedStore('users') store: DelegatedStore<string, User>`. A store declared
 * with `DelegatedStoreClass()` needs no decorator: `constructor(private readonly users: UsersStore)`.
 */
export function InjectDelegatedStore(ref?: StoreRef): ParameterDecorator {
  return Inject(getDelegatedStoreToken(ref as string)) as ParameterDecorator;
}

/** How a store is called in messages: `the default store`, `the store "users"`, `the store UsersStore`. */
export function describeStoreRef(ref: StoreRef | undefined): string {
  if (ref === undefined) return 'the default store';
  if (typeof ref === 'string') return `the store "${ref}"`;
  return `the store ${ref.name || '(anonymous class)'}`;
}
