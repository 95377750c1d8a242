import type { OperationContext } from './operation.js';

export type BackFillCallback<K, V> = (
  ctx: OperationContext,
  key: K,
  value: V,
  layerIndex: number,
  isPrimary: boolean,
) => void | Promise<void>;

export interface BackFillEvent<K, V> {
  key: K;
  value: V;
  /** The layer that was written. */
  layerIndex: number;
  layerName: string;
  isPrimary: boolean;
  /** Where the value was found; `layers.length` when it came from a loader. */
  sourceLayerIndex: number;
}
