import { ConfigurationError, describeValue } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';
import { assertSerializable } from './check-serializable.js';

/** What a Keyv store answers to `get(key, { raw: true })`: the value with its expiry (epoch ms). */
interface RawEntry {
  value?: unknown;
  expires?: number | null;
}

/** The part of a Keyv 5 instance (`cache.stores[i]`) that has, clear and keys use (no import of keyv's types). */
interface Keyv {
  readonly store: unknown;
  readonly namespace: string | undefined;
  readonly useKeyPrefix: boolean;
  iterator?: (namespace?: string) => AsyncIterable<unknown>;
  has(key: string): Promise<boolean>;
  clear(): Promise<void>;
}

/** The part of a Keyv instance (`cache.stores[i]`) used to read a value and its expiry in one round trip. */
interface RawReader {
  get(key: string, options: { raw: true }): Promise<RawEntry | undefined>;
  getMany(keys: string[], options: { raw: true }): Promise<Array<RawEntry | undefined>>;
}

/**
 * The part of a cache-manager 7 `Cache` (what `createCache()` returns) that the layer uses. Declared here
 * by shape, so that the package's types need no `cache-manager` installed by users who do not use it.
 */
export interface CacheManagerCache {
  /** The value, or `undefined` for a miss. */
  get<T>(key: string): Promise<T | undefined>;
  /** Writes the value; `ttl` in milliseconds. */
  set<T>(key: string, value: T, ttl?: number): Promise<T>;
  /** Deletes the key. */
  del(key: string): Promise<boolean>;
  /** Batch read, one entry per key. */
  mget<T>(keys: string[]): Promise<Array<T | undefined>>;
  /** Batch write. */
  mset<T>(list: Array<{ key: string; value: T; ttl?: number }>): Promise<unknown>;
  /** Batch delete. */
  mdel(keys: string[]): Promise<boolean>;
  /** When the key expires (epoch milliseconds), or `undefined` for no expiry. */
  ttl(key: string): Promise<number | undefined>;
  /** Empties the cache's stores. */
  clear(): Promise<boolean>;
  /** Closes the stores' connections; called by `CacheManagerStore.close()` when present. */
  disconnect?(): Promise<unknown>;
}

/**
 * A layer over any cache-manager 7 `Cache`, hence over any Keyv store (Redis, Valkey, Postgres, SQLite...).
 *
 * - A miss is `undefined` (what cache-manager and Keyv answer); a stored `null` comes back as `null`.
 * - Values go through the stores' serialiser (JSON for every remote Keyv store), so `set` rejects a value
 *   that would not survive it (see check-serializable.ts), whatever the store behind: moving from the
 *   in-memory default to Redis changes no behaviour.
 * - A `set` without ttl uses the cache's default ttl (`createCache({ ttl })`) when it has one.
 */
export class CacheManagerStore<V> implements Store<string, V> {
  readonly #cache: CacheManagerCache;

  constructor(cache: CacheManagerCache) {
    if (cache === null || typeof cache !== 'object' || typeof cache.get !== 'function') {
      throw new TypeError(
        'CacheManagerStore needs a cache-manager Cache, such as the result of createCache()',
      );
    }
    this.#cache = cache;
  }

  /** cache-manager answers `undefined` for a miss, and `null` for a stored `null`: both pass through. */
  async get(key: string): Promise<V | undefined> {
    return this.#cache.get<V>(key);
  }

  async set(key: string, value: V, ttl?: number): Promise<void> {
    assertSerializable(value, `CacheManagerStore.set("${key}")`);
    await this.#cache.set(key, value, wholeTtl(ttl));
  }

  async delete(key: string): Promise<void> {
    await this.#cache.del(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    if (keys.length === 0) return [];
    return this.#cache.mget<V>([...keys]);
  }

  async setMany(entries: ReadonlyArray<{ key: string; value: V; ttl?: number }>): Promise<void> {
    if (entries.length === 0) return;
    // Check the whole batch before writing any of it; a value shared by several entries is walked once.
    const checked = new Set<unknown>();
    const list = entries.map(({ key, value, ttl }) => {
      if (!checked.has(value)) {
        assertSerializable(value, `CacheManagerStore.setMany("${key}")`);
        checked.add(value);
      }
      return { key, value, ttl: wholeTtl(ttl) };
    });
    await this.#cache.mset(list);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#cache.mdel([...keys]);
  }

  /**
   * The value and its expiry. Read raw from the cache's Keyv stores, in order, as `cache.get` does:
   * one round trip, and value and expiry from the same read (`cache.get` then `cache.ttl` would take
   * two, and could mix two writes).
   */
  async getWithExpiry(key: string): Promise<ValueWithExpiry<V> | undefined> {
    const stores = this.#rawReaders();
    if (!stores) return this.#getWithTtl(key);
    for (const store of stores) {
      const entry = await readOrMiss(() => store.get(key, { raw: true }));
      if (entry !== undefined && entry.value !== undefined) return withExpiry<V>(entry);
    }
    return undefined;
  }

  /** The batch form: each Keyv store is asked once, for the keys still missing. */
  async getManyWithExpiry(keys: readonly string[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    const result: Array<ValueWithExpiry<V> | undefined> = keys.map(() => undefined);
    if (keys.length === 0) return result;
    const stores = this.#rawReaders();
    if (!stores) return Promise.all(keys.map((key) => this.#getWithTtl(key)));
    let missing = keys.map((_, index) => index);
    for (const store of stores) {
      const entries = await readOrMiss(() =>
        store.getMany(
          missing.map((index) => keys[index]!),
          { raw: true },
        ),
      );
      missing = missing.filter((index, i) => {
        const entry = entries?.[i];
        if (entry === undefined || entry === null || entry.value === undefined) return true;
        result[index] = withExpiry<V>(entry);
        return false;
      });
      if (missing.length === 0) break;
    }
    return result;
  }

  /** Whether one of the cache's stores holds a live value for the key (Keyv's `has`: EXISTS on Redis). */
  async has(key: string): Promise<boolean> {
    const stores = this.#keyvStores();
    if (!stores) return (await this.get(key)) !== undefined;
    for (const keyv of stores) {
      if (await readOrMiss(() => keyv.has(key))) return true;
    }
    return false;
  }

  /**
   * Empties this cache's namespace in each of its Keyv stores, never more. cache-manager's own `clear()`
   * calls each Keyv's, which empties whatever its adapter can reach; so each store is cleared by what
   * it is:
   * - Keyv's in-process Map (`createCache()`'s default): only the keys under the Keyv's namespace
   *   (`keyv:` by default); without a namespace, the whole Map, which is this cache's own.
   * - Any other adapter (@keyv/redis, Postgres, SQLite...): its `clear()`, which keeps to the namespace
   *   Keyv gave it (`SCAN <namespace>::*` for @keyv/redis). Without a namespace such a clear would empty
   *   the whole database (for @keyv/redis: every key without `::`, other applications' too), so it is
   *   refused with a ConfigurationError before any store is touched: give the Keyv a namespace.
   */
  async clear(): Promise<void> {
    const stores = this.#keyvStores();
    if (!stores) {
      await this.#cache.clear();
      return;
    }
    stores.forEach((keyv, index) => {
      if (!(keyv.store instanceof Map) && !keyv.namespace) {
        throw new ConfigurationError(
          `CacheManagerStore.clear: the cache's Keyv store ${index} has no namespace, so its clear() would empty everything its adapter reaches (for @keyv/redis: every key of the database without "::"). Give that Keyv a namespace: new Keyv({ store, namespace: 'cache' })`,
        );
      }
    });
    await Promise.all(stores.map((keyv) => clearNamespace(keyv)));
  }

  /**
   * Every key of the cache's stores, each once, when each of them can iterate (Keyv's `iterator()`:
   * its in-process Map, and the adapters Keyv knows by name: Redis, Valkey, Postgres, MySQL, SQLite,
   * Mongo, etcd). Otherwise there is no `keys` at all, and `DelegatedStore.keys()` says which layer lacks it.
   */
  get keys(): (() => AsyncIterable<string>) | undefined {
    const stores = this.#keyvStores();
    if (!stores || stores.some((keyv) => typeof keyv.iterator !== 'function')) return undefined;
    return () => iterateKeys(stores);
  }

  /** Disconnects the cache's stores (a Redis client, a database pool...), when the cache can. */
  async close(): Promise<void> {
    if (typeof this.#cache.disconnect === 'function') await this.#cache.disconnect();
  }

  /** The cache's Keyv stores, when it exposes them (every createCache() result does). */
  #rawReaders(): RawReader[] | undefined {
    const stores = (this.#cache as { stores?: unknown }).stores;
    if (!Array.isArray(stores) || stores.length === 0) return undefined;
    const usable = stores.every(
      (store) => typeof store?.get === 'function' && typeof store?.getMany === 'function',
    );
    return usable ? (stores as RawReader[]) : undefined;
  }

  /** The cache's Keyv instances, when it exposes them (every createCache() result does). */
  #keyvStores(): Keyv[] | undefined {
    const stores = (this.#cache as { stores?: unknown }).stores;
    if (!Array.isArray(stores) || stores.length === 0) return undefined;
    const usable = stores.every(
      (keyv) => typeof keyv?.has === 'function' && typeof keyv?.clear === 'function' && 'store' in keyv,
    );
    return usable ? (stores as unknown as Keyv[]) : undefined;
  }

  /** For a Cache without Keyv stores: `ttl(key)` answers the expiry timestamp, or undefined for none. */
  async #getWithTtl(key: string): Promise<ValueWithExpiry<V> | undefined> {
    const value = await this.get(key);
    if (value === undefined) return undefined;
    const expiresAt = await this.#cache.ttl(key);
    return typeof expiresAt === 'number' ? { value, expiresAt } : { value };
  }
}

/** One Keyv store's part of clear(): see CacheManagerStore.clear. */
async function clearNamespace(keyv: Keyv): Promise<void> {
  const map: unknown = keyv.store;
  if (!(map instanceof Map)) {
    await clearAdapter(keyv.store as ClearableAdapter);
    return;
  }
  const namespace = keyv.namespace;
  if (!namespace || !keyv.useKeyPrefix) {
    map.clear();
    return;
  }
  const prefix = `${namespace}:`;
  for (const key of [...map.keys()]) {
    if (typeof key === 'string' && key.startsWith(prefix)) map.delete(key);
  }
}

interface ClearableAdapter {
  clear(): Promise<void>;
  on?(event: string, listener: (error: unknown) => void): unknown;
  off?(event: string, listener: (error: unknown) => void): unknown;
}

/**
 * The adapter's own clear. Some adapters (@keyv/redis) report a failed clear as an 'error' event and
 * resolve, and Keyv's clear() swallows the rest: a failure during the call rejects it here instead.
 */
async function clearAdapter(adapter: ClearableAdapter): Promise<void> {
  const failures: unknown[] = [];
  const onError = (error: unknown) => failures.push(error);
  const listening = typeof adapter.on === 'function' && typeof adapter.off === 'function';
  if (listening) adapter.on!('error', onError);
  try {
    await adapter.clear();
  } finally {
    if (listening) adapter.off!('error', onError);
  }
  if (failures.length > 0) throw failures[0];
}

/** The keys of every store, each once; Keyv's iterator skips (and deletes) the expired ones. */
async function* iterateKeys(stores: Keyv[]): AsyncGenerator<string> {
  const seen = new Set<string>();
  for (const keyv of stores) {
    for await (const entry of keyv.iterator!(keyv.namespace) as AsyncIterable<[string, unknown]>) {
      const key = entry[0];
      if (seen.has(key)) continue;
      seen.add(key);
      yield key;
    }
  }
}

function withExpiry<V>(entry: RawEntry): ValueWithExpiry<V> {
  const value = entry.value as V;
  return typeof entry.expires === 'number' ? { value, expiresAt: entry.expires } : { value };
}

/** cache-manager's own reads count a failing store as a miss and go on: the raw reads do the same. */
async function readOrMiss<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/**
 * Keyv stores forward the ttl as is: Redis refuses a fractional PX (and Keyv swallows the error, so the
 * write would be lost), and 0 or NaN would mean "no expiry". Round up to whole milliseconds, refuse the rest.
 */
function wholeTtl(ttl: number | undefined): number | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new TypeError(
      `CacheManagerStore: ttl must be a finite number of milliseconds > 0, got ${describeValue(ttl)}`,
    );
  }
  return Math.ceil(ttl);
}
