/** One storage backend. A miss is `undefined`, or a rejection with NotFoundError. `null` is a value. */
export interface Store<K, V> {
  /** The value of the key: `undefined` (or a rejection with NotFoundError) for a miss. */
  get(key: K): Promise<V | undefined>;
  /** `ttl` in milliseconds; omitted: no expiry. */
  set(key: K, value: V, ttl?: number): Promise<void>;
  /** Removes the key; resolves also when the key was absent. */
  delete(key: K): Promise<void>;
  /** Batch read: one entry per key, in order (`undefined`: a miss). Without it: concurrent `get`s. */
  getMany?(keys: readonly K[]): Promise<Array<V | undefined>>;
  /** Batch write, each entry with its own `ttl` (ms). Without it, the store sends concurrent `set`s. */
  setMany?(entries: ReadonlyArray<{ key: K; value: V; ttl?: number }>): Promise<void>;
  /** Batch delete. Without it, the store sends concurrent `delete`s. */
  deleteMany?(keys: readonly K[]): Promise<void>;
  /** Releases connections and timers; called by `DelegatedStore.close()`. */
  close?(): Promise<void>;
  /** The value and when it expires (epoch ms), so that a backfilled copy never outlives its source. */
  getWithExpiry?(key: K): Promise<ValueWithExpiry<V> | undefined>;
  /** The batch form of getWithExpiry, so that getMany keeps one round trip per layer and the expiry rule. */
  getManyWithExpiry?(keys: readonly K[]): Promise<Array<ValueWithExpiry<V> | undefined>>;
  /**
   * A synchronous read for in-process stores. When layer 0 has it, a hit costs no promise chain:
   * the store answers from it and falls back to `get` on a miss.
   */
  getSync?(key: K): V | undefined;
  /** getSync with the entry's expiry, for a layer 0 with grace or refreshAhead. */
  getSyncWithExpiry?(key: K): ValueWithExpiry<V> | undefined;
  /**
   * A synchronous write for in-process stores: what `set` does, without a promise (a throw is a failed
   * write). A backfill writes a layer whose store has it (and that has no `timeout`) at once, during the
   * read that found the value, instead of in the background.
   */
  setSync?(key: K, value: V, ttl?: number): void;
  /** Whether the store holds a live value for the key. Without it, `DelegatedStore.has` reads the value. */
  has?(key: K): Promise<boolean>;
  /** An atomic swap: writes the value and resolves the one it replaced (`undefined` for none). */
  getSet?(key: K, value: V, ttl?: number): Promise<V | undefined>;
  /** Empties the store (its own entries only: a namespace, a prefix). Needed by `DelegatedStore.clear()`. */
  clear?(): Promise<void>;
  /** Every key the store holds. Needed on the primary layer by `DelegatedStore.keys()`. */
  keys?(): AsyncIterable<K>;
}

/** A value read together with the time it expires, from `getWithExpiry`. */
export interface ValueWithExpiry<V> {
  /** The stored value. */
  value: V;
  /** Epoch milliseconds; omitted: no expiry. */
  expiresAt?: number;
}

/** One layer of a DelegatedStore: a store and how the DelegatedStore uses it. Index 0 is read first. */
export interface Layer<K, V> {
  /** The backend of this layer; needs `get`, `set` and `delete`. */
  store: Store<K, V>;
  /** The source of truth (at most one layer). */
  primary?: boolean;
  /** Milliseconds, used whenever the store writes this layer (set, backfill, load); > 0. */
  ttl?: number;
  /** Used in events and stats; default `layer${index}`; unique. */
  name?: string;
  /**
   * Milliseconds. A read slower than this counts as a miss (the primary: rejects with
   * LayerTimeoutError); a write slower than this counts as a failed write of that layer.
   */
  timeout?: number;
  /** Process-local: another instance's write of a key removes it here (needs an invalidation bus). */
  local?: boolean;
  /**
   * Ms an entry stays servable after its ttl ran out (it is then "stale"): a read serves it at once and
   * refreshes it in the background (stale-while-revalidate), and keeps serving it while the source is
   * down. Cache layers only; needs a `ttl` and a store with `getWithExpiry`.
   */
  grace?: number;
  /** Ms: a read of a fresh entry with less fresh time left than this refreshes it in the background. */
  refreshAhead?: number;
}
