import { EventEmitter } from 'node:events';
import { DelegatedStore } from '../core/delegated-store.js';
import { ConfigurationError, describeValue } from '../core/errors.js';
import type { OperationOptions } from '../core/operation.js';
import { cacheLayerKeys } from './cache-layer-keys.js';

/** The options of `new KeyvDelegatedStore(store, options)`. */
export interface KeyvDelegatedStoreOptions {
  /**
   * The adapter's own namespace in the DelegatedStore: every key it writes is `<namespace>:<key>`, where
   * `<key>` is the key as Keyv passes it (`keyv:user:1` with Keyv's default namespace), and `clear()`
   * removes only those keys. Omitted: the keys are Keyv's as they are.
   */
  namespace?: string;
}

/** A read of the cache layers only: the primary is never read, written or deleted through Keyv. */
const CACHES_ONLY: OperationOptions = Object.freeze({ cachesOnly: true });

/** How many keys one `invalidate` call of a namespaced `clear()` removes. */
const CLEAR_BATCH = 500;

/**
 * A Keyv storage adapter over a DelegatedStore: `new Keyv({ store: new KeyvDelegatedStore(store) })` is a
 * Keyv whose reads walk the store's cache layers (with backfill) and whose writes and deletes reach its
 * cache layers only. A cache API never deletes the source of truth.
 *
 * What Keyv 5 hands a store, and what the adapter does with it:
 * - keys are prefixed by Keyv with its namespace (`keyv:<key>` by default; `namespace` is assigned to the
 *   adapter by Keyv), so two Keyv namespaces over one adapter never collide;
 * - values are Keyv's envelope `{ value, expires }`, serialised to a string by Keyv's serialiser (JSON
 *   with Buffer support by default; or raw objects when the Keyv has `serialize: undefined`). The adapter
 *   stores them untouched, so whatever the serialiser wrote (a Buffer, a BigInt with JSONbig) comes back
 *   unchanged, and `expires` stays with the value for Keyv's and cache-manager's own expiry checks;
 * - `ttl` is in milliseconds: it becomes the ttl of every cache layer for that entry (`set(…, { ttl })`);
 *   without one, each layer's own `ttl` applies.
 *
 * It is a `KeyvStoreAdapter` of Keyv 5 by its shape (checked by the type tests), without importing
 * Keyv's types: nobody who does not use it needs keyv installed to compile against this package.
 */
export class KeyvDelegatedStore extends EventEmitter {
  /** Assigned by Keyv (its `namespace` option, `'keyv'` by default): `clear()` and `iterator()` keep to it. */
  namespace?: string;
  /** Keyv and its test suite read and write options here; `url` is read by Keyv's constructor. */
  opts: Record<string, unknown>;
  readonly #store: DelegatedStore<string, any>;
  readonly #prefix: string;

  constructor(store: DelegatedStore<string, any>, options: KeyvDelegatedStoreOptions = {}) {
    super();
    if (!(store instanceof DelegatedStore)) {
      throw new ConfigurationError(
        `KeyvDelegatedStore needs a DelegatedStore (the one the Nest module injects, or new DelegatedStore(layers)), got ${describeValue(store)}`,
      );
    }
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        `KeyvDelegatedStore options must be an object { namespace? }, got ${describeValue(options)}`,
      );
    }
    const { namespace } = options;
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
      throw new ConfigurationError(
        `KeyvDelegatedStore: namespace must be a non-empty string (or omitted), got ${describeValue(namespace)}`,
      );
    }
    this.#store = store;
    this.#prefix = namespace === undefined ? '' : `${namespace}:`;
    this.opts = { dialect: 'delegated-store', url: '', namespace };
  }

  /** The stored envelope (a string, or an object when Keyv does not serialise), or `undefined`. */
  async get(key: string): Promise<any> {
    return this.#store.get(this.#key(key), CACHES_ONLY);
  }

  /** The stored envelopes of the keys, in order (`undefined`: a miss), from the cache layers in one walk. */
  async getMany(keys: string[]): Promise<any[]> {
    if (keys.length === 0) return [];
    return this.#store.getMany(
      keys.map((key) => this.#key(key)),
      CACHES_ONLY,
    );
  }

  /** Writes the cache layers only; `ttl` (ms) replaces the layers' ttl (`undefined` or 0: theirs). */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.#store.set(this.#key(key), value, writeOptions(ttl));
    return true;
  }

  /** Writes each entry as `set` does; a bad ttl rejects the batch before anything is written. */
  async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    // Check every ttl first, so that a bad entry leaves the batch unwritten rather than half written.
    const writes = entries.map(({ key, value, ttl }) => ({
      key: this.#key(key),
      value,
      options: writeOptions(ttl),
    }));
    await Promise.all(writes.map(({ key, value, options }) => this.#store.set(key, value, options)));
  }

  /** Removes the key from the cache layers; `true` when some layer held it (as Keyv stores answer). */
  async delete(key: string): Promise<boolean> {
    const stored = this.#key(key);
    const existed = await this.#store.has(stored, CACHES_ONLY);
    await this.#store.invalidate(stored);
    return existed;
  }

  /** Removes the keys from the cache layers; `true` when some layer held one of them. */
  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    const stored = keys.map((key) => this.#key(key));
    const existed = await Promise.all(stored.map((key) => this.#store.has(key, CACHES_ONLY)));
    await this.#store.invalidate(stored);
    return existed.includes(true);
  }

  /** Whether a cache layer holds the key (the primary is not asked). */
  async has(key: string): Promise<boolean> {
    return this.#store.has(this.#key(key), CACHES_ONLY);
  }

  /** `has` for each key, in order. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => this.has(key)));
  }

  /**
   * Empties this adapter's part of the cache layers; the primary is never touched.
   *
   * With a namespace (Keyv's, or the adapter's own), only the keys under it are removed: they are listed
   * from every cache layer (`store.keys()` of each layer) and invalidated, which fences them and tells the
   * other instances on the bus to drop them. When some cache layer cannot list its keys, or without any
   * namespace, the whole cache is purged instead (`store.clear({ cachesOnly: true })`): a cache emptied
   * of more than asked is only slower for a while, one that keeps entries it was told to drop is wrong.
   */
  async clear(): Promise<void> {
    const scope = this.#scope(this.namespace);
    const found = scope === '' ? undefined : await cacheLayerKeys(this.#store, scope);
    if (found === undefined || !('keys' in found)) {
      await this.#store.clear({ cachesOnly: true });
      return;
    }
    const keys = [...found.keys];
    for (let start = 0; start < keys.length; start += CLEAR_BATCH) {
      await this.#store.invalidate(keys.slice(start, start + CLEAR_BATCH));
    }
  }

  /**
   * `[key, stored envelope]` for every entry of the namespace in the cache layers, with the key as Keyv
   * wrote it. Keyv 5 wires `keyv.iterator()` only for the adapters it knows by name; see the docs for the
   * one line that wires this one.
   */
  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const found = await cacheLayerKeys(this.#store, this.#scope(namespace));
    if (!('keys' in found)) {
      throw new ConfigurationError(
        `KeyvDelegatedStore.iterator: cache layer "${found.unlistedLayer}" has a store without keys(), so its entries cannot be listed; give that store a keys() method`,
      );
    }
    const keys = [...found.keys];
    for (let start = 0; start < keys.length; start += CLEAR_BATCH) {
      const batch = keys.slice(start, start + CLEAR_BATCH);
      const values = await this.#store.getMany(batch, CACHES_ONLY);
      for (let i = 0; i < batch.length; i++) {
        if (values[i] !== undefined) yield [batch[i].slice(this.#prefix.length), values[i]];
      }
    }
  }

  /**
   * Keyv calls it when it is disconnected (`@nestjs/cache-manager` does at shutdown). The store is not
   * the adapter's to close: its owner closes it (the Nest module does when the application closes).
   */
  async disconnect(): Promise<void> {}

  #key(key: string): string {
    if (typeof key !== 'string') {
      throw new TypeError(`KeyvDelegatedStore: a key must be a string, got ${describeValue(key)}`);
    }
    return this.#prefix + key;
  }

  /** The prefix of this adapter's keys in a Keyv namespace: '' when there is no namespace at all. */
  #scope(namespace: string | undefined): string {
    return namespace ? `${this.#prefix}${namespace}:` : this.#prefix;
  }
}

/** A Keyv ttl (ms; `undefined` or 0: none) as the options of a write of the cache layers. */
function writeOptions(ttl: number | undefined): OperationOptions {
  if (ttl === undefined || ttl === 0 || ttl === Number.POSITIVE_INFINITY) return CACHES_ONLY;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new TypeError(
      `KeyvDelegatedStore: ttl must be a number of milliseconds > 0 (0 or omitted: the layers' ttl), got ${describeValue(ttl)}`,
    );
  }
  return { cachesOnly: true, ttl };
}
