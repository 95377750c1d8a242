import type { DecoratedMethod } from './decorated-method.js';
import { invalidKeyError, keyFunctionError, unserializableArgumentError } from './decorator.errors.js';
import { stableJson, UnserializableValue } from './stable-json.js';

/** A key as the user gives it: a fixed string, or a function of the method's arguments (called with `this`). */
export type KeyOption = string | ((...args: any[]) => string);

/** Builds the key of one call; throws a CacheKeyError that names the method. */
export type KeyBuilder = (thisArg: unknown, args: unknown[]) => string;

export function keyBuilder(method: DecoratedMethod, key: KeyOption | undefined): KeyBuilder {
  if (typeof key === 'string') return () => key;
  if (typeof key === 'function') return (thisArg, args) => callKeyFunction(method, key, thisArg, args);
  return (_thisArg, args) => defaultKey(method, args);
}

/** `${ClassName}.${methodName}:${stable JSON of the arguments}`, e.g. `UsersService.find:["a",1]`. */
export function defaultKey(method: DecoratedMethod, args: unknown[]): string {
  let json: string | UnserializableValue;
  try {
    json = stableJson(args, 'args');
  } catch (error) {
    // A toJSON() that threw.
    throw unserializableArgumentError(method, 'an argument', 'an object whose toJSON() threw', error);
  }
  if (json instanceof UnserializableValue) throw unserializableArgumentError(method, json.path, json.what);
  return `${method.className}.${method.methodName}:${json}`;
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
