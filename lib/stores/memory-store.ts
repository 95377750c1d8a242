import { LRUCache } from 'lru-cache';
import { ConfigurationError, describeValue } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';

export interface MemoryStoreOptions {
  /** The most entries kept; the least recently used one goes first. Default 10_000. */
  max?: number;
  /** Milliseconds, used by a `set` without its own ttl. Omitted: such entries never expire. */
  ttl?: number;
}

const DEFAULT_MAX = 10_000;

/**
 * An in-process LRU layer on `lru-cache`. Values are kept by reference (no copy, no serialisation):
 * a caller that mutates a value it read mutates the cached entry too.
 */
export class MemoryStore<K, V> implements Store<K, V> {
  readonly #cache: LRUCache<NonNullable<K>, NonNullable<V>>;
  readonly #ttl: number | undefined;
  readonly #setOptions = { ttl: 0 };
  /** Filled by lru-cache on a read with expiry: the entry's start and ttl, in one lookup. */
  readonly #status: LRUCache.Status<NonNullable<K>, NonNullable<V>> = {};
  readonly #statusOptions = { status: this.#status };

  constructor(options: MemoryStoreOptions = {}) {
    const { max = DEFAULT_MAX, ttl } = options;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new ConfigurationError(`MemoryStore: max must be a whole number >= 1, got ${describeValue(max)}`);
    }
    if (ttl !== undefined && !isTtl(ttl)) {
      throw new ConfigurationError(
        `MemoryStore: ttl must be a finite number of milliseconds > 0 (or omitted), got ${describeValue(ttl)}`,
      );
    }
    this.#ttl = ttl;
    this.#cache = new LRUCache<NonNullable<K>, NonNullable<V>>({
      max,
      // Expired entries are dropped lazily, when read or evicted: no timer per entry (ttlAutopurge off).
      // Reads check expiry against a clock lru-cache reads at most once a millisecond (ttlResolution 1,
      // its default): reading the clock on every hit would halve the speed of a hit. So a read may serve
      // an entry for about a millisecond past its ttl; getWithExpiry reads the clock itself, exactly.
      ttlAutopurge: false,
      ttlResolution: 1,
      // The wall clock, the one the core and Keyv use for expiresAt (epoch ms): start + ttl is then the
      // expiry itself, with no conversion from lru-cache's default monotonic clock.
      perf: Date,
      // Our ttl is enforced for reads and reported by getWithExpiry: never serve a stale entry.
      allowStale: false,
      updateAgeOnGet: false,
    });
  }

  /** The hot path: one map lookup, no allocation besides the promise the interface requires. */
  get(key: K): Promise<V | undefined> {
    return Promise.resolve(this.#cache.get(key as NonNullable<K>));
  }

  /** The same read, without a promise: the core uses it on layer 0 for a hit that costs no microtask. */
  getSync(key: K): V | undefined {
    return this.#cache.get(key as NonNullable<K>);
  }

  /**
   * getSync with the entry's expiry (one lookup), for a layer 0 with grace or refreshAhead: its stale hits
   * cost what its fresh hits cost.
   */
  getSyncWithExpiry(key: K): ValueWithExpiry<V> | undefined {
    const status = this.#status;
    status.ttl = undefined;
    status.start = undefined;
    const value = this.#cache.get(key as NonNullable<K>, this.#statusOptions);
    const { ttl, start } = status;
    // lru-cache keeps the key and value it read in the status: drop them, so they can be collected.
    status.key = undefined;
    status.value = undefined;
    if (value === undefined) return undefined;
    return ttl !== undefined && start !== undefined ? { value, expiresAt: start + ttl } : { value };
  }

  async set(key: K, value: V, ttl?: number): Promise<void> {
    this.#set(key, value, ttl);
  }

  /** The same write, without a promise: the core backfills an in-process layer with it at once. */
  setSync(key: K, value: V, ttl?: number): void {
    this.#set(key, value, ttl);
  }

  async delete(key: K): Promise<void> {
    this.#cache.delete(key as NonNullable<K>);
  }

  async getMany(keys: readonly K[]): Promise<Array<V | undefined>> {
    const cache = this.#cache;
    return keys.map((key) => cache.get(key as NonNullable<K>));
  }

  async setMany(entries: ReadonlyArray<{ key: K; value: V; ttl?: number }>): Promise<void> {
    // Check every ttl first, so that a bad entry leaves the batch unwritten rather than half written.
    for (const entry of entries) checkTtl(entry.ttl);
    for (const { key, value, ttl } of entries) this.#set(key, value, ttl);
  }

  async deleteMany(keys: readonly K[]): Promise<void> {
    for (const key of keys) this.#cache.delete(key as NonNullable<K>);
  }

  async getWithExpiry(key: K): Promise<ValueWithExpiry<V> | undefined> {
    return this.#withExpiry(key);
  }

  async getManyWithExpiry(keys: readonly K[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    return keys.map((key) => this.#withExpiry(key));
  }

  /** Whether a live (unexpired) entry is held; no LRU update. */
  async has(key: K): Promise<boolean> {
    return this.#cache.has(key as NonNullable<K>);
  }

  /** Drops every entry. */
  async clear(): Promise<void> {
    this.#cache.clear();
  }

  /**
   * The keys of the live entries, most recently used first. A snapshot taken when the iteration starts,
   * so writes during the iteration do not disturb it.
   */
  async *keys(): AsyncGenerator<K> {
    const keys = [...this.#cache.keys()];
    for (const key of keys) yield key;
  }

  /** Drops every entry, so that a closed store holds no memory. */
  async close(): Promise<void> {
    this.#cache.clear();
  }

  /** How many entries are held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#cache.size;
  }

  #set(key: K, value: V, ttl: number | undefined): void {
    checkTtl(ttl);
    const effective = ttl ?? this.#ttl;
    // lru-cache wants whole milliseconds; rounding up never ends an entry before its ttl. ttl 0 = no expiry.
    // One options object for every set: lru-cache reads it and keeps nothing of it.
    this.#setOptions.ttl = effective === undefined ? 0 : Math.ceil(effective);
    this.#cache.set(key as NonNullable<K>, value as NonNullable<V>, this.#setOptions);
  }

  #withExpiry(key: K): ValueWithExpiry<V> | undefined {
    // Read the clock before lru-cache does: expiresAt = now + (ttl - (its now - start)) is then never
    // later than the real start + ttl, so a copy made from it cannot outlive the entry. info() reads a
    // fresh clock (get() may use one up to a millisecond old), and get() keeps the entry's LRU recency.
    const now = Date.now();
    if (this.#cache.get(key as NonNullable<K>) === undefined) return undefined;
    const info = this.#cache.info(key as NonNullable<K>);
    if (info === undefined) return undefined;
    if (info.ttl === undefined) return { value: info.value };
    if (info.ttl <= 0) return undefined;
    return { value: info.value, expiresAt: Math.floor(now + info.ttl) };
  }
}

function isTtl(ttl: unknown): ttl is number {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0;
}

function checkTtl(ttl: unknown): void {
  if (ttl !== undefined && !isTtl(ttl)) {
    throw new TypeError(
      `MemoryStore: ttl must be a finite number of milliseconds > 0, got ${describeValue(ttl)}`,
    );
  }
}
