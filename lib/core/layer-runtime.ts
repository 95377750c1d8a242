import { DeadlineQueue } from './deadline-queue.js';
import { ConfigurationError, LayerTimeoutError, describeValue } from './errors.js';
import type { LayerStats } from './stats.js';
import type { Layer, Store, ValueWithExpiry } from './store.js';
import { WriteOrder } from './write-order.js';

/**
 * One configured layer as the store uses it: its store's calls made safe (a synchronous throw becomes a
 * rejection, a slow call times out) and its counters.
 *
 * With a `timeout`, a call that timed out may still run later. So the writes of a key reach the store in
 * the order they were issued, each only once the earlier ones settled (not merely timed out); and while a
 * write of a key that timed out has not settled, a cache layer answers a read of that key with a miss,
 * since what it holds is unknown. A primary write that lands after its deadline is reported through
 * `onLateWrite`: its caller was told it failed, the caches were left alone, and now they are older than
 * the primary.
 */
export class LayerRuntime<K, V> {
  readonly index: number;
  readonly name: string;
  readonly store: Store<K, V>;
  readonly primary: boolean;
  readonly ttl: number | undefined;
  readonly timeout: number | undefined;
  readonly local: boolean;
  /** Ms an entry stays servable (stale) after its ttl ran out; 0: none. */
  readonly grace: number;
  /** Ms: a read of a fresh entry with less fresh time left than this refreshes it; 0: none. */
  readonly refreshAhead: number;
  /** Whether a read of this layer needs the entry's expiry (to tell fresh from stale). */
  readonly needsExpiry: boolean;
  /**
   * Whether a backfill writes this layer synchronously: its store has `setSync`, and no `timeout` orders
   * its writes (a write of such a layer may still be in flight after its deadline).
   */
  readonly writesSync: boolean;
  /** `withTtlJitter`'s fraction for the writes of this layer; 0: none. */
  readonly #jitter: number;
  hits = 0;
  misses = 0;
  errors = 0;
  backFills = 0;
  staleHits = 0;
  refreshes = 0;
  refreshFailures = 0;
  /** Set by the write path on the primary layer: a write of these keys landed after its deadline. */
  onLateWrite: ((keys: readonly K[]) => void) | undefined;
  readonly #deadlines: DeadlineQueue | undefined;
  /** With a timeout: the order of each key's writes, and the keys whose value here is unknown. */
  readonly #writes: WriteOrder<K> | undefined;
  readonly #onTimeout: () => Error;

  constructor(layer: Layer<K, V>, index: number, jitter = 0) {
    this.index = index;
    this.name = layer.name ?? `layer${index}`;
    this.store = layer.store;
    this.primary = layer.primary === true;
    this.ttl = layer.ttl;
    this.timeout = layer.timeout;
    this.local = layer.local === true;
    this.grace = layer.grace ?? 0;
    this.refreshAhead = layer.refreshAhead ?? 0;
    this.needsExpiry = this.grace > 0 || this.refreshAhead > 0;
    this.#jitter = this.primary ? 0 : jitter;
    this.writesSync = typeof layer.store.setSync === 'function' && layer.timeout === undefined;
    this.#deadlines = layer.timeout === undefined ? undefined : new DeadlineQueue(layer.timeout);
    this.#writes = layer.timeout === undefined ? undefined : new WriteOrder<K>();
    this.#onTimeout = () => new LayerTimeoutError(this.name, this.timeout ?? 0);
  }

  get(key: K): Promise<V | undefined> {
    if (this.#unknown(key)) return Promise.resolve(undefined);
    try {
      return this.#bound(this.store.get(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `getWithExpiry` when the store has it, so that a backfilled copy can be cut to the source's lifetime. */
  getWithExpiry(key: K): Promise<ValueWithExpiry<V> | undefined> {
    if (this.#unknown(key)) return Promise.resolve(undefined);
    try {
      if (this.store.getWithExpiry) return this.#bound(this.store.getWithExpiry(key));
      return this.#bound(this.store.get(key)).then(wrapValue);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getMany(keys: readonly K[]): Promise<Array<V | undefined>> {
    const unknown = this.#unknownPositions(keys);
    try {
      const read = this.#bound(this.store.getMany!(keys));
      return unknown === undefined ? read : read.then((values) => asMisses(values, unknown));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getManyWithExpiry(keys: readonly K[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    const unknown = this.#unknownPositions(keys);
    try {
      const read = this.#bound(this.store.getManyWithExpiry!(keys));
      return unknown === undefined ? read : read.then((values) => asMisses(values, unknown));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  set(key: K, value: V, ttl: number | undefined): Promise<void> {
    if (this.#writes !== undefined) return this.#ordered([key], () => this.store.set(key, value, ttl));
    try {
      return toPromise(this.store.set(key, value, ttl));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The store's synchronous write (`writesSync`); throws what the store throws. */
  setSync(key: K, value: V, ttl: number | undefined): void {
    this.store.setSync!(key, value, ttl);
  }

  /** Like set, for several entries in one call (the store has setMany). */
  setMany(entries: ReadonlyArray<{ key: K; value: V; ttl?: number }>): Promise<void> {
    if (this.#writes !== undefined) {
      const keys = entries.map((entry) => entry.key);
      return this.#ordered(keys, () => this.store.setMany!(entries));
    }
    try {
      return toPromise(this.store.setMany!(entries));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  delete(key: K): Promise<void> {
    if (this.#writes !== undefined) return this.#ordered([key], () => this.store.delete(key));
    try {
      return toPromise(this.store.delete(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Several keys in one call (the store has deleteMany). */
  deleteMany(keys: readonly K[]): Promise<void> {
    if (this.#writes !== undefined) return this.#ordered(keys, () => this.store.deleteMany!(keys));
    try {
      return toPromise(this.store.deleteMany!(keys));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `store.has` (the store has it). */
  has(key: K): Promise<boolean> {
    if (this.#unknown(key)) return Promise.resolve(false);
    try {
      return this.#bound(this.store.has!(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The store's atomic swap (the store has it): writes the value and answers the one it replaced. */
  getSet(key: K, value: V, ttl: number | undefined): Promise<V | undefined> {
    if (this.#writes !== undefined) return this.#ordered([key], () => this.store.getSet!(key, value, ttl));
    try {
      return toPromise(this.store.getSet!(key, value, ttl));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Empties the layer (the store has clear). Not ordered with the key writes that timed out and may
   * still land: such a write carries a value no older than the clear (a backfill or a write of the key).
   */
  clear(): Promise<void> {
    try {
      return this.#bound(this.store.clear!());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The ttl to write this layer with: the logical ttl (jittered, cut to the time the source entry has
   * left fresh), plus the layer's grace. `undefined`: no expiry; 0 or less: the entry would be born expired.
   */
  writeTtl(ttl: number | undefined, sourceFreshUntil?: number, withGrace = true): number | undefined {
    let fresh = ttl;
    if (fresh !== undefined && this.#jitter > 0) fresh *= 1 - this.#jitter * Math.random();
    if (sourceFreshUntil !== undefined) {
      const left = Math.floor(sourceFreshUntil - Date.now());
      fresh = fresh === undefined ? left : Math.min(fresh, left);
    }
    if (fresh === undefined || fresh <= 0 || this.grace === 0 || !withGrace) return fresh;
    return fresh + this.grace;
  }

  /** When an entry of this layer that expires at `expiresAt` stops being fresh. */
  freshUntil(expiresAt: number): number {
    return expiresAt - this.grace;
  }

  stats(): LayerStats {
    return {
      name: this.name,
      hits: this.hits,
      misses: this.misses,
      errors: this.errors,
      backFills: this.backFills,
      staleHits: this.staleHits,
      refreshes: this.refreshes,
      refreshFailures: this.refreshFailures,
    };
  }

  close(): Promise<void> {
    this.#deadlines?.clear();
    try {
      return Promise.resolve(this.store.close?.());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #bound<T>(result: T | PromiseLike<T>): Promise<T> {
    const promise = toPromise(result);
    if (this.#deadlines === undefined) return promise;
    return this.#deadlines.bound(promise, this.#onTimeout);
  }

  /**
   * A write of these keys to a layer with a timeout (every write of such a layer goes through here): sent
   * in the keys' order of writes, and bounded by the deadline, counted from now.
   */
  #ordered<T>(keys: readonly K[], send: () => T | PromiseLike<T>): Promise<T> {
    const write = this.#writes!.issue(keys, send, this.primary ? this.#reportLate : undefined);
    return this.#deadlines!.bound(write.landed as Promise<T>, this.#onTimeout, write);
  }

  readonly #reportLate = (keys: readonly K[]): void => this.onLateWrite?.(keys);

  /** A cache layer's value for the key is unknown while a write of it that timed out has not settled. */
  #unknown(key: K): boolean {
    return this.#writes !== undefined && !this.primary && this.#writes.late(key);
  }

  #unknownPositions(keys: readonly K[]): number[] | undefined {
    return this.#writes === undefined || this.primary ? undefined : this.#writes.latePositions(keys);
  }
}

/** A batch answer with the keys at `positions` turned into misses (a copy; a malformed answer as is). */
function asMisses<T>(values: Array<T | undefined>, positions: number[]): Array<T | undefined> {
  if (!Array.isArray(values)) return values;
  const copy = values.slice();
  for (const position of positions) if (position < copy.length) copy[position] = undefined;
  return copy;
}

function toPromise<T>(result: T | PromiseLike<T>): Promise<T> {
  return (isPromiseLike(result) ? result : Promise.resolve(result)) as Promise<T>;
}

function wrapValue<V>(value: V | undefined): ValueWithExpiry<V> | undefined {
  return value === undefined ? undefined : { value };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<T>).then === 'function';
}

/** grace and refreshAhead need a ttl, a store that tells expiries, and a layer that is not the primary. */
function checkFreshness<K, V>(
  label: string,
  layer: Layer<K, V>,
  grace: unknown,
  refreshAhead: unknown,
): void {
  for (const [option, value] of [
    ['grace', grace],
    ['refreshAhead', refreshAhead],
  ] as const) {
    if (value === undefined) continue;
    checkMilliseconds(value, `${label}: ${option}`);
    if (layer.primary) {
      throw new ConfigurationError(
        `${label}: ${option} is for cache layers; the primary layer is the source of truth and never stale`,
      );
    }
    if (layer.ttl === undefined) {
      throw new ConfigurationError(`${label}: ${option} needs a ttl (an entry is fresh for ttl, then stale)`);
    }
    if (typeof layer.store.getWithExpiry !== 'function') {
      throw new ConfigurationError(
        `${label}: ${option} needs a store with getWithExpiry() (MemoryStore, RedisStore and CacheManagerStore have it), to tell fresh entries from stale ones`,
      );
    }
  }
  if (refreshAhead !== undefined && (refreshAhead as number) >= (layer.ttl as number)) {
    throw new ConfigurationError(
      `${label}: refreshAhead (${String(refreshAhead)} ms) must be smaller than the ttl (${String(layer.ttl)} ms)`,
    );
  }
}

function checkMilliseconds(value: unknown, what: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new ConfigurationError(
      `${what} must be a finite number of milliseconds > 0, got ${describeValue(value)}`,
    );
  }
}

/** Checks every rule of a layer list; throws ConfigurationError naming the layer and the problem. */
export function validateLayers<K, V>(layers: unknown): asserts layers is Layer<K, V>[] {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ConfigurationError('a DelegatedStore needs at least one layer');
  }
  const names = new Set<string>();
  let primaries = 0;
  layers.forEach((layer: unknown, index) => {
    if (layer === null || typeof layer !== 'object') {
      throw new ConfigurationError(
        `layer ${index} must be an object with a store, got ${describeValue(layer)}`,
      );
    }
    const { store, primary, ttl, name, timeout, grace, refreshAhead } = layer as Layer<K, V>;
    const label = `layer ${index}${typeof name === 'string' ? ` ("${name}")` : ''}`;
    if (
      store === null ||
      typeof store !== 'object' ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function'
    ) {
      throw new ConfigurationError(`${label} needs a store with get, set and delete functions`);
    }
    if (primary) primaries++;
    checkMilliseconds(ttl, `${label}: ttl`);
    checkMilliseconds(timeout, `${label}: timeout`);
    checkFreshness(label, layer as Layer<K, V>, grace, refreshAhead);
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
      throw new ConfigurationError(`${label}: name must be a non-empty string`);
    }
    const effective = name ?? `layer${index}`;
    if (names.has(effective))
      throw new ConfigurationError(`two layers are named "${effective}": names must be unique`);
    names.add(effective);
  });
  if (primaries > 1) {
    throw new ConfigurationError(`at most one layer can be primary, ${primaries} are`);
  }
}
