/** The counters of one layer since the store was built. */
export interface LayerStats {
  /** The layer's name (`layer${index}` by default). */
  name: string;
  /** Reads this layer answered with a value. */
  hits: number;
  /** Reads this layer answered without a value (a failure counts in `errors` instead). */
  misses: number;
  /** Reads and writes of this layer that failed (timeouts included). */
  errors: number;
  /** Successful backfill and load writes into this layer. */
  backFills: number;
  /** Reads served a stale entry of this layer (within its grace). */
  staleHits: number;
  /** Background refreshes started for entries of this layer (stale, or within refreshAhead). */
  refreshes: number;
  /** Refreshes that failed (a layer or the loader rejected): the stale entry stayed servable. */
  refreshFailures: number;
}

/** What `DelegatedStore.stats()` returns: counters since construction. */
export interface StoreStats {
  /** One entry per layer, in layer order. */
  layers: LayerStats[];
  /** Loader calls made by getOrLoad. */
  loads: number;
}
