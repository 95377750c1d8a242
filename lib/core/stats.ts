export interface LayerStats {
  name: string;
  hits: number;
  misses: number;
  errors: number;
  backFills: number;
  /** Reads served a stale entry of this layer (within its grace). */
  staleHits: number;
  /** Background refreshes started for entries of this layer (stale, or within refreshAhead). */
  refreshes: number;
  /** Refreshes that failed (a layer or the loader rejected): the stale entry stayed servable. */
  refreshFailures: number;
}

export interface StoreStats {
  layers: LayerStats[];
  /** Loader calls made by getOrLoad. */
  loads: number;
}
