import { describeValue } from '../core/errors.js';
import type { Store } from '../core/store.js';

/** A store and how to release what making it opened (a connection, a table, a temporary file). */
export interface StoreWithCleanup<K, V> {
  /** The store the suite checks. */
  store: Store<K, V>;
  /**
   * Called once after the suite's last test, and awaited (what it returns is not used, so
   * `() => db.close()` fits). Default: the store's `close()`, when it has one.
   */
  cleanup?(): unknown;
}

/**
 * What the `make` function of {@link describeStoreConformance} gives: the store itself (closed with its
 * `close()` after the suite, when it has one), or the store with a `cleanup` of your own.
 */
export type StoreUnderTest<K, V> = Store<K, V> | StoreWithCleanup<K, V>;

/** The store of a suite run, ready, with the one way to release it. */
export interface OpenedStore<K, V> {
  store: Store<K, V>;
  cleanup(): Promise<void>;
}

function isStore(value: unknown): value is Store<unknown, unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.get === 'function' &&
    typeof candidate.set === 'function' &&
    typeof candidate.delete === 'function'
  );
}

/** Calls `make` and checks what it gave, so that a wrong factory fails with a message, not a TypeError deep inside a check. */
export async function openStore<K, V>(
  name: string,
  make: () => StoreUnderTest<K, V> | Promise<StoreUnderTest<K, V>>,
): Promise<OpenedStore<K, V>> {
  const made: unknown = await make();
  if (isStore(made)) {
    const store = made as Store<K, V>;
    return { store, cleanup: async () => await store.close?.() };
  }
  const subject = made as Partial<StoreWithCleanup<K, V>> | null | undefined;
  if (subject !== null && typeof subject === 'object' && isStore(subject.store)) {
    const store = subject.store as Store<K, V>;
    const cleanup = subject.cleanup;
    if (cleanup !== undefined && typeof cleanup !== 'function') {
      throw new TypeError(
        `${name}: make() gave a cleanup that is not a function (${describeValue(cleanup)})`,
      );
    }
    return {
      store,
      cleanup: async () => {
        if (cleanup) await cleanup.call(subject);
        else await store.close?.();
      },
    };
  }
  throw new TypeError(
    `${name}: make() gave ${describeValue(made)}, which is not a Store (an object with get, set and ` +
      'delete functions) nor { store, cleanup }',
  );
}
