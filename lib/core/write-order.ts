import type { DeadlineWatcher } from './deadline-queue.js';

/** One write of a layer with a timeout, from the moment it is issued until it settled. */
export class OrderedWrite<K> implements DeadlineWatcher {
  /**
   * The store's own promise: it settles when the write really landed (or failed), not at the deadline.
   * Set by WriteOrder.issue right after construction.
   */
  landed!: Promise<unknown>;
  /** The caller's deadline passed before it settled: the caller was told it failed, yet it may land. */
  late = false;
  done = false;
  /** Writes of the same keys issued after this one, waiting for it to settle. */
  waiters: Array<() => void> | undefined;

  constructor(
    readonly keys: readonly K[],
    private readonly order: WriteOrder<K>,
    private readonly onLateLanding: ((keys: readonly K[]) => void) | undefined,
  ) {}

  expired(): void {
    this.late = true;
    this.order.expired(this);
  }

  settled(fulfilled: boolean): void {
    this.done = true;
    this.order.settled(this);
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters) for (const wake of waiters) wake();
    if (this.late && fulfilled && this.onLateLanding) {
      try {
        this.onLateLanding(this.keys);
      } catch {
        // The hook reports its own failures; a throw here must not reach the store's caller.
      }
    }
  }
}

/** The writes of one key in flight on one layer. */
interface KeyWrites<K> {
  /** The last write of the key issued; once it settled, so had every earlier one. */
  last: OrderedWrite<K>;
  /** How many of the key's writes in flight are late. */
  late: number;
}

/**
 * The writes of one layer with a timeout, per key, in the order the store issued them. A write that timed
 * out is not a write that did not run: the backend may apply it later, after a newer write of the key
 * sent on another connection. So a write of a key is handed to the store only once every earlier write of
 * that key to this layer has settled (landed or failed), whether or not their callers stopped waiting:
 * whatever the layer holds for a key is then the effect of the writes issued, applied in order. And until
 * every write of a key that timed out has settled, what the layer holds for that key is unknown: `late`
 * says so, and the store does not read the key there meanwhile.
 *
 * The deadline queue reports to each write (`DeadlineWatcher`) when its deadline passed and when it
 * settled. A key costs nothing here while none of its writes is in flight.
 */
export class WriteOrder<K> {
  readonly #keys = new Map<K, KeyWrites<K>>();
  /** How many keys have a late write: reads check a key only when some key has one. */
  #lateKeys = 0;

  /**
   * Sends the write (`send` calls the store) at once when no earlier write of its keys is in flight, else
   * once they all settled. `onLateLanding` runs when it landed after its deadline.
   */
  issue(
    keys: readonly K[],
    send: () => unknown,
    onLateLanding?: (keys: readonly K[]) => void,
  ): OrderedWrite<K> {
    const write = new OrderedWrite(keys, this, onLateLanding);
    let earlier: OrderedWrite<K>[] | undefined;
    for (const key of keys) {
      const entry = this.#keys.get(key);
      if (entry === undefined) {
        this.#keys.set(key, { last: write, late: 0 });
      } else {
        if (!entry.last.done && entry.last !== write) (earlier ??= []).push(entry.last);
        entry.last = write;
      }
    }
    write.landed = earlier === undefined ? attempt(send) : afterAll(earlier).then(send);
    return write;
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

  expired(write: OrderedWrite<K>): void {
    for (const key of write.keys) {
      const entry = this.#keys.get(key);
      if (entry !== undefined && entry.late++ === 0) this.#lateKeys++;
    }
  }

  settled(write: OrderedWrite<K>): void {
    for (const key of write.keys) {
      const entry = this.#keys.get(key);
      if (entry === undefined) continue; // a key listed twice in one write
      if (write.late && --entry.late === 0) this.#lateKeys--;
      if (entry.last === write && entry.late === 0) this.#keys.delete(key);
    }
  }
}

/** Resolves once every write settled (each never rejects this). */
function afterAll<K>(writes: OrderedWrite<K>[]): Promise<void> {
  return new Promise<void>((resolve) => {
    let left = writes.length;
    const wake = () => {
      if (--left === 0) resolve();
    };
    for (const write of writes) {
      if (write.done) wake();
      else (write.waiters ??= []).push(wake);
    }
  });
}

function attempt(send: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(send());
  } catch (error) {
    return Promise.reject(error);
  }
}
