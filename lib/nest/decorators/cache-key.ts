import type { DecoratedMethod } from './decorated-method.js';
import { invalidKeyError, keyFunctionError, unserializableArgumentError } from './decorator.errors.js';
import { stableJson, UnserializableValue } from './stable-json.js';

/** A key as the user gives it: a fixed string, or a function of the method's arguments (called with `this`). */
export type KeyOption<A extends any[] = any[]> = string | ((...args: A) => string);

/** Builds the key of one call; throws a CacheKeyError that names the method. */
export type KeyBuilder = (thisArg: unknown, args: unknown[]) => string;

export function keyBuilder(
  method: DecoratedMethod,
  key: KeyOption | undefined,
  namespace?: string,
): KeyBuilder {
  if (typeof key === 'string') return () => key;
  if (typeof key === 'function') return (thisArg, args) => callKeyFunction(method, key, thisArg, args);
  const prefix = defaultKeyPrefix(method, namespace);
  return (_thisArg, args) => defaultKey(method, prefix, args);
}

/** `ClassName.method:` (or `namespace.method:`): what every default key of the method starts with. */
export function defaultKeyPrefix(method: DecoratedMethod, namespace: string | undefined): string {
  return `${namespace ?? method.className}.${method.methodName}:`;
}

/** `${prefix}${stable JSON of the arguments}`, e.g. `UsersService.find:["a",1]`. */
function defaultKey(method: DecoratedMethod, prefix: string, args: unknown[]): string {
  let json: string | UnserializableValue;
  try {
    json = stableJson(args, 'args');
  } catch (error) {
    // A toJSON() that threw.
    throw unserializableArgumentError(method, 'an argument', 'an object whose toJSON() threw', error);
  }
  if (json instanceof UnserializableValue) throw unserializableArgumentError(method, json.path, json.what);
  return prefix + json;
}

function callKeyFunction(
  method: DecoratedMethod,
  key: (...args: any[]) => string,
  thisArg: unknown,
  args: unknown[],
): string {
  let value: unknown;
  try {
    value = Reflect.apply(key, thisArg, args);
  } catch (error) {
    throw keyFunctionError(method, error);
  }
  if (typeof value !== 'string') throw invalidKeyError(method, value);
  return value;
}
