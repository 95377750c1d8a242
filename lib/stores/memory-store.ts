import { ConfigurationError, describeValue } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';
import { coarseNow } from './coarse-clock.js';
import { LruMap } from './lru-map.js';

/** The options of `new MemoryStore(options)`. */
export interface MemoryStoreOptions {
  /** The most entries kept; the least recently used one goes first. Default 10_000. */
  max?: number;
  /** Milliseconds, used by a `set` without its own ttl. Omitted: such entries never expire. */
  ttl?: number;
}

const DEFAULT_MAX = 10_000;

/**
 * An in-process LRU layer (its own: a `Map` to slots and parallel arrays). Values are kept by reference (no copy, no serialisation):
 * a caller that mutates a value it read mutates the cached entry too.
 */
export class MemoryStore<K, V> implements Store<K, V> {
  readonly #cache: LruMap<K, V>;
  readonly #ttl: number | undefined;

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
    // Expired entries are dropped lazily, when read or evicted: no timer per entry. Reads check expiry
    // against a clock read at most once a millisecond (coarseNow): reading the clock on every hit would
    // slow a hit down. So a read may serve an entry for about a millisecond past its ttl; getWithExpiry
    // reads the clock itself, exactly. The clock is the wall clock (epoch ms), the one the core and Keyv
    // use for expiresAt.
    this.#cache = new LruMap<K, V>(max, coarseNow);
  }

  /** The hot path: one map lookup, no allocation besides the promise the interface requires. */
  get(key: K): Promise<V | undefined> {
    return Promise.resolve(this.#cache.get(key));
  }

  /** The same read, without a promise: the core uses it on layer 0 for a hit that costs no microtask. */
  getSync(key: K): V | undefined {
    return this.#cache.get(key);
  }

  /**
   * getSync with the entry's expiry (one lookup), for a layer 0 with grace or refreshAhead: its stale hits
   * cost what its fresh hits cost.
   */
  getSyncWithExpiry(key: K): ValueWithExpiry<V> | undefined {
    const cache = this.#cache;
    const slot = cache.find(key);
    if (slot < 0) return undefined;
    const expiresAt = cache.expiryAt(slot);
    return expiresAt !== 0 ? { value: cache.valueAt(slot), expiresAt } : { value: cache.valueAt(slot) };
  }

  async set(key: K, value: V, ttl?: number): Promise<void> {
    this.#set(key, value, ttl);
  }

  /** The same write, without a promise: the core backfills an in-process layer with it at once. */
  setSync(key: K, value: V, ttl?: number): void {
    this.#set(key, value, ttl);
  }

  async delete(key: K): Promise<void> {
    this.#cache.delete(key);
  }

  async getMany(keys: readonly K[]): Promise<Array<V | undefined>> {
    const cache = this.#cache;
    return keys.map((key) => cache.get(key));
  }

  async setMany(entries: ReadonlyArray<{ key: K; value: V; ttl?: number }>): Promise<void> {
    // Check every ttl first, so that a bad entry leaves the batch unwritten rather than half written.
    for (const entry of entries) checkTtl(entry.ttl);
    for (const { key, value, ttl } of entries) this.#set(key, value, ttl);
  }

  async deleteMany(keys: readonly K[]): Promise<void> {
    for (const key of keys) this.#cache.delete(key);
  }

  async getWithExpiry(key: K): Promise<ValueWithExpiry<V> | undefined> {
    return this.#withExpiry(key);
  }

  async getManyWithExpiry(keys: readonly K[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    return keys.map((key) => this.#withExpiry(key));
  }

  /** Whether a live (unexpired) entry is held; no LRU update. */
  async has(key: K): Promise<boolean> {
    return this.#cache.has(key);
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
    const keys = this.#cache.keys();
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
    // undefined is a miss, never a value: writing it drops the entry.
    if (value === undefined) {
      this.#cache.delete(key);
      return;
    }
    const effective = ttl ?? this.#ttl;
    // Whole milliseconds from the exact clock: rounding up never ends an entry before its ttl. 0: no expiry.
    this.#cache.set(key, value, effective === undefined ? 0 : Date.now() + Math.ceil(effective));
  }

  #withExpiry(key: K): ValueWithExpiry<V> | undefined {
    // The read keeps the entry's LRU recency; the exact clock then decides: an entry at or past its expiry
    // is not reported, so a copy made from what is reported cannot outlive the entry.
    const cache = this.#cache;
    const slot = cache.find(key);
    if (slot < 0) return undefined;
    const expiresAt = cache.expiryAt(slot);
    if (expiresAt === 0) return { value: cache.valueAt(slot) };
    if (expiresAt <= Date.now()) return undefined;
    return { value: cache.valueAt(slot), expiresAt };
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
