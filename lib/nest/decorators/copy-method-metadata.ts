/**
 * Copies every reflect-metadata entry of the original method onto its wrapper: `@Get()`,
 * `@UseInterceptors()`, `@SetMetadata()` applied below our decorator wrote them on the original, and Nest
 * reads them from the function it finds on the prototype, which is now the wrapper. (Decorators applied
 * above ours write on the wrapper directly.)
 */
export function copyMethodMetadata(original: Function, wrapper: Function): void {
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  }
}
