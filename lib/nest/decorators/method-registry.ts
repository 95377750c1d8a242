import type { DiscoveryService } from '@nestjs/core';
import { getDelegatedStoreToken } from '../delegated-store.tokens.js';
import type { DecoratedMethod } from './decorated-method.js';
import { defaultKeyCollisionError } from './decorator.errors.js';

/** Where the decorated methods of a class are listed (on the class, as reflect-metadata). */
const DECORATED_METHODS = Symbol('nestjs-delegated-store:decorated-methods');

/** A decorated method, and the prefix of its default keys when it uses them. */
export interface RegisteredMethod {
  method: DecoratedMethod;
  /** The class that declares the method. */
  owner: Function;
  /** `ClassName.method:` (or `namespace.method:`) when the keys are the default ones. */
  defaultKeyPrefix: string | undefined;
}

/** Lists a decorated method on its class, for the check at bootstrap. */
export function registerMethod(target: object, entry: Omit<RegisteredMethod, 'owner'>): void {
  const owner = target.constructor;
  const list: RegisteredMethod[] = Reflect.getOwnMetadata(DECORATED_METHODS, owner) ?? [];
  Reflect.defineMetadata(DECORATED_METHODS, [...list, { ...entry, owner }], owner);
}

/** The decorated methods of a class and of the classes it extends. */
function methodsOf(type: Function): RegisteredMethod[] {
  const methods: RegisteredMethod[] = [];
  for (let current: unknown = type; typeof current === 'function' && current !== Function.prototype;) {
    methods.push(...((Reflect.getOwnMetadata(DECORATED_METHODS, current) as RegisteredMethod[]) ?? []));
    current = Object.getPrototypeOf(current);
  }
  return methods;
}

/**
 * Fails when two different classes of the application share a default key prefix in one store: two
 * classes of the same name (or two minified to the same name) would read each other's entries.
 */
export function assertNoDefaultKeyCollisions(
  discovery: DiscoveryService,
  storeTokens: readonly unknown[],
): void {
  const byPrefix = new Map<string, RegisteredMethod>();
  const wrappers = [...discovery.getProviders(), ...discovery.getControllers()];
  for (const wrapper of wrappers) {
    const type =
      wrapper.metatype ?? (wrapper.instance as { constructor?: Function } | undefined)?.constructor;
    if (typeof type !== 'function') continue;
    for (const entry of methodsOf(type)) {
      if (entry.defaultKeyPrefix === undefined) continue;
      if (!storeTokens.includes(getDelegatedStoreToken(entry.method.store as string))) continue;
      const seen = byPrefix.get(entry.defaultKeyPrefix);
      if (seen === undefined) byPrefix.set(entry.defaultKeyPrefix, entry);
      else if (seen.owner !== entry.owner) {
        throw defaultKeyCollisionError(seen.method, entry.method, entry.defaultKeyPrefix);
      }
    }
  }
}
