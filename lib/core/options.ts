import type { BackFillCallback } from './backfill-event.js';
import { ConfigurationError } from './errors.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { Middleware } from './operation.js';

/** Where a failure that the store contained (never threw at a caller) came from. */
export interface StoreErrorSource {
  kind: 'layer' | 'callback' | 'bus' | 'backfill';
  /** The layer involved, for `layer` and `backfill`. */
  layerName?: string;
  /** The store operation that met the failure. */
  operation?: string;
}

export type StoreErrorHandler = (error: unknown, source: StoreErrorSource) => void;

/** What the options of a DelegatedStore build up; each option is a function that adds to it. */
export interface DelegatedStoreConfig<K, V> {
  backFillCallbacks: BackFillCallback<K, V>[];
  middlewares: Middleware<K, V>[];
  errorHandlers: StoreErrorHandler[];
  bus?: InvalidationBus;
  /** At most this many backfills in flight; past it new backfills are dropped (counted in stats). */
  maxPendingBackFills: number;
}

export type DelegatedStoreOption<K, V> = (config: DelegatedStoreConfig<K, V>) => void;

function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') {
    throw new ConfigurationError(`${what} must be a function, got ${value === null ? 'null' : typeof value}`);
  }
}

export function withBackFillCallback<K, V>(callback: BackFillCallback<K, V>): DelegatedStoreOption<K, V> {
  requireFunction(callback, 'a backfill callback');
  return (config) => {
    config.backFillCallbacks.push(callback);
  };
}

export function withBackFillCallbacks<K, V>(
  ...callbacks: BackFillCallback<K, V>[]
): DelegatedStoreOption<K, V> {
  callbacks.forEach((callback) => requireFunction(callback, 'a backfill callback'));
  return (config) => {
    config.backFillCallbacks.push(...callbacks);
  };
}

export function withMiddleware<K, V>(middleware: Middleware<K, V>): DelegatedStoreOption<K, V> {
  requireFunction(middleware, 'a middleware');
  return (config) => {
    config.middlewares.push(middleware);
  };
}

export function withMiddlewares<K, V>(...middlewares: Middleware<K, V>[]): DelegatedStoreOption<K, V> {
  middlewares.forEach((middleware) => requireFunction(middleware, 'a middleware'));
  return (config) => {
    config.middlewares.push(...middlewares);
  };
}

/** Publishes every write to other instances and drops their process-local (`local`) copies of it. */
export function withInvalidationBus<K, V>(bus: InvalidationBus): DelegatedStoreOption<K, V> {
  if (!bus || typeof bus.publish !== 'function' || typeof bus.subscribe !== 'function') {
    throw new ConfigurationError('withInvalidationBus needs a bus with publish(), subscribe() and close()');
  }
  return (config) => {
    config.bus = bus;
  };
}

/** Reports failures the store contained: a cache layer that failed, a callback that threw, a bus error. */
export function withErrorHandler<K, V>(handler: StoreErrorHandler): DelegatedStoreOption<K, V> {
  requireFunction(handler, 'an error handler');
  return (config) => {
    config.errorHandlers.push(handler);
  };
}

/** Bounds the backfills in flight (default 10 000); past it a backfill is dropped, never queued. */
export function withMaxPendingBackFills<K, V>(max: number): DelegatedStoreOption<K, V> {
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigurationError(`maxPendingBackFills must be a whole number >= 1, got ${String(max)}`);
  }
  return (config) => {
    config.maxPendingBackFills = max;
  };
}
