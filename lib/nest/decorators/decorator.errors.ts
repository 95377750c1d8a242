import { ConfigurationError, DelegatedStoreError, describeValue } from '../../core/errors.js';
import { methodLabel, storeLabel, type DecoratedMethod } from './decorated-method.js';

/** The arguments of a call could not be turned into a cache key. */
export class CacheKeyError extends DelegatedStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_KEY', message, options);
  }
}

/** A decorated method was called on an object into which Nest did not inject the store. */
export class StoreNotInjectedError extends DelegatedStoreError {
  constructor(message: string) {
    super('STORE_NOT_INJECTED', message);
  }
}

// ── Messages ───────────────────────────────────────────────────────────────────────────────────────────

export function notAMethodError(method: DecoratedMethod): ConfigurationError {
  return new ConfigurationError(`${methodLabel(method)}: only a method can be decorated`);
}

export function staticMethodError(method: DecoratedMethod): ConfigurationError {
  return new ConfigurationError(
    `${methodLabel(method)}: a static method cannot be decorated, because the store is injected into instances`,
  );
}

export function invalidTtlError(method: DecoratedMethod, ttl: unknown): ConfigurationError {
  return new ConfigurationError(
    `${methodLabel(method)}: ttl must be a finite number of milliseconds > 0, got ${describeValue(ttl)}`,
  );
}

export function invalidOptionError(
  method: DecoratedMethod,
  option: string,
  expected: string,
): ConfigurationError {
  return new ConfigurationError(`${methodLabel(method)}: the option "${option}" must be ${expected}`);
}

export function unserializableArgumentError(
  method: DecoratedMethod,
  path: string,
  what: string,
  cause?: unknown,
): CacheKeyError {
  return new CacheKeyError(
    `${methodLabel(method)}: cannot build the default cache key, because ${path} is ${what}, which does not ` +
      `serialise to JSON. Pass a key function: @${method.decorator}({ key: (...args) => '...' })`,
    { cause },
  );
}

export function invalidKeyError(method: DecoratedMethod, key: unknown): CacheKeyError {
  return new CacheKeyError(
    `${methodLabel(method)}: the key function must return a string, got ${key === null ? 'null' : typeof key}`,
  );
}

export function keyFunctionError(method: DecoratedMethod, cause: unknown): CacheKeyError {
  return new CacheKeyError(`${methodLabel(method)}: the key function threw: ${String(cause)}`, { cause });
}

export function storeNotInjectedError(method: DecoratedMethod): StoreNotInjectedError {
  return new StoreNotInjectedError(
    `${methodLabel(method)} has no access to ${storeLabel(method.store)}: it was called on an object ` +
      `that Nest's DI did not create (new ${method.className}(), a useValue or useFactory provider, or a ` +
      `method detached from its instance). Let Nest create the class: list it as a provider or controller.`,
  );
}

/**
 * The description of the symbol under which the store is injected. Nest quotes it in its "can't resolve
 * dependencies" error at bootstrap, so it says which method needs which store and how to provide it.
 */
export function storeInjectionDescription(method: DecoratedMethod): string {
  const registration =
    method.store === undefined
      ? 'DelegatedStoreModule.forRoot({ layers })'
      : typeof method.store === 'string'
        ? `DelegatedStoreModule.forRoot({ name: '${method.store}', layers })`
        : `${method.store.name}.forRoot({ layers })`;
  return (
    `${storeLabel(method.store)}, needed by ${methodLabel(method)}; ` +
    `register it with ${registration} in a module that this one imports, or make it global`
  );
}

export function noStableNameError(method: DecoratedMethod): ConfigurationError {
  return new ConfigurationError(
    `${methodLabel(method)}: the class has no name, so the default key (\`ClassName.method:args\`) has no stable ` +
      `prefix. Give a key or a namespace: @${method.decorator}({ key: (...args) => '...' }) or { namespace: 'orders' }`,
  );
}

export function defaultKeyCollisionError(
  first: DecoratedMethod,
  second: DecoratedMethod,
  prefix: string,
): ConfigurationError {
  return new ConfigurationError(
    `${methodLabel(first)} and ${methodLabel(second)} belong to two different classes of the same name and ` +
      `both use the default key prefix "${prefix}" in ${storeLabel(first.store)}: their entries would collide. ` +
      `Give one of them a key or a namespace, e.g. @${second.decorator}({ namespace: '${second.className}2' })`,
  );
}

export function invalidKeysError(method: DecoratedMethod, keys: unknown): CacheKeyError {
  return new CacheKeyError(
    `${methodLabel(method)}: the keys function must return an array of strings, got ${describeValue(keys)}`,
  );
}
