import type { DelegatedStore } from '../../core/delegated-store.js';

/** The callers of one key of one store that are waiting for `getOrLoad`, and the last load's result. */
export interface WaitingCallers {
  count: number;
  /** Set by the loader: what the method returned, cached or not. */
  lastResult: { value: unknown } | undefined;
}

/**
 * Results that a load returned to its callers but not to the store. With `unless`, the loader gives the
 * store `undefined` (so nothing is cached), and the store resolves every caller that shared the load with
 * that `undefined`: each of them then takes the method's real result from here. An entry lives while a
 * caller of its key waits, and is keyed by store, so two applications never see each other's results.
 */
export class UncachedResults {
  readonly #byStore = new WeakMap<DelegatedStore<string, unknown>, Map<string, WaitingCallers>>();

  enter(store: DelegatedStore<string, unknown>, key: string): WaitingCallers {
    let byKey = this.#byStore.get(store);
    if (byKey === undefined) {
      byKey = new Map();
      this.#byStore.set(store, byKey);
    }
    let waiting = byKey.get(key);
    if (waiting === undefined) {
      waiting = { count: 0, lastResult: undefined };
      byKey.set(key, waiting);
    }
    waiting.count++;
    return waiting;
  }

  leave(store: DelegatedStore<string, unknown>, key: string, waiting: WaitingCallers): void {
    waiting.count--;
    const byKey = this.#byStore.get(store);
    if (waiting.count === 0 && byKey?.get(key) === waiting) byKey.delete(key);
  }
}
