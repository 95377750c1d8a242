/** The method a decorator was applied to, as every message names it: `@DelegatedCached() on UsersService.find`. */
export interface DecoratedMethod {
  readonly decorator: 'DelegatedCached' | 'DelegatedEvict';
  readonly className: string;
  readonly methodName: string;
  /** The named store it uses; `undefined`: the default store. */
  readonly storeName: string | undefined;
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
  return `@${method.decorator}() on ${method.className}.${method.methodName}`;
}

export function storeLabel(storeName: string | undefined): string {
  return storeName === undefined ? 'the default DelegatedStore' : `the DelegatedStore "${storeName}"`;
}
