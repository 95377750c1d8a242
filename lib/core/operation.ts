export type Operation = 'get' | 'set' | 'delete' | 'getOrLoad' | 'getMany';

export interface OperationContext {
  readonly operation: Operation;
  /** From the call's options. */
  readonly signal?: AbortSignal;
  /** From the call's options; `{}` when none. */
  readonly metadata: Record<string, unknown>;
}

export interface OperationOptions {
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  /** Milliseconds; replaces the `ttl` of every non-primary layer for this write (set, load). */
  ttl?: number;
  /**
   * Called once when a get or getOrLoad resolves, with the name of the layer that served the value,
   * `'loader'` when getOrLoad loaded it, `undefined` for a miss. For observability (a response header).
   */
  onServed?: (layerName: string | undefined) => void;
}

export type OperationFunc<K, V> = (
  ctx: OperationContext,
  key: K,
  value: V | undefined,
) => Promise<V | undefined>;
export type Middleware<K, V> = (next: OperationFunc<K, V>) => OperationFunc<K, V>;
