export interface LayerStats {
  name: string;
  hits: number;
  misses: number;
  errors: number;
  backFills: number;
}

export interface StoreStats {
  layers: LayerStats[];
  /** Loader calls made by getOrLoad. */
  loads: number;
}
