/** The public operation a middleware call belongs to, in `ctx.operation`. */
export type Operation =
  'get' | 'set' | 'delete' | 'getOrLoad' | 'getMany' | 'has' | 'getSet' | 'clear' | 'keys' | 'invalidate';

/** What a middleware, callback or interceptor learns about the operation in progress. */
export interface OperationContext {
  /** The public method called (`getMany` and `invalidate` of an array pass the array as the key). */
  readonly operation: Operation;
  /** From the call's options. */
  readonly signal?: AbortSignal;
  /** From the call's options; `{}` when none. */
  readonly metadata: Record<string, unknown>;
}

/** What a read tells `onServed` besides the layer: whether the value it served was stale (past its ttl, within grace). */
export interface ServedInfo {
  /** True when the value served was past its ttl but within its layer's grace. */
  stale: boolean;
}

/** Per-call options of every DelegatedStore operation. */
export interface OperationOptions {
  /** Aborts the call: once aborted, the call rejects with the signal's reason before the next layer. */
  signal?: AbortSignal;
  /** Free-form data handed to middlewares and callbacks as `ctx.metadata`. */
  metadata?: Record<string, unknown>;
  /** Milliseconds; replaces the `ttl` of every non-primary layer for this write (set, load). */
  ttl?: number;
  /**
   * The cache layers only: a read walks the non-primary layers (getOrLoad then calls its loader), a `set`
   * writes them (a fenced write of the caches), a `delete` removes the key from them (as `invalidate`).
   * The primary layer is never read, written or deleted by such a call.
   */
  cachesOnly?: boolean;
  /**
   * Called once when a read resolves, with the name of the layer that served the value, `'loader'` when
   * getOrLoad loaded it, `undefined` for a miss; and whether the value was stale. For observability
   * (a response header, a metric).
   */
  onServed?: (layerName: string | undefined, info: ServedInfo) => void;
}

/** A step of the chain: resolves the value read, the value written by `set`, `undefined` for `delete`. */
export type OperationFunc<K, V> = (
  ctx: OperationContext,
  key: K,
  value: V | undefined,
) => Promise<V | undefined>;
/** Wraps the rest of the chain; the one registered last runs first. Backfill writes are not wrapped. */
export type Middleware<K, V> = (next: OperationFunc<K, V>) => OperationFunc<K, V>;
