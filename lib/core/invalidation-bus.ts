/** Carries written keys between store instances, so that each can drop its process-local copies. */
export interface InvalidationBus {
  /** Sends the keys written by this instance to every other instance on the bus. */
  publish(keys: readonly string[]): Promise<void>;
  /** Messages from other instances only. */
  subscribe(onKeys: (keys: string[]) => void): Promise<void>;
  /** Stops subscribing and releases the connections; called by `DelegatedStore.close()`. */
  close(): Promise<void>;
}

/**
 * The key a store publishes for a `clear()`: every other instance empties its `local` layers. It travels
 * like any key, so every bus carries it; no real key can be equal to it (it starts with a NUL character).
 */
export const CLEAR_ALL_KEYS = '\u0000delegated-store:clear';
