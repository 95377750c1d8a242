import type { BackFillCallback } from './backfill-event.js';
import type { ChangeCallback, DeleteCallback } from './change-callbacks.js';
import { ConfigurationError, describeValue } from './errors.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { Middleware } from './operation.js';

/** Where a failure that the store contained (never threw at a caller) came from. */
export interface StoreErrorSource {
  /**
   * `layer`: a cache layer that failed (the store went on without it); `backfill`: a write back into a
   * layer; `callback`: a backfill or change callback that threw; `subscriber`: a `backFill$` subscriber
   * that threw; `bus`: the invalidation bus; `refresh`: a background refresh of a stale entry.
   */
  kind: 'layer' | 'callback' | 'bus' | 'backfill' | 'subscriber' | 'refresh';
  /** The layer involved, for `layer`, `backfill` and backfill callbacks. */
  layerName?: string;
  /** The store operation that met the failure. */
  operation?: string;
  /** For `callback`: which kind of callback threw. */
  callback?: 'backFill' | 'onChange' | 'onDelete' | 'change';
}

/** Gets each failure the store contained instead of throwing (see `withErrorHandler`); throws are ignored. */
export type StoreErrorHandler = (error: unknown, source: StoreErrorSource) => void;

/** What the options of a DelegatedStore build up; each option is a function that adds to it. */
export interface DelegatedStoreConfig<K, V> {
  /** Called after each successful backfill or load write, in order. */
  backFillCallbacks: BackFillCallback<K, V>[];
  /** Called after a `set` or `getSet` that replaced a value. */
  onChange: ChangeCallback<K, V>[];
  /** Called after a `delete` that removed a value. */
  onDelete: DeleteCallback<K, V>[];
  /** In registration order; the last one runs first. */
  middlewares: Middleware<K, V>[];
  /** Receive the failures the store contained. */
  errorHandlers: StoreErrorHandler[];
  /** Carries this store's writes to the other instances. */
  bus?: InvalidationBus;
  /** At most this many backfills in flight; past it new backfills are dropped (counted in stats). */
  maxPendingBackFills: number;
  /** Ms a read that found a stale entry waits for its refresh; 0: it answers the stale value at once. */
  staleTimeout: number;
  /** Ms a known miss (a load that found nothing) is kept in the cache layers; undefined: none is. */
  negativeTtl: number | undefined;
  /** The fraction by which writes of cache layers shorten their ttl at random; 0: none. */
  ttlJitter: number;
}

/** An option of `new DelegatedStore(layers, ...options)`, built by a `with…` function. */
export type DelegatedStoreOption<K, V> = (config: DelegatedStoreConfig<K, V>) => void;

function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') {
    throw new ConfigurationError(`${what} must be a function, got ${describeValue(value)}`);
  }
}

/** Calls `callback` after each successful backfill or load write, once per layer written. */
export function withBackFillCallback<K, V>(callback: BackFillCallback<K, V>): DelegatedStoreOption<K, V> {
  requireFunction(callback, 'a backfill callback');
  return (config) => {
    config.backFillCallbacks.push(callback);
  };
}

/** Several backfill callbacks at once; they are called in the order given. */
export function withBackFillCallbacks<K, V>(
  ...callbacks: BackFillCallback<K, V>[]
): DelegatedStoreOption<K, V> {
  callbacks.forEach((callback) => requireFunction(callback, 'a backfill callback'));
  return (config) => {
    config.backFillCallbacks.push(...callbacks);
  };
}

/** Wraps every public operation in `middleware`; the one registered last runs first (outermost). */
export function withMiddleware<K, V>(middleware: Middleware<K, V>): DelegatedStoreOption<K, V> {
  requireFunction(middleware, 'a middleware');
  return (config) => {
    config.middlewares.push(middleware);
  };
}

/** Several middlewares at once: `withMiddlewares(a, b)` runs `b → a → store`. */
export function withMiddlewares<K, V>(...middlewares: Middleware<K, V>[]): DelegatedStoreOption<K, V> {
  middlewares.forEach((middleware) => requireFunction(middleware, 'a middleware'));
  return (config) => {
    config.middlewares.push(...middlewares);
  };
}

/** Calls `callback(ctx, key, oldValue, newValue)` after each `set`/`getSet` that replaced a value. */
export function withOnChange<K, V>(callback: ChangeCallback<K, V>): DelegatedStoreOption<K, V> {
  return withOnChangeCallbacks(callback);
}

/** Several onChange callbacks, called in order; one that throws goes to the error handlers. */
export function withOnChangeCallbacks<K, V>(
  ...callbacks: ChangeCallback<K, V>[]
): DelegatedStoreOption<K, V> {
  callbacks.forEach((callback) => requireFunction(callback, 'an onChange callback'));
  return (config) => {
    config.onChange.push(...callbacks);
  };
}

/** Calls `callback(ctx, key, oldValue)` after each `delete` that removed a value. */
export function withOnDelete<K, V>(callback: DeleteCallback<K, V>): DelegatedStoreOption<K, V> {
  return withOnDeleteCallbacks(callback);
}

/** Several onDelete callbacks, called in order; one that throws goes to the error handlers. */
export function withOnDeleteCallbacks<K, V>(
  ...callbacks: DeleteCallback<K, V>[]
): DelegatedStoreOption<K, V> {
  callbacks.forEach((callback) => requireFunction(callback, 'an onDelete callback'));
  return (config) => {
    config.onDelete.push(...callbacks);
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
    throw new ConfigurationError(
      `maxPendingBackFills must be a whole number >= 1, got ${describeValue(max)}`,
    );
  }
  return (config) => {
    config.maxPendingBackFills = max;
  };
}

/**
 * A read that found a stale entry waits up to `ms` for its background refresh and answers the refreshed
 * value when it arrives in time, else the stale one. Default 0: the stale value at once.
 */
export function withStaleTimeout<K, V>(ms: number): DelegatedStoreOption<K, V> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new ConfigurationError(
      `withStaleTimeout: ms must be a finite number of milliseconds >= 0, got ${describeValue(ms)}`,
    );
  }
  return (config) => {
    config.staleTimeout = ms;
  };
}

/**
 * A getOrLoad whose loader resolved `undefined` writes a "known miss" into the cache layers for `ttl` ms:
 * until it expires, get and getOrLoad of the key resolve `undefined` without walking lower or calling the
 * loader, and has() is false. A set replaces it.
 */
export function withNegativeCaching<K, V>(ttl: number): DelegatedStoreOption<K, V> {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new ConfigurationError(
      `withNegativeCaching: ttl must be a finite number of milliseconds > 0, got ${describeValue(ttl)}`,
    );
  }
  return (config) => {
    config.negativeTtl = ttl;
  };
}

/**
 * Each write of a cache layer uses `ttl × (1 − fraction·r)`, `r` uniform in [0, 1), so that entries written
 * together do not expire together (and their readers do not all reach the source at once).
 */
export function withTtlJitter<K, V>(fraction: number): DelegatedStoreOption<K, V> {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ConfigurationError(
      `withTtlJitter: fraction must be a number with 0 < fraction < 1, got ${describeValue(fraction)}`,
    );
  }
  return (config) => {
    config.ttlJitter = fraction;
  };
}
