/**
 * A decorator for async methods only: applied to a method that does not return a Promise it does not
 * compile, because the wrapped method always returns one.
 */
export type AsyncMethodDecorator = <T extends (...args: any[]) => Promise<any>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => TypedPropertyDescriptor<T> | void;
