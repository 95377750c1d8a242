import type { OperationContext } from './operation.js';

/** Called after each successful backfill or load write; a throw or rejection in it affects nothing else. */
export type BackFillCallback<K, V> = (
  ctx: OperationContext,
  key: K,
  value: V,
  layerIndex: number,
  isPrimary: boolean,
) => void | Promise<void>;

/** Emitted on `backFill$` once per layer written by a backfill or a load, after the write succeeded. */
export interface BackFillEvent<K, V> {
  /** The key written. */
  key: K;
  /** The value written. */
  value: V;
  /** The layer that was written. */
  layerIndex: number;
  /** The name of the layer written. */
  layerName: string;
  /** Whether the layer written is the primary one. */
  isPrimary: boolean;
  /** Where the value was found; `layers.length` when it came from a loader. */
  sourceLayerIndex: number;
}
