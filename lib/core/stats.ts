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
  /** Backfills dropped because a write of the same key overlapped them, or because the queue was full. */
  droppedBackFills: number;
}
