import type { Operation, OperationContext, ServedInfo } from './operation.js';

export type ServedCallback = (layerName: string | undefined, info: ServedInfo) => void;

/**
 * The context passed down the middleware chain. Besides the public fields it carries what the store
 * needs at the bottom of the chain (the loader of getOrLoad, the ttl of a write). They are plain own
 * fields, so a middleware that passes `{ ...ctx, metadata }` down keeps them.
 */
export class OpContext<K, V> implements OperationContext {
  readonly operation: Operation;
  readonly signal: AbortSignal | undefined;
  readonly metadata: Record<string, unknown>;
  readonly ttl: number | undefined;
  readonly loader: ((key: K) => Promise<V | undefined>) | undefined;
  readonly onServed: ServedCallback | undefined;
  readonly cachesOnly: boolean;

  constructor(
    operation: Operation,
    signal: AbortSignal | undefined,
    metadata: Record<string, unknown>,
    ttl?: number,
    loader?: (key: K) => Promise<V | undefined>,
    onServed?: ServedCallback,
    cachesOnly = false,
  ) {
    this.operation = operation;
    this.signal = signal;
    this.metadata = metadata;
    this.ttl = ttl;
    this.loader = loader;
    this.onServed = onServed;
    this.cachesOnly = cachesOnly;
  }
}

/** The internal fields, read from whatever context a middleware passed down. */
export interface InternalFields<K, V> {
  ttl?: number;
  loader?: (key: K) => Promise<V | undefined>;
  onServed?: ServedCallback;
  cachesOnly?: boolean;
}
