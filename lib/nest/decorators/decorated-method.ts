import { describeStoreRef, type StoreRef } from '../delegated-store.tokens.js';

/** The method a decorator was applied to, as every message names it: `@DelegatedCached() on UsersService.find`. */
export interface DecoratedMethod {
  readonly decorator: 'DelegatedCached' | 'DelegatedEvict' | 'DelegatedPut';
  readonly className: string;
  readonly methodName: string;
  /** The store it uses; `undefined`: the default store. */
  readonly store: StoreRef | undefined;
}

export function describeMethod(
  target: object,
  propertyKey: string | symbol,
): {
  className: string;
  methodName: string;
} {
  const className = typeof target === 'function' ? target.name : target.constructor.name;
  return { className, methodName: String(propertyKey) };
}

export function methodLabel(method: DecoratedMethod): string {
  return `@${method.decorator}() on ${method.className || '(anonymous class)'}.${method.methodName}`;
}

export function storeLabel(store: StoreRef | undefined): string {
  return store === undefined
    ? 'the default DelegatedStore'
    : describeStoreRef(store).replace(/^the store/, 'the DelegatedStore');
}
