/** An async method with arguments `A` that resolves `R`. */
export type AsyncMethod<A extends any[], R> = (...args: A) => Promise<R>;

/**
 * A method decorator typed from the method it decorates: TypeScript infers `A` and `R` from the method, so a
 * key function with the wrong parameters, an `unless` that expects another result, or a method that is not
 * async does not compile. (To pass one to Nest's `applyDecorators`, which wants the untyped
 * `MethodDecorator`, write `DelegatedCached(...) as MethodDecorator`.)
 */
export type DelegatedMethodDecorator<A extends any[], R> = (
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<AsyncMethod<A, R>>,
) => void;
