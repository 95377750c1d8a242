/** The writes of one key to one layer that have not settled yet. */
interface KeyWrites {
  /** Writes issued (sent, or waiting for an earlier one) that have not settled. */
  pending: number;
  /** Of those, the ones whose deadline passed: their caller was told they failed, yet they may still land. */
  late: number;
  /**
   * Settles once the last write of the key issued so far has settled, and so every earlier one. Never
   * rejects. Undefined only while the first write of the key is being issued.
   */
  tail: Promise<void> | undefined;
}

/** A write handed to the store (now or later), and how to tell that its deadline passed. */
export interface OrderedWrite<T> {
  /** The store's own promise: it settles when the write really landed (or failed), not at the deadline. */
  readonly landed: Promise<T>;
  /** Called when the caller's deadline passed before `landed` settled. */
  readonly expire: () => void;
}

/**
 * The writes of one layer with a timeout, per key, in the order the store issued them. A write that timed
 * out is not a write that did not run: the backend may apply it later, after a newer write of the key
 * sent on another connection. So a write of a key is handed to the store only once every earlier write of
 * that key to this layer has settled (landed or failed), whether or not their callers stopped waiting;
 * whatever a layer holds for a key is then the effect of the last writes issued, in order. And until
 * every write of a key that timed out has settled, what the layer holds for that key is unknown: `late`
 * says so, and the store does not read the key there meanwhile.
 *
 * A key costs nothing here while none of its writes is in flight.
 */
export class WriteOrder<K> {
  readonly #keys = new Map<K, KeyWrites>();
  /** How many keys have a late write: reads check a key only when some key has one. */
  #lateKeys = 0;

  /**
   * Sends the write (`send`, which calls the store) at once when no earlier write of its keys is in
   * flight, else once they all settled. `onLateLanding` runs when the write landed after its deadline.
   */
  issue<T>(
    keys: readonly K[],
    send: () => T | PromiseLike<T>,
    onLateLanding?: (keys: readonly K[]) => void,
  ): OrderedWrite<T> {
    const entries = new Array<KeyWrites>(keys.length);
    let earlier: Promise<void>[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      let entry = this.#keys.get(keys[i]);
      if (entry === undefined) {
        entry = { pending: 0, late: 0, tail: undefined };
        this.#keys.set(keys[i], entry);
      } else if (entry.tail !== undefined) {
        (earlier ??= []).push(entry.tail);
      }
      entry.pending++;
      entries[i] = entry;
    }
    const landed =
      earlier === undefined
        ? attempt(send)
        : (earlier.length === 1 ? earlier[0] : Promise.all(earlier)).then(() => send());
    let late = false;
    const settled = landed.then(
      () => this.#settle(keys, entries, late, late ? onLateLanding : undefined),
      () => this.#settle(keys, entries, late, undefined),
    );
    for (const entry of entries) entry.tail = settled;
    const expire = () => {
      late = true;
      for (const entry of entries) if (entry.late++ === 0) this.#lateKeys++;
    };
    return { landed, expire };
  }

  /** Whether a write of the key timed out and has not settled: the layer's value for it is unknown. */
  late(key: K): boolean {
    return this.#lateKeys !== 0 && (this.#keys.get(key)?.late ?? 0) > 0;
  }

  /** The positions of the keys that are late, or undefined when none is (the usual case, without allocating). */
  latePositions(keys: readonly K[]): number[] | undefined {
    if (this.#lateKeys === 0) return undefined;
    let positions: number[] | undefined;
    for (let i = 0; i < keys.length; i++) if (this.late(keys[i])) (positions ??= []).push(i);
    return positions;
  }

  #settle(
    keys: readonly K[],
    entries: KeyWrites[],
    late: boolean,
    onLateLanding: ((keys: readonly K[]) => void) | undefined,
  ): void {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (late && --entry.late === 0) this.#lateKeys--;
      if (--entry.pending === 0) this.#keys.delete(keys[i]);
    }
    if (onLateLanding === undefined) return;
    try {
      onLateLanding(keys);
    } catch {
      // The hook reports its own failures; a throw here must not break the order of the next writes.
    }
  }
}

function attempt<T>(send: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(send());
  } catch (error) {
    return Promise.reject(error);
  }
}
